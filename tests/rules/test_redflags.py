"""Red-flag screen (issues 5 and 12): every vignette of screen_vignettes.py gives its
hand-written tier; every R1/R2/R3 item alone, combinations, NG65's gates, minor trauma,
same-day wording, clearance; no emergency ever lets training go on or ranks an ok finding
first; wording never diagnoses and names its source."""

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
    LEGACY_ANSWERS,
    QUESTIONS,
    ScreenAnswers,
    blocks_training,
    from_stored,
    questions_for,
    questions_needed,
    screen_findings,
    upgrade_answers,
)
from backstride.service.screening import outcome
from tests.rules.screen_vignettes import (
    BLOCKING,
    FEATURES,
    GATES,
    R1_ITEMS,
    R2_ALONE,
    SEEN_BEFORE,
    VIGNETTES,
    Vignette,
)

DAY = date(2024, 3, 7)
#: Everything answered "no".
NO = ScreenAnswers(**dict.fromkeys(ANSWER_FIELDS, False))
GATE = dict.fromkeys(GATES, True)


def screen(**yes: bool | None) -> list[Finding]:
    return screen_findings(replace(NO, **yes), day=DAY)


def verdicts(found: list[Finding]) -> list[tuple[str, str]]:
    return [(f.rule, f.severity) for f in found]


def vignette_findings(v: Vignette) -> list[Finding]:
    return screen_findings(ScreenAnswers(**v.answers), day=v.screen_day, cleared_on=v.cleared_on)


# --- the vignettes -------------------------------------------------------------------------


def test_there_are_at_least_80_vignettes_covering_every_tier() -> None:
    assert len(VIGNETTES) >= 80
    tiers = {v.expected for v in VIGNETTES}
    assert tiers == {"emergency", "urgent", "review", "clear", "incomplete"}
    assert all(set(v.answers) == set(ANSWER_FIELDS) for v in VIGNETTES)


@pytest.mark.parametrize("vignette", VIGNETTES, ids=lambda v: v.name)
def test_each_vignette_gives_its_tier(vignette: Vignette) -> None:
    found = vignette_findings(vignette)
    assert outcome(found) == vignette.expected
    assert blocks_training(found) is (vignette.expected in ("emergency", "urgent"))


@pytest.mark.parametrize("vignette", BLOCKING, ids=lambda v: v.name)
def test_every_blocking_vignette_stops_training_and_says_when(vignette: Vignette) -> None:
    found = vignette_findings(vignette)
    first = found[0]
    assert pain_adjustment(found).action == "stop_and_see_clinician"
    assert practice_lights(found)["clinician"].status == "red"
    assert all(f.severity != "ok" for f in found)
    if vignette.expected == "emergency":
        assert (first.rule, first.severity) == ("R1", "very_high")
        assert "emergency department now" in first.message
    else:
        assert (first.rule, first.severity) == ("R2", "high")
        if vignette.today:
            assert "checked by a doctor today, not tomorrow" in first.message
        else:
            assert "today or tomorrow" in first.message


# --- questions -----------------------------------------------------------------------------


def test_questions_cover_every_answer_field_once_in_order() -> None:
    assert [q.field for q in QUESTIONS] == [f.name for f in fields(ScreenAnswers)]
    assert all(q.text.endswith("?") for q in QUESTIONS)
    assert len({q.text for q in QUESTIONS}) == len(QUESTIONS)
    groups = [q.group for q in QUESTIONS]
    assert (groups.count("R1"), groups.count("R2"), groups.count("R3")) == (6, 13, 11)
    assert [q.field for q in QUESTIONS if q.group == "R3"] == [*GATES, *FEATURES]


def test_bladder_question_asks_about_a_new_change_and_excludes_stress_incontinence() -> None:
    text = next(q.text for q in QUESTIONS if q.field == "bladder_bowel_change")
    assert text.startswith("New in the last two weeks, or getting worse")
    assert "stress incontinence" in text
    assert "not long-standing leaking" in text


