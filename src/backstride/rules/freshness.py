"""Is the data stale? The one verdict on whether runs are probably missing from the store.

A pain-aware coach that is a week behind gives last week's advice (issue 16). The data is
**stale** on a day when nothing new reached the store (no activity dated, nothing imported
or synced) for at least :data:`STALE_MIN_DAYS` days, and the runner's usual running says
runs would have been recorded meanwhile: at their rate over the :data:`USUAL_WEEKS` weeks
up to their latest activity, at least :data:`EXPECTED_RUNS` runs in that gap. A runner who
runs four times a week is told after a week; one who runs once a month only after two
months. It is a reminder about data, not advice: nothing here judges training, and a red
flag does not withhold it.

These are backstride's own working numbers, not the evidence catalogue's: no study says
when a data set is stale. They are stated here once; the CLI and the dashboard render
:meth:`DataFreshness.to_json` and its ``message``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

import numpy as np

from backstride.analysis.table import ActivityKind, ActivityTable

#: Never stale sooner: a week without new data is an ordinary rest week.
STALE_MIN_DAYS = 7
#: Stale once the usual rate says at least this many runs would have been recorded.
EXPECTED_RUNS = 2.0
#: The usual rate: runs per week over this many weeks up to the latest activity.
USUAL_WEEKS = 8

FreshnessState = Literal["empty", "fresh", "stale"]


@dataclass(frozen=True)
class DataFreshness:
    """The verdict on ``as_of``, with the numbers it came from.

    ``state``: ``empty`` (no activity at all yet), ``stale`` or ``fresh``; ``message`` is
    the one line a surface shows (None when fresh).
    """

    as_of: date
    state: FreshnessState
    last_activity: date | None
    last_import: date | None
    days_without_data: int | None
    runs_per_week: float | None
    expected_runs: float | None
    message: str | None

    @property
    def stale(self) -> bool:
        return self.state == "stale"

    def to_json(self) -> dict[str, object]:
        def day(value: date | None) -> str | None:
            return None if value is None else value.isoformat()

        return {
            "state": self.state,
            "stale": self.stale,
            "last_activity": day(self.last_activity),
            "last_import": day(self.last_import),
            "days_without_data": self.days_without_data,
            "runs_per_week": None if self.runs_per_week is None else round(self.runs_per_week, 2),
            "expected_runs": None if self.expected_runs is None else round(self.expected_runs, 1),
            "message": self.message,
        }


def data_freshness(
    table: ActivityTable,
    last_import: date | None,
    *,
    as_of: date,
    min_days: int = STALE_MIN_DAYS,
    expected_runs: float = EXPECTED_RUNS,
    usual_weeks: int = USUAL_WEEKS,
) -> DataFreshness:
    """Whether the data is stale on ``as_of`` (see the module docstring).

    ``table``: the athlete's activities (those after ``as_of`` are left out);
    ``last_import``: the local day of the latest import or sync that stored something (a
    day after ``as_of`` counts as ``as_of``: the data was current then).

    A runner of four runs a week (32 in the 8 weeks up to their latest run, 9 days ago):
    9 days without data, 4 runs a week, so 5.1 runs expected: stale.

    >>> day = np.datetime64("2026-03-01")
    >>> weeks = [day - np.timedelta64(k, "D") for k in range(56) if k % 7 in (0, 2, 4, 5)]
    >>> runs = ActivityTable.from_columns(weeks, ["running"] * 32, [8000.0] * 32, [2800.0] * 32)
    >>> verdict = data_freshness(runs, date(2026, 3, 1), as_of=date(2026, 3, 10))
    >>> verdict.state, verdict.days_without_data, verdict.runs_per_week
    ('stale', 9, 4.0)
    >>> round(verdict.expected_runs, 2)
    5.14
    """
    dates = table.local_date[table.local_date <= np.datetime64(as_of, "D")]
    kinds = table.kind[table.local_date <= np.datetime64(as_of, "D")]
    imported = None if last_import is None else min(last_import, as_of)
    if len(dates) == 0:
        return DataFreshness(
            as_of=as_of,
            state="empty",
            last_activity=None,
            last_import=imported,
            days_without_data=None,
            runs_per_week=None,
            expected_runs=None,
            message="No activities yet: import your runs to have them judged.",
        )
    latest = dates.max()
    last_activity = date.fromisoformat(str(latest))
    last_data = max(last_activity, imported) if imported is not None else last_activity
    gap = (as_of - last_data).days
    since = np.datetime64(last_activity - timedelta(days=7 * usual_weeks), "D")
    usual = int(np.count_nonzero((kinds == ActivityKind.RUN) & (dates > since)))
    rate = usual / usual_weeks
    expected = rate * gap / 7
    stale = gap >= min_days and expected >= expected_runs
    message = None
    if stale:
        message = (
            f"No new activity for {gap} days (the latest is from {last_activity.isoformat()}), "
            f"while you usually run about {_times(rate)} a week: import or sync your latest "
            "runs. If you have not run since, nothing is missing."
        )
    return DataFreshness(
        as_of=as_of,
        state="stale" if stale else "fresh",
        last_activity=last_activity,
        last_import=imported,
        days_without_data=gap,
        runs_per_week=rate,
        expected_runs=expected,
        message=message,
    )


def _times(rate: float) -> str:
    """A weekly rate in words: ``4 times``, ``once``, ``1.5 times``."""
    if abs(rate - round(rate)) < 0.05:
        whole = round(rate)
        return "once" if whole == 1 else f"{whole} times"
    return f"{rate:.1f} times"
