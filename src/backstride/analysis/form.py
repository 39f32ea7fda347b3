"""Running-form metrics over steady segments, and the runner's cadence-speed baseline.

Contract: :func:`form_summary` reduces one run's :class:`~backstride.model.Streams` to the
medians of its steady samples (see :mod:`backstride.analysis.segments`) plus per-minute
(speed, cadence) pairs; :class:`FormTable` holds many runs' summaries as columns, and the
functions below work on those columns. A metric the device did not record is NaN, never 0.
Cadence is in steps per minute; ground contact time is ``stance_time_s`` (seconds), as the
:class:`~backstride.units.Channel` names have it.

Naming: functions are named for what they return (``cadence_speed_baseline``,
``cadence_at_speed``, ``band_index``, ``trailing_true_count``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from backstride.analysis.segments import steady_segments
from backstride.model import Streams
from backstride.units import Channel

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
DateArray = npt.NDArray[np.datetime64]

_EMPTY = np.zeros(0)
#: Per-run metrics of :class:`FormSummary` / :class:`FormTable`, in display order.
METRICS = (
    "speed_mps",
    "cadence_spm",
    "step_length_m",
    "vertical_oscillation_m",
    "vertical_ratio_pct",
    "stance_time_s",
    "balance_left_pct",
    "power_w",
)


@dataclass(frozen=True, eq=False)
class FormSummary:
    """Form of one run over its steady samples (medians; NaN when not recorded).

    ``flat_share`` is the share of moving samples of known grade within the flat limit
    (NaN when the grade is unknown, e.g. on a treadmill). ``chunk_speed_mps`` /
    ``chunk_cadence_spm`` are mean speed and cadence of each full minute of steady running.
    """

    steady_s: float
    speed_mps: float
    cadence_spm: float
    step_length_m: float
    vertical_oscillation_m: float
    vertical_ratio_pct: float
    stance_time_s: float
    balance_left_pct: float
    power_w: float
    flat_share: float
    chunk_speed_mps: FloatArray = field(default_factory=lambda: _EMPTY)
    chunk_cadence_spm: FloatArray = field(default_factory=lambda: _EMPTY)


def _median(values: FloatArray | None, mask: npt.NDArray[np.bool_]) -> float:
    if values is None:
        return float("nan")
    picked = np.asarray(values, np.float64)[mask]
    picked = picked[np.isfinite(picked)]
    return float(np.median(picked)) if len(picked) else float("nan")


def form_summary(
    streams: Streams, *, chunk_s: float = 60.0, max_abs_grade: float = 0.03
) -> FormSummary:
    """Form metrics of one run over its steady running.

    Step length comes from the ``step_length_m`` channel, else from speed x 60 / cadence;
    vertical ratio from its channel, else vertical oscillation / step length x 100 (as
    Garmin defines it). Ground contact and balance come only from their channels.

    Examples
    --------
    Ten minutes at 3 m/s and 180 steps/min (so 1 m per step):

    >>> t = np.arange(600.0)
    >>> s = Streams(t, {Channel.SPEED_MPS: np.full(600, 3.0),
    ...                 Channel.CADENCE_SPM: np.full(600, 180.0)})
    >>> f = form_summary(s)
    >>> f.steady_s, f.cadence_spm, f.step_length_m, f.chunk_cadence_spm.tolist()
    (299.0, 180.0, 1.0, [180.0, 180.0, 180.0, 180.0, 180.0])
    >>> bool(np.isnan(f.stance_time_s))
    True
    """
    seg = steady_segments(streams, max_abs_grade=max_abs_grade)
    mask = seg.mask
    t = np.asarray(streams.elapsed_s, np.float64)
    ch = streams.channels
    speed = ch.get(Channel.SPEED_MPS)
    if speed is None and Channel.DISTANCE_M in ch and len(t) > 1:
        with np.errstate(invalid="ignore", divide="ignore"):
            speed = np.gradient(ch[Channel.DISTANCE_M], t)
    cadence = ch.get(Channel.CADENCE_SPM)
    step = ch.get(Channel.STEP_LENGTH_M)
    if (step is None or not np.isfinite(step).any()) and speed is not None and cadence is not None:
        with np.errstate(invalid="ignore", divide="ignore"):
            step = np.where(cadence > 0, speed * 60.0 / cadence, np.nan)
    vo = ch.get(Channel.VERTICAL_OSCILLATION_M)
    ratio = ch.get(Channel.VERTICAL_RATIO_PCT)
    if (ratio is None or not np.isfinite(ratio).any()) and vo is not None and step is not None:
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = np.where(step > 0, vo / step * 100.0, np.nan)

    known = seg.moving & np.isfinite(seg.grade)
    flat_share = (
        float(np.mean(np.abs(seg.grade[known]) <= max_abs_grade)) if known.any() else np.nan
    )
    steady_s = float(sum(t[b - 1] - t[a] for a, b in zip(seg.starts, seg.stops, strict=True)))

    chunk_speed, chunk_cadence = _EMPTY, _EMPTY
    if speed is not None and cadence is not None and mask.any():
        seg_of = np.cumsum(np.isin(np.arange(len(t)), seg.starts)) - 1
        start_t = t[seg.starts][np.maximum(seg_of, 0)]
        chunk = (seg_of * 100_000 + ((t - start_t) // chunk_s)).astype(np.int64)[mask]
        ids, inverse, counts = np.unique(chunk, return_inverse=True, return_counts=True)
        sp, cd = np.asarray(speed, np.float64)[mask], np.asarray(cadence, np.float64)[mask]
        good = np.isfinite(sp) & np.isfinite(cd)
        n = np.bincount(inverse[good], minlength=len(ids))
        full = (counts >= 0.5 * chunk_s) & (n > 0)
        with np.errstate(invalid="ignore", divide="ignore"):
            chunk_speed = (np.bincount(inverse[good], sp[good], len(ids)) / n)[full]
            chunk_cadence = (np.bincount(inverse[good], cd[good], len(ids)) / n)[full]

    return FormSummary(
        steady_s=steady_s,
        speed_mps=_median(speed, mask),
        cadence_spm=_median(cadence, mask),
        step_length_m=_median(step, mask),
        vertical_oscillation_m=_median(vo, mask),
        vertical_ratio_pct=_median(ratio, mask),
        stance_time_s=_median(ch.get(Channel.STANCE_TIME_S), mask),
        balance_left_pct=_median(ch.get(Channel.STANCE_TIME_BALANCE_LEFT_PCT), mask),
        power_w=_median(ch.get(Channel.POWER_W), mask),
        flat_share=flat_share,
        chunk_speed_mps=np.asarray(chunk_speed, np.float64),
        chunk_cadence_spm=np.asarray(chunk_cadence, np.float64),
    )


@dataclass(frozen=True, eq=False)
class FormTable:
    """Many runs' :class:`FormSummary` values as columns, sorted by ``local_date``.

    Per-run arrays have one row per run; ``chunk_row[k]`` is the run row of minute ``k`` in
    ``chunk_speed_mps`` / ``chunk_cadence_spm``.
    """

    local_date: DateArray
    activity_id: IntArray
    steady_s: FloatArray
    speed_mps: FloatArray
    cadence_spm: FloatArray
    step_length_m: FloatArray
    vertical_oscillation_m: FloatArray
    vertical_ratio_pct: FloatArray
    stance_time_s: FloatArray
    balance_left_pct: FloatArray
    power_w: FloatArray
    flat_share: FloatArray
    chunk_row: IntArray
    chunk_speed_mps: FloatArray
    chunk_cadence_spm: FloatArray

    def __len__(self) -> int:
        return len(self.local_date)

    @classmethod
    def from_summaries(
        cls,
        local_date: npt.ArrayLike,
        activity_id: npt.ArrayLike,
        summaries: Sequence[FormSummary],
    ) -> FormTable:
        """Stack per-run summaries (any order) into a date-sorted table.

        >>> f = FormSummary(600.0, 3.0, 170.0, 1.06, 0.08, 7.5, 0.25, 50.0, np.nan, 1.0,
        ...                 np.array([3.0, 3.1]), np.array([170.0, 171.0]))
        >>> table = FormTable.from_summaries(["2024-03-02"], [7], [f])
        >>> len(table), table.cadence_spm.tolist(), table.chunk_row.tolist()
        (1, [170.0], [0, 0])
        """
        dates = np.asarray(local_date, dtype="datetime64[D]")
        ids = np.asarray(activity_id, dtype=np.int64)
        if not len(dates) == len(ids) == len(summaries):
            raise ValueError("local_date, activity_id and summaries must have the same length")
        order = np.argsort(dates, kind="stable")
        ordered = [summaries[i] for i in order]
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(len(order))

        def column(name: str) -> FloatArray:
            return np.array([getattr(s, name) for s in ordered], dtype=np.float64)

        sizes = [len(s.chunk_speed_mps) for s in ordered]
        return cls(
            local_date=dates[order],
            activity_id=ids[order],
            **{name: column(name) for name in ("steady_s", *METRICS, "flat_share")},
            chunk_row=np.repeat(np.arange(len(ordered), dtype=np.int64), sizes),
            chunk_speed_mps=np.concatenate([_EMPTY, *(s.chunk_speed_mps for s in ordered)]),
            chunk_cadence_spm=np.concatenate([_EMPTY, *(s.chunk_cadence_spm for s in ordered)]),
        )


@dataclass(frozen=True)
class CadenceBaseline:
    """``cadence = intercept_spm + slope_spm_per_mps x speed`` over ``n_points`` minutes."""

    intercept_spm: float
    slope_spm_per_mps: float
    n_points: int
    speed_min_mps: float
    speed_max_mps: float


def cadence_speed_baseline(
    speed_mps: npt.ArrayLike,
    cadence_spm: npt.ArrayLike,
    *,
    min_points: int = 10,
    min_speed_range_mps: float = 0.3,
) -> CadenceBaseline | None:
    """Least-squares line of cadence against speed for one runner (None with too few points).

    When the speeds span less than ``min_speed_range_mps`` the slope cannot be told from
    noise and the baseline is flat (the mean cadence). A negative fitted slope is also
    replaced by the mean: cadence rises with speed (Garmin; Heiderscheit 2011).

    Examples
    --------
    >>> b = cadence_speed_baseline([2.5, 3.0, 3.5] * 4, [160.0, 166.0, 172.0] * 4)
    >>> round(b.intercept_spm, 6), round(b.slope_spm_per_mps, 6), b.n_points
    (130.0, 12.0, 12)
    >>> round(cadence_at_speed(b, 2.75), 6)
    163.0

    References
    ----------
    Evidence F1: Heiderscheit et al. 2011; Anderson et al. 2022.
    """
    speed = np.asarray(speed_mps, np.float64)
    cadence = np.asarray(cadence_spm, np.float64)
    ok = np.isfinite(speed) & np.isfinite(cadence)
    speed, cadence = speed[ok], cadence[ok]
    if len(speed) < min_points:
        return None
    lo, hi = float(speed.min()), float(speed.max())
    slope = 0.0
    if hi - lo >= min_speed_range_mps:
        slope = float(np.polyfit(speed, cadence, 1)[0])
    slope = max(slope, 0.0)
    intercept = float(cadence.mean() - slope * speed.mean())
    return CadenceBaseline(intercept, slope, len(speed), lo, hi)


def cadence_at_speed(baseline: CadenceBaseline, speed_mps: float) -> float:
    """The runner's own cadence at a speed, from the baseline line (steps/min)."""
    return baseline.intercept_spm + baseline.slope_spm_per_mps * speed_mps