def test_every_r1_question_asks_about_something_new_or_worse() -> None:
    assert all(
        q.text.startswith("New in the last two weeks, or getting worse")
        for q in QUESTIONS
        if q.group == "R1"
    )


def test_pain_in_both_legs_is_its_own_question_beside_weakness_and_foot_drop() -> None:
    texts = {q.field: q.text for q in QUESTIONS}
    assert "pain going down both legs" in texts["both_legs_pain"]
    assert "weakness or numbness in both legs" in texts["both_legs_weakness_or_numbness"]
    assert "foot drop" in texts["progressive_leg_weakness"]


def test_age_is_a_plain_trait_question() -> None:
    assert next(q.text for q in QUESTIONS if q.field == "aged_65_or_over") == (
        "Are you 65 or older?"
    )


def test_the_change_question_is_asked_only_after_a_clearance_and_names_the_day() -> None:
    assert "changed_since_clearance" not in {q.field for q in questions_for(None)}
    asked = {q.field: q.text for q in questions_for(date(2024, 3, 1))}
    assert asked["changed_since_clearance"] == (
        "Has anything changed or got worse since a clinician saw you about your back on 2024-03-01?"
    )
    assert len(questions_for(None)) == len(QUESTIONS) - 1


def test_a_failed_gate_makes_the_features_unnecessary() -> None:
    answers = replace(NO, **dict.fromkeys(FEATURES, None))
    assert questions_needed(answers) == ()
    assert verdicts(screen_findings(answers, day=DAY)) == [("R1", "ok")]


def test_an_unanswered_gate_keeps_the_features_needed() -> None:
    answers = replace(
        NO, onset_before_45=None, lasting_over_3_months=True, **dict.fromkeys(FEATURES, None)
    )
    assert [q.field for q in questions_needed(answers)] == ["onset_before_45", *FEATURES]


def test_osteoporosis_age_and_steroids_are_needed_only_with_a_minor_trauma() -> None:
    modifiers = ("osteoporosis", "aged_65_or_over", "long_term_steroids")
    unanswered = dict.fromkeys(modifiers, None)
    assert questions_needed(replace(NO, **unanswered)) == ()
    needed = questions_needed(replace(NO, minor_trauma=True, **unanswered))
    assert [q.field for q in needed] == ["osteoporosis", "aged_65_or_over", "long_term_steroids"]


# --- R1 and R2 -----------------------------------------------------------------------------


@pytest.mark.parametrize("item", R1_ITEMS)
def test_each_emergency_sign_alone_sends_to_the_emergency_department(item: str) -> None:
    found = screen(**{item: True})
    assert verdicts(found) == [("R1", "very_high")]
    assert pain_adjustment(found).action == "stop_and_see_clinician"
    assert pain_adjustment(found).rule == "R1"


@pytest.mark.parametrize("item", R2_ALONE)
def test_each_urgent_sign_alone_asks_for_a_doctor_today_or_tomorrow(item: str) -> None:
    found = screen(**{item: True})
    assert verdicts(found) == [("R2", "high")]
    assert "checked by a doctor promptly: contact your GP or doctor today or tomorrow" in (
        found[0].message
    )


def test_pain_in_both_legs_reads_as_a_possible_nerve_problem_not_a_diagnosis() -> None:
    (finding,) = screen(both_legs_pain=True)
    assert finding.message.startswith(
        "R1 (Finucane 2020; GIRFT 2023; BMJ Best Practice): you reported pain in both legs. "
        "With back pain this may be a sign of pressure on the nerves"
    )


def test_emergency_and_urgent_together_put_the_emergency_first() -> None:
    found = screen(saddle_numbness=True, bladder_bowel_change=True, fever=True, cancer_history=True)
    assert verdicts(found) == [("R1", "very_high"), ("R2", "high")]
    assert "numbness between your legs and a new bladder or bowel change" in found[0].message
    assert "fever or feeling unwell and a history of cancer" in found[1].message


