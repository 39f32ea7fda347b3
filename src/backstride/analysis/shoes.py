"""Distance per shoe and shoes in rotation, from the activity table's ``shoe_id`` column.

Contract: shoe mileage is always computed from the activities (never a stored running
total). Shoe ids are the store's ids, unique across athletes; ``-1`` means no shoe. By
default runs and walks/hikes count toward a shoe's wear (``kinds``).

Naming: functions are named for what they return (``shoe_mileage``, ``shoes_in_rotation``,
``shoe_distance_by_week``).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from backstride.analysis.table import ActivityKind, ActivityTable, DayLike, as_day

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
DateArray = npt.NDArray[np.datetime64]

_FOOT = (ActivityKind.RUN, ActivityKind.WALK)
_DAY = np.timedelta64(1, "D")


def _rows(
    table: ActivityTable,
    as_of: DayLike | None,
    kinds: Collection[int],
    since: np.datetime64 | None = None,
) -> IntArray:
    """Indices of the rows with a shoe, of one of ``kinds``, from ``since`` to ``as_of``.

    Row indices rather than a mask: gathering a few columns with ``take`` is several times
    cheaper than indexing each with a random-looking mask (cohorts of millions of rows,
    issue 15).
    """
    rows: npt.NDArray[np.bool_] = table.shoe_id >= 0
    day = table.local_date.view(np.int64)  # day numbers compare faster than datetime64
    if as_of is not None:
        rows &= day <= int(as_day(as_of).astype(np.int64))
    if since is not None:
        rows &= day >= int(as_day(since).astype(np.int64))
    wanted = sorted({int(k) for k in kinds})
    if not wanted:
        return np.zeros(0, np.int64)
    # Kind codes are small: a comparison per wanted kind beats a look-up table gather.
    kind = table.kind
    of_kind = kind == wanted[0]
    for k in wanted[1:]:
        of_kind |= kind == k
    rows &= of_kind
    return np.flatnonzero(rows)


@dataclass(frozen=True, eq=False)
class ShoeMileage:
    """One row per shoe that has been worn: its athlete, distance, use count and dates."""

    shoe_id: IntArray
    athlete: IntArray
    distance_m: FloatArray
    activities: IntArray
    first_day: DateArray
    last_day: DateArray


def shoe_mileage(
    table: ActivityTable,
    *,
    as_of: DayLike | None = None,
    kinds: Collection[int] = _FOOT,
) -> ShoeMileage:
    """Total distance, activity count and first/last day of every shoe, up to ``as_of``.

    Examples
    --------
    >>> t = ActivityTable.from_columns(
    ...     ["2024-01-01", "2024-01-03", "2024-01-05", "2024-01-06"],
    ...     ["running", "running", "cycling", "walking"],
    ...     [10000.0, 12000.0, 40000.0, 3000.0], [3600.0] * 4, shoe_id=[7, 7, 7, 9])
    >>> m = shoe_mileage(t)
    >>> m.shoe_id.tolist(), m.distance_m.tolist(), m.activities.tolist()
    ([7, 9], [22000.0, 3000.0], [2, 1])
    >>> str(m.last_day[0])
    '2024-01-03'

    References
    ----------
    Evidence S1: Cook 1985; Verdejo & Mills 2004; Wang 2010 (distance, not injury).
    """
    rows = _rows(table, as_of, kinds)
    shoes, inverse = dense_ids(table.shoe_id.take(rows))
    k = len(shoes)
    athlete = np.zeros(k, dtype=np.int64)
    athlete[inverse] = table.athlete.take(rows)
    days = table.local_date.view(np.int64).take(rows)
    first = np.full(k, np.iinfo(np.int64).max)
    last = np.full(k, np.iinfo(np.int64).min)
    np.minimum.at(first, inverse, days)
    np.maximum.at(last, inverse, days)
    distance = table.distance_m.take(rows)
    np.fmax(distance, 0.0, out=distance)
    return ShoeMileage(
        shoe_id=shoes,
        athlete=athlete,
        distance_m=np.bincount(inverse, distance, k).astype(float),
        activities=np.bincount(inverse, minlength=k).astype(np.int64),
        first_day=first.astype("datetime64[D]"),
        last_day=last.astype("datetime64[D]"),
    )


def dense_ids(ids: IntArray) -> tuple[IntArray, IntArray]:
    """The distinct ids (sorted) and each row's position among them, like
    ``np.unique(ids, return_inverse=True)`` but by counting when ids are small integers.

    >>> [a.tolist() for a in dense_ids(np.array([7, 3, 7]))]
    [[3, 7], [1, 0, 1]]
    """
    if len(ids) and 0 <= ids.min() and ids.max() < 4 * len(ids) + 1_000_000:
        present = np.bincount(ids) > 0
        position = np.cumsum(present) - 1
        return np.flatnonzero(present).astype(np.int64), position[ids]
    distinct, inverse = np.unique(ids, return_inverse=True)
    return distinct.astype(np.int64), inverse.astype(np.int64)


def shoes_in_rotation(
    table: ActivityTable,
    *,
    as_of: DayLike,
    days: int = 30,
    kinds: Collection[int] = (ActivityKind.RUN,),
) -> IntArray:
    """Number of different shoes each athlete ran in during the ``days`` days to ``as_of``.

    >>> t = ActivityTable.from_columns(
    ...     ["2024-01-01", "2024-01-20", "2024-01-25"], ["running"] * 3,
    ...     [8000.0, 8000.0, 8000.0], [2400.0] * 3, shoe_id=[1, 2, 2])
    >>> shoes_in_rotation(t, as_of="2024-01-30").tolist()
    [2]
    >>> shoes_in_rotation(t, as_of="2024-01-31").tolist()
    [1]

    References
    ----------
    Evidence S2: Malisoux et al. 2015 (more than one pair in parallel, HR 0.614).
    """
    end = as_day(as_of)
    rows = _rows(table, end, kinds, since=end - (days - 1) * _DAY)
    pairs = np.unique(np.stack([table.athlete.take(rows), table.shoe_id.take(rows)]), axis=1)
    return np.bincount(pairs[0], minlength=table.n_athletes).astype(np.int64)


def shoe_distance_by_week(
    table: ActivityTable,
    *,
    first_monday: DayLike,
    n_weeks: int,
    kinds: Collection[int] = _FOOT,
) -> tuple[IntArray, FloatArray]:
    """Weekly distance of every shoe: ``(shoe_ids, matrix[week, shoe])``; cumsum for history.

    >>> t = ActivityTable.from_columns(["2024-01-01", "2024-01-09"], ["running"] * 2,
    ...     [10000.0, 5000.0], [3600.0, 1800.0], shoe_id=[4, 4])
    >>> ids, weeks = shoe_distance_by_week(t, first_monday="2024-01-01", n_weeks=2)
    >>> ids.tolist(), weeks[:, 0].tolist()
    ([4], [10000.0, 5000.0])
    """
    start = as_day(first_monday)
    rows = _rows(table, None, kinds)
    week = (table.local_date.take(rows) - start) // (7 * _DAY)
    keep = (week >= 0) & (week < n_weeks)
    shoes, inverse = np.unique(table.shoe_id.take(rows), return_inverse=True)
    flat = week[keep] * len(shoes) + inverse[keep]
    matrix: FloatArray = (
        np.bincount(flat, np.nan_to_num(table.distance_m.take(rows)[keep]), n_weeks * len(shoes))
        .reshape(n_weeks, len(shoes))
        .astype(np.float64)
    )
    return shoes.astype(np.int64), matrix