def band_index(
    values: npt.ArrayLike, lower_edges: Sequence[float], *, resolution: float
) -> IntArray:
    """Band of each value: how many ``lower_edges`` it reaches, after rounding to ``resolution``.

    Rounding first makes published integer ranges ("164-173 spm", "218-248 ms") behave as
    printed: 173.4 spm rounds to 173 and stays in the 164-173 band. NaN gives -1.

    >>> edges = [153, 164, 174, 184]
    >>> band_index([152.6, 163.4, 173.4, 190.0, np.nan], edges, resolution=1).tolist()
    [1, 1, 2, 4, -1]
    """
    x = np.asarray(values, np.float64)
    rounded = np.round(x / resolution) * resolution
    edges = np.asarray(lower_edges, np.float64)
    index = np.searchsorted(edges, np.round(rounded, 9), side="right").astype(np.int64)
    return np.where(np.isfinite(x), index, -1)


def trailing_true_count(flags: npt.ArrayLike) -> int:
    """How many of the last values are True in a row (0 when the last one is False).

    >>> trailing_true_count([True, False, True, True])
    2
    """
    f = np.asarray(flags, dtype=bool)
    false_at = np.flatnonzero(~f)
    return int(len(f) - 1 - false_at[-1]) if len(false_at) else len(f)
