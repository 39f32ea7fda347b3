"""`backstride load`: the weekly numbers behind the gradual-mileage light."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from backstride.analysis.series import daily_series, weekly_series
from backstride.analysis.table import as_day
from backstride.errors import InputError
from backstride.service.clock import local_today
from backstride.service.status import activity_table_of
from backstride.store import Store, transaction
from backstride.store import activities as activity_rows
from backstride.store.athletes import DEFAULT_ATHLETE, get_or_create_athlete


@dataclass(frozen=True)
class LoadWeek:
    """One Monday-Sunday week. ``change_2w`` is running distance against two weeks before
    (L2 compares over two weeks); None when that week had no running."""

    monday: date
    run_distance_m: float
    runs: int
    long_run_m: float
    load_au: float
    other_minutes: float
    strength_sessions: int
    change_2w: float | None


@dataclass(frozen=True)
class LoadHistory:
    as_of: date
    weeks: list[LoadWeek]
    load_basis: str
    """How session load was computed: RPE x minutes where RPE is known, else minutes x an
    assumed RPE (the activities of the period, counted)."""

    def to_json(self) -> dict[str, object]:
        return {
            "as_of": self.as_of.isoformat(),
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
                    "change_2w": None if w.change_2w is None else round(w.change_2w, 4),
                }
                for w in self.weeks
            ],
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
    # Two extra weeks, so the first shown week has its two-week comparison.
    first = monday - timedelta(weeks=weeks + 1)
    table = activity_table_of(columns)
    daily = daily_series(table, first_day=first, last_day=monday + timedelta(days=6))
    weekly = weekly_series(daily, table)
    km = weekly.run_distance_m[:, 0]
    rows = []
    for i in range(2, len(km)):
        before = km[i - 2]
        rows.append(
            LoadWeek(
                monday=as_day(weekly.mondays[i]).astype(object),
                run_distance_m=float(km[i]),
                runs=int(weekly.run_count[i, 0]),
                long_run_m=float(weekly.long_run_m[i, 0]),
                load_au=float(weekly.load_au[i, 0]),
                other_minutes=float(weekly.other_time_s[i, 0]) / 60.0,
                strength_sessions=int(weekly.strength_sessions[i, 0]),
                change_2w=float(km[i] / before - 1.0) if before > 0 else None,
            )
        )
    counts = daily.load_basis_counts[:, 0]
    basis = (
        f"session RPE x minutes for {int(counts[0])} sessions; minutes x RPE "
        f"{daily.assumed_rpe:g} (assumed) for {int(counts[1])} without RPE"
    )
    return LoadHistory(as_of=day, weeks=rows[-weeks:], load_basis=basis)


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
