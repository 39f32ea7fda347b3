"""FIT values to backstride units: record channels, session summaries, laps.

The FIT reader (:mod:`backstride.ingest.fit`) decodes with the columnar decoder
(:mod:`backstride.ingest.fitcol`), which already applies each field's scale and offset from
the FIT profile (metres, m/s, mm, ms, percent, semicircles). This module turns
those values into SI :class:`~backstride.units.Channel` arrays and FIT ``session``/``lap``
messages into :class:`~backstride.model.Summary`/:class:`~backstride.model.Lap`. A decoded
message is a plain ``{field name: value}`` dict (:data:`Message`); times are raw FIT seconds
(since 1989-12-31 UTC, or since device power-on for old devices) until :func:`fit_time`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime

import numpy as np

from backstride.model import FloatArray, Lap, Streams, Summary
from backstride.units import FOOT_SPORTS, Channel, strides_to_steps

Message = dict[str, object]

#: Unix time of the FIT epoch, 1989-12-31T00:00:00Z.
FIT_EPOCH_UNIX_S = 631065600
#: FIT ``date_time`` values below this count seconds since device power-on (FIT profile,
#: type ``date_time``: "if less than 0x10000000 ... relative to an unknown time").
FIT_RELATIVE_TIME_LIMIT = 0x10000000
SEMICIRCLES_TO_DEG = 180.0 / 2**31
#: Largest real UTC offset (UTC+14, Kiribati): a bigger gap between activity.timestamp and
#: activity.local_timestamp is not a time zone.
MAX_UTC_OFFSET_S = 14 * 3600

#: Native record fields read into channels; every other native record field is ignored.
#: Field 85 is ``step_length`` in FIT profile 21.x; some older profiles name it
#: ``stride_length``. Either way it is ONE step: across the seven running files in the test
#: data its median equals speed * 60 / steps-per-minute within 3%, half a two-step stride.
RECORD_FIELDS = frozenset(
    {
        "position_lat",
        "position_long",
        "altitude",
        "enhanced_altitude",
        "distance",
        "speed",
        "enhanced_speed",
        "heart_rate",
        "cadence",
        "fractional_cadence",
        "power",
        "temperature",
        "vertical_oscillation",
        "vertical_ratio",
        "stance_time",
        "stance_time_percent",
        "stance_time_balance",
        "step_length",
        "stride_length",
    }
)

# A developer field that carries running power (Stryd, Garmin Running Power: "Power [Watts]").
_DEV_POWER = re.compile(r"power(?: \[(?:w|watts?)\])?", re.IGNORECASE)


def number(value: object) -> float | None:
    """A decoded FIT value as a float: the first element of an array, None unless numeric.

    Some devices write array-typed fields where the profile has a scalar (python-fitparse
    issue #62: ``enhanced_avg_speed == (0.76, 65.535)`` in the FR255 triathlon file).
    """
    if isinstance(value, tuple):
        value = value[0] if value else None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    result = float(value)
    return result if math.isfinite(result) else None


def fit_time(raw_s: float, *, anchor_s: float = 0.0) -> datetime:
    """A FIT timestamp (plus ``anchor_s`` for power-on-relative clocks) as a UTC datetime."""
    return datetime.fromtimestamp(FIT_EPOCH_UNIX_S + raw_s + anchor_s, tz=UTC)


def enum_name(value: object, kind: str) -> str | None:
    """A FIT enum as its lower-case profile name; ``f"{kind}_{n}"`` when the profile lacks n."""
    if isinstance(value, str):
        return value.lower()
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{kind}_{value}"
    return None


def clock(activity: Message, reference_s: float | None) -> tuple[float, int | None, str | None]:
    """Seconds to add to FIT times for UTC, the UTC offset, and a warning if the clock is odd.

    ``reference_s`` is one of the file's times (the first session start). The offset is the
    activity message's local_timestamp minus its timestamp. Old devices (the FR70 of
    compressed-speed-distance.fit) count seconds from power-on; their only wall-clock time
    is that local_timestamp, so the start is local time.
    """
    utc = number(activity.get("timestamp"))
    local = number(activity.get("local_timestamp"))
    limit = FIT_RELATIVE_TIME_LIMIT
    if reference_s is None or reference_s >= limit:
        offset = None
        if utc is not None and local is not None and min(utc, local) >= limit:
            offset = round(local - utc) if abs(local - utc) <= MAX_UTC_OFFSET_S else None
        return 0.0, offset, None
    if utc is not None and local is not None and utc < limit <= local:
        return (
            local - utc,
            None,
            "timestamps count from device power-on; start time taken from the device's "
            "local clock (UTC offset unknown)",
        )
    return (
        0.0,
        None,
        "timestamps count from device power-on and the file gives no clock time; "
        "the start date is not the real one",
    )


def device_name(messages: list[Message]) -> str | None:
    """Manufacturer and product of the recording device, e.g. "garmin fenix5x".

    ``messages`` are the file_id message, then device_info messages; only the device_info
    of the ``creator`` (device_index 0) names the recording device.
    """
    for message in messages:
        if "device_index" in message and message["device_index"] not in ("creator", 0):
            continue
        manufacturer = enum_name(message.get("manufacturer"), "manufacturer")
        if manufacturer is None:
            continue
        product = message.get("product_name") or message.get("product")
        if isinstance(product, str) and product.strip():
            return f"{manufacturer} {product.strip()}"
        if isinstance(product, int) and not isinstance(product, bool):
            return f"{manufacturer} {product}"
        return manufacturer
    return None


#: FIT sub-sports that count feet whatever the sport says (``fitness_equipment`` treadmill).
_FOOT_SUB_SPORTS = frozenset({"treadmill", "indoor_running", "indoor_walking"})


def is_foot_sport(sport: str, sub_sport: str | None) -> bool:
    """Whether cadence counts feet (FIT sport ``running``, or e.g. sub-sport ``treadmill``)."""
    return sport in FOOT_SPORTS or sub_sport in _FOOT_SUB_SPORTS


def _prefer(first: FloatArray | None, second: FloatArray | None) -> FloatArray | None:
    """``first`` where it has a value, else ``second`` (enhanced_* over legacy fields)."""
    if first is None or second is None:
        return first if second is None else second
    return np.where(np.isfinite(first), first, second)


def record_channels(
    columns: Mapping[str, FloatArray], dev_columns: Mapping[str, FloatArray]
) -> tuple[dict[Channel, FloatArray], FloatArray | None]:
    """Sport-independent channels from record columns, plus cadence in FIT's own unit.

    The cadence (``cadence + fractional_cadence``) is strides/min for foot sports and rpm for
    others; :func:`cadence_channel` decides per session.
    """
    col = columns.get
    channels: dict[Channel, FloatArray] = {}

    def put(channel: Channel, values: FloatArray | None, scale: float = 1.0) -> None:
        if values is not None:
            channels[channel] = values * scale if scale != 1.0 else values

    lat, lon = col("position_lat"), col("position_long")
    if lat is not None and lon is not None:
        bad = ~((np.abs(lat) <= 2**30) & (np.abs(lon) <= 2**31))  # |lat| <= 90 deg
        channels[Channel.LATITUDE_DEG] = np.where(bad, np.nan, lat * SEMICIRCLES_TO_DEG)
        channels[Channel.LONGITUDE_DEG] = np.where(bad, np.nan, lon * SEMICIRCLES_TO_DEG)
    put(Channel.ALTITUDE_M, _prefer(col("enhanced_altitude"), col("altitude")))
    put(Channel.DISTANCE_M, col("distance"))
    put(Channel.SPEED_MPS, _prefer(col("enhanced_speed"), col("speed")))
    put(Channel.HEART_RATE_BPM, col("heart_rate"))
    dev_power = next((v for k, v in dev_columns.items() if _DEV_POWER.fullmatch(k)), None)
    put(Channel.POWER_W, _prefer(col("power"), dev_power))
    put(Channel.TEMPERATURE_C, col("temperature"))
    put(Channel.VERTICAL_OSCILLATION_M, col("vertical_oscillation"), 1e-3)  # mm
    put(Channel.VERTICAL_RATIO_PCT, col("vertical_ratio"))
    put(Channel.STANCE_TIME_S, col("stance_time"), 1e-3)  # ms
    put(Channel.STANCE_TIME_PCT, col("stance_time_percent"))
    # The FIT profile (21.171 in fitdecode, 21.218 in garmin-fit-sdk) types record field 84
    # stance_time_balance as plain "percent" and names no side. It is the LEFT foot's share:
    # Garmin's running-dynamics manuals read a "48-52" display as left 48%, right 52%, and
    # GoldenCheetah's FitRideFile.cpp stores field 84 unchanged as lrbalance, the left share
    # it converts field 30 into (100 - value when the "right" bit is set).
    put(Channel.STANCE_TIME_BALANCE_LEFT_PCT, col("stance_time_balance"))
    put(Channel.STEP_LENGTH_M, _prefer(col("step_length"), col("stride_length")), 1e-3)  # mm
    cadence = col("cadence")
    fraction = col("fractional_cadence")
    if cadence is not None and fraction is not None:
        cadence = cadence + np.where(np.isfinite(fraction), fraction, 0.0)
    return channels, cadence


def cadence_channel(cadence: FloatArray, *, foot: bool) -> tuple[Channel, FloatArray]:
    """FIT cadence as steps/min for foot sports (FIT counts strides), else rpm as recorded."""
    if foot:
        return Channel.CADENCE_SPM, strides_to_steps(cadence)
    return Channel.CADENCE_RPM, cadence


def _cadence_spm(message: Message, *, foot: bool) -> float | None:
    # Session and lap avg_cadence is strides/min for running (subfield avg_running_cadence).
    whole = number(message.get("avg_cadence"))
    if not foot or whole is None:
        return None
    fraction = number(message.get("avg_fractional_cadence")) or 0.0
    return float(strides_to_steps(whole + fraction))


def _avg_speed(message: Message) -> float | None:
    speed = number(message.get("enhanced_avg_speed"))
    return speed if speed is not None else number(message.get("avg_speed"))


def session_summary(session: Message, *, foot: bool, elapsed_s: float) -> Summary:
    """The file's own totals for one session; ``elapsed_s`` where it lacks an elapsed time."""
    get = session.get
    return Summary(
        elapsed_s=number(get("total_elapsed_time")) or elapsed_s,
        timer_s=number(get("total_timer_time")),
        distance_m=number(get("total_distance")),
        avg_speed_mps=_avg_speed(session),
        avg_hr_bpm=number(get("avg_heart_rate")),
        max_hr_bpm=number(get("max_heart_rate")),
        avg_cadence_spm=_cadence_spm(session, foot=foot),
        avg_power_w=number(get("avg_power")),
        total_ascent_m=number(get("total_ascent")),
        calories_kcal=number(get("total_calories")),
    )


