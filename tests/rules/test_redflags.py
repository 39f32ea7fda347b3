"""Red-flag screen vignettes (issue 5): every R1/R2/R3 item alone, combinations, negatives;
no emergency ever lets training go on or ranks an ok finding first; wording never diagnoses."""

from __future__ import annotations

import re
from dataclasses import fields, replace
from datetime import date

import pytest

from backstride.rules.catalogue import CATALOGUE
from backstride.rules.finding import Finding
from backstride.rules.pain import pain_adjustment
from backstride.rules.practices import practice_lights
from backstride.rules.redflags import (
    ANSWER_FIELDS,
    QUESTIONS,
    ScreenAnswers,
    blocks_training,
    questions_needed,
    screen_findings,
)

DAY = date(2024, 3, 7)
#: Everything answered "no".
NO = ScreenAnswers(**dict.fromkeys(ANSWER_FIELDS, False))
R1_ITEMS = [q.field for q in QUESTIONS if q.group == "R1"]
R2_ITEMS = [q.field for q in QUESTIONS if q.group == "R2"]
R3_FEATURES = [q.field for q in QUESTIONS if q.group == "R3"][2:]
GATE = {"onset_before_45": True, "lasting_over_3_months": True}


def screen(**yes: bool | None) -> list[Finding]:
    return screen_findings(replace(NO, **yes), day=DAY)


def verdicts(found: list[Finding]) -> list[tuple[str, str]]:
    return [(f.rule, f.severity) for f in found]


def assert_emergency_first(found: list[Finding]) -> None:
    assert verdicts(found)[0] == ("R1", "very_high")
    assert blocks_training(found) is True
    adjustment = pain_adjustment(found)
    assert (adjustment.action, adjustment.rule, adjustment.reduce_pct) == (
        "stop_and_see_clinician",
        "R1",
        None,
    )
    assert adjustment.message.startswith("R1: all training stops")
    assert all(f.severity != "ok" for f in found)
    assert practice_lights(found)["clinician"].status == "red"
    assert "emergency department now" in found[0].message


def test_questions_cover_every_answer_field_once_in_order() -> None:
    assert [q.field for q in QUESTIONS] == [f.name for f in fields(ScreenAnswers)]
    assert all(q.text.endswith("?") for q in QUESTIONS)
    assert (len(R1_ITEMS), len(R2_ITEMS), len(R3_FEATURES)) == (4, 9, 7)


@pytest.mark.parametrize("item", R1_ITEMS)
def test_each_emergency_sign_alone_sends_to_the_emergency_department(item: str) -> None:
    found = screen(**{item: True})
    assert verdicts(found) == [("R1", "very_high")]
    assert_emergency_first(found)


@pytest.mark.parametrize("item", R2_ITEMS)
def test_each_urgent_sign_alone_asks_for_a_prompt_doctor_visit(item: str) -> None:
    found = screen(**{item: True})
    assert verdicts(found) == [("R2", "high")]
    assert blocks_training(found) is True
    assert pain_adjustment(found).action == "stop_and_see_clinician"
    assert "checked by a doctor promptly" in found[0].message
    assert practice_lights(found)["clinician"].status == "red"


@pytest.mark.parametrize("item", R3_FEATURES)
def test_each_inflammatory_feature_alone_is_not_enough(item: str) -> None:
    assert verdicts(screen(**GATE, **{item: True})) == [("R1", "ok")]


@pytest.mark.parametrize("count", [4, 5, 7])
def test_four_or_more_features_with_the_gate_point_to_rheumatology(count: int) -> None:
    found = screen(**GATE, **dict.fromkeys(R3_FEATURES[:count], True))
    assert verdicts(found) == [("R3", "caution")]
    assert f"has {count} of the 7 features" in found[0].message
    assert "rheumatologist" in found[0].message
    assert blocks_training(found) is False
    assert pain_adjustment(found).action == "hold"


def test_three_features_suggest_mentioning_it_to_the_gp() -> None:
    found = screen(**GATE, **dict.fromkeys(R3_FEATURES[:3], True))
    assert verdicts(found) == [("R3", "caution")]
    assert "mention it to your GP" in found[0].message


@pytest.mark.parametrize("gate", ["onset_before_45", "lasting_over_3_months"])
def test_features_do_not_count_without_both_gate_answers(gate: str) -> None:
    answers = {**GATE, gate: False, **dict.fromkeys(R3_FEATURES, True)}
    assert verdicts(screen(**answers)) == [("R1", "ok")]


