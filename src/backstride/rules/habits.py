"""Habit rules X1 (at least an hour a week of another sport) and C1 (2-3 strength or core
sessions a week), over the 7 days ending on ``as_of``.

Contract: :func:`habit_status` computes both rules' numbers and outcome codes for every
athlete at once from a :class:`~backstride.analysis.load.LoadAnalysis`;
:func:`habit_findings` turns one athlete's column into findings. Both need a full week of
data since the athlete's first activity. Cross-training counts every activity that is
neither a run nor a strength session (it adds to load, never to running distance); strength
counts imported strength and core sessions for C1 only, so no session counts twice.
:func:`with_logged_routines` adds what the runner logged with ``backstride done`` (core
sessions, cross-training minutes), and :func:`warmup_finding` gives C2, the share of recent
runs with a logged warm-up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt

from backstride.analysis.load import LoadAnalysis
from backstride.rules.catalogue import CATALOGUE
from backstride.rules.finding import SEVERITY_RANK, Finding

X1, C1, C2 = CATALOGUE["X1"], CATALOGUE["C1"], CATALOGUE["C2"]
FloatArray = npt.NDArray[np.float64]
Codes = npt.NDArray[np.int8]


@dataclass(frozen=True, eq=False)
class HabitStatus:
    """Per athlete: minutes of other sport and strength sessions in the last 7 days, with
    the X1 and C1 outcome codes (-1: not enough data)."""

    as_of: date
    other_minutes: FloatArray
    x1_code: Codes
    strength_sessions: FloatArray
    c1_code: Codes

    def severity_ranks(self) -> dict[str, Codes]:
        """Per rule, each athlete's severity rank (-1: no finding)."""
        out = {}
        for rule, codes in ((X1, self.x1_code), (C1, self.c1_code)):
            lookup = [SEVERITY_RANK[o.severity] for o in rule.outcomes.values()]
            out[rule.id] = np.array([*lookup, -1], np.int8)[codes]
        return out


def habit_status(
    analysis: LoadAnalysis,
    *,
    as_of: date,
    min_minutes: float | None = None,
    min_sessions: float | None = None,
) -> HabitStatus:
    """X1 and C1 outcome codes on ``as_of`` for every athlete.

    >>> from backstride.analysis.load import analyse_load
    >>> from backstride.analysis.table import ActivityTable
    >>> t = ActivityTable.from_columns(
    ...     ["2024-01-01", "2024-01-05", "2024-01-06", "2024-01-07"],
    ...     ["running", "cycling", "training", "training"],
    ...     [8000.0, 20000.0, 0.0, 0.0], [2400.0, 2700.0, 1200.0, 1200.0])
    >>> s = habit_status(analyse_load(t), as_of=date(2024, 1, 7))
    >>> s.other_minutes.tolist(), X1.outcome_names[s.x1_code[0]], C1.outcome_names[s.c1_code[0]]
    ([45.0], 'low', 'enough')
    """
    min_minutes = X1.thresholds["min_minutes"] if min_minutes is None else min_minutes
    min_sessions = C1.thresholds["min_sessions"] if min_sessions is None else min_sessions
    daily = analysis.daily
    row = daily.index_of(as_of)
    full_week = row - daily.first_active_day >= 6
    other_s, sessions = analysis.habit_totals_7d(row)
    minutes = other_s / 60.0
    x1 = np.where(minutes >= min_minutes, X1.code("enough"), X1.code("low"))
    ever = daily.strength_sessions[: row + 1].any(axis=0)
    c1 = np.where(
        sessions >= min_sessions,
        C1.code("enough"),
        np.where(ever, C1.code("low"), C1.code("none_recorded")),
    )
    return HabitStatus(
        as_of=as_of,
        other_minutes=minutes,
        x1_code=np.where(full_week, x1, -1).astype(np.int8),
        strength_sessions=sessions,
        c1_code=np.where(full_week, c1, -1).astype(np.int8),
    )


def habit_findings(status: HabitStatus, *, athlete: int = 0) -> list[Finding]:
    """One athlete's X1 and C1 findings."""
    found = []
    if status.x1_code[athlete] >= 0:
        outcome = X1.outcome_names[status.x1_code[athlete]]
        found.append(X1.finding(outcome, status.as_of, {"minutes": status.other_minutes[athlete]}))
    if status.c1_code[athlete] >= 0:
        outcome = C1.outcome_names[status.c1_code[athlete]]
        sessions = int(status.strength_sessions[athlete])
        found.append(C1.finding(outcome, status.as_of, {"sessions": sessions}))
    return found


def with_logged_routines(
    findings: list[Finding],
    *,
    as_of: date,
    core_sessions: int,
    cross_minutes: float,
    core_ever: bool,
) -> list[Finding]:
    """The X1 and C1 findings (as :func:`habit_findings` gave them, possibly none) with the
    routines logged in the same 7 days added: ``core_sessions`` logged core sessions (C1)
    and ``cross_minutes`` logged cross-training minutes (X1). Other findings pass through.

    Without a finding (less than a full week of data) a rule speaks only when the logged
    routines alone reach its aim; with nothing logged the findings are returned unchanged.
    ``core_ever``: a core session was logged at some time (then C1 says "low", not "none").

    >>> d = date(2024, 1, 7)
    >>> c1 = C1.finding("low", d, {"sessions": 1})
    >>> [(f.rule, f.severity, f.values) for f in with_logged_routines([c1], as_of=d,
    ...     core_sessions=1, cross_minutes=60.0, core_ever=True)]
    [('X1', 'ok', {'minutes': 60.0}), ('C1', 'ok', {'sessions': 2})]
    """
    x1 = next((f for f in findings if f.rule == "X1"), None)
    c1 = next((f for f in findings if f.rule == "C1"), None)
    out = [f for f in findings if f.rule not in ("X1", "C1")]
    if cross_minutes > 0:
        minutes = float(x1.values["minutes"] or 0.0) if x1 is not None else 0.0
        minutes += cross_minutes
        enough = minutes >= X1.thresholds["min_minutes"]
        if x1 is not None or enough:
            out.append(X1.finding("enough" if enough else "low", as_of, {"minutes": minutes}))
    elif x1 is not None:
        out.append(x1)
    if core_sessions > 0:
        sessions = int(c1.values["sessions"] or 0) if c1 is not None else 0
        sessions += core_sessions
        enough = sessions >= C1.thresholds["min_sessions"]
        if c1 is not None or enough:
            outcome = "enough" if enough else "low"
            out.append(C1.finding(outcome, as_of, {"sessions": sessions}))
    elif c1 is not None and core_ever and c1.severity == "info":
        out.append(C1.finding("low", as_of, {"sessions": int(c1.values["sessions"] or 0)}))
    elif c1 is not None:
        out.append(c1)
    return out


def warmup_finding(*, as_of: date, runs: int, warmed: int, ever_logged: bool) -> Finding | None:
    """C2 over the last 14 days: the share of ``runs`` with a logged warm-up (``warmed``).

    None before the first warm-up is ever logged (nothing known: the light stays unknown)
    and when there was no run.

    >>> warmup_finding(as_of=date(2024, 1, 7), runs=4, warmed=3, ever_logged=True).severity
    'ok'
    >>> warmup_finding(as_of=date(2024, 1, 7), runs=4, warmed=2, ever_logged=True).severity
    'info'
    """
    if not ever_logged or runs <= 0:
        return None
    outcome = "warmed_up" if warmed >= C2.thresholds["min_share"] * runs else "often_skipped"
    return C2.finding(outcome, as_of, {"warmed": warmed, "runs": runs})
