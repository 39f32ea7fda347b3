"""The exercises done around a run (the dynamic warm-up and the cool-down stretches, rule C2)
and the cross-training options (rule X1).

Contract: :data:`WARMUP_EXERCISES` (category ``"warmup"``), :data:`COOLDOWN_EXERCISES`
(``"cooldown"``) and :data:`CROSS_EXERCISES` (``"cross"``, one per sport, dosed in minutes), and
:data:`STRENGTH_SESSION` (a gym strength session, counted as core and strength, C1)
are tuples of :class:`~backstride.coach.model.Exercise`.

Rule C2 (evidence.md §6.2): warm up with easy movement and dynamic drills; a static stretch
held before a run stays under :data:`STATIC_STRETCH_MAX_HOLD_S` seconds per muscle, and
stretching is offered for comfort and mobility, never as injury prevention (Lauersen 2014:
RR 0.96). The injury-prevention message belongs to strength training (C3). Rule X1:
cross-training counts in your load, not in your running distance; about an hour a week of
another sport went with fewer running injuries (Malisoux 2015). There is no trial of
swimming or cycling for runners with back pain, so the cues below are practical comfort
advice, not treatment.
"""

from __future__ import annotations

from backstride.coach.exercises_core import if_it_hurts
from backstride.coach.model import Exercise

#: Static stretches are held for less than this many seconds per muscle (rule C2, Behm 2016).
STATIC_STRETCH_MAX_HOLD_S = 60

_WARMUP_RULES = ("C2", "P1")
_STRETCH_RULES = ("C2", "P1")
_COMFORT = "Stretching here is for comfort and mobility; it does not prevent injury."
_DRILL_HURTS = "Make the movement smaller and slower, or leave this drill out."
_STRETCH_HURTS = "Ease off to a gentle pull; a stretch should never feel sharp."

WARMUP_EXERCISES: tuple[Exercise, ...] = (
    Exercise(
        id="brisk_walk",
        name="Brisk walk",
        category="warmup",
        trains="Raises your heart rate and warms your legs and back gradually.",
        cues=(
            "Walk at a pace that makes you breathe a little harder than at rest.",
            "Let your arms swing and stand tall.",
        ),
        if_it_hurts=if_it_hurts("Walk more slowly and give yourself a few more minutes."),
        minutes=3,
        rules=_WARMUP_RULES,
    ),
    Exercise(
        id="leg_swings_forward",
        name="Forward leg swings",
        category="warmup",
        trains="Moves the hip through the range it uses when you run.",
        cues=(
            "Hold a wall or post for balance and stand tall.",
            "Swing one leg forward and back like a pendulum, starting small.",
            "Let the swing grow a little each time; keep your trunk quiet.",
        ),
        if_it_hurts=if_it_hurts(_DRILL_HURTS),
        sets=1,
        reps=10,
        per_side=True,
        rules=_WARMUP_RULES,
    ),
    Exercise(
        id="leg_swings_sideways",
        name="Sideways leg swings",
        category="warmup",
        trains="Moves the hip sideways and warms the inner and outer thigh.",
        cues=(
            "Face a wall with both hands on it.",
            "Swing one leg across your body and out to the side.",
            "Keep your hips facing the wall.",
        ),
        if_it_hurts=if_it_hurts(_DRILL_HURTS),
        sets=1,
        reps=10,
        per_side=True,
        rules=_WARMUP_RULES,
    ),
    Exercise(
        id="walking_knee_lift",
        name="Walking knee lifts",
        category="warmup",
        trains="Warms the hip flexors and buttocks and practises tall posture.",
        cues=(
            "Walk forward and lift each knee to about hip height.",
            "Stay tall; do not lean back to get the knee higher.",
        ),
        if_it_hurts=if_it_hurts(_DRILL_HURTS),
        sets=1,
        reps=10,
        per_side=True,
        rules=_WARMUP_RULES,
    ),
    Exercise(
        id="hip_circles",
        name="Hip circles",
        category="warmup",
        trains="Gently moves your pelvis and low back before you run.",
        cues=(
            "Stand with hands on your hips and feet hip-width apart.",
            "Draw slow circles with your hips, staying within a comfortable range.",
            "Change direction halfway through.",
        ),
        if_it_hurts=if_it_hurts(_DRILL_HURTS),
        sets=1,
        reps=8,
        per_side=True,
        rules=_WARMUP_RULES,
    ),
    Exercise(
        id="walk_jog_build",
        name="Walk-jog build-up",
        category="warmup",
        trains="Brings you up to running gradually, in bouts no longer than a run-walk "
        "session's first stage.",
        cues=(
            "Alternate about 30 s of very easy jogging with 30 s of brisk walking.",
            "Keep the jogging slower than your easy pace; you should be able to talk.",
        ),
        if_it_hurts=if_it_hurts("Walk instead and try a short jog again after a minute."),
        minutes=2,
        rules=_WARMUP_RULES,
    ),
)