def test_minor_trauma_names_what_made_it_count() -> None:
    (finding,) = screen(minor_trauma=True, osteoporosis=True, long_term_steroids=True)
    assert "pain after a minor fall or strain with osteoporosis and long-term steroid use" in (
        finding.message
    )
    assert finding.values["count"] == 1


@pytest.mark.parametrize("trait", ["osteoporosis", "aged_65_or_over", "long_term_steroids"])
def test_a_bone_risk_alone_never_blocks(trait: str) -> None:
    found = screen(**{trait: True})
    assert verdicts(found) == [("R1", "ok")]
    assert blocks_training(found) is False


@pytest.mark.parametrize("companion", ["immunosuppression", "recent_infection_or_procedure"])
def test_fever_with_a_risk_of_infection_means_a_doctor_today(companion: str) -> None:
    (finding,) = screen(fever=True, **{companion: True})
    assert (finding.rule, finding.severity) == ("R2", "high")
    assert "needs to be checked by a doctor today, not tomorrow" in finding.message
    assert "today or tomorrow" not in finding.message


def test_emergency_with_an_unfinished_screen_is_still_an_emergency() -> None:
    found = screen_findings(ScreenAnswers(both_legs_pain=True), day=DAY)
    assert verdicts(found) == [("R1", "very_high"), ("R1", "info")]
    assert "29 question(s) unanswered" in found[1].message


def test_urgent_sign_with_leg_symptoms_blocks_training() -> None:
    found = screen(cancer_history=True, leg_symptoms_below_knee=True)
    assert verdicts(found) == [("R2", "high"), ("R3", "caution")]
    assert blocks_training(found) is True


def test_emergency_outranks_good_pain_news_and_green_lights() -> None:
    improved = CATALOGUE["P4"].finding("improved", DAY, {"mean_now": 1.0, "mean_before": 4.0})
    found = [improved, *screen(sexual_dysfunction=True)]
    assert pain_adjustment(found).action == "stop_and_see_clinician"
    assert blocks_training(found) is True
    assert practice_lights(found)["clinician"].status == "red"


# --- R3 ------------------------------------------------------------------------------------


@pytest.mark.parametrize("item", FEATURES)
def test_each_inflammatory_feature_alone_is_not_enough(item: str) -> None:
    assert verdicts(screen(**GATE, **{item: True})) == [("R1", "ok")]


@pytest.mark.parametrize("count", [4, 5, 9])
def test_four_or_more_features_with_both_gates_point_to_rheumatology(count: int) -> None:
    found = screen(**GATE, **dict.fromkeys(FEATURES[:count], True))
    assert verdicts(found) == [("R3", "caution")]
    assert f"with {count} of the 9 features" in found[0].message
    assert "referral to a rheumatologist" in found[0].message
    assert "has lasted more than 3 months" in found[0].message
    assert blocks_training(found) is False
    assert pain_adjustment(found).action == "hold"


def test_three_features_suggest_mentioning_it_to_the_gp() -> None:
    found = screen(**GATE, **dict.fromkeys(FEATURES[:3], True))
    assert verdicts(found) == [("R3", "caution")]
    assert "mention it to your GP" in found[0].message
    assert "HLA-B27" in found[0].message


def test_arthritis_enthesitis_and_psoriasis_are_three_features() -> None:
    found = screen(**GATE, arthritis=True, enthesitis=True, psoriasis=True, buttock_pain=True)
    assert verdicts(found) == [("R3", "caution")]
    assert found[0].values["count"] == 4


@pytest.mark.parametrize("gate", GATES)
def test_an_unanswered_gate_is_incomplete_and_never_claims_three_months(gate: str) -> None:
    found = screen(**{**GATE, gate: None}, **dict.fromkeys(FEATURES, True))
    assert verdicts(found) == [("R1", "info"), ("R3", "info")]
    assert outcome(found) == "incomplete"
    assert all("has lasted more than 3 months" not in f.message for f in found)
    r3 = next(f for f in found if f.rule == "R3")
    assert "9 of the 9 features" in r3.message
    assert "until then this part of the screen is incomplete" in r3.message


