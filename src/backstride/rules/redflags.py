"""The red-flag screen: the questions (:data:`QUESTIONS`), the answers
(:class:`ScreenAnswers`), and the findings they give (:func:`screen_findings`, R1-R3).

Contract: every answer is ``True`` (yes), ``False`` (no) or ``None`` (not answered). R1
(emergency signs) gives a ``very_high`` finding, R2 (see a doctor promptly) a ``high`` one;
either suspends training (:func:`blocks_training`). R3 gives ``caution`` findings for an
inflammatory back pain pattern (NICE NG65) and for leg symptoms below the knee (NICE NG59).
When nothing is reported and every needed question is answered, one ``ok`` finding says
"no red flags reported" (never that the runner is well); with questions unanswered, an
``info`` finding says the screen is incomplete instead. No finding diagnoses.

R3 criteria (NICE NG65, evidence.md §5.1): back pain that began before 45 and has lasted
more than 3 months, and at least 4 of 7 features (onset before 35; waking in the second half
of the night; buttock pain; better with movement; better within 48 h of anti-inflammatory
painkillers; a parent, sibling or child with spondyloarthritis; arthritis, enthesitis or
psoriasis now or before). Exactly 3 features: mention it to the GP (NICE: HLA-B27 test).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date
from typing import Literal

from backstride.rules.catalogue import CATALOGUE
from backstride.rules.finding import SEVERITY_RANK, Finding, most_pressing
from backstride.rules.rule import Rule

R1, R2, R3 = CATALOGUE["R1"], CATALOGUE["R2"], CATALOGUE["R3"]
Group = Literal["R1", "R2", "R3", "leg"]


@dataclass(frozen=True)
class ScreenAnswers:
    """Answers to the screen: True (yes), False (no), None (not answered)."""

    # R1: emergency signs (new or getting worse)
    saddle_numbness: bool | None = None
    bladder_bowel_change: bool | None = None
    sexual_dysfunction: bool | None = None
    both_legs_or_progressive_weakness: bool | None = None
    # R2: see a doctor promptly
    fever: bool | None = None
    cancer_history: bool | None = None
    unexplained_weight_loss: bool | None = None
    significant_trauma: bool | None = None
    long_term_steroids: bool | None = None
    osteoporosis: bool | None = None
    immunosuppression: bool | None = None
    age_65_new_pain: bool | None = None
    constant_night_pain: bool | None = None
    # R3 gate: both needed before the features count
    onset_before_45: bool | None = None
    lasting_over_3_months: bool | None = None
    # R3 features (NICE NG65)
    onset_before_35: bool | None = None
    wakes_second_half_of_night: bool | None = None
    buttock_pain: bool | None = None
    better_with_movement: bool | None = None
    better_with_anti_inflammatories: bool | None = None
    family_spondyloarthritis: bool | None = None
    arthritis_enthesitis_psoriasis: bool | None = None
    # leg symptoms -> clinician review
    leg_symptoms_below_knee: bool | None = None


@dataclass(frozen=True)
class Question:
    """One screen question: the :class:`ScreenAnswers` field it fills, its text, its group."""

    field: str
    text: str
    group: Group
    #: How a yes reads in a finding ("numbness between your legs" ...).
    sign: str


_R1 = "In the last two weeks, or getting worse: "
#: The questions in the order to ask them (R3 features only matter when both gate answers
#: are yes: see :func:`questions_needed`).
QUESTIONS: tuple[Question, ...] = (
    Question(
        "saddle_numbness",
        _R1 + "numbness or tingling around your bottom, genitals or inner thighs "
        "(where you would sit on a saddle)?",
        "R1",
        "numbness between your legs",
    ),
    Question(
        "bladder_bowel_change",
        _R1 + "trouble starting or stopping a wee, not feeling when your bladder is full, "
        "or leaking urine or stool without meaning to?",
        "R1",
        "a bladder or bowel change",
    ),
    Question(
        "sexual_dysfunction",
        _R1 + "a change in sexual function or in feeling in your genitals?",
        "R1",
        "a change in sexual function",
    ),
    Question(
        "both_legs_or_progressive_weakness",
        _R1 + "weakness or numbness in both legs, or a leg or foot getting weaker "
        "(for example a foot that slaps or catches)?",
        "R1",
        "weakness or numbness in both legs or a leg getting weaker",
    ),
    Question(
        "fever",
        "Do you have a fever, or feel generally unwell, with the back pain?",
        "R2",
        "fever or feeling unwell",
    ),
    Question("cancer_history", "Have you ever had cancer?", "R2", "a history of cancer"),
    Question(
        "unexplained_weight_loss",
        "Have you lost weight recently without trying?",
        "R2",
        "weight loss without trying",
    ),
    Question(
        "significant_trauma",
        "Did the pain start after a fall from a height, a road accident or a similar hard knock?",
        "R2",
        "pain after a hard fall or accident",
    ),
    Question(
        "long_term_steroids",
        "Have you taken steroid tablets or injections (such as prednisolone) for more than "
        "three months?",
        "R2",
        "long-term steroid use",
    ),
    Question(
        "osteoporosis",
        "Have you been told you have osteoporosis (thin bones)?",
        "R2",
        "osteoporosis",
    ),
    Question(
        "immunosuppression",
        "Is your immune system weakened by an illness or medicines, or do you inject drugs?",
        "R2",
        "a weakened immune system or injecting drugs",
    ),
    Question(
        "age_65_new_pain",
        "Are you 65 or older, with back pain that is new?",
        "R2",
        "new back pain at 65 or older",
    ),
    Question(
        "constant_night_pain",
        "Is the pain constant, even at rest and at night, with no position that eases it?",
        "R2",
        "constant pain that rest does not ease",
    ),
    Question(
        "onset_before_45",
        "Did this back pain first begin before you were 45?",
        "R3",
        "onset before 45",
    ),
    Question(
        "lasting_over_3_months",
        "Has it lasted more than three months?",
        "R3",
        "lasting over 3 months",
    ),
    Question("onset_before_35", "Did it begin before you were 35?", "R3", "onset before 35"),
    Question(
        "wakes_second_half_of_night",
        "Does it wake you in the second half of the night?",
        "R3",
        "waking in the second half of the night",
    ),
    Question("buttock_pain", "Do you also have pain in your buttocks?", "R3", "buttock pain"),
    Question(
        "better_with_movement",
        "Does it get better when you move about, rather than when you rest?",
        "R3",
        "better with movement",
    ),
    Question(
        "better_with_anti_inflammatories",
        "Does it ease within two days of taking anti-inflammatory painkillers such as ibuprofen?",
        "R3",
        "better with anti-inflammatory painkillers",
    ),
    Question(
        "family_spondyloarthritis",
        "Does a parent, brother, sister or child have spondyloarthritis (such as ankylosing "
        "spondylitis)?",
        "R3",
        "a close relative with spondyloarthritis",
    ),
    Question(
        "arthritis_enthesitis_psoriasis",
        "Have you ever had arthritis, psoriasis, or pain where tendons attach to bone (such "
        "as the heel)?",
        "R3",
        "arthritis, psoriasis or tendon-attachment pain",
    ),
    Question(
        "leg_symptoms_below_knee",
        "Does pain, numbness or tingling spread into a leg below the knee?",
        "leg",
        "leg symptoms below the knee",
    ),
)
_BY_GROUP: dict[Group, tuple[Question, ...]] = {
    g: tuple(q for q in QUESTIONS if q.group == g) for g in ("R1", "R2", "R3", "leg")
}
_GATE = ("onset_before_45", "lasting_over_3_months")
_FEATURES = tuple(q for q in _BY_GROUP["R3"] if q.field not in _GATE)


def _yes(answers: ScreenAnswers, group: Iterable[Question]) -> list[Question]:
    return [q for q in group if getattr(answers, q.field) is True]


def _r3_features(answers: ScreenAnswers) -> tuple[int, int] | None:
    """(features yes, features unanswered), or None when the NG65 gate is not met."""
    gate = [getattr(answers, f) for f in _GATE]
    if False in gate:
        return None
    values = [getattr(answers, q.field) for q in _FEATURES]
    return values.count(True), values.count(None)


def questions_needed(answers: ScreenAnswers) -> tuple[Question, ...]:
    """The questions still worth asking: unanswered ones, without the rest of R3 once
    either gate question is answered no.

    >>> len(QUESTIONS), len(questions_needed(ScreenAnswers()))
    (23, 23)
    >>> len(questions_needed(ScreenAnswers(onset_before_45=False)))
    14
    """
    skip = {q.field for q in _BY_GROUP["R3"]} if _r3_features(answers) is None else set()
    return tuple(q for q in QUESTIONS if getattr(answers, q.field) is None and q.field not in skip)


def screen_findings(answers: ScreenAnswers, *, day: date) -> list[Finding]:
    """The screen's findings on ``day``, most pressing first.

    Parameters
    ----------
    answers : the runner's answers (None: not answered).
    day : the local day of the screen (findings carry it).

    Returns
    -------
    R1 ``very_high``, R2 ``high``, R3 ``caution`` findings for what was reported; else one
    ``ok`` "no red flags reported" finding, or an ``info`` "incomplete" one when questions
    are unanswered (also added beside positive findings).

    Examples
    --------
    >>> d = date(2024, 3, 7)
    >>> [(f.rule, f.severity) for f in screen_findings(ScreenAnswers(saddle_numbness=True,
    ...     fever=True), day=d)][:2]
    [('R1', 'very_high'), ('R2', 'high')]

    References
    ----------
    Evidence R1-R3: Finucane 2020; Downie 2013; BMJ Best Practice (CES); NICE NG59, NG65.
    """
    found: list[Finding] = []
    tiers: tuple[tuple[Rule, Group, str], ...] = ((R1, "R1", "emergency"), (R2, "R2", "urgent"))
    for rule, group, outcome in tiers:
        yes = _yes(answers, _BY_GROUP[group])
        if yes:
            signs = _join([q.sign for q in yes])
            found.append(rule.finding(outcome, day, {"signs": signs, "count": len(yes)}))
    r3 = _r3_features(answers)
    if r3 is not None and r3[0] >= R3.thresholds["refer_at"]:
        found.append(R3.finding("inflammatory", day, {"count": r3[0]}))
    elif r3 is not None and r3[0] >= R3.thresholds["test_at"]:
        found.append(R3.finding("inflammatory_possible", day, {"count": r3[0]}))
    if answers.leg_symptoms_below_knee is True:
        found.append(R3.finding("leg_below_knee", day, {}))
    unanswered = len(questions_needed(answers))
    if unanswered:
        found.append(R1.finding("incomplete", day, {"unanswered": unanswered}))
    elif not found:
        found.append(R1.finding("none_reported", day, {}))
    return most_pressing(found)


def _join(signs: list[str]) -> str:
    return signs[0] if len(signs) == 1 else ", ".join(signs[:-1]) + " and " + signs[-1]


def blocks_training(findings: Iterable[Finding]) -> bool:
    """True when an R1 or R2 red flag was reported: the plan is suspended and no practice
    may show green.

    >>> blocks_training(screen_findings(ScreenAnswers(cancer_history=True), day=date(2024, 3, 7)))
    True
    """
    return any(f.rule in ("R1", "R2") and f.rank >= SEVERITY_RANK["high"] for f in findings)


#: Every answer field, in :class:`ScreenAnswers` order (for option parsers and forms).
ANSWER_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(ScreenAnswers))
