"""A plan as an iCalendar file (RFC 5545), for any calendar application.

Contract: :func:`plan_to_ics` turns a :class:`~backstride.coach.model.Plan` into the bytes of
one ``VCALENDAR`` with one all-day ``VEVENT`` per planned session (``DTSTART`` the session's
local day as a date, ``DTEND`` the next day; marked free time, ``TRANSP:TRANSPARENT``, so a
training session never blocks a meeting slot). All-day events avoid choosing a time of day
for the runner and avoid time-zone conversions entirely.

- ``SUMMARY`` is the session title; ``DESCRIPTION`` says what to do (distance, duration or
  run-walk intervals; the warm-up, cool-down and core routines exercise by exercise with
  their doses, and cues for the core exercises), why (the rule ids and the session's ``why``
  sentence) and what to do if it hurts (rule P1).
- ``UID`` is ``<day>-<kind>-<n>@backstride``, ``n`` counting sessions of that kind on that day
  from 0, so re-importing a regenerated plan updates events instead of duplicating them.
- ``DTSTAMP`` is the plan's ``as_of`` day at 00:00 UTC: the output depends on the plan only
  (the coach reads no clock), and a newer plan carries a newer stamp.
- A blocked plan (``mode == "blocked"``) has no training events: one all-day note on
  ``as_of`` (category ``note``) carries the clinician message instead, so the runner sees why
  the calendar is empty. Training events have the category ``training``.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta

from icalendar import Calendar, Event

from backstride.coach.exercises import (
    ROUTINE_NOTES,
    cross_training,
    dose_text,
    exercises_of,
    routine,
)
from backstride.coach.exercises_core import PAIN_SCALE
from backstride.coach.model import Plan, PlannedSession

PRODID = "-//backstride//training plan//EN"
CALENDAR_NAME = "backstride training plan"
UID_DOMAIN = "backstride"
TRAINING_CATEGORY = "training"
NOTE_CATEGORY = "note"
BLOCKED_SUMMARY = "Training paused: see a clinician"


def plan_to_ics(plan: Plan) -> bytes:
    """The plan as iCalendar bytes: one all-day event per session (see the module doc)."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("name", CALENDAR_NAME)
    calendar.add("x-wr-calname", CALENDAR_NAME)
    if plan.notes:
        calendar.add("description", "\n".join(plan.notes))
    stamp = datetime.combine(plan.as_of, time(0, 0), tzinfo=UTC)

    if plan.mode == "blocked":
        message = plan.blocked_message or "Training is paused until you have seen a clinician."
        calendar.add_component(
            _all_day_event(
                uid=f"{plan.as_of.isoformat()}-blocked@{UID_DOMAIN}",
                day=plan.as_of,
                summary=BLOCKED_SUMMARY,
                description=message,
                category=NOTE_CATEGORY,
                stamp=stamp,
            )
        )
        return bytes(calendar.to_ical())

    seen: Counter[tuple[date, str]] = Counter()
    for session in sorted(plan.sessions, key=lambda s: s.day):
        n = seen[(session.day, session.kind)]
        seen[(session.day, session.kind)] += 1
        calendar.add_component(
            _all_day_event(
                uid=session_uid(session, n),
                day=session.day,
                summary=session.title,
                description=session_description(session),
                category=TRAINING_CATEGORY,
                stamp=stamp,
            )
        )
    return bytes(calendar.to_ical())


def session_uid(session: PlannedSession, n: int = 0) -> str:
    """The stable UID of the ``n``-th session of this kind on this day."""
    return f"{session.day.isoformat()}-{session.kind}-{n}@{UID_DOMAIN}"


def session_description(session: PlannedSession) -> str:
    """What to do, why and what to do if it hurts, as plain text lines."""
    lines = [_what(session), f"Intensity: {session.intensity}."]
    if session.warmup:
        lines += ["", *_routine_lines("Before", session.warmup, with_cues=False)]
    if session.kind == "core" and session.routine:
        lines += ["", *_routine_lines("In order", session.routine, with_cues=True)]
    if session.kind == "cross" and session.sport:
        option = cross_training(session.sport)
        lines += ["", f"{option.name}: {option.trains}", *(f"- {cue}" for cue in option.cues)]
    if session.cooldown:
        lines += ["", *_routine_lines("After", session.cooldown, with_cues=False)]
    why = f"Why ({', '.join(session.rules)}): {session.why}" if session.rules else session.why
    lines += ["", why, "", f"If it hurts: {PAIN_SCALE}"]
    return "\n".join(lines)


def _what(session: PlannedSession) -> str:
    minutes = f"about {_duration(session.duration_s)}" if session.duration_s else ""
    if session.kind == "run_walk" and session.run_walk is not None:
        rw = session.run_walk
        return (
            f"Run-walk: {rw.repeats} rounds of {_duration(rw.run_s)} running, then "
            f"{_duration(rw.walk_s)} walking; {_duration(rw.duration_s)} in all."
        )
    if session.kind == "run":
        parts = []
        if session.distance_m:
            parts.append(f"{session.distance_m / 1000:.1f} km")
        if minutes:
            parts.append(minutes)
        return f"Run {', '.join(parts)}." if parts else "Run."
    if session.kind == "core" and session.routine:
        chosen = routine(session.routine)
        return f"{chosen.name}: {len(chosen.exercises)} exercises, about {chosen.minutes} min."
    if session.kind == "cross" and session.sport:
        option = cross_training(session.sport)
        length = _duration(session.duration_s) if session.duration_s else option.dose
        return f"{option.name}, {length}."
    return f"{session.title}{', ' + minutes if minutes else ''}."


def _routine_lines(label: str, routine_id: str, *, with_cues: bool) -> list[str]:
    chosen = routine(routine_id)
    lines = [f"{label}: {chosen.name} (about {chosen.minutes} min)"]
    for item in exercises_of(chosen):
        lines.append(f"- {item.name}: {dose_text(item)}")
        if with_cues:
            lines += [f"    {cue}" for cue in item.cues]
            lines.append(f"    If it hurts: {item.if_it_hurts.removesuffix(PAIN_SCALE).strip()}")
    if routine_id in ROUTINE_NOTES:
        lines.append(ROUTINE_NOTES[routine_id])
    return lines


def _duration(seconds: float) -> str:
    """``90`` -> ``"1 min 30 s"``, ``1800`` -> ``"30 min"``, ``45`` -> ``"45 s"``."""
    total = round(seconds)
    minutes, secs = divmod(total, 60)
    if minutes and secs:
        return f"{minutes} min {secs} s"
    return f"{minutes} min" if minutes else f"{secs} s"


def _all_day_event(
    *, uid: str, day: date, summary: str, description: str, category: str, stamp: datetime
) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", day)
    event.add("dtend", day + timedelta(days=1))
    event.add("summary", summary)
    event.add("description", description)
    event.add("categories", [category])
    event.add("transp", "TRANSPARENT")
    return event
