"""The red-flag screen: the questions (:data:`QUESTIONS`), the answers
(:class:`ScreenAnswers`), and the findings they give (:func:`screen_findings`, R1-R3), with a
clinician's clearance taken into account (evidence.md §5.2).

Contract: every answer is ``True`` (yes), ``False`` (no) or ``None`` (not answered). R1
(emergency signs) gives a ``very_high`` finding, R2 (see a doctor promptly; today when a fever
comes with a weakened immune system, injecting drugs, a recent infection or a recent spinal
procedure) a ``high`` one; either suspends training (:func:`blocks_training`). R3 gives
``caution`` findings for an inflammatory back pain pattern (NICE NG65) and for leg symptoms
below the knee in one leg. When nothing is reported and every needed question is answered,
one ``ok`` finding says "no red flags reported" (never that the runner is well); with
questions unanswered, an ``info`` finding says the screen is incomplete instead. No finding
diagnoses.

R2 details: osteoporosis, age 65 or over and long-term steroids count only together with a
minor trauma (a minor fall, lifting or straining); alone they are not flags, and when the
minor-trauma question is answered no they are not needed. A history of cancer counts on its
own.

Clinician clearance (``cleared_on``): a screen taken on or before the day a clinician saw the
runner no longer blocks: its R1/R2 findings become ``info`` "cleared" findings. A screen
taken after it asks whether anything changed since (``changed_since_clearance``, a yes is
R2); its traits (:data:`TRAITS`: ever had cancer, long-term steroids, osteoporosis, age) no
longer block on their own once that question is answered no, while every new or worse
symptom (all of R1, fever, weight loss, trauma, infection, night pain, thoracic pain ...)
blocks again.

R3 criteria (NICE NG65, evidence.md §5.1): back pain that began before 45 and has lasted
more than 3 months (both gate questions answered yes), and at least 4 of 9 features (onset
before 35; waking in the second half of the night; buttock pain; better with movement;
better within 48 h of anti-inflammatory painkillers; a parent, sibling or child with
spondyloarthritis; arthritis, enthesitis, psoriasis now or before, each its own feature).
Exactly 3: mention it to the GP (HLA-B27 test). A gate answered no makes the features
unnecessary; an unanswered gate leaves R3 incomplete, never met.

Stored screens keep the answer names they were taken with; :func:`upgrade_answers` reads the
names of earlier versions (:data:`LEGACY_ANSWERS`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace
from datetime import date, datetime
from typing import Literal

from backstride.rules.catalogue import CATALOGUE
from backstride.rules.catalogue_redflags import R3_MEANWHILE, R3_PAUSED
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
    both_legs_weakness_or_numbness: bool | None = None
    both_legs_pain: bool | None = None
    progressive_leg_weakness: bool | None = None
    # R2: see a doctor promptly
    fever: bool | None = None
    cancer_history: bool | None = None
    unexplained_weight_loss: bool | None = None
    significant_trauma: bool | None = None
    minor_trauma: bool | None = None
    osteoporosis: bool | None = None
    aged_65_or_over: bool | None = None
    long_term_steroids: bool | None = None
    immunosuppression: bool | None = None
    recent_infection_or_procedure: bool | None = None
    constant_night_pain: bool | None = None
    thoracic_pain: bool | None = None
    #: Asked only after a clinician's clearance: anything new or worse since?
    changed_since_clearance: bool | None = None
    # R3 gate: both needed before the features count
    onset_before_45: bool | None = None
    lasting_over_3_months: bool | None = None
    # R3 features (NICE NG65: 9)
    onset_before_35: bool | None = None
    wakes_second_half_of_night: bool | None = None
    buttock_pain: bool | None = None
    better_with_movement: bool | None = None
    better_with_anti_inflammatories: bool | None = None
    family_spondyloarthritis: bool | None = None
    arthritis: bool | None = None
    enthesitis: bool | None = None
    psoriasis: bool | None = None
    # leg symptoms -> routine clinician review
    leg_symptoms_below_knee: bool | None = None


@dataclass(frozen=True)
class Question:
    """One screen question: the :class:`ScreenAnswers` field it fills, its text, its group."""

    field: str
    text: str
    group: Group
    #: How a yes reads in a finding ("numbness between your legs" ...).
    sign: str


_R1 = "New in the last two weeks, or getting worse: "
#: The question asked only when a clinician's visit is recorded (its text names the day).
CHANGE_QUESTION = "changed_since_clearance"
_CHANGE_TEXT = "Has anything changed or got worse since a clinician saw you about your back on {}?"
#: The questions in the order to ask them (R3 features only matter when both gate answers
#: are yes, the osteoporosis/age/steroid questions only with a minor trauma, the change
#: question only after a clearance: see :func:`questions_needed`).
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
        "New in the last two weeks, or getting worse (not long-standing leaking when you "
        "cough, sneeze or run, known as stress incontinence, if it has not changed): trouble "
        "starting or stopping a wee, not feeling when your bladder is full, or leaking urine "
        "or stool without meaning to?",
        "R1",
        "a new bladder or bowel change",
    ),
    Question(
        "sexual_dysfunction",
        _R1 + "a change in sexual function or in feeling in your genitals?",
        "R1",
        "a new change in sexual function",
    ),
    Question(
        "both_legs_weakness_or_numbness",
        _R1 + "weakness or numbness in both legs?",
        "R1",
        "weakness or numbness in both legs",
    ),
    Question(
        "both_legs_pain",
        _R1 + "pain going down both legs (sciatica in both legs)?",
        "R1",
        "pain in both legs",
    ),
    Question(
        "progressive_leg_weakness",
        _R1 + "a leg or foot getting weaker quickly (for example a foot that slaps or catches, "
        "foot drop)?",
        "R1",
        "a leg getting weaker quickly",
    ),
    Question(
        "fever",
        "Do you have a fever, or feel generally unwell, with the back pain?",
        "R2",
        "fever or feeling unwell",
    ),
    Question(
        "cancer_history",
        "Have you ever had cancer (and now have this back pain)?",
        "R2",
        "a history of cancer",
    ),
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
        "minor_trauma",
        "Did the pain start after a minor fall, or after lifting or straining?",
        "R2",
        "pain after a minor fall or strain",
    ),
    Question(
        "osteoporosis",
        "Have you been told you have osteoporosis (thin bones)?",
        "R2",
        "osteoporosis",
    ),
    Question("aged_65_or_over", "Are you 65 or older?", "R2", "age 65 or over"),
    Question(
        "long_term_steroids",
        "Have you taken steroid tablets or injections (such as prednisolone) for more than "
        "three months?",
        "R2",
        "long-term steroid use",
    ),
    Question(
        "immunosuppression",
        "Is your immune system weakened by an illness or medicines, or do you inject drugs?",
        "R2",
        "a weakened immune system or injecting drugs",
    ),
    Question(
        "recent_infection_or_procedure",
        "In the last few weeks, have you had an infection (for example a urinary infection), "
        "or a procedure or injection in your spine?",
        "R2",
        "a recent infection or spinal procedure",
    ),
    Question(
        "constant_night_pain",
        "Is the pain constant and getting worse, even at rest and at night, with no position "
        "that eases it, or is it severe at night?",
        "R2",
        "constant or severe night pain that rest does not ease",
    ),
    Question(
        "thoracic_pain",
        "Is the pain in your mid or upper back (around or between the shoulder blades)?",
        "R2",
        "pain in the mid or upper back",
    ),
    Question(
        CHANGE_QUESTION,
        _CHANGE_TEXT.format("the day you recorded"),
        "R2",
        "something new or worse since a clinician saw you",
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
        "arthritis",
        "Have you ever had arthritis (swollen, painful joints)?",
        "R3",
        "arthritis now or before",
    ),
    Question(
        "enthesitis",
        "Have you ever had enthesitis: pain and swelling where a tendon attaches to bone (such "
        "as the back of the heel)?",
        "R3",
        "enthesitis now or before",
    ),
    Question("psoriasis", "Have you ever had psoriasis?", "R3", "psoriasis now or before"),
    Question(
        "leg_symptoms_below_knee",
        "Does pain, numbness or tingling spread into one leg below the knee?",
        "leg",
        "leg symptoms below the knee",
    ),
)
_BY_FIELD = {q.field: q for q in QUESTIONS}
_BY_GROUP: dict[Group, tuple[Question, ...]] = {
    g: tuple(q for q in QUESTIONS if q.group == g) for g in ("R1", "R2", "R3", "leg")
}
_GATE = ("onset_before_45", "lasting_over_3_months")
_FEATURES = tuple(q for q in _BY_GROUP["R3"] if q.field not in _GATE)
#: Count for fracture only together with a minor trauma (evidence.md §5.2).
MODIFIERS = ("osteoporosis", "aged_65_or_over", "long_term_steroids")
#: Answers about who the runner is rather than new symptoms: after a clinician's clearance
#: they no longer block on their own (evidence.md §5.2, "Clinician clearance").
TRAITS = ("cancer_history", "long_term_steroids", "osteoporosis", "aged_65_or_over")
#: With a fever, these make the R2 visit a same-day one.
SAME_DAY_WITH_FEVER = ("immunosuppression", "recent_infection_or_procedure")
_R2_ALONE = tuple(
    q for q in _BY_GROUP["R2"] if q.field not in (*MODIFIERS, "minor_trauma", CHANGE_QUESTION)
)

#: Answer names of earlier versions of the screen -> how each answer reads now. A stored
#: screen keeps its own names; :func:`upgrade_answers` applies this when it is read.
#: ``both_legs_or_progressive_weakness`` asked both things at once: a yes counts as both
#: (conservative), a no as both no. ``age_65_new_pain`` (65 or older *with new pain*): a
#: yes is 65 or older; a no may have meant 65 with old pain, so it becomes unanswered.
#: ``arthritis_enthesitis_psoriasis``: a yes is arthritis (one feature, as it counted
#: before), a no is no to all three.
LEGACY_ANSWERS: Mapping[str, Mapping[bool, Mapping[str, bool | None]]] = {
    "both_legs_or_progressive_weakness": {
        True: {"both_legs_weakness_or_numbness": True, "progressive_leg_weakness": True},
        False: {"both_legs_weakness_or_numbness": False, "progressive_leg_weakness": False},
    },
    "age_65_new_pain": {True: {"aged_65_or_over": True}, False: {"aged_65_or_over": None}},
    "arthritis_enthesitis_psoriasis": {
        True: {"arthritis": True},
        False: {"arthritis": False, "enthesitis": False, "psoriasis": False},
    },
}


def _yes(answers: ScreenAnswers, group: Iterable[Question]) -> list[Question]:
    return [q for q in group if getattr(answers, q.field) is True]


def _r3_features(answers: ScreenAnswers) -> tuple[int, bool] | None:
    """(features yes, whether both gates are yes), or None when a gate is answered no."""
    gate = [getattr(answers, f) for f in _GATE]
    if False in gate:
        return None
    values = [getattr(answers, q.field) for q in _FEATURES]
    return values.count(True), all(g is True for g in gate)


def upgrade_answers(stored: Mapping[str, object]) -> dict[str, bool | None]:
    """Stored answers (any version's names) as today's: every field, unknown names dropped.

    >>> upgrade_answers({"age_65_new_pain": True, "fever": False})["aged_65_or_over"]
    True
    >>> upgrade_answers({"arthritis_enthesitis_psoriasis": True})["enthesitis"] is None
    True
    """
    out: dict[str, bool | None] = dict.fromkeys(ANSWER_FIELDS)
    for name, value in stored.items():
        if name in LEGACY_ANSWERS and isinstance(value, bool):
            for new, mapped in LEGACY_ANSWERS[name][value].items():
                if out[new] is None or mapped is True:
                    out[new] = mapped
    for name, value in stored.items():
        if name in out and (value is None or isinstance(value, bool)):
            out[name] = value if value is not None else out[name]
    return out


def from_stored(stored: Mapping[str, object]) -> ScreenAnswers:
    """The :class:`ScreenAnswers` of a stored screen (see :func:`upgrade_answers`)."""
    return ScreenAnswers(**upgrade_answers(stored))


def questions_needed(answers: ScreenAnswers, *, asks_change: bool = False) -> tuple[Question, ...]:
    """The questions still worth asking: unanswered ones, without the rest of R3 once
    either gate question is answered no, without osteoporosis/age/steroids once the
    minor-trauma question is answered no, and without the change question unless a
    clinician's clearance is recorded (``asks_change``).

    >>> len(QUESTIONS), len(questions_needed(ScreenAnswers()))
    (31, 30)
    >>> len(questions_needed(ScreenAnswers(onset_before_45=False)))
    19
    >>> len(questions_needed(ScreenAnswers(minor_trauma=False), asks_change=True))
    27
    """
    skip = {q.field for q in _BY_GROUP["R3"]} if _r3_features(answers) is None else set()
    if answers.minor_trauma is False:
        skip.update(MODIFIERS)
    if not asks_change:
        skip.add(CHANGE_QUESTION)
    return tuple(q for q in QUESTIONS if getattr(answers, q.field) is None and q.field not in skip)


def questions_for(cleared_on: date | None) -> tuple[Question, ...]:
    """The questions to put to the runner: the change question only after a clearance,
    worded with its day."""
    if cleared_on is None:
        return tuple(q for q in QUESTIONS if q.field != CHANGE_QUESTION)
    text = _CHANGE_TEXT.format(cleared_on.isoformat())
    return tuple(replace(q, text=text) if q.field == CHANGE_QUESTION else q for q in QUESTIONS)


def screen_findings(
    answers: ScreenAnswers,
    *,
    day: date,
    cleared_on: date | None = None,
    cleared_by: str | None = None,
    after_clearance: bool | None = None,
) -> list[Finding]:
    """The screen's findings on ``day``, most pressing first.

    Parameters
    ----------
    answers : the runner's answers (None: not answered).
    day : the local day of the screen (findings carry it).
    cleared_on : the day a clinician saw the runner (the latest recorded clearance on or
        before the day judged), or None.
    cleared_by : who, as recorded (optional).
    after_clearance : whether the screen was taken after that visit; None decides by the
        days (after when ``day > cleared_on``). The service passes True for a screen taken
        on the day of the visit but recorded after it.

    Returns
    -------
    R1 ``very_high``, R2 ``high``, R3 ``caution`` findings for what was reported; a screen
    taken before a clearance has ``info`` "cleared" findings instead of R1/R2. Else one
    ``ok`` "no red flags reported" finding, or an ``info`` "incomplete" one when questions
    are unanswered (also added beside positive findings).

    Examples
    --------
    >>> d = date(2024, 3, 7)
    >>> [(f.rule, f.severity) for f in screen_findings(ScreenAnswers(saddle_numbness=True,
    ...     fever=True), day=d)][:2]
    [('R1', 'very_high'), ('R2', 'high')]
    >>> [(f.rule, f.severity) for f in screen_findings(ScreenAnswers(saddle_numbness=True,
    ...     fever=True), day=d, cleared_on=date(2024, 3, 8)) if "cleared_on" in f.values]
    [('R1', 'info'), ('R2', 'info')]

    References
    ----------
    Evidence R1-R3: Finucane 2020; GIRFT 2023 CES pathway; BMJ Best Practice (CES); Downie
    2013; NICE NG65.
    """
    after = (
        after_clearance
        if after_clearance is not None
        else (cleared_on is not None and day > cleared_on)
    )
    before = cleared_on is not None and not after
    clearance = {
        "cleared_on": None if cleared_on is None else cleared_on.isoformat(),
        "by": cleared_by,
        "screen_date": day.isoformat(),
    }
    by = {"by": f" ({cleared_by})" if cleared_by else ""}
    found: list[Finding] = []

    r1_signs = [q.sign for q in _yes(answers, _BY_GROUP["R1"])]
    r2_signs = [q.sign for q in _yes(answers, _R2_ALONE)]
    modifiers = [_BY_FIELD[m].sign for m in MODIFIERS if getattr(answers, m) is True]
    if answers.minor_trauma is True and modifiers:
        r2_signs.append(f"pain after a minor fall or strain with {_join(modifiers)}")
    if after and answers.changed_since_clearance is True:
        r2_signs.append(f"something new or worse since a clinician saw you on {cleared_on}")
    if after and answers.changed_since_clearance is False and answers.cancer_history is True:
        # Once seen, a past cancer is known to the clinician: on its own it no longer blocks.
        r2_signs.remove(_BY_FIELD["cancer_history"].sign)
        found.append(
            R2.finding(
                "trait_cleared",
                day,
                {"signs": _BY_FIELD["cancer_history"].sign, **clearance},
                display=by,
            )
        )
    same_day = answers.fever is True and any(
        getattr(answers, f) is True for f in SAME_DAY_WITH_FEVER
    )
    tiers: tuple[tuple[Rule, list[str], str], ...] = (
        (R1, r1_signs, "emergency"),
        (R2, r2_signs, "urgent_today" if same_day else "urgent"),
    )
    for rule, signs, outcome in tiers:
        if not signs:
            continue
        values: dict[str, object] = {"signs": _join(signs), "count": len(signs)}
        if before:
            found.append(rule.finding("cleared", day, {**values, **clearance}, display=by))
        else:
            found.append(rule.finding(outcome, day, values))

    r3 = _r3_features(answers)
    meanwhile = {"meanwhile": R3_PAUSED if blocks_training(found) else R3_MEANWHILE}
    if r3 is not None and r3[1] and r3[0] >= R3.thresholds["refer_at"]:
        found.append(R3.finding("inflammatory", day, {"count": r3[0]}, display=meanwhile))
    elif r3 is not None and r3[1] and r3[0] >= R3.thresholds["test_at"]:
        found.append(R3.finding("inflammatory_possible", day, {"count": r3[0]}, display=meanwhile))
    elif r3 is not None and not r3[1] and r3[0] >= R3.thresholds["test_at"]:
        found.append(R3.finding("inflammatory_incomplete", day, {"count": r3[0]}))
    if answers.leg_symptoms_below_knee is True:
        leg = R3.finding("leg_below_knee", day, {}, display=meanwhile)
        found.append(replace(leg, citation="NICE NG59 2016"))
    unanswered = len(questions_needed(answers, asks_change=after))
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


def diary_red_flags(
    legs: Iterable[tuple[date, datetime | None, str]],
    *,
    since: tuple[date, datetime | None] | None,
    as_of: date,
) -> list[Finding]:
    """R1 from the pain diary: back pain logged with symptoms in both legs after ``since``
    (the latest screen or clinician's visit; None: neither yet) up to ``as_of``.

    Pain in both legs (bilateral sciatica) is an emergency sign (evidence.md §5.1, GIRFT
    2023), whether the screen asks it or the diary records it; a later screen (which asks
    about both legs) or a clinician's visit takes its place. On the day of that screen or
    visit, an entry counts when it was logged after it, or when either time is unknown.

    Parameters
    ----------
    legs : (local day, when logged or None, leg symptoms) of diary entries (``none``,
        ``one_side``, ``both_sides``).
    since : (local day, when recorded or None) of the latest screen or visit.
    as_of : the day judged (later entries are ignored).

    Returns
    -------
    One ``very_high`` R1 finding for the latest such day, or nothing.

    >>> d = date(2024, 3, 7)
    >>> [f.severity for f in diary_red_flags([(d, None, "both_sides")], since=None, as_of=d)]
    ['very_high']
    >>> diary_red_flags([(d, None, "one_side")], since=None, as_of=d)
    []
    >>> diary_red_flags([(d, None, "both_sides")], since=(date(2024, 3, 8), None), as_of=d)
    []
    """

    def after_since(day: date, logged: datetime | None) -> bool:
        if since is None or day > since[0]:
            return True
        if day < since[0]:
            return False
        return logged is None or since[1] is None or logged > since[1]

    days = [
        day
        for day, logged, symptoms in legs
        if symptoms == "both_sides" and day <= as_of and after_since(day, logged)
    ]
    if not days:
        return []
    latest = max(days)
    return [R1.finding("both_legs_logged", latest, {"day": latest.isoformat()})]
