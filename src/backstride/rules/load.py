"""Load rules L1-L6: vectorised verdicts for every athlete, then one athlete's findings.

Contract: :func:`load_status` takes a :class:`~backstride.analysis.load.LoadAnalysis` (all
athletes, all days) and a day ``as_of`` and returns a :class:`LoadStatus`: per athlete (and
per recent run for L1) the numbers each rule looks at and an *outcome code*, the position of
the verdict in the rule's ``outcomes`` (-1: the rule has nothing to say). No Python loop runs
over athletes or days. :func:`load_findings` turns one athlete's column into
:class:`~backstride.rules.finding.Finding` objects.

Windows: L1 judges each run of the last 7 days against the previous 30 days; L2, L5, L6 use
the 7 days ending on ``as_of`` (rolling, so a Monday is not compared with a whole week),
L2 against the 7 days before them (Nielsen 2014 grouped sessions by the change between two
consecutive weeks; "over 2 weeks" is read as that pair of weeks). The outcome classifiers,
with thresholds as keyword arguments defaulting to the catalogue, live in
:mod:`backstride.rules.load_outcomes`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt

from backstride.analysis.load import LoadAnalysis, relative_change
from backstride.analysis.table import ActivityTable
from backstride.rules.catalogue import CATALOGUE
from backstride.rules.finding import SEVERITY_RANK, Finding
from backstride.rules.load_outcomes import (
    acwr_outcome,
    monotony_outcome,
    progression_outcome,
    spike_outcome,
    strain_threshold,
)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Codes = npt.NDArray[np.int8]

L1, L2, L3, L4, L5, L6 = (CATALOGUE[k] for k in ("L1", "L2", "L3", "L4", "L5", "L6"))


def _ranks(rule_id: str, codes: Codes) -> Codes:
    """Severity rank of each outcome code (-1 stays -1)."""
    lookup = [SEVERITY_RANK[o.severity] for o in CATALOGUE[rule_id].outcomes.values()]
    return np.array([*lookup, -1], dtype=np.int8)[codes]


@dataclass(frozen=True, eq=False)
class LoadStatus:
    """Every load rule's numbers and outcome code on ``as_of``, for every athlete.

    ``run_rows`` are the table rows of the runs of the last ``recent_days`` days (all
    athletes; ``run_athletes`` says whose), with their L1 codes in ``run_codes``. The other
    arrays have one entry per athlete; ``*_code`` arrays hold outcome codes (-1: nothing).
    """

    as_of: date
    row: int
    run_rows: IntArray
    run_athletes: IntArray
    run_codes: Codes
    longest_30d_m: FloatArray
    cap_code: Codes
    run_7d_m: FloatArray
    run_prev_7d_m: FloatArray
    l2_code: Codes
    acwr: FloatArray
    days_of_data: IntArray
    l3_code: Codes
    load_7d_au: FloatArray
    sessions_7d: IntArray
    rated_7d: IntArray
    l5_code: Codes
    monotony: FloatArray
    monotony_code: Codes
    strain: FloatArray
    strain_threshold: FloatArray
    strain_code: Codes

    def severity_ranks(self) -> dict[str, Codes]:
        """Per rule, each athlete's most pressing severity rank (-1: no finding)."""
        l1 = _ranks("L1", self.cap_code)
        np.maximum.at(l1, self.run_athletes, _ranks("L1", self.run_codes))
        return {
            "L1": l1,
            "L2": _ranks("L2", self.l2_code),
            "L3": _ranks("L3", self.l3_code),
            "L4": np.where(self.days_of_data > 0, 0, -1).astype(np.int8),
            "L5": _ranks("L5", self.l5_code),
            "L6": np.maximum(_ranks("L6", self.monotony_code), _ranks("L6", self.strain_code)),
        }