@pytest.mark.parametrize("gate", GATES)
def test_features_do_not_count_with_a_gate_answered_no(gate: str) -> None:
    found = screen(**{**GATE, gate: False}, **dict.fromkeys(FEATURES, True))
    assert verdicts(found) == [("R1", "ok")]


def test_leg_symptoms_below_the_knee_ask_for_a_routine_clinician_review() -> None:
    found = screen(leg_symptoms_below_knee=True)
    assert verdicts(found) == [("R3", "caution")]
    assert "routine clinician review" in found[0].message
    assert found[0].citation == "NICE NG59 2016"
    assert blocks_training(found) is False


# --- clearance -----------------------------------------------------------------------------


def test_a_screen_before_the_visit_is_cleared_with_the_day_and_who() -> None:
    found = screen_findings(
        replace(NO, saddle_numbness=True, fever=True),
        day=DAY,
        cleared_on=date(2024, 3, 9),
        cleared_by="Dr Lee, GP",
    )
    assert verdicts(found) == [("R1", "info"), ("R2", "info")]
    assert found[0].message == (
        "R1 (Finucane 2020; GIRFT 2023; BMJ Best Practice): you recorded that a clinician saw "
        "you on 2024-03-09 (Dr Lee, GP), after this screen of 2024-03-07, so the numbness "
        "between your legs reported in it no longer pause training. If anything is new or gets "
        "worse, take the screen again."
    )
    assert found[1].values["by"] == "Dr Lee, GP"
    assert blocks_training(found) is False
    assert outcome(found) == "clear"


def test_a_screen_of_the_visit_day_saved_after_it_is_not_cleared() -> None:
    found = screen_findings(
        replace(NO, saddle_numbness=True), day=DAY, cleared_on=DAY, after_clearance=True
    )
    assert outcome(found) == "emergency"


def test_after_a_visit_a_past_cancer_alone_is_shown_but_does_not_block() -> None:
    found = screen_findings(replace(NO, cancer_history=True), day=DAY, cleared_on=SEEN_BEFORE)
    assert verdicts(found) == [("R2", "info")]
    assert found[0].message.startswith(
        "R2 (Downie 2013; Finucane 2020): you reported a history of cancer; a clinician saw "
        "you on 2024-03-01 and you reported nothing new or worse since then"
    )


def test_after_a_visit_something_changed_blocks_and_says_so() -> None:
    found = screen_findings(
        replace(NO, changed_since_clearance=True), day=DAY, cleared_on=SEEN_BEFORE
    )
    assert verdicts(found) == [("R2", "high")]
    assert "something new or worse since a clinician saw you on 2024-03-01" in found[0].message


def test_the_change_question_is_needed_after_a_visit_only() -> None:
    answers = replace(NO, changed_since_clearance=None)
    assert outcome(screen_findings(answers, day=DAY)) == "clear"
    assert outcome(screen_findings(answers, day=DAY, cleared_on=SEEN_BEFORE)) == "incomplete"
    assert outcome(screen_findings(answers, day=DAY, cleared_on=date(2024, 3, 9))) == "clear"


# --- stored screens of earlier versions ----------------------------------------------------


def test_old_answer_names_are_read_as_what_they_meant() -> None:
    old = {
        **dict.fromkeys(ANSWER_FIELDS, False),
        "both_legs_or_progressive_weakness": True,
        "age_65_new_pain": True,
        "arthritis_enthesitis_psoriasis": True,
    }
    for new in ("both_legs_weakness_or_numbness", "progressive_leg_weakness", "aged_65_or_over"):
        del old[new]
    for new in ("arthritis", "enthesitis", "psoriasis"):
        del old[new]
    read = upgrade_answers(old)
    assert list(read) == list(ANSWER_FIELDS)
    assert read["both_legs_weakness_or_numbness"] is True
    assert read["progressive_leg_weakness"] is True
    assert read["aged_65_or_over"] is True
    assert (read["arthritis"], read["enthesitis"], read["psoriasis"]) == (True, None, None)
    assert "age_65_new_pain" not in read