def lap_from(lap: Message, start_at: datetime, *, foot: bool) -> Lap:
    """One FIT lap message as a :class:`Lap` starting at ``start_at``."""
    get = lap.get
    intensity = get("intensity")
    return Lap(
        start_at=start_at,
        elapsed_s=number(get("total_elapsed_time")) or 0.0,
        timer_s=number(get("total_timer_time")),
        distance_m=number(get("total_distance")),
        avg_speed_mps=_avg_speed(lap),
        avg_hr_bpm=number(get("avg_heart_rate")),
        max_hr_bpm=number(get("max_heart_rate")),
        avg_cadence_spm=_cadence_spm(lap, foot=foot),
        avg_power_w=number(get("avg_power")),
        intensity=intensity if isinstance(intensity, str) else None,
    )


def _mean(values: FloatArray | None, *, positive: bool) -> float | None:
    if values is None:
        return None
    kept = values[values > 0] if positive else values[np.isfinite(values)]
    return float(kept.mean()) if kept.size else None


def _haversine_m(lat: FloatArray, lon: FloatArray) -> float:
    ok = np.isfinite(lat) & np.isfinite(lon)
    phi, lam = np.radians(lat[ok]), np.radians(lon[ok])
    if phi.size < 2:
        return 0.0
    a = (
        np.sin(np.diff(phi) / 2) ** 2
        + np.cos(phi[:-1]) * np.cos(phi[1:]) * np.sin(np.diff(lam) / 2) ** 2
    )
    return float(np.sum(2 * 6_371_008.8 * np.arcsin(np.sqrt(np.minimum(a, 1.0)))))