def load_status(
    analysis: LoadAnalysis,
    table: ActivityTable,
    *,
    as_of: date,
    recent_days: float | None = None,
    window_days: float | None = None,
) -> LoadStatus:
    """Outcome codes of L1-L6 on ``as_of`` for every athlete of ``analysis``.

    ``table`` must be the table ``analysis`` was computed from. L2 needs two full windows
    since the athlete's first activity (a single week of data gives no L2 verdict); L3 says
    ``too_early`` before 28 days; L6 needs a 7-day window with some load, and for strain at
    least 4 earlier weeks.
    """
    recent_days = L1.thresholds["recent_days"] if recent_days is None else recent_days
    window_days = L2.thresholds["window_days"] if window_days is None else window_days
    daily = analysis.daily
    row = daily.index_of(as_of)
    window = int(window_days)
    first = daily.first_active_day

    day = analysis.day
    in_window = (day > row - window) & (day <= row)
    # L1's recent days are L2's window by default: one mask over the rows for both.
    last_days = in_window if recent_days == window else (day > row - recent_days) & (day <= row)
    recent = last_days & ~np.isnan(analysis.spike)
    run_rows = np.flatnonzero(recent)
    run_codes = spike_outcome(analysis.spike[run_rows], analysis.had_run_before[run_rows])

    longest = analysis.longest_run_30d_m[row]
    cap_code = np.where(longest > 0, L1.code("cap"), -1).astype(np.int8)

    current, previous, l2_codes = l2_on_rows(analysis, np.array([row]), window_days=window_days)
    current, previous, l2_code = current[0], previous[0], l2_codes[0]

    days_of_data = np.maximum(row - first + 1, 0)
    acwr = analysis.acwr[row]
    l3_code = acwr_outcome(acwr, days_of_data)
    l3_code[days_of_data == 0] = -1

    n = daily.n_athletes
    sessions = np.bincount(table.athlete[in_window], minlength=n)
    rated = np.bincount(table.athlete[in_window & np.isfinite(table.rpe)], minlength=n)
    l5_code = np.where(
        sessions == 0, -1, np.where(rated == sessions, L5.code("rated"), L5.code("unrated"))
    ).astype(np.int8)

    load_7d = analysis.load_7d_au[row]
    monotony = analysis.monotony[row]
    monotony_code = monotony_outcome(monotony)
    monotony_code[load_7d <= 0] = -1
    strain = analysis.strain[row]
    threshold = strain_threshold(analysis.strain, row)
    strain_code = np.where(
        np.isnan(threshold) | np.isnan(strain) | (load_7d <= 0),
        -1,
        np.where(strain > threshold, L6.code("strain_high"), L6.code("strain_usual")),
    ).astype(np.int8)

    return LoadStatus(
        as_of=as_of,
        row=row,
        run_rows=run_rows,
        run_athletes=table.athlete[run_rows],
        run_codes=run_codes,
        longest_30d_m=longest,
        cap_code=cap_code,
        run_7d_m=current,
        run_prev_7d_m=previous,
        l2_code=l2_code,
        acwr=acwr,
        days_of_data=days_of_data,
        l3_code=l3_code,
        load_7d_au=load_7d,
        sessions_7d=sessions,
        rated_7d=rated,
        l5_code=l5_code,
        monotony=monotony,
        monotony_code=monotony_code,
        strain=strain,
        strain_threshold=threshold,
        strain_code=strain_code,
    )


def l2_on_rows(
    analysis: LoadAnalysis, rows: IntArray, *, window_days: float | None = None
) -> tuple[FloatArray, FloatArray, Codes]:
    """L2's one operationalisation, on each day index of ``rows`` for every athlete: the
    running distance of the 7 days ending that day, of the 7 days before them, and the
    outcome code (arrays of shape rows x athletes; -1 until two full windows have passed
    since the athlete's first activity).

    A calendar week's verdict is this on the week's last day (its Sunday, or the day asked
    for in the current week): Monday-Sunday against the Monday-Sunday before, the pair of
    consecutive weeks Nielsen 2014 compared.
    """
    window_days = L2.thresholds["window_days"] if window_days is None else window_days
    window = int(window_days)
    rows = np.asarray(rows, dtype=np.int64)
    both = analysis.run_distance_7d_at(np.concatenate([rows, np.maximum(rows - window, 0)]))
    current, earlier = both[: len(rows)], both[len(rows) :]
    previous = np.where((rows >= window)[:, None], earlier, 0.0)
    codes = progression_outcome(current, previous)
    codes[(rows[:, None] - 2 * window + 1) < analysis.daily.first_active_day[None, :]] = -1
    return current, previous, codes


