"""Canonical stream channel names and unit conversions.

Inside backstride every quantity is SI (metres, seconds, metres per second, watts, degrees
Celsius), timestamps are timezone-aware UTC, and running cadence is counted in **steps** per
minute. Device formats count running cadence per foot (strides per minute): ingest converts
once with :func:`strides_to_steps`, and nothing above ingest ever sees strides.

Each :class:`Channel` value is the stream's name with its unit as suffix, so a channel name
read anywhere (a JSON export, a database blob) says its unit.
"""

from __future__ import annotations

from enum import StrEnum

import numpy as np
import numpy.typing as npt


class Channel(StrEnum):
    """Canonical per-sample stream channels (values are stable storage names)."""

    LATITUDE_DEG = "latitude_deg"
    LONGITUDE_DEG = "longitude_deg"
    ALTITUDE_M = "altitude_m"
    DISTANCE_M = "distance_m"
    SPEED_MPS = "speed_mps"
    HEART_RATE_BPM = "heart_rate_bpm"
    CADENCE_SPM = "cadence_spm"
    """Foot sports (running, walking, hiking): steps per minute, both feet."""
    CADENCE_RPM = "cadence_rpm"
    """Other sports: revolutions or strokes per minute as the device reports them."""
    POWER_W = "power_w"
    TEMPERATURE_C = "temperature_c"
    VERTICAL_OSCILLATION_M = "vertical_oscillation_m"
    VERTICAL_RATIO_PCT = "vertical_ratio_pct"
    STANCE_TIME_S = "stance_time_s"
    """Ground contact time of one step."""
    STANCE_TIME_PCT = "stance_time_pct"
    """Ground contact as a percentage of the step period."""
    STANCE_TIME_BALANCE_LEFT_PCT = "stance_time_balance_left_pct"
    """Share of ground contact time on the left foot (50 = even)."""
    STEP_LENGTH_M = "step_length_m"


#: Sports whose cadence counts feet (converted to steps per minute in ingest). FIT sport
#: names: trail and treadmill running are the sub-sports ``trail`` and ``treadmill`` of
#: ``running``, so they are covered by it.
FOOT_SPORTS = frozenset({"running", "walking", "hiking"})

#: Sport families used to decide that two files describe the same activity.
SPORT_FAMILIES: dict[str, str] = {
    "running": "foot",
    "walking": "foot",
    "hiking": "foot",
    "cycling": "cycling",
    "e_biking": "cycling",
    "swimming": "swimming",
    "rowing": "rowing",
    "cross_country_skiing": "skiing",
    "alpine_skiing": "skiing",
    "paddling": "paddling",
    "stand_up_paddleboarding": "paddling",
    "kayaking": "paddling",
    "training": "strength",
    "fitness_equipment": "strength",
}


def sport_family(sport: str) -> str:
    """The family a sport belongs to (``"running"`` -> ``"foot"``); unknown sports are their own."""
    return SPORT_FAMILIES.get(sport, sport)


def strides_to_steps(strides_per_min: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Convert a per-foot cadence (strides/min, as FIT and TCX record it) to steps/min.

    >>> strides_to_steps([85, 90.5]).tolist()
    [170.0, 181.0]
    """
    return np.asarray(strides_per_min, dtype=np.float64) * 2.0