def test_an_old_emergency_screen_is_still_an_emergency() -> None:
    found = screen_findings(from_stored({"both_legs_or_progressive_weakness": True}), day=DAY)
    assert outcome(found) == "emergency"


def test_old_no_answers_map_conservatively() -> None:
    read = upgrade_answers(
        {
            "both_legs_or_progressive_weakness": False,
            "age_65_new_pain": False,
            "arthritis_enthesitis_psoriasis": False,
        }
    )
    assert read["both_legs_weakness_or_numbness"] is False
    assert read["progressive_leg_weakness"] is False
    # "No" to "65 or older with new pain" may have been 65 with old pain: not known.
    assert read["aged_65_or_over"] is None
    assert (read["arthritis"], read["enthesitis"], read["psoriasis"]) == (False, False, False)


def test_old_merged_arthritis_yes_counts_as_one_feature_as_before() -> None:
    old = {
        "onset_before_45": True,
        "lasting_over_3_months": True,
        "onset_before_35": True,
        "buttock_pain": True,
        "arthritis_enthesitis_psoriasis": True,
    }
    found = screen_findings(from_stored(old), day=DAY)
    r3 = next(f for f in found if f.rule == "R3")
    assert r3.values["count"] == 3


def test_unknown_stored_names_are_dropped_and_every_legacy_name_is_gone_from_the_screen() -> None:
    assert upgrade_answers({"headache": True}) == dict.fromkeys(ANSWER_FIELDS)
    assert not set(LEGACY_ANSWERS) & set(ANSWER_FIELDS)


# --- wording -------------------------------------------------------------------------------


def test_an_unanswered_screen_is_incomplete_not_negative() -> None:
    found = screen_findings(ScreenAnswers(), day=DAY)
    assert verdicts(found) == [("R1", "info")]
    assert "incomplete" in found[0].message
    assert "30 question(s) unanswered" in found[0].message
    assert blocks_training(found) is False


def test_a_negative_screen_never_says_the_runner_is_well() -> None:
    (finding,) = screen_findings(NO, day=DAY)
    assert finding.practice == "clinician"
    assert finding.date == DAY
    lowered = finding.message.lower()
    for claim in ("you are fine", "healthy", "all clear", "nothing wrong", "you have no"):
        assert claim not in lowered


def test_citations_and_grades_are_the_rules_table_s() -> None:
    r1, r2, r3 = (CATALOGUE[r] for r in ("R1", "R2", "R3"))
    assert (r1.citation, r1.grade) == ("Finucane 2020; GIRFT 2023; BMJ Best Practice", "C")
    assert (r2.citation, r2.grade) == ("Downie 2013; Finucane 2020", "A/C")
    assert (r3.citation, r3.grade) == ("NICE NG65 2017", "C")
    for rule in (r1,):
        text = " ".join([rule.why, rule.references, *(o.template for o in rule.outcomes.values())])
        assert "NG59" not in text


def _all_screen_findings() -> list[Finding]:
    out = [f for v in VIGNETTES for f in vignette_findings(v)]
    out += screen_findings(NO, day=DAY, cleared_on=SEEN_BEFORE)
    return out


@pytest.mark.parametrize("finding", _all_screen_findings(), ids=lambda f: f.rule)
def test_messages_name_their_rule_and_source_and_never_diagnose(finding: Finding) -> None:
    text = finding.message
    assert re.match(rf"{finding.rule}(-R3)? \((Finucane|Downie|NICE)", text)
    assert finding.citation
    assert finding.grade
    lowered = text.lower()
    assert "diagnos" not in lowered
    assert "you have" not in lowered
    assert "you are fine" not in lowered
    assert "prevent" not in lowered
