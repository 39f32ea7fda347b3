"""The input of the load analysis: activity summaries as columns (:class:`ActivityTable`).

Contract: one row per activity, one NumPy array per column, any number of athletes (the
``athlete`` column is a dense index). The service layer builds it from stored activities;
nothing here reads files or the database. :func:`session_load_au` gives each row's session
load and says how it was obtained (:class:`LoadBasis`).

Naming: quantities carry their unit (``distance_m``, ``duration_s``, ``load_au``);
``activity_kind`` returns an :class:`ActivityKind`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import InitVar, dataclass
from datetime import date
from enum import IntEnum
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
DateArray = npt.NDArray[np.datetime64]
#: A calendar day as NumPy day, ISO string or :class:`datetime.date`.
DayLike = np.datetime64 | str | date


def as_day(value: DayLike) -> np.datetime64:
    """A day-like value as ``datetime64[D]``.

    >>> bool(as_day(date(2024, 1, 7)) == as_day("2024-01-07"))
    True
    """
    item: Any = np.asarray(value, dtype="datetime64[D]").item()
    return np.datetime64(item, "D")


class ActivityKind(IntEnum):
    """What an activity counts as. Running distance counts ``RUN`` only (evidence §6.3)."""

    RUN = 0
    WALK = 1
    RIDE = 2
    SWIM = 3
    STRENGTH = 4
    OTHER = 5
    """A known sport that is none of the above (rowing, yoga, an elliptical): cross-training."""
    UNKNOWN = 6
    """The file does not say the sport (``generic``: a GPX without ``<type>`` whose speed and
    cadence were not clear, a TCX ``Sport="Other"``). It counts in the session load (it was
    done) but neither as running nor as cross-training: a night run without a type must not
    make 17 minutes of cross-training (X1), nor a drive count as a ride."""


#: Kinds that are not cross-training (X1): running itself, strength (core and strength, C1:
#: a session counts for one practice only) and an unknown sport. Walking, riding, swimming
#: and other sports are. The one definition status, load and the plan review count with.
NOT_CROSS_TRAINING: frozenset[ActivityKind] = frozenset(
    {ActivityKind.RUN, ActivityKind.STRENGTH, ActivityKind.UNKNOWN}
)


#: FIT sport names -> kind. ``training`` depends on its sub-sport (see :func:`activity_kind`).
_SPORT_KINDS: dict[str, ActivityKind] = {
    "running": ActivityKind.RUN,
    "walking": ActivityKind.WALK,
    "hiking": ActivityKind.WALK,
    "cycling": ActivityKind.RIDE,
    "e_biking": ActivityKind.RIDE,
    "swimming": ActivityKind.SWIM,
}
#: Sub-sports of ``training`` / ``fitness_equipment`` that are strength or core work (C1).
_STRENGTH_SUB_SPORTS = frozenset({"strength_training", "pilates"})
#: Sport names that say nothing about the sport (FIT ``generic``, what GPX and TCX readers
#: write when the file names none).
_UNKNOWN_SPORTS = frozenset({"generic", "", "unknown", "other"})


def activity_kind(sport: str, sub_sport: str | None = None) -> ActivityKind:
    """The kind of an activity from its FIT-style sport and sub-sport names.

    ``training`` counts as strength unless its sub-sport is another kind of training
    (``cardio_training``, ``yoga`` ...); trail and treadmill running are running.

    >>> activity_kind("running", "treadmill").name
    'RUN'
    >>> activity_kind("training").name, activity_kind("training", "yoga").name
    ('STRENGTH', 'OTHER')
    >>> activity_kind("generic").name
    'UNKNOWN'
    """
    if sport in _SPORT_KINDS:
        return _SPORT_KINDS[sport]
    if sub_sport in _STRENGTH_SUB_SPORTS:
        return ActivityKind.STRENGTH
    if sport == "training" and sub_sport in (None, "generic"):
        return ActivityKind.STRENGTH
    if sport in _UNKNOWN_SPORTS:
        return ActivityKind.UNKNOWN
    return ActivityKind.OTHER


class LoadBasis(IntEnum):
    """How a session's load was obtained (named in every output that uses load)."""

    SRPE = 0
    """RPE (CR-10) x minutes, Foster 2001."""
    DURATION = 1
    """No RPE logged: minutes x an assumed RPE (design choice, see :func:`session_load_au`)."""


