"""The plan as iCalendar: parsed back with icalendar, one event per session, stable UIDs."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from icalendar import Calendar

from backstride.coach.exercises import (
    ROUTINE_NOTES,
    cross_training,
    dose_text,
    exercises_of,
    routine,
)
from backstride.coach.exercises_core import PAIN_SCALE
from backstride.coach.ics import BLOCKED_SUMMARY, PRODID, plan_to_ics, session_description
from backstride.coach.model import Plan, PlannedSession, PlanWeek
from backstride.errors import NotFoundError
from tests.coach.sample_plans import MONDAY, blocked_plan, sample_plan


def _events(data: bytes) -> list[Any]:
    calendar = Calendar.from_ical(data)
    return list(calendar.walk("VEVENT"))


def _text(event: Any, name: str) -> str:
    return str(event[name])


def test_every_session_becomes_one_all_day_event_on_its_day() -> None:
    plan = sample_plan()
    events = _events(plan_to_ics(plan))
    assert len(events) == len(plan.sessions) == 13
    by_uid = {_text(e, "UID"): e for e in events}
    for session, event in zip(sorted(plan.sessions, key=lambda s: s.day), events, strict=True):
        start = event["DTSTART"].dt
        end = event["DTEND"].dt
        # all-day: a date, not a datetime, ending the next day
        assert type(start) is date
        assert start == session.day
        assert end == session.day + timedelta(days=1)
        assert _text(event, "SUMMARY") == session.title
        assert _text(event, "UID") in by_uid


def test_calendar_has_prodid_name_and_stamps_from_the_plan_date() -> None:
    calendar = Calendar.from_ical(plan_to_ics(sample_plan()))
    assert str(calendar["PRODID"]) == PRODID
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["X-WR-CALNAME"]) == "backstride training plan"
    for event in calendar.walk("VEVENT"):
        assert event["DTSTAMP"].dt == datetime(2026, 11, 23, tzinfo=UTC)


def test_uids_are_unique_and_stable_across_calls() -> None:
    first = [_text(e, "UID") for e in _events(plan_to_ics(sample_plan()))]
    second = [_text(e, "UID") for e in _events(plan_to_ics(sample_plan()))]
    assert first == second
    assert len(set(first)) == len(first)
    # two cross sessions on the same Sunday get their own index
    sunday = (MONDAY + timedelta(days=6)).isoformat()
    assert f"{sunday}-cross-0@backstride" in first
    assert f"{sunday}-cross-1@backstride" in first


def test_uids_survive_a_regenerated_plan_with_another_why() -> None:
    plan = sample_plan()
    changed = Plan(
        as_of=plan.as_of + timedelta(days=1),
        mode=plan.mode,
        weeks=tuple(
            PlanWeek(
                start=w.start,
                sessions=tuple(_with_why(s, "A new reason.") for s in w.sessions),
                running_distance_m=w.running_distance_m,
            )
            for w in plan.weeks
        ),
    )
    before = [_text(e, "UID") for e in _events(plan_to_ics(plan))]
    after_events = _events(plan_to_ics(changed))
    assert [_text(e, "UID") for e in after_events] == before
    assert all("A new reason." in _text(e, "DESCRIPTION") for e in after_events)


def _with_why(session: PlannedSession, why: str) -> PlannedSession:
    return replace(session, why=why)


def _description(plan: Plan, day_offset: int, kind: str) -> str:
    day = MONDAY + timedelta(days=day_offset)
    for event in _events(plan_to_ics(plan)):
        if event["DTSTART"].dt == day and _text(event, "UID").startswith(
            f"{day.isoformat()}-{kind}-"
        ):
            return _text(event, "DESCRIPTION")
    raise AssertionError(f"no {kind} event on {day}")


def test_run_walk_description_gives_intervals_routines_doses_why_and_pain_rule() -> None:
    text = _description(sample_plan(), 0, "run_walk")
    assert "8 rounds of 2 min running, then 1 min walking; 24 min in all" in text
    for item in exercises_of("warmup"):
        assert f"- {item.name}: {dose_text(item)}" in text
    for item in exercises_of("cooldown"):
        assert f"- {item.name}: {dose_text(item)}" in text
    assert ROUTINE_NOTES["warmup"] in text
    assert ROUTINE_NOTES["cooldown"] in text
    assert "Why (RTR, P1): Run-walk stage of the return-to-run program." in text
    assert f"If it hurts: {PAIN_SCALE}" in text


def test_run_description_gives_distance_and_duration() -> None:
    text = _description(sample_plan(), 2, "run")
    assert "Run 5.0 km, about 30 min." in text
    assert "Why (L1, L2)" in text
    by_time = _description(sample_plan(), 9, "run")
    assert "Run about 40 min." in by_time


@pytest.mark.parametrize(("offset", "level"), [(1, 1), (5, 2), (8, 3)])
def test_core_description_lists_each_exercise_with_dose_and_cues(offset: int, level: int) -> None:
    text = _description(sample_plan(), offset, "core")
    chosen = routine(f"core_{level}")
    assert f"about {chosen.minutes} min" in text
    for item in exercises_of(chosen):
        assert f"- {item.name}: {dose_text(item)}" in text
        assert all(cue in text for cue in item.cues)


def test_cross_description_gives_minutes_and_cues() -> None:
    text = _description(sample_plan(), 3, "cross")
    swim = cross_training("swim")
    assert "Swimming, 30 min." in text
    assert all(cue in text for cue in swim.cues)
    assert "Why (X1)" in text


def test_blocked_plan_has_no_training_event_only_the_clinician_note() -> None:
    plan = blocked_plan()
    events = _events(plan_to_ics(plan))
    assert len(events) == 1
    (note,) = events
    assert _text(note, "SUMMARY") == BLOCKED_SUMMARY
    assert _text(note, "DESCRIPTION") == plan.blocked_message
    assert note["DTSTART"].dt == plan.as_of
    assert [str(c) for c in note["CATEGORIES"].cats] == ["note"]


def test_training_events_carry_the_training_category() -> None:
    for event in _events(plan_to_ics(sample_plan())):
        assert [str(c) for c in event["CATEGORIES"].cats] == ["training"]


def test_an_empty_plan_is_a_valid_empty_calendar() -> None:
    plan = Plan(as_of=MONDAY, mode="build", weeks=())
    calendar = Calendar.from_ical(plan_to_ics(plan))
    assert calendar.walk("VEVENT") == []


def test_an_unknown_routine_is_reported_not_silently_skipped() -> None:
    session = PlannedSession(
        day=MONDAY,
        kind="core",
        title="Core",
        intensity="moderate",
        duration_s=None,
        rules=("C1",),
        why="Core.",
        routine="core_7",
    )
    with pytest.raises(NotFoundError):
        session_description(session)
