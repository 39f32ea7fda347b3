"""A Strava activity (its detail and streams, as the API v3 gives them) as backstride's
``Activity`` and ``ActivityMeta``; the fingerprint that tells an edited activity.

Field names are the reference's (https://developers.strava.com/docs/reference/:
``DetailedActivity``, ``Lap``, ``StreamSet``). Strava's running cadence counts one foot, as
FIT does, so it is doubled into steps per minute here, once, like every reader in ingest.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import numpy as np

from backstride.ingest.strava import strava_sport
from backstride.model import Activity, ActivityMeta, FloatArray, Lap, Streams, Summary
from backstride.units import FOOT_SPORTS, Channel, strides_to_steps

#: Strava's ``sport_type`` values as the labels of its export (``ingest.strava``'s table).
SPORT_TYPES: dict[str, str] = {
    "Run": "run",
    "TrailRun": "trail run",
    "VirtualRun": "virtual run",
    "Walk": "walk",
    "Hike": "hike",
    "Ride": "ride",
    "VirtualRide": "virtual ride",
    "EBikeRide": "e-bike ride",
    "MountainBikeRide": "mountain bike ride",
    "GravelRide": "gravel ride",
    "Swim": "swim",
    "Rowing": "rowing",
    "Kayaking": "kayaking",
    "StandUpPaddling": "stand up paddling",
    "NordicSki": "nordic ski",
    "AlpineSki": "alpine ski",
    "WeightTraining": "weight training",
    "Workout": "workout",
    "Crossfit": "crossfit",
    "Yoga": "yoga",
    "Pilates": "pilates",
    "Elliptical": "elliptical",
    "StairStepper": "stair stepper",
}

#: The summary fields whose change is an edit worth fetching the activity again for.
FINGERPRINT_FIELDS = (
    "name",
    "sport_type",
    "type",
    "start_date",
    "distance",
    "moving_time",
    "elapsed_time",
    "total_elevation_gain",
    "gear_id",
    "manual",
    "private",
    "trainer",
    "commute",
    "workout_type",
    "average_heartrate",
)


def fingerprint(summary: Mapping[str, Any]) -> str:
    """A digest of what a list entry says about an activity; another digest is an edit.

    >>> a = {"id": 1, "name": "Easy", "distance": 5000.0, "kudos_count": 1}
    >>> fingerprint(a) == fingerprint({**a, "kudos_count": 9})
    True
    >>> fingerprint(a) == fingerprint({**a, "name": "Easy, back fine"})
    False
    """
    picked = {k: summary.get(k) for k in FINGERPRINT_FIELDS}
    return hashlib.sha256(json.dumps(picked, sort_keys=True).encode()).hexdigest()


def sport_of(detail: Mapping[str, Any]) -> tuple[str, str | None]:
    label = detail.get("sport_type") or detail.get("type") or ""
    return strava_sport(SPORT_TYPES.get(str(label), str(label)))


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _column(streams: Mapping[str, Any], key: str, n: int) -> FloatArray | None:
    stream = streams.get(key)
    data = stream.get("data") if isinstance(stream, Mapping) else None
    if not isinstance(data, list) or len(data) != n:
        return None
    try:
        return np.asarray(data, dtype=np.float64)
    except (TypeError, ValueError):
        return None


def to_streams(streams: Mapping[str, Any], sport: str) -> Streams:
    """Strava's streams (``key_by_type``) as backstride's; channels of another length than
    ``time`` are left out."""
    stream = streams.get("time")
    data = stream.get("data") if isinstance(stream, Mapping) else None
    time = _column(streams, "time", len(data)) if isinstance(data, list) else None
    if time is None or not len(time):
        return Streams(elapsed_s=np.zeros(0, dtype=np.float64))
    n = len(time)
    channels: dict[Channel, FloatArray] = {}
    for key, channel in (
        ("distance", Channel.DISTANCE_M),
        ("altitude", Channel.ALTITUDE_M),
        ("heartrate", Channel.HEART_RATE_BPM),
        ("watts", Channel.POWER_W),
        ("velocity_smooth", Channel.SPEED_MPS),
        ("temp", Channel.TEMPERATURE_C),
    ):
        values = _column(streams, key, n)
        if values is not None:
            channels[channel] = values
    cadence = _column(streams, "cadence", n)
    if cadence is not None:
        if sport in FOOT_SPORTS:
            channels[Channel.CADENCE_SPM] = strides_to_steps(cadence)
        else:
            channels[Channel.CADENCE_RPM] = cadence
    latlng = streams.get("latlng")
    points = latlng.get("data") if isinstance(latlng, Mapping) else None
    if isinstance(points, list) and len(points) == n:
        try:
            pairs = np.asarray(points, dtype=np.float64).reshape(n, 2)
        except (TypeError, ValueError):
            pairs = None
        if pairs is not None:
            channels[Channel.LATITUDE_DEG] = pairs[:, 0].copy()
            channels[Channel.LONGITUDE_DEG] = pairs[:, 1].copy()
    return Streams(elapsed_s=time - time[0], channels=channels)


def _cadence(value: Any, sport: str) -> float | None:
    cadence = _num(value)
    return None if cadence is None or sport not in FOOT_SPORTS else 2.0 * cadence


def _laps(detail: Mapping[str, Any], sport: str) -> tuple[Lap, ...]:
    laps = []
    for lap in detail.get("laps") or ():
        if not isinstance(lap, Mapping):
            continue
        start = _time(lap.get("start_date"))
        elapsed = _num(lap.get("elapsed_time"))
        if start is None or elapsed is None:
            continue
        laps.append(
            Lap(
                start_at=start,
                elapsed_s=elapsed,
                timer_s=_num(lap.get("moving_time")),
                distance_m=_num(lap.get("distance")),
                avg_speed_mps=_num(lap.get("average_speed")),
                avg_hr_bpm=_num(lap.get("average_heartrate")),
                max_hr_bpm=_num(lap.get("max_heartrate")),
                avg_cadence_spm=_cadence(lap.get("average_cadence"), sport),
                avg_power_w=_num(lap.get("average_watts")),
            )
        )
    return tuple(laps)


def to_activity(detail: Mapping[str, Any], streams: Mapping[str, Any]) -> Activity | None:
    """The activity, or None when the detail has no start or no time (nothing to store)."""
    start = _time(detail.get("start_date"))
    elapsed = _num(detail.get("elapsed_time"))
    if start is None or elapsed is None:
        return None
    sport, sub_sport = sport_of(detail)
    offset = _num(detail.get("utc_offset"))
    manual = bool(detail.get("manual"))
    return Activity(
        sport=sport,
        sub_sport=sub_sport,
        start_at=start,
        utc_offset_s=None if offset is None else int(offset),
        source_format="manual" if manual else "strava",
        summary=Summary(
            elapsed_s=elapsed,
            timer_s=_num(detail.get("moving_time")),
            distance_m=_num(detail.get("distance")) or None,
            avg_speed_mps=_num(detail.get("average_speed")) or None,
            avg_hr_bpm=_num(detail.get("average_heartrate")),
            max_hr_bpm=_num(detail.get("max_heartrate")),
            avg_cadence_spm=_cadence(detail.get("average_cadence"), sport),
            avg_power_w=_num(detail.get("average_watts")),
            total_ascent_m=_num(detail.get("total_elevation_gain")),
            calories_kcal=_num(detail.get("calories")),
        ),
        streams=to_streams(streams, sport) if not manual else Streams(np.zeros(0)),
        laps=_laps(detail, sport),
        device=detail.get("device_name") if isinstance(detail.get("device_name"), str) else None,
        name=detail.get("name") if isinstance(detail.get("name"), str) else None,
    )


def to_meta(detail: Mapping[str, Any], gear_name: str | None) -> ActivityMeta:
    """What Strava knows beyond the recording: name, type, notes, exertion, shoe."""
    rpe = _num(detail.get("perceived_exertion"))

    def text(key: str) -> str | None:
        value = detail.get(key)
        return value if isinstance(value, str) and value.strip() else None

    return ActivityMeta(
        name=text("name"),
        vendor_type=text("sport_type") or text("type"),
        description=text("description"),
        private_note=text("private_note"),
        gear_name=gear_name,
        rpe=None if rpe is None else max(1, min(10, round(rpe))),
        external_id=f"strava:{detail.get('id')}",
    )