def summary_from_streams(streams: Streams, *, distance_before_m: float = 0.0) -> Summary:
    """Totals computed from the samples, for files without a session message (truncated).

    ``distance_before_m`` is the distance counter at the session's start: it runs on across
    the sessions of a multisport file.
    """
    ch = streams.channels
    elapsed = float(streams.elapsed_s[-1] - streams.elapsed_s[0]) if len(streams) else 0.0
    distance: float | None = None
    if streams.has(Channel.DISTANCE_M):
        distance = max(float(np.nanmax(ch[Channel.DISTANCE_M])) - distance_before_m, 0.0)
    elif streams.has(Channel.LATITUDE_DEG) and streams.has(Channel.LONGITUDE_DEG):
        distance = _haversine_m(ch[Channel.LATITUDE_DEG], ch[Channel.LONGITUDE_DEG])
    hr = ch.get(Channel.HEART_RATE_BPM)
    return Summary(
        elapsed_s=elapsed,
        distance_m=distance,
        avg_speed_mps=distance / elapsed if distance is not None and elapsed > 0 else None,
        avg_hr_bpm=_mean(hr, positive=True),
        max_hr_bpm=float(np.nanmax(hr)) if hr is not None and np.isfinite(hr).any() else None,
        avg_cadence_spm=_mean(ch.get(Channel.CADENCE_SPM), positive=True),
        avg_power_w=_mean(ch.get(Channel.POWER_W), positive=False),
    )


