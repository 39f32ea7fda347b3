"""The exercise library: exercises, the routines a plan names, and the cross-training options.

Contract: :data:`EXERCISES` maps an exercise id to its
:class:`~backstride.coach.model.Exercise`; :data:`ROUTINES` maps the routine ids a plan's
sessions use to :class:`~backstride.coach.model.Routine` values:

- ``warmup``: the dynamic warm-up before a run (8 min; rule C2);
- ``cooldown``: an easy walk and optional stretches after a run (rule C2: for comfort, not
  injury prevention);
- ``core_1``, ``core_2``, ``core_3``: core sessions at three levels (rule C1). Level 1 takes
  the easiest version of each exercise line (the McGill Big 3 basics, the glute bridge ...),
  and each exercise of level n + 1 is the ``progression`` of one of level n.

:data:`CROSS_TRAINING` maps a cross-training sport (``swim``, ``cycle``, ``elliptical``)
to an exercise of category ``cross`` dosed in minutes (rule X1); the gym ``strength`` session
is in :data:`EXERCISES` (core and strength, C1).

Lookups raise :class:`~backstride.errors.NotFoundError` naming the known ids. The exercises
themselves are data in :mod:`~backstride.coach.exercises_core` and
:mod:`~backstride.coach.exercises_run`.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from backstride.coach.exercises_core import CORE_EXERCISES, MCGILL_BIG3, PYRAMIDS
from backstride.coach.exercises_run import (
    COOLDOWN_EXERCISES,
    CROSS_EXERCISES,
    STATIC_STRETCH_MAX_HOLD_S,
    STRENGTH_SESSION,
    WARMUP_EXERCISES,
)
from backstride.coach.model import Exercise, Routine
from backstride.errors import NotFoundError

__all__ = [
    "CORE_LEVELS",
    "CROSS_TRAINING",
    "EXERCISES",
    "MCGILL_BIG3",
    "ROUTINES",
    "ROUTINE_NOTES",
    "cross_training",
    "dose_text",
    "exercise",
    "exercises_of",
    "moving_minutes",
    "routine",
]

EXERCISES: Mapping[str, Exercise] = MappingProxyType(
    {e.id: e for e in (*CORE_EXERCISES, STRENGTH_SESSION, *WARMUP_EXERCISES, *COOLDOWN_EXERCISES)}
)

CROSS_TRAINING: Mapping[str, Exercise] = MappingProxyType({e.id: e for e in CROSS_EXERCISES})

#: The core routines from the easiest to the hardest.
CORE_LEVELS: tuple[str, ...] = ("core_1", "core_2", "core_3")

ROUTINES: Mapping[str, Routine] = MappingProxyType(
    {
        r.id: r
        for r in (
            Routine(
                id="warmup",
                name="Dynamic warm-up",
                category="warmup",
                exercises=tuple(e.id for e in WARMUP_EXERCISES),
                minutes=8,
                rules=("C2",),
            ),
            Routine(
                id="cooldown",
                name="Cool-down walk and stretches",
                category="cooldown",
                exercises=tuple(e.id for e in COOLDOWN_EXERCISES),
                minutes=12,
                rules=("C2",),
            ),
            Routine(
                id="core_1",
                name="Core, level 1",
                category="core",
                exercises=(
                    "curl_up_head_hover",
                    "side_plank_knees",
                    "bird_dog_one_limb",
                    "glute_bridge",
                    "toe_taps",
                    "front_plank_knees",
                ),
                minutes=15,
                rules=("C1",),
            ),
            Routine(
                id="core_2",
                name="Core, level 2",
                category="core",
                exercises=(
                    "curl_up",
                    "side_plank",
                    "bird_dog",
                    "glute_bridge_march",
                    "dead_bug",
                    "front_plank",
                ),
                minutes=18,
                rules=("C1",),
            ),
            Routine(
                id="core_3",
                name="Core, level 3",
                category="core",
                exercises=(
                    "curl_up_deep_breath",
                    "side_plank_roll",
                    "bird_dog_squares",
                    "single_leg_bridge",
                    "dead_bug_long_lever",
                    "front_plank_leg_lift",
                ),
                minutes=20,
                rules=("C1",),
            ),
        )
    }
)

#: One plain note per routine, shown with it (rule C2 for the warm-up and the cool-down).
ROUTINE_NOTES: Mapping[str, str] = MappingProxyType(
    {
        "warmup": f"If you like to stretch before you run, hold each stretch for less than "
        f"{STATIC_STRETCH_MAX_HOLD_S} s and do the drills after it.",
        "cooldown": "The stretches are optional: do them if they feel good. They are for "
        "comfort and mobility, not for preventing injury.",
        "core_1": "Stop a set when your form slips. After about two weeks without pain, "
        "try level 2.",
        "core_2": "Stop a set when your form slips. After about two weeks without pain, "
        "try level 3.",
        "core_3": "Stop a set when your form slips; go back a level on days your back complains.",
    }
)


def routine(routine_id: str) -> Routine:
    """The routine with this id (``warmup``, ``cooldown``, ``core_1`` ...)."""
    try:
        return ROUTINES[routine_id]
    except KeyError:
        raise NotFoundError(
            f"No routine {routine_id!r}.", hint=f"Known routines: {', '.join(ROUTINES)}."
        ) from None


def exercise(exercise_id: str) -> Exercise:
    """The exercise with this id, from the library or the cross-training options."""
    found = EXERCISES.get(exercise_id) or CROSS_TRAINING.get(exercise_id)
    if found is None:
        raise NotFoundError(
            f"No exercise {exercise_id!r}.",
            hint="Exercise ids are listed in docs/exercises.md.",
        )
    return found


def cross_training(sport: str) -> Exercise:
    """The cross-training option for ``sport`` (``swim``, ``cycle``, ``elliptical``)."""
    try:
        return CROSS_TRAINING[sport]
    except KeyError:
        raise NotFoundError(
            f"No cross-training option {sport!r}.",
            hint=f"Known options: {', '.join(CROSS_TRAINING)}.",
        ) from None


def exercises_of(routine_or_id: Routine | str) -> tuple[Exercise, ...]:
    """The exercises of a routine (given as a :class:`Routine` or its id), in order."""
    chosen = routine(routine_or_id) if isinstance(routine_or_id, str) else routine_or_id
    return tuple(exercise(e) for e in chosen.exercises)


def dose_text(item: Exercise) -> str:
    """The dose in words: :attr:`Exercise.dose`, or for the McGill exercises their pyramid.

    >>> dose_text(EXERCISES["side_plank"])
    '10 s holds, 5 then 3 then 1 with a short rest between, each side'
    >>> dose_text(EXERCISES["cooldown_walk"])
    '5 min'
    """
    pyramid = PYRAMIDS.get(item.id)
    if pyramid is None or item.hold_s is None:
        return item.dose
    side = ", each side" if item.per_side else ""
    steps = " then ".join(str(n) for n in pyramid)
    return f"{item.hold_s} s holds, {steps} with a short rest between{side}"


def moving_minutes(routine_or_id: Routine | str) -> int:
    """Minutes of a routine's exercises dosed in minutes (walking, jogging): the part done on
    the move, e.g. the cool-down walk before the stretches."""
    return sum(e.minutes or 0 for e in exercises_of(routine_or_id))