def day_index(dates: DateArray, start: np.datetime64) -> IntArray:
    """Whole days from ``start`` to each date (integer arithmetic on the day counts).

    >>> day_index(np.array(["2024-01-03"], dtype="datetime64[D]"), as_day("2024-01-01")).tolist()
    [2]
    """
    out: IntArray = dates.view(np.int64) - int(start.astype(np.int64))
    return out


def _as(
    values: npt.ArrayLike | None, dtype: type, n: int, name: str, fill: float | int
) -> npt.NDArray[Any]:
    if values is None:
        return np.full(n, fill, dtype=dtype)
    array: npt.NDArray[Any] = np.asarray(values, dtype=dtype)
    if array.shape != (n,):
        raise ValueError(f"{name} has shape {array.shape}, expected ({n},)")
    return array


@dataclass(frozen=True, eq=False)
class ActivityTable:
    """Activity summaries as columns: row ``i`` of every array is activity ``i``.

    Attributes
    ----------
    local_date : datetime64[D], shape (n,)
        Local calendar day the activity started on.
    kind : int8, shape (n,)
        :class:`ActivityKind` code.
    distance_m : float64, shape (n,)
        Distance; NaN when unknown (counted as 0 in totals, never judged by L1).
    duration_s : float64, shape (n,)
        Moving time: the device timer, or the elapsed time when there is no timer.
    rpe : float64, shape (n,)
        Session RPE on the CR-10 scale (0-10), NaN when not logged.
    avg_hr_bpm : float64, shape (n,)
        Average heart rate, NaN when unknown.
    shoe_id : int64, shape (n,)
        Shoe worn, -1 when none or unknown.
    athlete : int64, shape (n,)
        Dense athlete index ``0 <= athlete < n_athletes`` (column of the output matrices).
    activity_id : int64, shape (n,)
        Stored activity id, -1 when there is none.
    n_athletes : int
        Number of athlete columns (athletes without activities get zero columns).
    check : bool, init only
        ``False`` skips the checks that pass over every row (kind codes, signs, RPE range,
        athlete indices): for tables made of a checked table's rows, such as its
        :meth:`athlete_chunks`, where they would only repeat the whole table's checks.

    Build one with :meth:`from_columns`, which converts array-likes and sport names.
    """

    local_date: DateArray
    kind: npt.NDArray[np.int8]
    distance_m: FloatArray
    duration_s: FloatArray
    rpe: FloatArray
    avg_hr_bpm: FloatArray
    shoe_id: IntArray
    athlete: IntArray
    activity_id: IntArray
    n_athletes: int = 1
    check: InitVar[bool] = True

    def __post_init__(self, check: bool) -> None:
        n = len(self.local_date)
        if self.local_date.dtype != np.dtype("datetime64[D]"):
            raise ValueError(f"local_date must be datetime64[D], got {self.local_date.dtype}")
        for name in ("kind", "distance_m", "duration_s", "rpe", "avg_hr_bpm", "shoe_id"):
            if len(getattr(self, name)) != n:
                raise ValueError(f"{name} has {len(getattr(self, name))} rows, expected {n}")
        if len(self.athlete) != n or len(self.activity_id) != n:
            raise ValueError(f"athlete and activity_id must have {n} rows")
        if self.n_athletes < 1:
            raise ValueError("n_athletes must be >= 1 and athlete indices >= 0")
        if not check:
            return
        if n and not np.isin(self.kind, list(ActivityKind)).all():
            raise ValueError(f"kind must be ActivityKind codes {[int(k) for k in ActivityKind]}")
        if (self.distance_m < 0).any() or (self.duration_s < 0).any():
            raise ValueError("distance_m and duration_s must be >= 0 (NaN when unknown)")
        if ((self.rpe < 0) | (self.rpe > 10)).any():
            raise ValueError("rpe must be on the CR-10 scale, 0 to 10 (NaN when not logged)")
        if self.n_athletes < 1 or (n and not 0 <= self.athlete.min() <= self.athlete.max()):
            raise ValueError("n_athletes must be >= 1 and athlete indices >= 0")
        if n and self.athlete.max() >= self.n_athletes:
            raise ValueError(f"athlete index {self.athlete.max()} >= n_athletes {self.n_athletes}")

    def __len__(self) -> int:
        return len(self.local_date)

    def athlete_chunks(self, size: int) -> Iterator[tuple[int, ActivityTable]]:
        """Split into tables of at most ``size`` athletes: ``(first athlete, table)`` pairs.

        Athlete indices in each part start at 0 (add the first athlete to map back). Rows
        grouped by athlete (as a query ordered by athlete gives them) are sliced without
        copying; otherwise they are sorted once. Cohort code works chunk by chunk so its
        day x athlete temporaries stay small enough to be reused by the allocator.
        :meth:`chunked` gives the same parts one by one, in any order.

        >>> t = ActivityTable.from_columns(["2024-01-01"] * 3, ["running"] * 3, [1.0, 2.0, 3.0],
        ...     [60.0] * 3, athlete=[0, 1, 2])
        >>> [(a, p.n_athletes, p.distance_m.tolist()) for a, p in t.athlete_chunks(2)]
        [(0, 2, [1.0, 2.0]), (2, 1, [3.0])]
        """
        chunks = self.chunked(size)
        for k in range(len(chunks)):
            yield chunks.part(k)

    def chunked(self, size: int) -> AthleteChunks:
        """The parts of :meth:`athlete_chunks`, each made only when asked for.

        Only the grouping by athlete happens here (a check that the rows are grouped, else
        one sort); a part costs a slice of each column and its athletes' re-indexing, so
        worker processes can each make their own parts (issue 15).

        >>> t = ActivityTable.from_columns(["2024-01-01"] * 3, ["running"] * 3, [1.0, 2.0, 3.0],
        ...     [60.0] * 3, athlete=[2, 0, 1])
        >>> chunks = t.chunked(2)
        >>> len(chunks), chunks.part(1)[0], chunks.part(1)[1].distance_m.tolist()
        (2, 2, [1.0])
        """
        if size < 1:
            raise ValueError(f"chunk size must be >= 1 athlete, got {size}")
        table = self
        if len(self) and (self.athlete[1:] < self.athlete[:-1]).any():
            order = np.argsort(self.athlete, kind="stable")
            table = self._rows(order, self.athlete[order], self.n_athletes)
        bounds = np.searchsorted(table.athlete, np.arange(0, self.n_athletes + size, size))
        return AthleteChunks(table, size, bounds)

    def _rows(self, rows: slice | IntArray, athlete: IntArray, n_athletes: int) -> ActivityTable:
        return ActivityTable(
            local_date=self.local_date[rows],
            kind=self.kind[rows],
            distance_m=self.distance_m[rows],
            duration_s=self.duration_s[rows],
            rpe=self.rpe[rows],
            avg_hr_bpm=self.avg_hr_bpm[rows],
            shoe_id=self.shoe_id[rows],
            athlete=athlete,
            activity_id=self.activity_id[rows],
            n_athletes=n_athletes,
            check=False,  # this table's own rows, checked when it was made
        )

    @classmethod
    def from_columns(
        cls,
        local_date: npt.ArrayLike,
        kind: npt.ArrayLike | Sequence[str],
        distance_m: npt.ArrayLike,
        duration_s: npt.ArrayLike,
        *,
        rpe: npt.ArrayLike | None = None,
        avg_hr_bpm: npt.ArrayLike | None = None,
        shoe_id: npt.ArrayLike | None = None,
        athlete: npt.ArrayLike | None = None,
        activity_id: npt.ArrayLike | None = None,
        n_athletes: int | None = None,
    ) -> ActivityTable:
        """Build a table from array-likes; ``kind`` may hold sport names or kind codes.

        >>> t = ActivityTable.from_columns(["2024-01-01"], ["running"], [5000.0], [1800.0])
        >>> len(t), int(t.kind[0]), float(t.rpe[0])
        (1, 0, nan)
        """
        dates = np.asarray(local_date, dtype="datetime64[D]")
        n = len(dates)
        raw_kind = np.asarray(kind)
        if raw_kind.dtype.kind in "US":
            names, inverse = np.unique(raw_kind, return_inverse=True)
            codes = np.array([activity_kind(str(s)) for s in names], dtype=np.int8)
            kinds = codes[inverse].reshape(n) if n else np.zeros(0, np.int8)
        else:
            kinds = _as(raw_kind, np.int8, n, "kind", 0)
        athletes = _as(athlete, np.int64, n, "athlete", 0)
        if n_athletes is None:
            n_athletes = int(athletes.max()) + 1 if n else 1
        return cls(
            local_date=dates,
            kind=kinds,
            distance_m=_as(distance_m, np.float64, n, "distance_m", np.nan),
            duration_s=_as(duration_s, np.float64, n, "duration_s", np.nan),
            rpe=_as(rpe, np.float64, n, "rpe", np.nan),
            avg_hr_bpm=_as(avg_hr_bpm, np.float64, n, "avg_hr_bpm", np.nan),
            shoe_id=_as(shoe_id, np.int64, n, "shoe_id", -1),
            athlete=athletes,
            activity_id=_as(activity_id, np.int64, n, "activity_id", -1),
            n_athletes=n_athletes,
        )


