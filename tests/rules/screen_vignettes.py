"""Red-flag screen vignettes (issue 12) as data: answers, an optional clinician's clearance,
and the outcome word the screen must give (emergency, urgent, review, clear, incomplete).

Every expected word is written by hand from evidence.md §5.2 and the §9 table, not computed.
Importing this module has no side effects; :data:`VIGNETTES` lists them all and
:data:`BLOCKING` the emergency and urgent ones (for tests that walk them through every
command and page).

How to replay one through the app: take the screen on ``screen_day`` with ``answers`` (True:
``--yes``, False: ``--no``, None: not answered), then, when ``cleared_on`` is set, record the
clearance on that day (``backstride screen clear --date``), and judge on ``judged_on``. A
clearance on or after the screen's day is a visit after the screen (the screen is cleared);
one before it is an earlier visit (the screen asks what changed since).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from backstride.rules.redflags import ANSWER_FIELDS

#: The day every vignette's screen is taken on (unless it says otherwise).
SCREEN_DAY = date(2024, 3, 7)
#: A visit before the screen (the screen comes after the clearance).
SEEN_BEFORE = date(2024, 3, 1)
#: A visit after the screen (the screen is cleared by it).
SEEN_AFTER = date(2024, 3, 9)

R1_ITEMS = (
    "saddle_numbness",
    "bladder_bowel_change",
    "sexual_dysfunction",
    "both_legs_weakness_or_numbness",
    "both_legs_pain",
    "progressive_leg_weakness",
)
#: R2 items that are flags on their own.
R2_ALONE = (
    "fever",
    "cancer_history",
    "unexplained_weight_loss",
    "significant_trauma",
    "immunosuppression",
    "recent_infection_or_procedure",
    "constant_night_pain",
    "thoracic_pain",
)
#: Count only with a minor trauma.
MODIFIERS = ("osteoporosis", "aged_65_or_over", "long_term_steroids")
TRAITS = ("cancer_history", "long_term_steroids", "osteoporosis", "aged_65_or_over")
GATES = ("onset_before_45", "lasting_over_3_months")
FEATURES = (
    "onset_before_35",
    "wakes_second_half_of_night",
    "buttock_pain",
    "better_with_movement",
    "better_with_anti_inflammatories",
    "family_spondyloarthritis",
    "arthritis",
    "enthesitis",
    "psoriasis",
)
#: New or worse symptoms and events: they block again after a clearance.
NEW_SYMPTOMS = (
    *R1_ITEMS,
    "fever",
    "unexplained_weight_loss",
    "significant_trauma",
    "recent_infection_or_procedure",
    "constant_night_pain",
    "thoracic_pain",
)


@dataclass(frozen=True)
class Vignette:
    """One runner's screen and what it must give.

    ``answers`` holds every question (True yes, False no, None unanswered); ``today`` is set
    for urgent vignettes whose message must say "today" (fever with a weakened immune system,
    injecting drugs, a recent infection or spinal procedure).
    """

    name: str
    answers: dict[str, bool | None]
    expected: str
    cleared_on: date | None = None
    screen_day: date = SCREEN_DAY
    today: bool = field(default=False, kw_only=True)

    @property
    def judged_on(self) -> date:
        """The day to judge on: the screen's, or the visit's when that is later."""
        if self.cleared_on is None:
            return self.screen_day
        return max(self.screen_day, self.cleared_on)

    @property
    def yes(self) -> tuple[str, ...]:
        return tuple(k for k, v in self.answers.items() if v is True)

    @property
    def no(self) -> tuple[str, ...]:
        return tuple(k for k, v in self.answers.items() if v is False)


def _answers(yes: Iterable[str] = (), unanswered: Iterable[str] = ()) -> dict[str, bool | None]:
    """Every question no, except ``yes`` (yes) and ``unanswered`` (None)."""
    out: dict[str, bool | None] = dict.fromkeys(ANSWER_FIELDS, False)
    for name in yes:
        assert name in out, name
        out[name] = True
    for name in unanswered:
        assert name in out, name
        out[name] = None
    return out


def _v(
    name: str,
    expected: str,
    yes: Iterable[str] = (),
    *,
    unanswered: Iterable[str] = (),
    cleared_on: date | None = None,
    today: bool = False,
) -> Vignette:
    return Vignette(name, _answers(yes, unanswered), expected, cleared_on, today=today)


_ALONE_EXPECTED = {
    **dict.fromkeys(R1_ITEMS, "emergency"),
    **dict.fromkeys(R2_ALONE, "urgent"),
    # Not flags alone: minor trauma without osteoporosis/65+/steroids, each of those without
    # a minor trauma, the change question without a clearance, a gate or feature alone.
    "minor_trauma": "clear",
    **dict.fromkeys(MODIFIERS, "clear"),
    "changed_since_clearance": "clear",
    **dict.fromkeys(GATES, "clear"),
    **dict.fromkeys(FEATURES, "clear"),
    "leg_symptoms_below_knee": "review",
}
assert set(_ALONE_EXPECTED) == set(ANSWER_FIELDS)

ALONE: tuple[Vignette, ...] = tuple(
    _v(f"{name} alone", _ALONE_EXPECTED[name], [name]) for name in ANSWER_FIELDS
)

BASICS: tuple[Vignette, ...] = (
    _v("everything no", "clear"),
    _v("nothing answered", "incomplete", unanswered=ANSWER_FIELDS),
    _v("fever skipped, the rest no", "incomplete", unanswered=["fever"]),
    _v(
        "saddle numbness with the rest unanswered",
        "emergency",
        ["saddle_numbness"],
        unanswered=[f for f in ANSWER_FIELDS if f != "saddle_numbness"],
    ),
    _v("everything yes", "emergency", ANSWER_FIELDS),
    # Long-standing stress incontinence that has not changed: the bladder question asks
    # about a new change, so the runner answers no.
    _v("long-standing stress incontinence, nothing new: no to the bladder question", "clear"),
    _v(
        "new or worse leaking of urine: yes to the bladder question",
        "emergency",
        ["bladder_bowel_change"],
    ),
    _v("pain in both legs (bilateral sciatica)", "emergency", ["both_legs_pain"]),
    _v(
        "pain in both legs with one-leg symptoms below the knee",
        "emergency",
        ["both_legs_pain", "leg_symptoms_below_knee"],
    ),
    _v("foot drop getting worse", "emergency", ["progressive_leg_weakness"]),
)

_NG65_4 = [*GATES, *FEATURES[:4]]
COMBINATIONS: tuple[Vignette, ...] = (
    _v("R1 and R2", "emergency", ["saddle_numbness", "fever"]),
    _v("R1 and R3 leg", "emergency", ["sexual_dysfunction", "leg_symptoms_below_knee"]),
    _v("R1 and R3 NG65", "emergency", ["both_legs_pain", *_NG65_4]),
    _v("R2 and R3 leg", "urgent", ["thoracic_pain", "leg_symptoms_below_knee"]),
    _v("R2 and R3 NG65", "urgent", ["unexplained_weight_loss", *_NG65_4]),
    _v(
        "R1, R2 and R3",
        "emergency",
        ["bladder_bowel_change", "cancer_history", "leg_symptoms_below_knee", *_NG65_4],
    ),
    _v("R3 NG65 and R3 leg", "review", [*_NG65_4, "leg_symptoms_below_knee"]),
    _v("two R2 signs", "urgent", ["significant_trauma", "constant_night_pain"]),
    _v("every R1 sign", "emergency", R1_ITEMS),
    _v("every R2 sign", "urgent", R2_ALONE, today=True),
)

NG65: tuple[Vignette, ...] = (
    _v("NG65: both gates, 2 features", "clear", [*GATES, *FEATURES[:2]]),
    _v("NG65: both gates, 3 features (mention to GP)", "review", [*GATES, *FEATURES[:3]]),
    _v("NG65: both gates, 4 features (refer)", "review", _NG65_4),
    _v("NG65: both gates, all 9 features", "review", [*GATES, *FEATURES]),
    _v(
        "NG65: arthritis, enthesitis, psoriasis and buttock pain (issue 12's runner)",
        "review",
        [*GATES, "arthritis", "enthesitis", "psoriasis", "buttock_pain"],
    ),
    _v(
        "NG65: 4 features, before-45 gate unanswered",
        "incomplete",
        [GATES[1], *FEATURES[:4]],
        unanswered=[GATES[0]],
    ),
    _v(
        "NG65: 4 features, 3-month gate unanswered",
        "incomplete",
        [GATES[0], *FEATURES[:4]],
        unanswered=[GATES[1]],
    ),
    _v("NG65: 9 features, both gates unanswered", "incomplete", FEATURES, unanswered=GATES),
    _v("NG65: 9 features, before-45 gate no", "clear", [GATES[1], *FEATURES]),
    _v("NG65: 9 features, 3-month gate no", "clear", [GATES[0], *FEATURES]),
    _v(
        "NG65: before-45 gate no, features unanswered",
        "clear",
        [GATES[1]],
        unanswered=FEATURES,
    ),
)

FRACTURE: tuple[Vignette, ...] = (
    _v("minor trauma with osteoporosis", "urgent", ["minor_trauma", "osteoporosis"]),
    _v("minor trauma at 65 or older", "urgent", ["minor_trauma", "aged_65_or_over"]),
    _v("minor trauma with long-term steroids", "urgent", ["minor_trauma", "long_term_steroids"]),
    _v("minor trauma with all three", "urgent", ["minor_trauma", *MODIFIERS]),
    _v("osteoporosis, 65+ and steroids without trauma", "clear", MODIFIERS),
    _v(
        "osteoporosis with the minor-trauma question unanswered",
        "incomplete",
        ["osteoporosis"],
        unanswered=["minor_trauma"],
    ),
    _v(
        "minor trauma answered no, osteoporosis/65+/steroids unanswered",
        "clear",
        unanswered=MODIFIERS,
    ),
)

FEVER: tuple[Vignette, ...] = (
    _v("fever alone: today or tomorrow", "urgent", ["fever"]),
    _v(
        "fever with a weakened immune system or injecting drugs: today",
        "urgent",
        ["fever", "immunosuppression"],
        today=True,
    ),
    _v(
        "fever with a recent infection or spinal procedure: today",
        "urgent",
        ["fever", "recent_infection_or_procedure"],
        today=True,
    ),
    _v("weakened immune system without fever: today or tomorrow", "urgent", ["immunosuppression"]),
    _v(
        "recent infection without fever: today or tomorrow",
        "urgent",
        ["recent_infection_or_procedure"],
    ),
    _v("fever with cancer history: today or tomorrow", "urgent", ["fever", "cancer_history"]),
)

CLEARANCE: tuple[Vignette, ...] = (
    # A screen taken before the visit is cleared by it.
    _v(
        "screen before clearance: cancer history",
        "clear",
        ["cancer_history"],
        cleared_on=SEEN_AFTER,
    ),
    _v(
        "screen before clearance: saddle numbness",
        "clear",
        ["saddle_numbness"],
        cleared_on=SEEN_AFTER,
    ),
    _v(
        "screen before clearance: fever with immunosuppression",
        "clear",
        ["fever", "immunosuppression"],
        cleared_on=SEEN_AFTER,
    ),
    _v(
        "screen before clearance: urgent sign and leg symptoms",
        "review",
        ["thoracic_pain", "leg_symptoms_below_knee"],
        cleared_on=SEEN_AFTER,
    ),
    _v(
        "screen on the day of the clearance, saved before it",
        "clear",
        ["fever"],
        cleared_on=SCREEN_DAY,
    ),
    # A screen after the visit: traits no longer block once nothing changed ...
    *(
        _v(f"clearance then same trait: {trait}", "clear", [trait], cleared_on=SEEN_BEFORE)
        for trait in TRAITS
    ),
    _v("clearance then all four traits", "clear", TRAITS, cleared_on=SEEN_BEFORE),
    _v("clearance then nothing at all", "clear", cleared_on=SEEN_BEFORE),
    # ... but unanswered "anything changed?" keeps a past cancer blocking (conservative) ...
    _v(
        "clearance then cancer, change question unanswered",
        "urgent",
        ["cancer_history"],
        unanswered=["changed_since_clearance"],
        cleared_on=SEEN_BEFORE,
    ),
    _v(
        "clearance then change question unanswered, nothing else",
        "incomplete",
        unanswered=["changed_since_clearance"],
        cleared_on=SEEN_BEFORE,
    ),
    # ... "something changed" blocks ...
    _v(
        "clearance then something changed",
        "urgent",
        ["changed_since_clearance"],
        cleared_on=SEEN_BEFORE,
    ),
    _v(
        "clearance then something changed, with cancer",
        "urgent",
        ["changed_since_clearance", "cancer_history"],
        cleared_on=SEEN_BEFORE,
    ),
    # ... and every new or worse symptom blocks again.
    *(
        _v(
            f"clearance then new {item}",
            "emergency" if item in R1_ITEMS else "urgent",
            [item],
            cleared_on=SEEN_BEFORE,
        )
        for item in NEW_SYMPTOMS
    ),
    _v(
        "clearance then cancer with a new fever",
        "urgent",
        ["cancer_history", "fever"],
        cleared_on=SEEN_BEFORE,
    ),
    _v(
        "clearance then minor trauma with osteoporosis",
        "urgent",
        ["minor_trauma", "osteoporosis"],
        cleared_on=SEEN_BEFORE,
    ),
    _v(
        "clearance then fever with immunosuppression: today",
        "urgent",
        ["fever", "immunosuppression"],
        cleared_on=SEEN_BEFORE,
        today=True,
    ),
    _v(
        "clearance then leg symptoms below the knee",
        "review",
        ["leg_symptoms_below_knee"],
        cleared_on=SEEN_BEFORE,
    ),
)

#: Every vignette, each name once.
VIGNETTES: tuple[Vignette, ...] = (
    *ALONE,
    *BASICS,
    *COMBINATIONS,
    *NG65,
    *FRACTURE,
    *FEVER,
    *CLEARANCE,
)
assert len({v.name for v in VIGNETTES}) == len(VIGNETTES)
#: The emergency and urgent ones: training must be suspended everywhere.
BLOCKING: tuple[Vignette, ...] = tuple(
    v for v in VIGNETTES if v.expected in ("emergency", "urgent")
)