def l2_finding(day: date, current_m: float, previous_m: float, code: int) -> Finding | None:
    """The L2 finding for one athlete on ``day`` from :func:`l2_on_rows`' numbers (None for
    code -1)."""
    if code < 0:
        return None
    change = float(relative_change(current_m, previous_m))
    return L2.finding(
        L2.outcome_names[code],
        day,
        {"run_7d_m": current_m, "run_prev_7d_m": previous_m, "change": change},
        display={
            "km_7d": current_m / 1000,
            "prev_km": previous_m / 1000,
            "change_pct": change * 100,
        },
    )


def l2_on_days(
    analysis: LoadAnalysis, days: list[date], *, athlete: int = 0
) -> list[Finding | None]:
    """The L2 finding ``status --on day`` gives on each of ``days`` (None where L2 has
    nothing to say): the verdict a week table shows for a week ending on that day.

    >>> from backstride.analysis.load import analyse_load
    >>> t = ActivityTable.from_columns(["2024-01-01", "2024-01-08", "2024-01-15"],
    ...     ["running"] * 3, [10000.0, 10000.0, 14000.0], [3600.0] * 3)
    >>> la = analyse_load(t, last_day=date(2024, 1, 21))
    >>> [f and (f.severity, round(f.values["change"], 2)) for f in
    ...  l2_on_days(la, [date(2024, 1, 7), date(2024, 1, 14), date(2024, 1, 21)])]
    [None, ('ok', 0.0), ('caution', 0.4)]
    """
    rows = np.array([analysis.daily.index_of(d) for d in days], dtype=np.int64)
    current, previous, codes = l2_on_rows(analysis, rows)
    return [
        l2_finding(
            d, float(current[i, athlete]), float(previous[i, athlete]), int(codes[i, athlete])
        )
        for i, d in enumerate(days)
    ]


def l1_run_findings(analysis: LoadAnalysis, table: ActivityTable, rows: IntArray) -> list[Finding]:
    """L1's verdict on each run of table ``rows`` (runs with a spike ratio only): the one
    per-run verdict that status, the load chart and the report show.

    >>> from backstride.analysis.load import analyse_load
    >>> t = ActivityTable.from_columns(["2024-01-01", "2024-01-31"], ["running"] * 2,
    ...     [10000.0, 21000.0], [3600.0, 7200.0])
    >>> [(f.rule, f.severity) for f in l1_run_findings(analyse_load(t), t, np.array([0, 1]))]
    [('L1', 'info'), ('L1', 'very_high')]
    """
    rows = np.asarray(rows, dtype=np.int64)
    rows = rows[~np.isnan(analysis.spike[rows])]
    codes = spike_outcome(analysis.spike[rows], analysis.had_run_before[rows])
    found = []
    for row, code in zip(rows.tolist(), codes.tolist(), strict=True):
        if code < 0:
            continue
        distance, longest, spike = (
            table.distance_m[row],
            analysis.longest_before_m[row],
            analysis.spike[row],
        )
        athlete = int(table.athlete[row])
        activity = int(table.activity_id[row])
        found.append(
            L1.finding(
                L1.outcome_names[code],
                table.local_date[row].item(),
                {"distance_m": distance, "longest_before_m": longest, "spike": spike},
                activity_id=activity if activity >= 0 else None,
                display={
                    "distance_km": distance / 1000.0,
                    "longest_km": longest / 1000.0,
                    "spike_pct": spike * 100.0,
                    "gap_days": _gap_days(analysis, athlete, int(analysis.day[row])),
                },
            )
        )
    return found


