"""The core exercises of the library (rule C1): the McGill Big 3, the front plank, the glute
bridge and two Pilates basics, each as a line of three versions linked by ``regression`` and
``progression`` ids.

Contract: :data:`CORE_EXERCISES` is a tuple of :class:`~backstride.coach.model.Exercise`
values, all of category ``"core"``. Each line goes from version 1 (the easiest; no
``regression``) to version 3 (no ``progression``); the core routines ``core_1`` to ``core_3``
in :mod:`backstride.coach.exercises` take the version of the same number from each line.

Doses: the McGill Big 3 (curl-up, side plank, bird dog) are short holds of at most
:data:`MCGILL_MAX_HOLD_S` seconds done as a descending pyramid (5-3-1 holds, then 7-5-3), as
McGill's dosing is reported (evidence.md §6.1, rule C1, graded C); ``sets`` times ``reps`` is
the pyramid's total (5 + 3 + 1 = 3 x 3), :data:`PYRAMIDS` its shape. Wording is backstride's own;
the text fields are data a translation can replace by id (``docs/exercises.md``).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from backstride.coach.model import Exercise
from backstride.rules.catalogue import CATALOGUE

#: McGill's holds last at most this long (rule C1; evidence.md §6.1).
MCGILL_MAX_HOLD_S = 10

_P1 = CATALOGUE["P1"].thresholds
#: The pain-monitoring rule P1 in one sentence, appended to every "if it hurts" line.
PAIN_SCALE = (
    f"Rate your back pain from 0 to 10: up to {_P1['low_max']:.0f} is the low-pain band, "
    f"{_P1['low_max'] + 1:.0f}-{_P1['acceptable_max']:.0f} is acceptable if it settles by "
    f"the next morning, above {_P1['acceptable_max']:.0f} means stop for today, and "
    f"{_P1['severe_min']:.0f} or more means no running until it settles: take the symptom "
    "screen again and see a physiotherapist or GP."
)
#: Said with every exercise: leg symptoms stop the exercise and call for the screen (§4.1).
LEG_SYMPTOMS = (
    "If numbness, tingling or pain spreads down a leg, stop this exercise and take the "
    "symptom screen again (backstride screen)."
)


def if_it_hurts(advice: str) -> str:
    """``advice`` followed by the P1 pain scale and the leg-symptoms stop."""
    return f"{advice} {PAIN_SCALE} {LEG_SYMPTOMS}"


_CORE_RULES = ("C1", "P1")
_EASIER = "Go back to the easier version"

CORE_EXERCISES: tuple[Exercise, ...] = (
    # McGill curl-up line
    Exercise(
        id="curl_up_head_hover",
        name="Curl-up, head hover",
        category="core",
        trains="The front of your trunk (abdominal endurance) without bending your low back.",
        cues=(
            "Lie on your back with one knee bent and the other leg straight.",
            "Slide your hands, palms down, under the small of your back to keep its curve.",
            "Tighten your stomach as if bracing for a light poke, and keep breathing.",
            "Lift your head only a finger's width off the floor; keep your chin tucked.",
            "Swap the bent leg halfway through the holds.",
        ),
        if_it_hurts=if_it_hurts(
            "Lower the effort: brace without lifting your head, and shorten the holds."
        ),
        sets=3,
        reps=3,
        hold_s=6,
        progression="curl_up",
        rules=_CORE_RULES,
    ),
    Exercise(
        id="curl_up",
        name="McGill curl-up",
        category="core",
        trains="The front of your trunk (abdominal endurance) without bending your low back.",
        cues=(
            "Lie on your back with one knee bent and the other leg straight.",
            "Put your hands under the small of your back; do not flatten it to the floor.",
            "Brace your stomach, then raise your head and shoulders just off the floor.",
            "Think of your head and chest as one block: the movement is small.",
            "Keep breathing during each hold; swap the bent leg halfway through.",
        ),
        if_it_hurts=if_it_hurts(f"{_EASIER} (head hover only)."),
        sets=3,
        reps=3,
        hold_s=MCGILL_MAX_HOLD_S,
        progression="curl_up_deep_breath",
        regression="curl_up_head_hover",
        rules=_CORE_RULES,
    ),
    Exercise(
        id="curl_up_deep_breath",
        name="Curl-up with elbows up",
        category="core",
        trains="Abdominal endurance while you keep breathing under load.",
        cues=(
            "Set up as for the curl-up, hands under the small of your back.",
            "Lift your elbows off the floor before you raise your head and shoulders.",
            "Take a slow, full breath during each hold without letting the brace go.",
            "Stop the set when you can no longer keep your neck relaxed.",
        ),
        if_it_hurts=if_it_hurts(f"{_EASIER} (elbows down, normal breathing)."),
        sets=3,
        reps=5,
        hold_s=MCGILL_MAX_HOLD_S,
        regression="curl_up",
        rules=_CORE_RULES,
    ),
    # Side plank line
    Exercise(
        id="side_plank_knees",
        name="Side plank on knees",
        category="core",
        trains="The sides of your trunk (lateral endurance) and the outer hip.",
        cues=(
            "Lie on your side on one elbow, knees bent behind you.",
            "Keep your elbow under your shoulder.",
            "Lift your hips until your body is straight from head to knees.",
            "Hold, lower gently, and do the same number on the other side.",
        ),
        if_it_hurts=if_it_hurts("Shorten the holds or rest your hips down between them."),
        sets=3,
        reps=3,
        hold_s=6,
        per_side=True,
        progression="side_plank",
        rules=_CORE_RULES,
    ),
    Exercise(
        id="side_plank",
        name="Side plank",
        category="core",
        trains="The sides of your trunk (lateral endurance) and the outer hip.",
        cues=(
            "Lie on your side on one elbow, legs straight, top foot in front of the bottom one.",
            "Lift your hips so your body makes one straight line from head to feet.",
            "Keep your free hand on the opposite shoulder or your hip.",
            "Lower before your hips sag, then repeat on the other side.",
        ),
        if_it_hurts=if_it_hurts(f"{_EASIER} (on your knees)."),
        sets=3,
        reps=3,
        hold_s=MCGILL_MAX_HOLD_S,
        per_side=True,
        progression="side_plank_roll",
        regression="side_plank_knees",
        rules=_CORE_RULES,
    ),
    Exercise(
        id="side_plank_roll",
        name="Rolling side plank",
        category="core",
        trains="Lateral trunk endurance and control while you turn as one piece.",
        cues=(
            "Start in a side plank on one elbow.",
            "After the hold, turn onto both elbows (front plank) and then onto the other side.",
            "Turn your chest and hips together, as if your trunk were one solid board.",
            "Count each side's hold as one repetition.",
        ),
        if_it_hurts=if_it_hurts(f"{_EASIER} (one side at a time, no rolling)."),
        sets=3,
        reps=5,
        hold_s=MCGILL_MAX_HOLD_S,
        per_side=True,
        regression="side_plank",
        rules=_CORE_RULES,
    ),
    # Bird dog line
    Exercise(
        id="bird_dog_one_limb",
        name="Bird dog, one limb",
        category="core",
        trains="Back and hip muscles that hold your spine steady while a limb moves.",
        cues=(
            "Kneel on all fours, hands under shoulders and knees under hips.",
            "Slide one leg back along the floor and lift it to hip height, or lift one arm.",
            "Keep your back still: imagine a cup of water resting on it.",
            "Alternate legs (or arms) between holds.",
        ),
        if_it_hurts=if_it_hurts("Keep the toes on the floor and just slide the leg back."),
        sets=3,
        reps=3,
        hold_s=6,
        per_side=True,
        progression="bird_dog",
        rules=_CORE_RULES,
    ),
    Exercise(
        id="bird_dog",
        name="Bird dog",
        category="core",
        trains="Back and hip muscles that hold your spine steady while your limbs move.",
        cues=(
            "Kneel on all fours with a gently braced stomach.",
            "Reach one arm forward and the opposite leg back until both are level with your back.",
            "Make a fist and tense your arm and leg during the hold.",
            "Return to all fours between holds and switch sides.",
        ),
        if_it_hurts=if_it_hurts(f"{_EASIER} (one limb at a time)."),
        sets=3,
        reps=3,
        hold_s=MCGILL_MAX_HOLD_S,
        per_side=True,
        progression="bird_dog_squares",
        regression="bird_dog_one_limb",
        rules=_CORE_RULES,
    ),
    Exercise(
        id="bird_dog_squares",
        name="Bird dog with squares",
        category="core",
        trains="Trunk control while your arm and leg move under load.",
        cues=(
            "Hold the bird dog position with the opposite arm and leg raised.",
            "Trace a small square in the air with your hand and your foot at the same time.",
            "Your back stays still while the limbs move.",
            "Bring elbow and knee back under you between holds without resting them down.",
        ),
        if_it_hurts=if_it_hurts(f"{_EASIER} (a still hold, no squares)."),
        sets=3,
        reps=5,
        hold_s=MCGILL_MAX_HOLD_S,
        per_side=True,
        regression="bird_dog",
        rules=_CORE_RULES,
    ),
    # Front plank line
    Exercise(
        id="front_plank_knees",
        name="Front plank on knees",
        category="core",
        trains="Whole-trunk endurance with your spine in a neutral line.",
        cues=(
            "Rest on your forearms and knees, elbows under your shoulders.",
            "Make a straight line from your head to your knees.",
            "Brace your stomach and squeeze your buttocks gently; breathe normally.",
        ),
        if_it_hurts=if_it_hurts("Shorten the holds, or lift your hips a little."),
        sets=3,
        hold_s=15,
        progression="front_plank",
        rules=_CORE_RULES,
    ),
    Exercise(
        id="front_plank",
        name="Front plank",
        category="core",
        trains="Whole-trunk endurance with your spine in a neutral line.",
        cues=(
            "Rest on your forearms and toes, elbows under your shoulders.",
            "Keep one straight line from your head to your heels; do not let your hips sag.",
            "Breathe normally and stop before your low back starts to arch.",
        ),
        if_it_hurts=if_it_hurts(f"{_EASIER} (on your knees)."),
        sets=3,
        hold_s=20,
        progression="front_plank_leg_lift",
        regression="front_plank_knees",
        rules=_CORE_RULES,
    ),
    Exercise(
        id="front_plank_leg_lift",
        name="Front plank with leg lifts",
        category="core",
        trains="Trunk endurance while one leg moves, so your hips must stay level.",
        cues=(
            "Hold a front plank on your forearms and toes.",
            "Lift one foot a hand's width off the floor, put it down, then the other.",
            "Your hips stay level and still while the legs take turns.",
        ),
        if_it_hurts=if_it_hurts(f"{_EASIER} (both feet down)."),
        sets=3,
        hold_s=20,
        regression="front_plank",
        rules=_CORE_RULES,
    ),
    # Glute bridge line
    Exercise(
        id="glute_bridge",
        name="Glute bridge",
        category="core",
        trains="Your buttock muscles, which extend the hip when you run.",
        cues=(
            "Lie on your back, knees bent, feet flat and hip-width apart.",
            "Squeeze your buttocks and lift your hips until your body is straight from "
            "knees to shoulders.",
            "Push through your heels; do not arch your low back at the top.",
            "Lower slowly.",
        ),
        if_it_hurts=if_it_hurts("Lift your hips only part of the way."),
        sets=2,
        reps=10,
        progression="glute_bridge_march",
        rules=_CORE_RULES,
    ),
    Exercise(
        id="glute_bridge_march",
        name="Bridge with march",
        category="core",
        trains="Buttock muscles and keeping your pelvis level on one leg.",
        cues=(
            "Lift into a glute bridge and stay up.",
            "Lift one foot a few centimetres, put it down, then the other foot.",
            "Keep your hips level: they should not drop to the side of the lifted foot.",
        ),
        if_it_hurts=if_it_hurts(f"{_EASIER} (both feet down)."),
        sets=3,
        reps=8,
        per_side=True,
        progression="single_leg_bridge",
        regression="glute_bridge",
        rules=_CORE_RULES,
    ),
    Exercise(
        id="single_leg_bridge",
        name="Single-leg bridge",
        category="core",
        trains="Buttock strength on one leg, closer to the load of running.",
        cues=(
            "Lie on your back with one foot flat and the other leg raised, knee bent.",
            "Push through the heel on the floor and lift your hips level.",
            "Lower slowly; finish the set before switching legs.",
        ),
        if_it_hurts=if_it_hurts(f"{_EASIER} (bridge with march)."),
        sets=3,
        reps=8,
        per_side=True,
        regression="glute_bridge_march",
        rules=_CORE_RULES,
    ),
    # Pilates: toe taps to dead bug
    Exercise(
        id="toe_taps",
        name="Pilates toe taps",
        category="core",
        trains="Deep abdominal control while your legs move (a Pilates basic).",
        cues=(
            "Lie on your back, knees bent and lifted so your shins are level with the floor.",
            "Keep your low back still and gently braced; breathe out as you move.",
            "Lower one foot until the toes touch the floor, bring it back, then the other.",
        ),
        if_it_hurts=if_it_hurts("Keep one foot on the floor and move the other leg only."),
        sets=2,
        reps=8,
        per_side=True,
        progression="dead_bug",
        rules=_CORE_RULES,
    ),
    Exercise(
        id="dead_bug",
        name="Dead bug",
        category="core",
        trains="Trunk control while your opposite arm and leg move.",
        cues=(
            "Lie on your back with arms pointing to the ceiling and knees bent over your hips.",
            "Slowly reach one arm overhead and straighten the opposite leg toward the floor.",
            "Go only as far as you can without your low back lifting; come back and switch.",
        ),
        if_it_hurts=if_it_hurts(f"{_EASIER} (toe taps)."),
        sets=3,
        reps=8,
        per_side=True,
        progression="dead_bug_long_lever",
        regression="toe_taps",
        rules=_CORE_RULES,
    ),
    Exercise(
        id="dead_bug_long_lever",
        name="Dead bug, long lever",
        category="core",
        trains="Trunk control against the longer lever of a straight leg.",
        cues=(
            "Start as for the dead bug but with both legs straighter, pointing up.",
            "Lower one straight leg and the opposite arm slowly, then return.",
            "Your low back stays still; make the range smaller before you let it arch.",
        ),
        if_it_hurts=if_it_hurts(f"{_EASIER} (dead bug with bent knees)."),
        sets=3,
        reps=8,
        per_side=True,
        regression="dead_bug",
        rules=_CORE_RULES,
    ),
    # Pilates: side-lying leg series
    Exercise(
        id="clam",
        name="Clam",
        category="core",
        trains="The outer hip muscles that keep your pelvis level (a Pilates basic).",
        cues=(
            "Lie on your side, hips and knees bent, heels in line with your spine.",
            "Keep your feet together and open the top knee like a clam shell.",
            "Do not let your top hip roll backwards; the movement is in the hip only.",
        ),
        if_it_hurts=if_it_hurts("Make the movement smaller."),
        sets=2,
        reps=12,
        per_side=True,
        progression="side_lying_leg_lift",
        rules=_CORE_RULES,
    ),
    Exercise(
        id="side_lying_leg_lift",
        name="Side-lying leg lift",
        category="core",
        trains="Outer hip strength with a straight leg (a longer lever than the clam).",
        cues=(
            "Lie on your side with the bottom knee bent and the top leg straight.",
            "Lift the top leg a little behind your body line, toes pointing forward.",
            "Lower slowly without letting your waist sag to the floor.",
        ),
        if_it_hurts=if_it_hurts(f"{_EASIER} (clam)."),
        sets=2,
        reps=12,
        per_side=True,
        progression="side_lying_leg_circles",
        regression="clam",
        rules=_CORE_RULES,
    ),
    Exercise(
        id="side_lying_leg_circles",
        name="Side-lying leg circles",
        category="core",
        trains="Outer hip endurance and control of the pelvis while the leg circles.",
        cues=(
            "Lie on your side with the top leg lifted to hip height.",
            "Draw small circles with the whole leg, first forwards then backwards.",
            "Keep your trunk still; the circles come from the hip.",
        ),
        if_it_hurts=if_it_hurts(f"{_EASIER} (side-lying leg lift)."),
        sets=2,
        reps=10,
        per_side=True,
        regression="side_lying_leg_lift",
        rules=_CORE_RULES,
    ),
)

#: The McGill Big 3 exercises (short holds, pyramid dosing).
MCGILL_BIG3: frozenset[str] = frozenset(
    {
        "curl_up_head_hover",
        "curl_up",
        "curl_up_deep_breath",
        "side_plank_knees",
        "side_plank",
        "side_plank_roll",
        "bird_dog_one_limb",
        "bird_dog",
        "bird_dog_squares",
    }
)

#: Holds per set of the descending pyramid, for the exercises dosed that way.
PYRAMIDS: Mapping[str, tuple[int, ...]] = MappingProxyType(
    {
        exercise_id: (7, 5, 3)
        if exercise_id in {"curl_up_deep_breath", "side_plank_roll", "bird_dog_squares"}
        else (5, 3, 1)
        for exercise_id in sorted(MCGILL_BIG3)
    }
)
