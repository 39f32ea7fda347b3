"""The runs of a plan as FIT workout files, for a Garmin watch or any app that reads them.

Contract: :func:`plan_to_fit_workouts` returns ``{file name: FIT bytes}`` with one workout
file per ``run`` and ``run_walk`` session (core and cross-training sessions have no watch
workout). Each file holds, in the order the FIT workout file type asks for (FIT SDK, "Workout
files"): a ``file_id`` (type ``workout``), one ``workout`` (sport ``running``, the step count
in ``num_valid_steps``) and its ``workout_step`` messages, numbered by ``message_index``:

1. ``Warm-up`` (intensity ``warmup``), timed: the session's warm-up routine, when it has one;
2. the run: one ``Run`` step (intensity ``active``) over the session's distance, else its
   duration, else open (ended with the lap key); or, for run-walk intervals, ``Run`` (active,
   timed) and ``Walk`` (intensity ``recovery``: walking is moving recovery, not standing rest)
   followed by a ``repeat_until_steps_cmplt`` step pointing back at the ``Run`` step with the
   number of repeats;
3. ``Cool-down`` (intensity ``cooldown``), timed: the walking part of the cool-down routine
   (the stretches come after the watch is stopped), when the session has one.

No pace or heart-rate target is set (``target_type`` ``open``): backstride plans easy running
by feel. Units follow the FIT profile: times in milliseconds, distances in centimetres (the
``duration_time`` and ``duration_distance`` sub-fields' scales), written to the main
``duration_value`` field because the SDK's encoder writes main fields only.

Files are deterministic for a given plan: ``time_created`` is the plan's ``as_of`` at 00:00 UTC
and the serial number is a CRC of the file name, so a regenerated workout for the same day
replaces the old one on a device (the device keys workouts by type, manufacturer, product and
serial number). Names fit the 16-byte string arrays Garmin's C SDK gives ``wkt_name`` and
``wkt_step_name`` (15 bytes and a terminator), so a watch shows them whole.
"""

from __future__ import annotations

import re
import zlib
from datetime import UTC, date, datetime, time
from typing import Any

from garmin_fit_sdk import Encoder, Profile

from backstride.coach.exercises import moving_minutes, routine
from backstride.coach.model import Plan, PlannedSession

#: Longest ``wkt_name`` / ``wkt_step_name`` in bytes (a 16-byte array with its terminator).
NAME_MAX_BYTES = 15
#: The FIT manufacturer id for software that is not a registered manufacturer's product.
MANUFACTURER = "development"

_MESG_NUM: dict[str, int] = Profile["mesg_num"]
_LABELS = {"easy": "Easy", "long": "Long", "quality": "Quality", "moderate": "Steady"}


def plan_to_fit_workouts(plan: Plan) -> dict[str, bytes]:
    """One FIT workout file per run of the plan, keyed by a safe, unique file name
    (``2026-11-23_run_walk.fit``; a second run of the same kind that day gets ``_2``)."""
    files: dict[str, bytes] = {}
    for session in sorted(plan.sessions, key=lambda s: s.day):
        if not session.is_run:
            continue
        stem = f"{session.day.isoformat()}_{session.kind}"
        name, n = f"{stem}.fit", 1
        while name in files:
            n += 1
            name = f"{stem}_{n}.fit"
        files[name] = session_to_fit(session, as_of=plan.as_of, serial_number=_serial(name))
    return files


def session_to_fit(session: PlannedSession, *, as_of: date, serial_number: int = 1) -> bytes:
    """The FIT workout file of one run or run-walk session."""
    if not session.is_run:
        raise ValueError(f"only runs have FIT workouts, not {session.kind!r} sessions")
    steps = workout_steps(session)
    encoder = Encoder()
    encoder.write_mesg(
        {
            "mesg_num": _MESG_NUM["FILE_ID"],
            "type": "workout",
            "manufacturer": MANUFACTURER,
            "product": 0,
            "serial_number": serial_number,
            "time_created": datetime.combine(as_of, time(0, 0), tzinfo=UTC),
        }
    )
    encoder.write_mesg(
        {
            "mesg_num": _MESG_NUM["WORKOUT"],
            "wkt_name": workout_name(session),
            "sport": "running",
            "sub_sport": "generic",
            "num_valid_steps": len(steps),
        }
    )
    for step in steps:
        encoder.write_mesg({"mesg_num": _MESG_NUM["WORKOUT_STEP"], **step})
    return bytes(encoder.close())


def workout_steps(session: PlannedSession) -> list[dict[str, Any]]:
    """The ``workout_step`` messages of a run (field name -> value), numbered from 0."""
    steps: list[dict[str, Any]] = []
    if session.warmup:
        steps.append(_timed("Warm-up", routine(session.warmup).minutes * 60, "warmup"))
    if session.kind == "run_walk" and session.run_walk is not None:
        intervals = session.run_walk
        first = len(steps)
        steps.append(_timed("Run", intervals.run_s, "active"))
        steps.append(_timed("Walk", intervals.walk_s, "recovery"))
        steps.append(
            {
                "duration_type": "repeat_until_steps_cmplt",
                "duration_value": first,  # the message_index the repeat goes back to
                "target_value": intervals.repeats,  # how many times the block is done
            }
        )
    elif session.distance_m:
        steps.append(
            {
                "wkt_step_name": "Run",
                "duration_type": "distance",
                "duration_value": round(session.distance_m * 100),  # centimetres
                "target_type": "open",
                "intensity": "active",
            }
        )
    elif session.duration_s:
        steps.append(_timed("Run", session.duration_s, "active"))
    else:
        open_run = {"wkt_step_name": "Run", "duration_type": "open", "target_type": "open"}
        steps.append({**open_run, "intensity": "active"})
    if session.cooldown:
        walk_s = moving_minutes(session.cooldown) * 60
        if walk_s:
            steps.append(_timed("Cool-down", walk_s, "cooldown"))
    return [{"message_index": i, **step} for i, step in enumerate(steps)]


def workout_name(session: PlannedSession) -> str:
    """A short name a watch shows whole: ``Easy 6.0 km``, ``Run-walk 24 min`` ..."""
    if session.kind == "run_walk" and session.run_walk is not None:
        candidates = [f"Run-walk {round(session.run_walk.duration_s / 60)} min", "Run-walk"]
    else:
        label = _LABELS.get(session.intensity, "Run")
        candidates = ["Run"]
        if session.duration_s:
            candidates.insert(0, f"{label} {round(session.duration_s / 60)} min")
        if session.distance_m:
            candidates.insert(0, f"{label} {session.distance_m / 1000:.1f} km")
    for candidate in candidates:
        if len(candidate.encode()) <= NAME_MAX_BYTES:
            return candidate
    return fit_text(candidates[-1])


def fit_text(text: str, max_bytes: int = NAME_MAX_BYTES) -> str:
    """``text`` cut to at most ``max_bytes`` UTF-8 bytes without splitting a character."""
    cut = text.encode()[:max_bytes].decode(errors="ignore")
    return re.sub(r"\s+$", "", cut)


def _timed(name: str, seconds: float, intensity: str) -> dict[str, Any]:
    return {
        "wkt_step_name": fit_text(name),
        "duration_type": "time",
        "duration_value": round(seconds * 1000),  # milliseconds
        "target_type": "open",
        "intensity": intensity,
    }


def _serial(file_name: str) -> int:
    # uint32z: zero is the invalid value, so never return it.
    return zlib.crc32(file_name.encode()) or 1