@dataclass(frozen=True, eq=False)
class AthleteChunks:
    """A table's rows grouped by athlete (``table``), cut every ``size`` athletes at
    ``bounds`` (row offsets): part ``k`` holds athletes ``k * size`` onwards."""

    table: ActivityTable
    size: int
    bounds: IntArray

    def __len__(self) -> int:
        return -(-self.table.n_athletes // self.size)

    def part(self, k: int) -> tuple[int, ActivityTable]:
        """``(first athlete, table)`` of part ``k``, its athletes indexed from 0."""
        first = k * self.size
        rows = slice(int(self.bounds[k]), int(self.bounds[k + 1]))
        last = min(first + self.size, self.table.n_athletes)
        athlete = self.table.athlete[rows] - first
        return first, self.table._rows(rows, athlete, last - first)


def session_load_au(
    table: ActivityTable, *, assumed_rpe: float = 3.0
) -> tuple[FloatArray, npt.NDArray[np.int8]]:
    """Session load of every activity, and how it was obtained.

    Parameters
    ----------
    table : ActivityTable
    assumed_rpe : float, keyword-only
        CR-10 rating used when none was logged (3 = "moderate"). A design choice: the load
        of an unrated session is its duration in minutes times this rating.

    Returns
    -------
    load_au : float64, shape (n,)
        ``rpe x minutes`` (arbitrary units, >= 0); 0 when the duration is unknown.
    basis : int8, shape (n,)
        :class:`LoadBasis` code of each row.

    Examples
    --------
    >>> t = ActivityTable.from_columns(
    ...     ["2024-01-01"] * 2, ["running", "cycling"], [8000.0, 0.0], [2400.0, 3600.0],
    ...     rpe=[5.0, float("nan")])
    >>> load, basis = session_load_au(t, assumed_rpe=3.0)
    >>> load.tolist(), basis.tolist()
    ([200.0, 180.0], [0, 1])

    References
    ----------
    Evidence L5: Foster et al. 2001, J Strength Cond Res 15(1):109-115.
    """
    if not 0 <= assumed_rpe <= 10:
        raise ValueError(f"assumed_rpe must be on the CR-10 scale 0-10, got {assumed_rpe}")
    unknown = np.isnan(table.rpe)
    load = np.where(unknown, assumed_rpe, table.rpe)
    load *= np.fmax(table.duration_s, 0.0)  # fmax turns an unknown (NaN) duration into 0
    load /= 60.0
    return load, unknown.astype(np.int8)  # LoadBasis.SRPE = 0, DURATION = 1
