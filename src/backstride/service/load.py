"""`backstride load`: the weekly numbers behind the gradual-mileage light."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from backstride.analysis.series import daily_series, weekly_series
from backstride.analysis.table import ActivityTable, as_day
from backstride.errors import InputError
from backstride.rules.evaluate import analyse_up_to
from backstride.rules.finding import Finding
from backstride.rules.load import l2_on_days
from backstride.service.clock import local_today
from backstride.service.status import activity_table_of, last_run_on
from backstride.store import Store, transaction
from backstride.store import activities as activity_rows
from backstride.store.athletes import DEFAULT_ATHLETE, get_or_create_athlete


@dataclass(frozen=True)
class LoadWeek:
    """One Monday-Sunday week and L2's verdict on it: the L2 finding ``status`` gives on the
    week's last day (its Sunday, or ``as_of`` in the current week), None where L2 has
    nothing to say (``rules.load.l2_on_days``, the rule's one operationalisation)."""

    monday: date
    run_distance_m: float
    runs: int
    long_run_m: float
    load_au: float
    other_minutes: float
    strength_sessions: int
    l2: Finding | None


@dataclass(frozen=True)
class LoadHistory:
    as_of: date
    weeks: list[LoadWeek]
    load_basis: str
    """How session load was computed: RPE x minutes where RPE is known, else minutes x an
    assumed RPE (the activities of the period, counted)."""
    last_run: date | None = None
    """The day of the last run up to ``as_of``, in these weeks or before (None: none)."""

    @property
    def empty(self) -> bool:
        """Nothing at all in these weeks: no run, other sport or strength session."""
        return not any(w.runs or w.other_minutes or w.strength_sessions for w in self.weeks)

    def to_json(self) -> dict[str, object]:
        return {
            "as_of": self.as_of.isoformat(),
            "last_run": None if self.last_run is None else self.last_run.isoformat(),
            "load_basis": self.load_basis,
            "weeks": [
                {
                    "week_start": w.monday.isoformat(),
                    "run_distance_m": round(w.run_distance_m, 1),
                    "runs": w.runs,
                    "long_run_m": round(w.long_run_m, 1),
                    "load_au": round(w.load_au, 1),
                    "other_minutes": round(w.other_minutes, 1),
                    "strength_sessions": w.strength_sessions,
                    "l2": l2_view(w.l2),
                }
                for w in self.weeks
            ],
        }


def l2_change_label(finding: Finding) -> str:
    """How a week's L2 change reads on every surface (CLI table, Load page, report):
    "+12%", "restart" (no running the week before) or "no running" (a pause: never a -100%
    progression)."""
    change = finding.values["change"]
    if finding.outcome == "no_running":
        return "no running"
    if isinstance(change, float) and math.isfinite(change):
        return f"{change:+.0%}"
    return "restart"


def l2_view(finding: Finding | None) -> dict[str, object] | None:
    """A week's L2 verdict in a week table's JSON (``load --json``, ``report --json``): the
    same outcome, severity and numbers as the finding ``status --json --on <last day>``."""
    if finding is None:
        return None
    return {
        "date": finding.date.isoformat(),
        "outcome": finding.outcome,
        "severity": finding.severity,
        "change": finding.values["change"],
        "change_label": l2_change_label(finding),
        "run_7d_m": finding.values["run_7d_m"],
        "run_prev_7d_m": finding.values["run_prev_7d_m"],
        "message": finding.message,
    }


def get_load(
    store: Store, *, weeks: int = 12, as_of: date | None = None, athlete: str = DEFAULT_ATHLETE
) -> LoadHistory:
    """The last ``weeks`` Monday-Sunday weeks up to the week of ``as_of`` (default today)."""
    if not 1 <= weeks <= 520:
        raise InputError(f"weeks must be between 1 and 520, not {weeks}", field="weeks")
    day = as_of or local_today()
    with transaction(store) as conn:
        athlete_id = get_or_create_athlete(conn, athlete).id
        columns = activity_rows.list_activity_columns(conn, athlete_id)
    monday = day - timedelta(days=day.weekday())
    first = monday - timedelta(weeks=weeks - 1)
    table = activity_table_of(columns)
    daily = daily_series(table, first_day=first, last_day=monday + timedelta(days=6))
    weekly = weekly_series(daily, table)
    km = weekly.run_distance_m[:, 0]
    mondays: list[date] = [as_day(m).astype(object) for m in weekly.mondays]
    verdicts = _l2_verdicts(table, [min(m + timedelta(days=6), day) for m in mondays], day)
    rows = [
        LoadWeek(
            monday=mondays[i],
            run_distance_m=float(km[i]),
            runs=int(weekly.run_count[i, 0]),
            long_run_m=float(weekly.long_run_m[i, 0]),
            load_au=float(weekly.load_au[i, 0]),
            other_minutes=float(weekly.other_time_s[i, 0]) / 60.0,
            strength_sessions=int(weekly.strength_sessions[i, 0]),
            l2=verdicts[i],
        )
        for i in range(len(km))
    ]
    counts = daily.load_basis_counts[:, 0]
    basis = (
        f"session RPE x minutes for {int(counts[0])} sessions; minutes x RPE "
        f"{daily.assumed_rpe:g} (assumed) for {int(counts[1])} without RPE"
    )
    return LoadHistory(
        as_of=day, weeks=rows[-weeks:], load_basis=basis, last_run=last_run_on(table, day)
    )


def _l2_verdicts(table: ActivityTable, last_days: list[date], as_of: date) -> list[Finding | None]:
    """L2 on each week's last day, from the analysis ``status`` makes (all the history up to
    ``as_of``, so the first weeks' verdicts match too)."""
    analysis = analyse_up_to(table, as_of)
    if analysis is None:
        return [None] * len(last_days)
    start = analysis.daily.first_day.astype(object)
    known = [d for d in last_days if d >= start]
    found = l2_on_days(analysis, known)
    return [None] * (len(last_days) - len(known)) + found


def sparkline(values: list[float]) -> str:
    """Eight-level bars for a series (blank for zero).

    >>> sparkline([0, 1, 2, 4, 8])
    ' ▁▂▄█'
    """
    top = max(values, default=0.0)
    if top <= 0:
        return " " * len(values)
    bars = "▁▂▃▄▅▆▇█"
    return "".join(
        " " if v <= 0 else bars[min(len(bars) - 1, int(np.ceil(v / top * len(bars))) - 1)]
        for v in values
    )
