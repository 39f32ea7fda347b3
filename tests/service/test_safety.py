"""Red flags suspend training in one place (rules/safety.py, service/safety.py): which red
flags count for a view of a day, what a suspension withholds, and the diary's emergency sign
(pain in both legs), on a store with a real run."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from backstride import service
from backstride.rules.catalogue import CATALOGUE
from backstride.rules.finding import Finding
from backstride.rules.pain import PainAdjustment
from backstride.rules.practices import practice_lights
from backstride.rules.redflags import ScreenAnswers, screen_findings
from backstride.rules.safety import SHOWN_WHILE_SUSPENDED, SUSPENDED_SUMMARY, Suspension
from backstride.service.clock import local_today
from backstride.service.screening import clear
from backstride.store import Store, open_store
from tests.cli_runs import database_with_a_run

DAY = date(2024, 3, 7)
TODAY = local_today()


def _answers(**yes: bool) -> dict[str, bool | None]:
    answers: dict[str, bool | None] = {q.field: False for q in service.SCREEN_QUESTIONS}
    answers.update(yes)
    return answers


def _flagged() -> list[Finding]:
    return screen_findings(ScreenAnswers(saddle_numbness=True), day=DAY)


def _training() -> list[Finding]:
    return [
        CATALOGUE["L1"].finding("cap", DAY, {"cap_km": 11.0, "longest_km": 10.0}),
        CATALOGUE["C1"].finding("low", DAY, {"sessions": 1}),
        CATALOGUE["P2"].finding(
            "not_settled", DAY, {"morning": 5, "baseline": 2, "run_day": "2024-03-06"}
        ),
    ]


# -- rules/safety.py: what a suspension withholds ------------------------------------------


def test_no_red_flag_changes_nothing() -> None:
    suspension = Suspension.of(screen_findings(ScreenAnswers(), day=DAY))
    assert not suspension.active
    assert sorted(f.rule for f in suspension.findings(_training())) == ["C1", "L1", "P2"]
    adjustment = PainAdjustment("reduce", (20, 50), "P2", "P2: reduce")
    assert suspension.adjustment(adjustment) is adjustment


def test_a_red_flag_withholds_every_training_finding_and_lights() -> None:
    suspension = Suspension.of([], _flagged())  # the latest screen's flag wins
    assert suspension.active
    shown = suspension.findings([*_training(), *_flagged()])
    assert {f.rule for f in shown} <= SHOWN_WHILE_SUSPENDED
    assert shown[0].rule == "R1"
    assert shown[0].severity == "very_high"
    lights = suspension.lights(practice_lights([*_training(), *_flagged()]))
    assert lights["clinician"].status == "red"
    for name, light in lights.items():
        if name != "clinician":
            assert light.status == "suspended"
            assert light.word == "suspended"
            assert light.summary == SUSPENDED_SUMMARY
    action = suspension.adjustment(PainAdjustment("continue", None, "", "go on"))
    assert action.action == "stop_and_see_clinician"
    assert action.rule == "R1"
    assert "emergency department" in action.message


def test_the_red_flags_are_shown_even_when_the_view_had_none() -> None:
    """A view of a day before the screen still leads with today's red flag."""
    suspension = Suspension.of([], _flagged())
    assert [f.rule for f in suspension.findings(_training())] == ["R1"]


def test_the_clinician_green_is_no_clinical_judgment() -> None:
    ok = CATALOGUE["R1"].finding("none_reported", DAY, {})
    lights = practice_lights([ok, CATALOGUE["C1"].finding("enough", DAY, {"sessions": 3})])
    assert lights["clinician"].status == "green"
    assert lights["clinician"].word == "nothing flagged"
    assert lights["core_strength"].word == "good"
    assert "Seeing a clinician" not in {light.title for light in lights.values()}


# -- service/safety.py: which red flags count for a view of a day ---------------------------


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_store(database_with_a_run(tmp_path)) as opened:
        yield opened


def test_todays_red_flag_suspends_a_view_of_last_month(store: Store) -> None:
    service.take_screen(store, _answers(), day=TODAY - timedelta(days=40))
    service.take_screen(store, _answers(fever=True), day=TODAY)
    month_ago = service.get_status(store, as_of=TODAY - timedelta(days=30))
    assert month_ago.training_suspended
    assert month_ago.findings[0].rule == "R2"
    assert month_ago.lights["gradual_mileage"].status == "suspended"
    assert service.get_form(store, as_of=TODAY - timedelta(days=30)).findings[0].rule == "R2"


def test_a_clinicians_visit_lifts_the_suspension_now_not_in_the_past(store: Store) -> None:
    flagged_day, seen_day = TODAY - timedelta(days=10), TODAY - timedelta(days=3)
    service.take_screen(store, _answers(cancer_history=True), day=flagged_day)
    assert service.get_status(store).training_suspended
    clear(store, day=seen_day, by="Dr Lee")
    now = service.get_status(store)
    assert not now.training_suspended
    assert now.clearance is not None
    assert now.clearance.day == seen_day
    assert now.clearance.by == "Dr Lee"
    assert service.active_red_flags(store) == []
    # The day of the screen, before the visit, was suspended and still reads so.
    assert service.get_status(store, as_of=flagged_day).training_suspended
    # A later screen with the same trait does not pause training; a new symptom does.
    service.take_screen(store, _answers(cancer_history=True), day=TODAY)
    assert not service.get_status(store).training_suspended
    service.take_screen(store, _answers(cancer_history=True, fever=True), day=TODAY)
    assert service.get_status(store).training_suspended


def test_pain_in_both_legs_in_the_diary_is_an_emergency_until_screened(store: Store) -> None:
    service.take_screen(store, _answers(), day=TODAY - timedelta(days=2))
    logged = service.log_pain(store, 6, leg_symptoms="both-sides")
    assert [f.rule for f in logged.red_flags] == ["R1"]
    assert "emergency department" in logged.red_flags[0].message
    status = service.get_status(store)
    assert status.training_suspended
    assert status.findings[0].rule == "R1"
    overview = service.pain_overview(store)
    assert overview.adjustment.action == "stop_and_see_clinician"
    # One leg is a routine matter for the screen, not an emergency.
    assert not service.log_pain(store, 6, leg_symptoms="one-side").red_flags
    # A screen taken afterwards (it asks about both legs) takes the entry's place.
    service.take_screen(store, _answers())
    assert not service.get_status(store).training_suspended
    # A clinician's visit does too.
    service.log_pain(store, 4, leg_symptoms="both-sides")
    assert service.get_status(store).training_suspended
    clear(store, by="A&E")
    assert not service.get_status(store).training_suspended


def test_the_pain_adjustment_sees_the_screen(store: Store) -> None:
    """Issue 12: after an emergency screen `pain` said "Continue as planned"."""
    service.take_screen(store, _answers(saddle_numbness=True))
    adjustment = service.pain_overview(store).adjustment
    assert adjustment.action == "stop_and_see_clinician"
    assert adjustment.rule == "R1"
    assert "Continue" not in adjustment.message