COOLDOWN_EXERCISES: tuple[Exercise, ...] = (
    Exercise(
        id="cooldown_walk",
        name="Easy walk",
        category="cooldown",
        trains="Lets your breathing and heart rate settle after the run.",
        cues=("Walk at an easy, relaxed pace until your breathing is back to normal.",),
        if_it_hurts=if_it_hurts("Slow down; stop and rest if walking is uncomfortable."),
        minutes=5,
        rules=_STRETCH_RULES,
    ),
    Exercise(
        id="calf_stretch",
        name="Calf stretch",
        category="cooldown",
        trains="Calf flexibility. " + _COMFORT,
        cues=(
            "Hands on a wall, step one foot back with the heel down and the leg straight.",
            "Lean forward until you feel a gentle stretch in the calf of the back leg.",
            "Breathe slowly; do not bounce.",
        ),
        if_it_hurts=if_it_hurts(_STRETCH_HURTS),
        sets=2,
        hold_s=20,
        per_side=True,
        rules=_STRETCH_RULES,
    ),
    Exercise(
        id="hamstring_stretch",
        name="Lying hamstring stretch",
        category="cooldown",
        trains="Back-of-thigh flexibility, with your back supported. " + _COMFORT,
        cues=(
            "Lie on your back and loop a towel around one foot.",
            "Raise the leg, knee slightly bent, until you feel the back of the thigh.",
            "Keep the other leg relaxed on the floor and your low back resting.",
        ),
        if_it_hurts=if_it_hurts(_STRETCH_HURTS),
        sets=2,
        hold_s=20,
        per_side=True,
        rules=_STRETCH_RULES,
    ),
    Exercise(
        id="hip_flexor_stretch",
        name="Kneeling hip flexor stretch",
        category="cooldown",
        trains="Front-of-hip flexibility. " + _COMFORT,
        cues=(
            "Kneel on one knee with the other foot flat in front (use a cushion under the knee).",
            "Tuck your tailbone under slightly, then shift your weight forward a little.",
            "Feel the stretch at the front of the kneeling hip; keep your back upright.",
        ),
        if_it_hurts=if_it_hurts(_STRETCH_HURTS),
        sets=2,
        hold_s=20,
        per_side=True,
        rules=_STRETCH_RULES,
    ),
    Exercise(
        id="glute_stretch",
        name="Figure-four buttock stretch",
        category="cooldown",
        trains="Buttock and outer hip flexibility. " + _COMFORT,
        cues=(
            "Lie on your back, knees bent, and cross one ankle over the other knee.",
            "Hold behind the lower thigh and draw it gently toward your chest.",
            "Keep your head and shoulders relaxed on the floor.",
        ),
        if_it_hurts=if_it_hurts(_STRETCH_HURTS),
        sets=2,
        hold_s=20,
        per_side=True,
        rules=_STRETCH_RULES,
    ),
    Exercise(
        id="knee_to_chest",
        name="Knee to chest",
        category="cooldown",
        trains="A gentle stretch of the low back and buttock. " + _COMFORT,
        cues=(
            "Lie on your back and hug one knee toward your chest with both hands.",
            "Let the other leg stay bent with the foot on the floor.",
            "Breathe out and let your back relax into the floor.",
        ),
        if_it_hurts=if_it_hurts(
            "Hold the knee less close, or leave this stretch out if it makes your back worse."
        ),
        sets=2,
        hold_s=20,
        per_side=True,
        rules=_STRETCH_RULES,
    ),
)

_CROSS_RULES = ("X1", "P1")

CROSS_EXERCISES: tuple[Exercise, ...] = (
    Exercise(
        id="swim",
        name="Swimming",
        category="cross",
        trains="Aerobic fitness with no impact; it adds to your load, not your running distance.",
        cues=(
            "Swim at an easy, conversational effort; rest at the wall whenever you like.",
            "Front crawl and backstroke keep your spine long; breathe to both sides if you can.",
            "Breaststroke with your head held up arches your low back; if that bothers you, "
            "put your face in the water between breaths, or swap to another stroke.",
            "The frog (whip) kick of breaststroke twists the knees and hips; a flutter kick "
            "or a pull buoy is a gentler option.",
        ),
        if_it_hurts=if_it_hurts(
            "Change stroke, slow down, or float on your back for a while before you go on."
        ),
        minutes=30,
        rules=_CROSS_RULES,
    ),
    Exercise(
        id="cycle",
        name="Cycling",
        category="cross",
        trains="Aerobic fitness and leg strength with little impact; it adds to your load, "
        "not your running distance.",
        cues=(
            "Ride at an easy effort with a light gear you can turn smoothly.",
            "Set the saddle so your knee stays slightly bent at the bottom of the stroke.",
            "Some people with back pain prefer a more upright position: raise the handlebars "
            "or use an upright or recumbent exercise bike.",
            "Change position now and then on longer rides.",
        ),
        if_it_hurts=if_it_hurts(
            "Sit more upright, ease the effort, or get off and walk for a few minutes."
        ),
        minutes=30,
        rules=_CROSS_RULES,
    ),
    Exercise(
        id="elliptical",
        name="Elliptical trainer",
        category="cross",
        trains="Aerobic fitness in a running-like movement without landing impact.",
        cues=(
            "Stand tall with your weight over your feet; hold the handles lightly.",
            "Keep the resistance low enough to move smoothly at an easy effort.",
            "Do not lean on the console.",
        ),
        if_it_hurts=if_it_hurts("Shorten the session or lower the resistance."),
        minutes=30,
        rules=_CROSS_RULES,
    ),
)

#: A gym strength session: a core and strength session (C1), never cross-training (X1),
#: so a session counts for one practice only.
STRENGTH_SESSION: Exercise = Exercise(
    id="strength",
    name="Strength training",
    category="core",
    trains="Strength of your legs, hips and trunk. In trials, mostly of other sports, "
    "strength training went with fewer injuries (Lauersen 2014); in runners a short "
    "programme showed no effect (Toresdahl 2020). It counts as a core and strength "
    "session (C1), not as cross-training.",
    cues=(
        "Pick 4-6 exercises for legs, hips, trunk and upper body (squats, step-ups, "
        "rows, the core routine).",
        "Do 2-3 sets of 8-12 repetitions with a load that leaves 2-3 repetitions in reserve.",
        "Move steadily, breathe out on the effort, and start light for the first weeks.",
    ),
    if_it_hurts=if_it_hurts("Use a lighter load or a smaller range, or skip that exercise today."),
    minutes=30,
    rules=("C1", "C3", "P1"),
)
