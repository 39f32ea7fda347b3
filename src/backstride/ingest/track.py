"""Quantities derived from a recorded track: distance, speed, moving time, ascent, totals.

GPX carries only positions, times and sensor samples, and TCX often lacks a total, so both
readers derive the rest here from arrays (one value per sample, NaN where missing). Every
function takes and returns NumPy arrays or plain numbers; none mutates its inputs.

Rules, stated once (they decide the totals a user sees for a GPX file):

- **Breaks**: the interval between two samples is a recording break, across which nothing
  is counted (no distance, no moving time, no ascent, no weight in averages), when
  - the samples lie in different track segments (GPX ``trkseg``/``trk``, TCX ``Track``):
    the GPX schema starts a new segment "where GPS reception was lost, or the GPS receiver
    was turned off", and devices start a new TCX ``Track`` when the timer is paused (the
    Polar M400 run in sweatpy__3173437224.tcx.gz pauses 398 s between two Tracks of a lap);
  - or the interval is longer than ``max(10 s, 10 x the median interval)``: Strava and
    Garmin Connect export one segment even when the watch was paused, so a pause shows only
    as a silence in an otherwise dense recording, and a device adds no distance while
    paused. Sparse logs keep their long walking intervals (a GPS logger writing every 11 s
    gets a 110 s limit). The GPX and TCX exports of sweatpy's ride 5039744860 differ by
    246 m across such a 32 s silence in a 1 s recording: counted, the GPX would be 35%
    longer than the Edge 1000 says; skipped, they agree within 3%.
- **Distance** is the haversine great-circle distance on a sphere of the Earth's mean radius,
  summed between consecutive fixes; samples without a fix get NaN and the leg across such a
  hole is counted at the next fix.
- **Moving time** (:func:`moving_time_s`) sums the intervals that are not a break and whose
  mean speed is at least 0.5 m/s (slower than any walk: standing, GPS jitter at a traffic
  light, auto-pause). Long intervals under the break limit count: old track logs and
  "smart recording" write a point only now and then while the athlete walks on.
- **Averages** (heart rate, cadence, power) weight each sample by the time it stands for:
  half of each interval either side of it, nothing across a break ("smart recording" writes
  a point every few seconds, more often when the pace changes). Cadence averages skip zeros
  (standing still is not a cadence); power keeps them (coasting is zero power).
- **Ascent** (:func:`total_ascent_m`): within each segment, the elevation is smoothed by a
  centred 5-sample moving average, rises faster than 5 m/s are dropped (not climbing but a
  sensor settling: the barometric altimeter in tcxreader__cross-country-skiing_activity_1.tcx
  gains 650 m in its first second; or a GPS altitude jump), and a climb counts once the
  elevation is 3 m above the lowest point since the last counted climb (hysteresis). GPS and
  even barometric altitude jitter by a metre or two per sample, and summing every smoothed
  rise gives 198 m for a ride whose FR935 says 79. On the record altitudes of six FIT files
  in tests/data this function gives 77/79 m (ours/device's), 62/64, 6/7, 174/185, 31/32 and
  941/938.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from backstride.errors import EmptyActivityError
from backstride.model import Activity, FloatArray, Summary
from backstride.units import Channel

T = TypeVar("T")

#: Mean Earth radius (IUGG), metres.
EARTH_RADIUS_M = 6_371_008.8
#: A silence longer than this many median intervals (and than GAP_MIN_S) is a pause.
GAP_FACTOR = 10.0
GAP_MIN_S = 10.0
#: Mean speed under which an interval counts as standing still.
PAUSE_SPEED_MPS = 0.5
ASCENT_SMOOTHING_SAMPLES = 5
#: Rise above the last low that counts as climbing.
ASCENT_HYSTERESIS_M = 3.0
#: Elevation gain rate above which a rise is an artefact, not a climb.
MAX_CLIMB_RATE_MPS = 5.0

BoolArray = npt.NDArray[np.bool_]


def haversine_m(
    lat1_deg: npt.ArrayLike,
    lon1_deg: npt.ArrayLike,
    lat2_deg: npt.ArrayLike,
    lon2_deg: npt.ArrayLike,
) -> FloatArray:
    """Great-circle distance in metres between two arrays of points (element-wise)."""
    lat1, lon1, lat2, lon2 = (
        np.radians(np.asarray(a, dtype=np.float64))
        for a in (lat1_deg, lon1_deg, lat2_deg, lon2_deg)
    )
    h = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return np.asarray(2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0))))


def recording_breaks(elapsed_s: FloatArray, segment: FloatArray) -> BoolArray:
    """For each interval between samples, whether it is a break (see the module docstring).

    ``segment`` numbers each sample's track segment.
    """
    dt = np.diff(elapsed_s)
    breaks = np.diff(segment) != 0
    positive = dt[dt > 0]
    if len(positive):
        breaks |= dt > max(GAP_MIN_S, GAP_FACTOR * float(np.median(positive)))
    return np.asarray(breaks)


def cumulative_distance_m(
    lat_deg: FloatArray, lon_deg: FloatArray, *, breaks: BoolArray | None = None
) -> FloatArray:
    """Distance from the first fix to each sample; NaN for samples without a fix."""
    out = np.full(len(lat_deg), np.nan)
    fixed = np.flatnonzero(np.isfinite(lat_deg) & np.isfinite(lon_deg))
    if len(fixed) == 0:
        return out
    a, b = fixed[:-1], fixed[1:]
    legs = haversine_m(lat_deg[a], lon_deg[a], lat_deg[b], lon_deg[b])
    if breaks is not None:
        crossed = np.concatenate(([0], np.cumsum(breaks)))
        legs[crossed[a] != crossed[b]] = 0.0
    out[fixed] = np.concatenate(([0.0], np.cumsum(legs)))
    return out


def interval_speed_mps(
    elapsed_s: FloatArray, distance_m: FloatArray, *, breaks: BoolArray | None = None
) -> FloatArray:
    """Mean speed over the interval ending at each sample; NaN first, at breaks, when dt is 0."""
    out = np.full(len(elapsed_s), np.nan)
    if len(elapsed_s) < 2:
        return out
    dt = np.diff(elapsed_s)
    dd = np.diff(distance_m)
    ok = (dt > 0) & np.isfinite(dd)
    if breaks is not None:
        ok &= ~breaks
    out[1:][ok] = np.maximum(dd[ok], 0.0) / dt[ok]
    return out


def moving_time_s(
    elapsed_s: FloatArray, distance_m: FloatArray, *, breaks: BoolArray | None = None
) -> float | None:
    """Time spent moving, by the rule in the module docstring; None without any distance."""
    speed = interval_speed_mps(elapsed_s, distance_m, breaks=breaks)[1:]
    known = np.isfinite(speed)
    if not known.any():
        return None
    moving = known & (np.where(known, speed, 0.0) >= PAUSE_SPEED_MPS)
    return float(np.diff(elapsed_s)[moving].sum())


def total_ascent_m(
    elapsed_s: FloatArray, altitude_m: FloatArray, *, breaks: BoolArray | None = None
) -> float | None:
    """Sum of rises of the smoothed elevation (see the module docstring); None without data."""
    keep = np.isfinite(altitude_m)
    if keep.sum() < 2:
        return None
    segment = np.concatenate(([0], np.cumsum(breaks)))[keep] if breaks is not None else None
    cuts = np.flatnonzero(np.diff(segment)) + 1 if segment is not None else np.zeros(0, np.intp)
    total = 0.0
    pieces = zip(np.split(elapsed_s[keep], cuts), np.split(altitude_m[keep], cuts), strict=True)
    for times, alt in pieces:
        if len(alt) < 2:
            continue
        steps = np.diff(_moving_average(alt, ASCENT_SMOOTHING_SAMPLES))
        steps[steps > MAX_CLIMB_RATE_MPS * np.diff(times)] = 0.0
        total += _hysteresis_gain(np.cumsum(steps), ASCENT_HYSTERESIS_M)
    return total


def _hysteresis_gain(profile: FloatArray, threshold: float) -> float:
    # Sequential by nature; a loop over floats is fast enough for 10^5 samples.
    gain = 0.0
    low = 0.0
    for value in profile.tolist():
        if value < low:
            low = value
        elif value - low >= threshold:
            gain += value - low
            low = value
    return gain


def _moving_average(values: FloatArray, window: int) -> FloatArray:
    k = min(window, len(values))
    # Pad with the edge values so that the ends are not pulled towards zero.
    padded = np.concatenate(
        (np.full(k // 2, values[0]), values, np.full(k - 1 - k // 2, values[-1]))
    )
    return np.convolve(padded, np.full(k, 1.0 / k), mode="valid")


def sample_weights_s(elapsed_s: FloatArray, *, breaks: BoolArray | None = None) -> FloatArray:
    """The time each sample stands for: half of each interval either side, none at breaks."""
    if len(elapsed_s) < 2:
        return np.ones(len(elapsed_s))
    dt = np.diff(elapsed_s)
    if breaks is not None:
        dt = np.where(breaks, 0.0, dt)
    weights = (np.concatenate(([0.0], dt)) + np.concatenate((dt, [0.0]))) / 2
    # All samples at one instant: each counts the same.
    return weights if weights.sum() > 0 else np.ones(len(elapsed_s))


def finite_mean(
    values: FloatArray | None, weights: FloatArray | None = None, *, positive: bool = False
) -> float | None:
    """Weighted mean of the finite values (only those > 0 with ``positive``); None if none."""
    if values is None:
        return None
    keep = np.isfinite(values)
    if positive:
        keep &= np.where(keep, values, 0.0) > 0
    w = weights[keep] if weights is not None else np.ones(int(keep.sum()))
    if not keep.any() or w.sum() <= 0:
        return None
    return float(np.average(values[keep], weights=w))


def finite_max(values: FloatArray | None) -> float | None:
    if values is None or not np.isfinite(values).any():
        return None
    return float(np.nanmax(values))


def last_finite(values: FloatArray | None) -> float | None:
    if values is None:
        return None
    finite = values[np.isfinite(values)]
    return float(finite[-1]) if len(finite) else None


def summary_from_streams(
    elapsed_s: FloatArray, channels: dict[Channel, FloatArray], *, breaks: BoolArray | None = None
) -> Summary:
    """Totals computed from the samples alone (a GPX file has nothing else)."""
    distance = channels.get(Channel.DISTANCE_M)
    distance_m = last_finite(distance)
    timer_s = moving_time_s(elapsed_s, distance, breaks=breaks) if distance is not None else None
    moving_s = timer_s or (float(elapsed_s[-1]) if len(elapsed_s) else None)
    altitude = channels.get(Channel.ALTITUDE_M)
    weights = sample_weights_s(elapsed_s, breaks=breaks)
    return Summary(
        elapsed_s=float(elapsed_s[-1] - elapsed_s[0]) if len(elapsed_s) else 0.0,
        timer_s=timer_s,
        distance_m=distance_m,
        avg_speed_mps=distance_m / moving_s if distance_m is not None and moving_s else None,
        avg_hr_bpm=finite_mean(channels.get(Channel.HEART_RATE_BPM), weights),
        max_hr_bpm=finite_max(channels.get(Channel.HEART_RATE_BPM)),
        avg_cadence_spm=finite_mean(channels.get(Channel.CADENCE_SPM), weights, positive=True),
        avg_power_w=finite_mean(channels.get(Channel.POWER_W), weights),
        total_ascent_m=(
            total_ascent_m(elapsed_s, altitude, breaks=breaks) if altitude is not None else None
        ),
    )


def order_samples(
    times_s: FloatArray, columns: dict[str, FloatArray], *, what: str
) -> tuple[FloatArray, dict[str, FloatArray], list[str]]:
    """Sort samples by time (stable) and say what was wrong: disorder, repeated timestamps.

    ``what`` names the samples in warnings (``"track points"``).
    """
    warnings: list[str] = []
    steps = np.diff(times_s)
    backwards = int((steps < 0).sum())
    if backwards:
        order = np.argsort(times_s, kind="stable")
        times_s = times_s[order]
        columns = {k: v[order] for k, v in columns.items()}
        warnings.append(f"{backwards} {what} out of time order; sorted by time")
        steps = np.diff(times_s)
    repeated = int((steps == 0).sum())
    if repeated:
        warnings.append(f"{repeated} {what} repeat the previous timestamp")
    return times_s, columns, warnings


def readable_parts(
    parts: Iterable[T], read: Callable[[T, int], Activity], note: Callable[[int, str], str]
) -> list[Activity]:
    """The activities of a file's parts (GPX tracks, TCX ``<Activity>`` elements): a part
    that is empty or refused is left out, and said in ``note(count, first reason)`` on the
    others' warnings; when none is readable, the first reason is the file's error.
    ``read(part, index)`` gets the index the activity will have."""
    activities: list[Activity] = []
    refused: list[str] = []
    for part in parts:
        try:
            activities.append(read(part, len(activities)))
        except EmptyActivityError as e:
            refused.append(e.message)
    if not activities:
        raise EmptyActivityError(refused[0] if refused else "the file holds no activity")
    if refused:
        said = note(len(refused), refused[0])
        activities = [replace(a, warnings=(*a.warnings, said)) for a in activities]
    return activities


def present(channels: dict[Channel, FloatArray]) -> dict[Channel, FloatArray]:
    """Only the channels with at least one real value."""
    return {k: v for k, v in channels.items() if np.isfinite(v).any()}


# --- Sanity checks: values that cannot be right are corrected or dropped, with a warning ---

#: A median step rate above this (steps/min, both feet, over the samples with a cadence) is
#: not a runner's or a walker's. Distance runners run at 150-210 steps/min from a jog to race
#: pace, and elite 5 km pace stays near 200; only sprinting reaches 250-300, for seconds, so
#: no whole activity's median. Walking is 90-135.
MAX_STEP_RATE_SPM = 240.0
#: Fewer cadence samples than this are too few to judge the unit.
MIN_CADENCE_SAMPLES = 10


def cadence_in_steps(written: FloatArray | None) -> bool:
    """Whether a foot sport's cadence, which the format defines per foot, is already steps/min.

    FIT, TCX and GPX count a runner's cadence per foot (strides/min) and ingest doubles it.
    Some writers (treadmill apps, Polar's and other TCX exports) write steps/min there
    instead, which doubling turns into 270 "steps/min" at a jog. So: when the doubled median
    is above :data:`MAX_STEP_RATE_SPM` while the written median itself is a plausible step
    rate (at most that), the values are steps already. Zeros (standing) are left out of the
    median.

    >>> cadence_in_steps(np.full(20, 134.0)), cadence_in_steps(np.full(20, 67.0))
    (True, False)
    >>> cadence_in_steps(np.full(20, 300.0))  # neither unit makes sense: the format's
    False
    """
    if written is None:
        return False
    moving = written[np.isfinite(written) & (written > 0)]
    if len(moving) < MIN_CADENCE_SAMPLES:
        return False
    median = float(np.median(moving))
    return 2.0 * median > MAX_STEP_RATE_SPM and median <= MAX_STEP_RATE_SPM


def foot_cadence_factor(written: FloatArray | None, *, what: str) -> tuple[float, list[str]]:
    """The factor (2, or 1 with a warning) turning a foot sport's written cadence into steps.

    ``what`` names the field in the warning (``"TCX <Cadence>"``).
    """
    if not cadence_in_steps(written):
        return 2.0, []
    assert written is not None
    median = float(np.median(written[np.isfinite(written) & (written > 0)]))
    return 1.0, [
        f"{what} is already in steps/min (median {median:.0f}; doubled it would be "
        f"{2 * median:.0f}, above {MAX_STEP_RATE_SPM:.0f}): kept as written"
    ]


#: Channels in which a value of 0 throughout means the sensor was not there: no one runs an
#: hour at 0 W, a heart rate of 0 is no heart rate, and a cadence of 0 all along is no
#: cadence sensor (watches write 0 rather than leave the field out).
ZERO_MEANS_UNRECORDED = (
    Channel.HEART_RATE_BPM,
    Channel.CADENCE_SPM,
    Channel.CADENCE_RPM,
    Channel.POWER_W,
)
_CHANNEL_WORDS = {
    Channel.HEART_RATE_BPM: "heart rate",
    Channel.CADENCE_SPM: "cadence",
    Channel.CADENCE_RPM: "cadence",
    Channel.POWER_W: "power",
}


def drop_all_zero(
    channels: dict[Channel, FloatArray],
) -> tuple[dict[Channel, FloatArray], list[str]]:
    """The channels without those that are 0 in every sample with a value, and warnings.

    >>> kept, notes = drop_all_zero({Channel.POWER_W: np.zeros(3), Channel.SPEED_MPS: np.ones(3)})
    >>> [str(c) for c in kept], notes
    (['speed_mps'], ['power is 0 in every sample: not recorded, left out'])
    """
    kept = dict(channels)
    warnings = []
    for channel in ZERO_MEANS_UNRECORDED:
        values = kept.get(channel)
        if values is None:
            continue
        finite = values[np.isfinite(values)]
        if len(finite) and not finite.any():
            del kept[channel]
            warnings.append(
                f"{_CHANNEL_WORDS[channel]} is 0 in every sample: not recorded, left out"
            )
    return kept, warnings


#: A timer may exceed the elapsed time by this much (whole-second rounding of each).
TIMER_SLACK_S = 1.0


def checked_summary(
    summary: Summary, *, samples_s: float | None = None
) -> tuple[Summary, list[str]]:
    """A summary without values that cannot be right, and a warning for each fix.

    - a timer longer than the elapsed time: the clock cannot run longer than the activity.
      When the samples (``samples_s``, first to last) span the timer, the elapsed time is
      the wrong one (the Edge 1030 file 14582164182 says 1632 s elapsed, 2760 s timer, over
      2759 s of records) and becomes the samples' span; otherwise the timer is clamped to
      the longer of the two, and a speed computed from it follows;
    - an average speed of 0 over a distance: computed from the distance and the time;
    - an average heart rate, cadence or power of 0 (and a maximum heart rate of 0) means
      the sensor was not there: left out ("not recorded"), not shown as "0 W".

    >>> s, notes = checked_summary(Summary(elapsed_s=100.0, timer_s=150.0, avg_power_w=0.0))
    >>> s.timer_s, s.avg_power_w, len(notes)
    (100.0, None, 2)
    >>> checked_summary(Summary(elapsed_s=100.0, timer_s=150.0), samples_s=150.0)[0].elapsed_s
    150.0
    """
    warnings: list[str] = []
    changes: dict[str, Any] = {}
    timer, elapsed = summary.timer_s, summary.elapsed_s
    if timer is not None and elapsed > 0 and timer > elapsed + TIMER_SLACK_S:
        span = max(elapsed, samples_s or 0.0)
        if timer <= span + TIMER_SLACK_S:
            changes["elapsed_s"] = span
            warnings.append(
                f"elapsed time {elapsed:.0f} s is shorter than the timer {timer:.0f} s: "
                f"taken from the samples ({span:.0f} s)"
            )
        else:
            changes["timer_s"] = span
            if span > elapsed:
                changes["elapsed_s"] = span
            warnings.append(
                f"timer {timer:.0f} s is longer than the elapsed time {span:.0f} s: "
                "clamped to the elapsed time"
            )
            distance, speed = summary.distance_m, summary.avg_speed_mps
            if distance is not None and speed is not None and abs(distance / timer - speed) < 1e-6:
                changes["avg_speed_mps"] = distance / span
    duration = changes.get("timer_s", timer) or changes.get("elapsed_s", elapsed)
    if summary.avg_speed_mps == 0 and summary.distance_m and duration:
        changes["avg_speed_mps"] = summary.distance_m / duration
        warnings.append("average speed 0 over a distance: computed from distance and time")
    for name, word in (
        ("avg_hr_bpm", "average heart rate"),
        ("max_hr_bpm", "maximum heart rate"),
        ("avg_cadence_spm", "average cadence"),
        ("avg_power_w", "average power"),
    ):
        if getattr(summary, name) == 0:
            changes[name] = None
            warnings.append(f"{word} is 0: not recorded, left out")
    return (replace(summary, **changes) if changes else summary), warnings