def test_a_failed_gate_makes_the_features_unnecessary() -> None:
    answers = replace(NO, **dict.fromkeys(R3_FEATURES, None))
    assert questions_needed(answers) == ()
    assert verdicts(screen_findings(answers, day=DAY)) == [("R1", "ok")]


def test_leg_symptoms_below_the_knee_ask_for_a_clinician_review() -> None:
    found = screen(leg_symptoms_below_knee=True)
    assert verdicts(found) == [("R3", "caution")]
    assert "clinician review" in found[0].message
    assert blocks_training(found) is False


def test_one_sided_leg_pain_above_the_knee_without_other_signs_is_no_red_flag() -> None:
    # The runner answers "no" to below-knee symptoms and to everything else.
    found = screen(leg_symptoms_below_knee=False)
    assert verdicts(found) == [("R1", "ok")]
    assert "no red flags reported" in found[0].message
    assert blocks_training(found) is False


def test_emergency_and_urgent_together_put_the_emergency_first() -> None:
    found = screen(saddle_numbness=True, bladder_bowel_change=True, fever=True, cancer_history=True)
    assert verdicts(found) == [("R1", "very_high"), ("R2", "high")]
    assert "numbness between your legs and a bladder or bowel change" in found[0].message
    assert_emergency_first(found)


def test_every_flag_at_once_still_puts_the_emergency_first() -> None:
    found = screen_findings(ScreenAnswers(**dict.fromkeys(ANSWER_FIELDS, True)), day=DAY)
    assert verdicts(found) == [
        ("R1", "very_high"),
        ("R2", "high"),
        ("R3", "caution"),
        ("R3", "caution"),
    ]
    assert_emergency_first(found)


def test_emergency_with_an_unfinished_screen_is_still_an_emergency() -> None:
    found = screen_findings(ScreenAnswers(both_legs_or_progressive_weakness=True), day=DAY)
    assert verdicts(found) == [("R1", "very_high"), ("R1", "info")]
    assert_emergency_first(found)


def test_urgent_sign_with_leg_symptoms_blocks_training() -> None:
    found = screen(long_term_steroids=True, leg_symptoms_below_knee=True)
    assert verdicts(found) == [("R2", "high"), ("R3", "caution")]
    assert blocks_training(found) is True


def test_emergency_outranks_good_pain_news_and_green_lights() -> None:
    improved = CATALOGUE["P4"].finding("improved", DAY, {"mean_now": 1.0, "mean_before": 4.0})
    found = [improved, *screen(sexual_dysfunction=True)]
    assert pain_adjustment(found).action == "stop_and_see_clinician"
    assert blocks_training(found) is True
    assert practice_lights(found)["clinician"].status == "red"


def test_an_unanswered_screen_is_incomplete_not_negative() -> None:
    found = screen_findings(ScreenAnswers(), day=DAY)
    assert verdicts(found) == [("R1", "info")]
    assert "incomplete" in found[0].message
    assert "23 question(s) unanswered" in found[0].message
    assert blocks_training(found) is False


def test_one_unanswered_question_keeps_the_screen_incomplete() -> None:
    found = screen(fever=None)
    assert verdicts(found) == [("R1", "info")]
    assert "1 question(s) unanswered" in found[0].message


def test_a_negative_screen_never_says_the_runner_is_well() -> None:
    (finding,) = screen_findings(NO, day=DAY)
    assert finding.practice == "clinician"
    assert finding.date == DAY
    lowered = finding.message.lower()
    for claim in ("you are fine", "healthy", "all clear", "nothing wrong", "you have no"):
        assert claim not in lowered


def _all_screen_findings() -> list[Finding]:
    out = []
    for item in [*R1_ITEMS, *R2_ITEMS, "leg_symptoms_below_knee"]:
        out += screen(**{item: True})
    out += screen(**GATE, **dict.fromkeys(R3_FEATURES[:4], True))
    out += screen(**GATE, **dict.fromkeys(R3_FEATURES[:3], True))
    out += screen_findings(ScreenAnswers(), day=DAY) + screen_findings(NO, day=DAY)
    return out


@pytest.mark.parametrize("finding", _all_screen_findings(), ids=lambda f: f.rule)
def test_messages_name_their_rule_and_source_and_never_diagnose(finding: Finding) -> None:
    text = finding.message
    assert text.startswith(finding.rule)
    assert re.search(r"\((Finucane|Downie|NICE)", text)
    assert finding.citation
    assert finding.grade
    lowered = text.lower()
    assert "diagnos" not in lowered
    assert "you have" not in lowered
    assert "you are fine" not in lowered
