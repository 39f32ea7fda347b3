"""Daily and weekly training series from an :class:`~backstride.analysis.table.ActivityTable`.

Contract: outputs are matrices indexed ``[day, athlete]`` or ``[week, athlete]`` (and
``[kind, week, athlete]`` for per-sport totals). Days are the athlete's **local** calendar
days; weeks start on **Monday**. A day with no activity is a real zero, so gaps need no
special casing. Nothing here loops over days in Python: rows are scattered into the
matrices with :func:`numpy.bincount`.

Naming: functions are named for what they return (``daily_series``, ``weekly_totals``);
quantities carry their unit (``_m``, ``_s``, ``_au``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from backstride.analysis.table import (
    NOT_CROSS_TRAINING,
    ActivityKind,
    ActivityTable,
    DayLike,
    LoadBasis,
    as_day,
    day_index,
    session_load_au,
)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
DateArray = npt.NDArray[np.datetime64]

_DAY = np.timedelta64(1, "D")
_N = TypeVar("_N", np.float64, np.int64)


def monday_on_or_before(day: np.datetime64) -> np.datetime64:
    """The Monday of the week holding ``day`` (1970-01-01, day 0, was a Thursday).

    >>> str(monday_on_or_before(np.datetime64("2024-01-07")))
    '2024-01-01'
    """
    index = day.astype("datetime64[D]").astype(np.int64)
    return np.datetime64(int(index - (index + 3) % 7), "D")


@dataclass(frozen=True, eq=False)
class DailySeries:
    """Per-day totals, shape ``(n_days, n_athletes)``; ``n_days`` is a multiple of 7.

    Row 0 is ``first_day`` (a Monday); the last row is a Sunday. ``first_active_day`` /
    ``first_run_day`` give, per athlete, the row of the first activity / run (``n_days``
    when there is none). ``load_basis_counts[b, a]`` counts athlete ``a``'s sessions whose
    load has :class:`LoadBasis` ``b``.
    """

    first_day: np.datetime64
    run_distance_m: FloatArray
    run_time_s: FloatArray
    run_count: IntArray
    long_run_m: FloatArray
    load_au: FloatArray
    other_time_s: FloatArray
    strength_sessions: IntArray
    first_active_day: IntArray
    first_run_day: IntArray
    load_basis_counts: IntArray
    assumed_rpe: float

    @property
    def n_days(self) -> int:
        return int(self.run_distance_m.shape[0])

    @property
    def n_athletes(self) -> int:
        return int(self.run_distance_m.shape[1])

    @property
    def days(self) -> DateArray:
        """The calendar day of every row."""
        return self.first_day + np.arange(self.n_days) * _DAY

    def index_of(self, day: DayLike) -> int:
        """Row of a calendar day; raises ValueError outside the series."""
        index = int((as_day(day) - self.first_day) // _DAY)
        if not 0 <= index < self.n_days:
            raise ValueError(f"{day} is outside the series {self.first_day} .. {self.days[-1]}")
        return index


def _scatter(
    flat: IntArray, weights: npt.NDArray[np.generic] | None, size: int, shape: tuple[int, ...]
) -> FloatArray:
    out: FloatArray = np.bincount(flat, weights=weights, minlength=size).astype(
        np.float64, copy=False
    )
    return out.reshape(shape)


def daily_series(
    table: ActivityTable,
    *,
    first_day: DayLike | None = None,
    last_day: DayLike | None = None,
    assumed_rpe: float = 3.0,
) -> DailySeries:
    """Daily running, load and cross-training totals for every athlete.

    Parameters
    ----------
    table : ActivityTable
    first_day, last_day : datetime64[D] or ISO date, keyword-only
        Range to cover (default: the table's first and last day). The range is widened to
        whole Monday-Sunday weeks; activities outside it are ignored, so passing
        ``last_day=as_of`` keeps later activities out of every result.
    assumed_rpe : float, keyword-only
        Passed to :func:`session_load_au`.

    Returns
    -------
    DailySeries
        ``run_distance_m`` / ``run_time_s`` / ``run_count`` / ``long_run_m`` over runs only;
        ``load_au`` over every session; ``other_time_s`` over everything but runs,
        strength sessions and activities of unknown sport (cross-training, X1);
        ``strength_sessions`` counts :attr:`ActivityKind.STRENGTH` sessions (C1): a session
        counts for one practice only.

    Examples
    --------
    >>> t = ActivityTable.from_columns(
    ...     ["2024-01-02", "2024-01-02", "2024-01-04"], ["running", "running", "swimming"],
    ...     [5000.0, 8000.0, 1500.0], [1500.0, 2400.0, 1800.0])
    >>> d = daily_series(t)
    >>> str(d.first_day), d.n_days, float(d.run_distance_m[1, 0]), float(d.long_run_m[1, 0])
    ('2024-01-01', 7, 13000.0, 8000.0)
    >>> d.other_time_s[:, 0].tolist()
    [0.0, 0.0, 0.0, 1800.0, 0.0, 0.0, 0.0]
    """
    n_athletes = table.n_athletes
    if first_day is None or last_day is None:
        if len(table) == 0:
            raise ValueError("an empty table needs first_day and last_day")
    start = as_day(first_day) if first_day is not None else as_day(table.local_date.min())
    end = as_day(last_day) if last_day is not None else as_day(table.local_date.max())
    if end < start:
        raise ValueError(f"last_day {end} is before first_day {start}")
    start = monday_on_or_before(start)
    n_days = int((monday_on_or_before(end) - start) // _DAY) + 7
    shape = (n_days, n_athletes)
    size = n_days * n_athletes

    day = day_index(table.local_date, start)
    athlete, kind = table.athlete, table.kind
    distance, duration = table.distance_m, table.duration_s
    load, basis = session_load_au(table, assumed_rpe=assumed_rpe)
    columns: list[npt.NDArray[Any]] = [day, athlete, kind, distance, duration, load, basis]
    if not all_within(day, n_days):
        keep = (day >= 0) & (day < n_days)
        columns = [column[keep] for column in columns]
    day, athlete, kind, distance, duration, load, basis = columns
    flat = day * n_athletes
    flat += athlete
    run = kind == ActivityKind.RUN
    strength = kind == ActivityKind.STRENGTH
    # Cross-training (X1) is every known sport but running and strength work: a strength
    # session counts as core only (C1), and an activity whose sport is unknown (an untyped
    # GPX: maybe a run, maybe a drive) is no evidence of cross-training.
    cross = np.ones(len(kind), dtype=bool)
    for code in NOT_CROSS_TRAINING:  # a few comparisons are cheaper than np.isin
        cross &= kind != code
    # fmax(x, 0) is x for known (non-negative) values and 0 for NaN.
    run_distance = _masked(np.fmax(distance, 0.0), run)
    duration = np.fmax(duration, 0.0)
    run_time = _masked(duration, run)
    other_time = _masked(duration, cross)

    run_count = _scatter(flat, run * 1.0, size, shape)
    run_distance_m = _scatter(flat, run_distance, size, shape)
    if run_count.max(initial=0.0) <= 1.0:
        # At most one run a day: the day's long run is its only run, whose distance the
        # daily sum already holds exactly (0.0 + x is x), without np.maximum.at's cost.
        long_run = run_distance_m.copy()
    else:
        runs = np.flatnonzero(run)
        long_run = np.zeros(shape)
        np.maximum.at(long_run.reshape(-1), flat.take(runs), run_distance.take(runs))
    first_active = np.full(n_athletes, n_days, dtype=np.int64)
    np.minimum.at(first_active, athlete, day)
    basis_counts = np.bincount(
        basis.astype(np.int64) * n_athletes + athlete, minlength=len(LoadBasis) * n_athletes
    ).reshape(len(LoadBasis), n_athletes)
    return DailySeries(
        first_day=start,
        run_distance_m=run_distance_m,
        run_time_s=_scatter(flat, run_time, size, shape),
        run_count=run_count.astype(np.int64),
        long_run_m=long_run,
        load_au=_scatter(flat, load, size, shape),
        other_time_s=_scatter(flat, other_time, size, shape),
        strength_sessions=_scatter(flat, strength * 1.0, size, shape).astype(np.int64),
        first_active_day=first_active,
        first_run_day=first_nonzero_row(run_count),
        load_basis_counts=basis_counts,
        assumed_rpe=assumed_rpe,
    )


def all_within(index: IntArray, size: int) -> bool:
    """Whether every ``index`` is in ``0 .. size - 1`` (two reductions, no mask)."""
    return not len(index) or (int(index.min()) >= 0 and int(index.max()) < size)


def _masked(values: FloatArray, mask: npt.NDArray[np.bool_]) -> FloatArray:
    """``values`` where ``mask``, else 0, for values without NaN (``np.where(mask, values,
    0.0)``'s result).

    Multiplying by the mask as 1.0 / 0.0 gives the same numbers for finite values (the sign
    of a zero aside, which no sum sees) at a third of ``np.where``'s cost on a random-looking
    mask (issue 15); an infinite value would become NaN, so such a column takes np.where.
    """
    if values.max(initial=0.0) < np.inf:
        return values * mask
    return np.where(mask, values, 0.0)


def first_nonzero_row(matrix: npt.NDArray[np.generic]) -> IntArray:
    """Per column, the first row holding a non-zero value (the row count when none does).

    Looks at the first rows first and only at the columns not yet settled, so a matrix
    whose columns start early costs a few rows, not the whole matrix.

    >>> first_nonzero_row(np.array([[0, 0], [0, 3], [2, 1]])).tolist()
    [2, 1]
    """
    n = len(matrix)
    columns = matrix.reshape(n, -1)
    out: IntArray = np.full(columns.shape[1], n, dtype=np.int64)
    todo = np.arange(columns.shape[1])
    start, rows = 0, 64
    while len(todo) and start < n:
        nonzero = columns[start : start + rows][:, todo] != 0
        hit = nonzero.any(axis=0)
        out[todo[hit]] = start + nonzero[:, hit].argmax(axis=0)
        todo = todo[~hit]
        start, rows = start + rows, rows * 2
    return out.reshape(matrix.shape[1:])


def weekly_totals(daily: npt.NDArray[_N]) -> npt.NDArray[_N]:
    """Sum a ``(n_days, ...)`` Monday-aligned daily matrix into ``(n_days // 7, ...)`` weeks.

    >>> weekly_totals(np.arange(14.0)).tolist()
    [21.0, 70.0]
    """
    if daily.shape[0] % 7:
        raise ValueError(f"need whole weeks (a multiple of 7 days), got {daily.shape[0]} days")
    out: npt.NDArray[_N] = daily.reshape(daily.shape[0] // 7, 7, *daily.shape[1:]).sum(axis=1)
    return out


def weekly_maxima(daily: FloatArray) -> FloatArray:
    """Largest daily value of each Monday-Sunday week (e.g. the week's long run).

    >>> weekly_maxima(np.array([1.0, 5, 2, 0, 0, 0, 0])).tolist()
    [5.0]
    """
    if daily.shape[0] % 7:
        raise ValueError(f"need whole weeks (a multiple of 7 days), got {daily.shape[0]} days")
    out: FloatArray = daily.reshape(daily.shape[0] // 7, 7, *daily.shape[1:]).max(axis=1)
    return out


@dataclass(frozen=True, eq=False)
class WeeklySeries:
    """Per-week totals, shape ``(n_weeks, n_athletes)``; week 0 starts on ``first_monday``.

    ``time_s_by_kind`` and ``sessions_by_kind`` have shape ``(len(ActivityKind), n_weeks,
    n_athletes)`` and are indexed by :class:`ActivityKind`.
    """

    first_monday: np.datetime64
    run_distance_m: FloatArray
    run_time_s: FloatArray
    run_count: IntArray
    long_run_m: FloatArray
    load_au: FloatArray
    other_time_s: FloatArray
    strength_sessions: IntArray
    time_s_by_kind: FloatArray
    sessions_by_kind: IntArray

    @property
    def mondays(self) -> DateArray:
        return self.first_monday + np.arange(self.run_distance_m.shape[0]) * 7 * _DAY


def weekly_series(daily: DailySeries, table: ActivityTable) -> WeeklySeries:
    """Monday-Sunday weeks over the same range as ``daily`` (built from the same ``table``).

    Running and load totals are sums of the daily rows (so weekly totals equal the sum of
    daily ones); per-kind time and session counts are scattered from ``table``.

    >>> t = ActivityTable.from_columns(
    ...     ["2024-01-01", "2024-01-03", "2024-01-09"], ["running", "cycling", "running"],
    ...     [10000.0, 20000.0, 12000.0], [3600.0, 3600.0, 4000.0])
    >>> w = weekly_series(daily_series(t), t)
    >>> w.run_distance_m[:, 0].tolist(), w.time_s_by_kind[ActivityKind.RIDE, :, 0].tolist()
    ([10000.0, 12000.0], [3600.0, 0.0])
    """
    n_weeks, n_athletes, n_kinds = daily.n_days // 7, daily.n_athletes, len(ActivityKind)
    week = day_index(table.local_date, daily.first_day) // 7
    kind, athlete, duration = table.kind, table.athlete, table.duration_s
    columns: list[npt.NDArray[Any]] = [week, kind, athlete, duration]
    if not all_within(week, n_weeks):
        keep = (week >= 0) & (week < n_weeks)
        columns = [column[keep] for column in columns]
    week, kind, athlete, duration = columns
    flat = kind.astype(np.int64) * n_weeks
    flat += week
    flat *= n_athletes
    flat += athlete
    shape = (n_kinds, n_weeks, n_athletes)
    duration = np.fmax(duration, 0.0)
    return WeeklySeries(
        first_monday=daily.first_day,
        run_distance_m=weekly_totals(daily.run_distance_m),
        run_time_s=weekly_totals(daily.run_time_s),
        run_count=weekly_totals(daily.run_count),
        long_run_m=weekly_maxima(daily.long_run_m),
        load_au=weekly_totals(daily.load_au),
        other_time_s=weekly_totals(daily.other_time_s),
        strength_sessions=weekly_totals(daily.strength_sessions),
        time_s_by_kind=_scatter(flat, duration, n_kinds * n_weeks * n_athletes, shape),
        sessions_by_kind=np.bincount(flat, minlength=n_kinds * n_weeks * n_athletes).reshape(shape),
    )