def _gap_days(analysis: LoadAnalysis, athlete: int, day: int) -> int:
    earlier = np.flatnonzero(analysis.daily.run_count[:day, athlete])
    return int(day - earlier[-1]) if len(earlier) else day


def _l1_findings(
    status: LoadStatus, analysis: LoadAnalysis, table: ActivityTable, athlete: int
) -> list[Finding]:
    found = l1_run_findings(analysis, table, status.run_rows[status.run_athletes == athlete])
    if status.cap_code[athlete] >= 0:
        longest = status.longest_30d_m[athlete]
        cap = longest * L1.thresholds["planned_cap"]
        found.append(
            L1.finding(
                "cap",
                status.as_of,
                {"cap_m": cap, "longest_30d_m": longest},
                display={"cap_km": cap / 1000.0, "longest_km": longest / 1000.0},
            )
        )
    return found


def load_findings(
    status: LoadStatus, analysis: LoadAnalysis, table: ActivityTable, *, athlete: int = 0
) -> list[Finding]:
    """One athlete's L1-L6 findings on ``status.as_of`` (L1: one per recent run, plus a cap).

    >>> from backstride.analysis.load import analyse_load
    >>> t = ActivityTable.from_columns(["2024-01-01", "2024-01-31"], ["running"] * 2,
    ...     [10000.0, 21000.0], [3600.0, 7200.0])
    >>> la = analyse_load(t)
    >>> found = load_findings(load_status(la, t, as_of=date(2024, 1, 31)), la, t)
    >>> [(f.rule, f.severity) for f in found if f.rule == "L1"]
    [('L1', 'very_high'), ('L1', 'info')]
    """
    a = athlete
    day = status.as_of
    found = _l1_findings(status, analysis, table, a)
    l2 = l2_finding(day, status.run_7d_m[a], status.run_prev_7d_m[a], int(status.l2_code[a]))
    if l2 is not None:
        found.append(l2)
    if status.l3_code[a] >= 0:
        values = {
            "acwr": status.acwr[a],
            "variant": analysis.acwr_variant,
            "days_of_data": status.days_of_data[a],
        }
        display = {"days": int(status.days_of_data[a])}
        found.append(L3.finding(L3.outcome_names[status.l3_code[a]], day, values, display=display))
    if status.days_of_data[a] > 0:
        ff, row = analysis.fitness, status.row
        found.append(
            L4.finding(
                "view",
                day,
                {
                    "ctl": ff.ctl[row, a],
                    "atl": ff.atl[row, a],
                    "tsb": ff.tsb[row, a],
                    "variant": ff.variant,
                },
                display={"tsb": round(float(ff.tsb[row, a])) + 0},
            )
        )
    if status.l5_code[a] >= 0:
        sessions, rated = int(status.sessions_7d[a]), int(status.rated_7d[a])
        values = {
            "load_au": status.load_7d_au[a],
            "sessions": sessions,
            "rated": rated,
            "unrated": sessions - rated,
            "assumed_rpe": analysis.daily.assumed_rpe,
            "basis": "sRPE (RPE x minutes)"
            if rated == sessions
            else f"sRPE, minutes x RPE {analysis.daily.assumed_rpe:g} when not rated",
        }
        found.append(L5.finding(L5.outcome_names[status.l5_code[a]], day, values))
    if status.monotony_code[a] >= 0:
        found.append(
            L6.finding(
                L6.outcome_names[status.monotony_code[a]], day, {"monotony": status.monotony[a]}
            )
        )
    if status.strain_code[a] >= 0:
        values = {"strain": status.strain[a], "threshold": status.strain_threshold[a]}
        found.append(L6.finding(L6.outcome_names[status.strain_code[a]], day, values))
    return found
