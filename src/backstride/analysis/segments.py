"""Steady running segments of one activity's streams.

Contract: :func:`steady_segments` takes a :class:`~backstride.model.Streams` (per-sample
arrays, any sample rate) and returns which samples are *steady running*: moving at running
speed and cadence, after the first minutes, on near-flat ground, away from pauses, at a speed
close to its own 30-second average, in stretches of at least a minute. Form metrics are only
comparable over such samples (evidence §2: cadence depends on speed; balance departs from
50/50 on hills). Smoothing windows are in seconds of ``elapsed_s``, not in samples, so
1-second and "smart" recording give the same answer.

Naming: ``rolling_mean_by_time`` and ``grade_by_time`` return per-sample arrays;
``steady_segments`` returns a :class:`SteadySegments`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from backstride.model import Streams
from backstride.units import Channel

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


#: The window :func:`grade_by_time` smooths and measures over by default (seconds).
_GRADE_WINDOW_S = 30.0


def window_bounds(elapsed_s: FloatArray, window_s: float) -> tuple[IntArray, IntArray]:
    """For each sample, the first sample within ``window_s/2`` seconds before it and the one
    after the last within ``window_s/2`` seconds after it (``lo``, ``hi``: a slice).

    >>> lo, hi = window_bounds(np.array([0.0, 1, 2, 10]), 3.0)
    >>> lo.tolist(), hi.tolist()
    ([0, 0, 1, 3], [2, 3, 3, 4])
    """
    lo = np.searchsorted(elapsed_s, elapsed_s - window_s / 2, side="left")
    hi = np.searchsorted(elapsed_s, elapsed_s + window_s / 2, side="right")
    return lo, hi


def rolling_mean_by_time(
    elapsed_s: FloatArray,
    values: FloatArray,
    window_s: float,
    *,
    bounds: tuple[IntArray, IntArray] | None = None,
) -> FloatArray:
    """Mean of the finite values within ``±window_s/2`` seconds of each sample (NaN if none).

    ``bounds``: :func:`window_bounds` of the same times and window, when already known (the
    search is most of the cost).

    >>> rolling_mean_by_time(np.array([0.0, 1, 2, 10]), np.array([1.0, 2, np.nan, 7]), 3.0).tolist()
    [1.5, 1.5, 2.0, 7.0]
    """
    finite = np.isfinite(values)
    cum = np.concatenate([[0.0], np.cumsum(np.where(finite, values, 0.0))])
    count = np.concatenate([[0], np.cumsum(finite)])
    lo, hi = bounds if bounds is not None else window_bounds(elapsed_s, window_s)
    n = count[hi] - count[lo]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, (cum[hi] - cum[lo]) / n, np.nan)


def grade_by_time(
    elapsed_s: FloatArray,
    altitude_m: FloatArray,
    distance_m: FloatArray,
    *,
    window_s: float = _GRADE_WINDOW_S,
    min_distance_m: float = 10.0,
    bounds: tuple[IntArray, IntArray] | None = None,
) -> FloatArray:
    """Slope (rise / run, 0.05 = 5%) over ``±window_s/2`` around each sample.

    Altitude is smoothed over the same window first; NaN where the window covers less than
    ``min_distance_m`` or altitude is missing.

    >>> t = np.arange(0.0, 120.0)
    >>> float(grade_by_time(t, 0.03 * 3 * t, 3 * t)[60].round(6))
    0.03
    """
    if bounds is None:
        bounds = window_bounds(elapsed_s, window_s)
    alt = rolling_mean_by_time(elapsed_s, altitude_m, window_s, bounds=bounds)
    lo, hi = bounds[0], bounds[1] - 1
    run = distance_m[hi] - distance_m[lo]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(run >= min_distance_m, (alt[hi] - alt[lo]) / run, np.nan)


@dataclass(frozen=True, eq=False)
class SteadySegments:
    """Steady samples of one activity.

    ``mask[i]`` is True for a steady sample; segment ``k`` is samples
    ``starts[k] <= i < stops[k]``. ``grade`` is the per-sample slope (NaN where unknown) and
    ``moving`` marks samples at running speed, both kept for summaries such as the share of
    flat running.
    """

    mask: BoolArray
    starts: IntArray
    stops: IntArray
    grade: FloatArray
    moving: BoolArray

    @property
    def count(self) -> int:
        return len(self.starts)


def _speed(streams: Streams) -> FloatArray:
    speed = streams.channels.get(Channel.SPEED_MPS)
    if speed is not None and np.isfinite(speed).any():
        return np.asarray(speed, dtype=np.float64)
    distance = streams.channels.get(Channel.DISTANCE_M)
    if distance is None or len(streams) < 2:
        return np.full(len(streams), np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        slope: FloatArray = np.gradient(distance, streams.elapsed_s)
        return slope


def steady_segments(
    streams: Streams,
    *,
    skip_first_s: float = 300.0,
    min_speed_mps: float = 1.8,
    min_cadence_spm: float = 140.0,
    max_abs_grade: float = 0.03,
    max_gap_s: float = 5.0,
    speed_tolerance: float = 0.2,
    smooth_s: float = 30.0,
    min_segment_s: float = 60.0,
) -> SteadySegments:
    """Find the steady running samples of an activity.

    Parameters
    ----------
    streams : Streams
        Uses ``speed_mps`` (or the slope of ``distance_m``), ``cadence_spm`` when present
        (steps/min), and ``altitude_m`` with ``distance_m`` for the grade.
    skip_first_s : float
        Seconds from the start that never count (warm-up, GPS and sensors settling).
    min_speed_mps, min_cadence_spm : float
        30-second averages below these are stops or walking (running is above ~1.8 m/s and
        ~140 steps/min for nearly everyone; walking is below ~1.6 m/s and ~130 steps/min).
    max_abs_grade : float
        Steeper ground (as a fraction; 0.03 = 3%) is excluded. Samples of unknown grade
        (no altitude, treadmill) are kept.
    max_gap_s : float
        A longer gap between samples is a pause: segments break there.
    speed_tolerance : float
        A sample further than this fraction from its 30-second mean speed is a surge or a
        slow-down, not steady running.
    smooth_s, min_segment_s : float
        Smoothing window, and the shortest stretch kept.

    Returns
    -------
    SteadySegments

    Examples
    --------
    Ten minutes at 3 m/s and 170 spm, stopped from 400 s to 460 s: the first 300 s never
    count, and about 18 s of slowing down and speeding up either side of the stop are cut.

    >>> t = np.arange(600.0)
    >>> speed = np.where((t >= 400) & (t < 460), 0.0, 3.0)
    >>> s = Streams(t, {Channel.SPEED_MPS: speed, Channel.CADENCE_SPM: np.full(600, 170.0)})
    >>> seg = steady_segments(s)
    >>> seg.starts.tolist(), seg.stops.tolist()
    ([300, 478], [382, 600])
    """
    t = np.asarray(streams.elapsed_s, dtype=np.float64)
    n = len(t)
    empty = np.zeros(0, dtype=np.int64)
    if n == 0:
        return SteadySegments(np.zeros(0, bool), empty, empty, np.zeros(0), np.zeros(0, bool))
    speed = _speed(streams)
    around = window_bounds(t, smooth_s)  # searched once for every smooth_s window below
    speed_mean = rolling_mean_by_time(t, speed, smooth_s, bounds=around)
    moving = speed_mean >= min_speed_mps
    cadence = streams.channels.get(Channel.CADENCE_SPM)
    if cadence is not None and np.isfinite(cadence).any():
        moving &= (
            rolling_mean_by_time(t, np.asarray(cadence, np.float64), smooth_s, bounds=around)
            >= min_cadence_spm
        )
    altitude = streams.channels.get(Channel.ALTITUDE_M)
    distance = streams.channels.get(Channel.DISTANCE_M)
    if altitude is not None and distance is not None:
        grade = grade_by_time(
            t,
            np.asarray(altitude, np.float64),
            np.asarray(distance, np.float64),
            bounds=around if smooth_s == _GRADE_WINDOW_S else None,
        )
    else:
        grade = np.full(n, np.nan)

    gap_after = np.diff(t) > max_gap_s
    near_gap = np.zeros(n, dtype=bool)
    near_gap[:-1] |= gap_after
    near_gap[1:] |= gap_after
    with np.errstate(invalid="ignore", divide="ignore"):
        steady_speed = np.abs(speed / speed_mean - 1.0) <= speed_tolerance
    # A sample is "near" a stop when a slow sample lies within half the smoothing window:
    # this trims the deceleration and re-acceleration around every pause.
    slow = rolling_mean_by_time(t, (~moving).astype(np.float64), smooth_s, bounds=around) > 0
    ok = (
        (t - t[0] >= skip_first_s)
        & moving
        & ~slow
        & steady_speed
        & ~near_gap
        & ~(np.abs(grade) > max_abs_grade)
    )
    # Segment boundaries: a change of `ok`, or a pause between two ok samples.
    edges = np.diff(np.r_[0, ok.astype(np.int8), 0])
    starts = np.flatnonzero(edges == 1)
    stops = np.flatnonzero(edges == -1)
    breaks = np.flatnonzero(gap_after & ok[:-1] & ok[1:]) + 1
    starts = np.sort(np.r_[starts, breaks]).astype(np.int64)
    stops = np.sort(np.r_[stops, breaks]).astype(np.int64)
    long_enough = t[stops - 1] - t[starts] >= min_segment_s
    starts, stops = starts[long_enough], stops[long_enough]
    mask = np.zeros(n, dtype=bool)
    cover = np.zeros(n + 1, dtype=np.int64)
    np.add.at(cover, starts, 1)
    np.add.at(cover, stops, -1)
    mask = np.cumsum(cover[:-1]) > 0
    return SteadySegments(mask=mask, starts=starts, stops=stops, grade=grade, moving=moving)
