"""The exercise library: ids resolve, doses respect the evidence limits, levels get harder."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from backstride.coach.exercises import (
    CORE_LEVELS,
    CROSS_TRAINING,
    EXERCISES,
    MCGILL_BIG3,
    ROUTINE_NOTES,
    ROUTINES,
    cross_training,
    dose_text,
    exercise,
    exercises_of,
    moving_minutes,
    routine,
)
from backstride.coach.exercises_core import LEG_SYMPTOMS, MCGILL_MAX_HOLD_S, PAIN_SCALE, PYRAMIDS
from backstride.coach.exercises_run import STATIC_STRETCH_MAX_HOLD_S
from backstride.coach.model import Exercise
from backstride.errors import NotFoundError
from backstride.rules.catalogue import CATALOGUE

# evidence.md §9 ids that shape the library but have no evaluation in the catalogue yet.
EVIDENCE_ONLY = {"C2", "C3"}
LIBRARY = [*EXERCISES.values(), *CROSS_TRAINING.values()]


def _regression_depth(item: Exercise) -> int:
    depth = 0
    while item.regression is not None:
        item = EXERCISES[item.regression]
        depth += 1
    return depth


def test_the_plan_s_routine_ids_exist() -> None:
    assert {"warmup", "cooldown", "core_1", "core_2", "core_3"} <= set(ROUTINES)
    assert set(CROSS_TRAINING) == {"swim", "cycle", "elliptical"}


@pytest.mark.parametrize("routine_id", sorted(ROUTINES))
def test_every_routine_exercise_exists_and_matches_the_routine_category(routine_id: str) -> None:
    chosen = ROUTINES[routine_id]
    items = exercises_of(chosen)
    assert [e.id for e in items] == list(chosen.exercises)
    assert items, routine_id
    assert {e.category for e in items} == {chosen.category}
    assert len(set(chosen.exercises)) == len(chosen.exercises)


def test_ids_are_keys_and_unique_across_library_and_cross_training() -> None:
    assert all(key == item.id for key, item in EXERCISES.items())
    assert all(key == item.id for key, item in CROSS_TRAINING.items())
    assert not set(EXERCISES) & set(CROSS_TRAINING)


def test_progressions_and_regressions_resolve_and_point_back() -> None:
    for item in EXERCISES.values():
        if item.progression is not None:
            harder = EXERCISES[item.progression]
            assert harder.regression == item.id, item.id
            assert harder.category == item.category
        if item.regression is not None:
            easier = EXERCISES[item.regression]
            assert easier.progression == item.id, item.id


def test_progression_chains_form_no_cycles() -> None:
    for item in EXERCISES.values():
        seen = {item.id}
        step = item
        while step.progression is not None:
            step = EXERCISES[step.progression]
            assert step.id not in seen, f"cycle through {item.id}"
            seen.add(step.id)


def test_every_core_exercise_has_an_easier_or_harder_version() -> None:
    for item in EXERCISES.values():
        if item.category == "core" and item.id != "strength":  # a whole session, dosed in min
            assert item.progression or item.regression, item.id


def test_mcgill_holds_are_at_most_ten_seconds_in_a_descending_pyramid() -> None:
    assert MCGILL_MAX_HOLD_S == 10
    assert {"curl_up", "side_plank", "bird_dog"} <= MCGILL_BIG3
    for exercise_id in MCGILL_BIG3:
        item = EXERCISES[exercise_id]
        assert item.hold_s is not None
        assert 0 < item.hold_s <= 10, exercise_id
        pyramid = PYRAMIDS[exercise_id]
        assert list(pyramid) == sorted(pyramid, reverse=True)
        # sets x reps carries the pyramid's total, so Exercise.dose counts the same holds.
        assert (item.sets, sum(pyramid)) == (len(pyramid), (item.sets or 0) * (item.reps or 0))
        assert "C1" in item.rules


def test_static_stretch_holds_are_under_a_minute() -> None:
    assert STATIC_STRETCH_MAX_HOLD_S == 60
    stretches = [e for e in EXERCISES.values() if e.category == "cooldown" and e.hold_s]
    assert len(stretches) >= 4
    for item in stretches:
        assert item.hold_s is not None
        assert item.hold_s < 60, item.id
        assert "C2" in item.rules


def test_every_hold_is_short() -> None:
    # No exercise asks for a minute-long static hold (core or stretch).
    assert all((e.hold_s or 0) < 60 for e in LIBRARY)


@pytest.mark.parametrize("item", LIBRARY, ids=lambda e: e.id)
def test_every_item_has_name_trains_cues_dose_and_if_it_hurts(item: Exercise) -> None:
    assert item.name
    assert item.trains
    assert item.cues
    assert all(cue.strip() for cue in item.cues)
    assert item.dose != "as comfortable"
    assert item.if_it_hurts.strip()
    # The pain line follows P1: 0-2 low, 3-5 acceptable, above 5 stop, 8+ no running; and
    # leg symptoms stop the exercise and call for the screen (issue 12, evidence §4.1).
    assert PAIN_SCALE in item.if_it_hurts
    assert item.if_it_hurts.endswith(
        "If numbness, tingling or pain spreads down a leg, stop this exercise and take the "
        "symptom screen again (backstride screen)."
    )
    assert LEG_SYMPTOMS in item.if_it_hurts
    assert "P1" in item.rules


@pytest.mark.parametrize("item", LIBRARY, ids=lambda e: e.id)
def test_rule_ids_are_catalogue_or_evidence_ids(item: Exercise) -> None:
    assert item.rules
    assert set(item.rules) <= set(CATALOGUE) | EVIDENCE_ONLY


def test_pain_scale_quotes_the_p1_thresholds() -> None:
    p1 = CATALOGUE["P1"].thresholds
    assert "up to 2 is the low-pain band, 3-5 is acceptable" in PAIN_SCALE
    assert f"above {p1['acceptable_max']:.0f} means stop" in PAIN_SCALE
    assert "8 or more means no running until it settles" in PAIN_SCALE
    assert "safe" not in PAIN_SCALE


@pytest.mark.parametrize("item", LIBRARY, ids=lambda e: e.id)
def test_wording_never_diagnoses_or_promises_prevention(item: Exercise) -> None:
    text = " ".join((item.trains, *item.cues, item.if_it_hurts)).lower()
    for phrase in ("you have a", "diagnos", "herniat", "slipped disc", "sciatica"):
        assert phrase not in text, (item.id, phrase)
    if item.category in ("warmup", "cooldown"):
        assert "prevents injur" not in text
        assert "prevent injur" not in text or "not prevent injur" in text


def test_stretches_say_they_are_for_comfort_not_injury_prevention() -> None:
    for item in exercises_of("cooldown"):
        if item.hold_s:
            assert "does not prevent injury" in item.trains


def test_core_levels_get_harder_one_progression_at_a_time() -> None:
    assert CORE_LEVELS == ("core_1", "core_2", "core_3")
    for level, routine_id in enumerate(CORE_LEVELS):
        items = exercises_of(routine_id)
        # Level 1 takes the easiest version of each line, level n the n-th version.
        assert {_regression_depth(e) for e in items} == {level}, routine_id
    for easier, harder in itertools.pairwise(CORE_LEVELS):
        progressions = {EXERCISES[e].progression for e in ROUTINES[easier].exercises}
        assert set(ROUTINES[harder].exercises) == progressions


def test_level_1_holds_the_mcgill_big_3_basics_and_a_glute_bridge() -> None:
    ids = set(ROUTINES["core_1"].exercises)
    assert {"curl_up_head_hover", "side_plank_knees", "bird_dog_one_limb"} <= ids
    assert "glute_bridge" in ids


def test_warm_up_lasts_five_to_ten_minutes_and_is_dynamic() -> None:
    warmup = routine("warmup")
    assert 5 <= warmup.minutes <= 10
    assert all(e.hold_s is None for e in exercises_of(warmup))
    assert moving_minutes(warmup) <= warmup.minutes


def test_cool_down_starts_with_a_walk() -> None:
    first = exercises_of("cooldown")[0]
    assert first.minutes is not None
    assert moving_minutes("cooldown") == first.minutes == 5


@pytest.mark.parametrize("sport", sorted(CROSS_TRAINING))
def test_cross_training_is_dosed_in_minutes_and_follows_x1(sport: str) -> None:
    item = cross_training(sport)
    assert item.category == "cross"
    assert item.minutes is not None
    assert item.minutes > 0
    assert "X1" in item.rules
    assert item.dose == f"{item.minutes} min"


def test_swimming_cues_cover_breaststroke() -> None:
    cues = " ".join(cross_training("swim").cues).lower()
    assert "breaststroke" in cues
    assert "low back" in cues


def test_strength_is_core_not_cross_training_and_does_not_overclaim() -> None:
    """Issue 13: a strength session counted both as core (C1) and as other sport (X1)."""
    item = EXERCISES["strength"]
    assert item.category == "core"
    assert {"C1", "C3"} <= set(item.rules)
    assert "X1" not in item.rules
    assert "Toresdahl 2020" in item.trains  # in runners a short programme showed no effect
    assert "strength" not in CROSS_TRAINING


def test_dose_text_spells_out_the_pyramid() -> None:
    expected = "10 s holds, 5 then 3 then 1 with a short rest between"
    assert dose_text(EXERCISES["curl_up"]) == expected
    assert dose_text(EXERCISES["bird_dog_squares"]).startswith("10 s holds, 7 then 5 then 3")
    assert dose_text(EXERCISES["bird_dog_squares"]).endswith(", each side")
    assert dose_text(EXERCISES["calf_stretch"]) == EXERCISES["calf_stretch"].dose
    assert EXERCISES["calf_stretch"].dose.endswith("20 s hold, each side")


def test_unknown_ids_raise_not_found_with_the_known_ones() -> None:
    with pytest.raises(NotFoundError) as info:
        routine("core_9")
    assert "core_1" in (info.value.hint or "")
    with pytest.raises(NotFoundError):
        exercise("handstand")
    with pytest.raises(NotFoundError) as info:
        cross_training("rowing")
    assert "swim" in (info.value.hint or "")
    with pytest.raises(NotFoundError):
        exercises_of("nope")


def test_exercise_finds_library_and_cross_training_items() -> None:
    assert exercise("bird_dog") is EXERCISES["bird_dog"]
    assert exercise("swim") is CROSS_TRAINING["swim"]


def test_the_docs_name_every_exercise_routine_and_sport() -> None:
    docs = (Path(__file__).resolve().parents[2] / "docs" / "exercises.md").read_text()
    for key in [*EXERCISES, *ROUTINES, *CROSS_TRAINING]:
        assert f"`{key}`" in docs, key


def test_routine_notes_carry_the_c2_stretching_messages() -> None:
    assert set(ROUTINE_NOTES) <= set(ROUTINES)
    assert "less than 60 s" in ROUTINE_NOTES["warmup"]
    assert "not for preventing injury" in ROUTINE_NOTES["cooldown"]
