"""Habit rules X1 (at least an hour a week of another sport) and C1 (2-3 strength or core
sessions a week), over the 7 days ending on ``as_of``.

Contract: :func:`habit_status` computes both rules' numbers and outcome codes for every
athlete at once from a :class:`~backstride.analysis.load.LoadAnalysis`;
:func:`habit_findings` turns one athlete's column into findings. Both need a full week of
data since the athlete's first activity. Cross-training counts every activity that is not a
run (it adds to load, never to running distance); strength counts imported strength and core
sessions (manual logging arrives with the plan).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt

from backstride.analysis.load import LoadAnalysis
from backstride.rules.catalogue import CATALOGUE
from backstride.rules.finding import SEVERITY_RANK, Finding

X1, C1 = CATALOGUE["X1"], CATALOGUE["C1"]
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
    min_minutes: float = X1.thresholds["min_minutes"],
    min_sessions: float = C1.thresholds["min_sessions"],
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
    ([85.0], 'enough', 'enough')
    """
    daily = analysis.daily
    row = daily.index_of(as_of)
    full_week = row - daily.first_active_day >= 6
    minutes = analysis.other_time_7d_s[row] / 60.0
    x1 = np.where(minutes >= min_minutes, X1.code("enough"), X1.code("low"))
    sessions = analysis.strength_sessions_7d[row]
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