def fill_missing(summary: Summary, computed: Summary) -> Summary:
    """The file's summary with the totals it lacks taken from the records.

    Suunto's cross-country ski file (fit-parser-js test2.fit) has no total_distance in its
    session although every record carries a distance.
    """
    distance = summary.distance_m if summary.distance_m is not None else computed.distance_m
    speed = summary.avg_speed_mps
    duration = summary.timer_s or summary.elapsed_s
    if speed is None and distance is not None and duration > 0:
        speed = distance / duration
    return replace(
        summary,
        distance_m=distance,
        avg_speed_mps=speed,
        avg_hr_bpm=_first(summary.avg_hr_bpm, computed.avg_hr_bpm),
        max_hr_bpm=_first(summary.max_hr_bpm, computed.max_hr_bpm),
        avg_cadence_spm=_first(summary.avg_cadence_spm, computed.avg_cadence_spm),
        avg_power_w=_first(summary.avg_power_w, computed.avg_power_w),
    )


def _first(value: float | None, fallback: float | None) -> float | None:
    return value if value is not None else fallback


def _agrees(expected: float, spm: FloatArray, tolerance: float) -> bool | None:
    """Whether ``expected`` is the samples' mean cadence; None with under 10 moving samples.

    Devices average cadence either over moving samples or over all of them, stops included
    (newer Garmin watches: the mean of every record matches their session average to 0.1%),
    so either mean agreeing counts.
    """
    moving = spm[spm > 0]
    if moving.size < 10 or not expected:
        return None
    means = (float(moving.mean()), float(np.nanmean(spm)))
    return any(abs(mean - expected) <= tolerance * expected for mean in means)


def cadence_mismatch(streams: Streams, summary: Summary, *, tolerance: float = 0.05) -> str | None:
    """A warning when the cadence samples disagree with the file's own average cadence.

    A mismatch most often means strides read as steps, or samples from another sensor than
    the summary's.
    """
    spm = streams.channels.get(Channel.CADENCE_SPM)
    expected = summary.avg_cadence_spm
    if spm is None or expected is None or _agrees(expected, spm, tolerance) is not False:
        return None
    moving = float(spm[spm > 0].mean())
    return (
        f"cadence samples average {moving:.0f} steps/min while moving but the file's "
        f"summary says {expected:.0f}; the cadence may come from another sensor or be misread"
    )


def laps_in_steps(
    laps: tuple[Lap, ...], streams: Streams, start_at: datetime, *, tolerance: float = 0.05
) -> tuple[tuple[Lap, ...], str | None]:
    """Laps whose average cadence is twice their samples' halved, and a warning saying so.

    The Fenix 2 writes multisport lap cadence in steps/min, not the strides/min of the FIT
    profile (activity-large-fenxi2-multisport.fit: laps 228 and 298, records 114 and 149).
    """
    spm = streams.channels.get(Channel.CADENCE_SPM)
    if spm is None:
        return laps, None
    kept: list[Lap] = []
    for lap in laps:
        expected = lap.avg_cadence_spm
        if expected:
            begin = (lap.start_at - start_at).total_seconds()
            inside = (streams.elapsed_s >= begin) & (streams.elapsed_s < begin + lap.elapsed_s)
            window = spm[inside]
            if _agrees(expected, window, tolerance) is False and _agrees(
                expected / 2, window, tolerance
            ):
                lap = replace(lap, avg_cadence_spm=expected / 2)
        kept.append(lap)
    halved = sum(a.avg_cadence_spm != b.avg_cadence_spm for a, b in zip(laps, kept, strict=True))
    if not halved:
        return laps, None
    return tuple(kept), (
        f"{halved} lap cadence(s) were written in steps/min, twice their samples; halved"
    )
