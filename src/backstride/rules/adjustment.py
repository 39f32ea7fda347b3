"""What the training should do about the pain, questionnaire-score and red-flag findings of
a day: :func:`pain_adjustment` (one :class:`PainAdjustment`, the most restrictive any finding
asks for), and :func:`pain_rules_met` (whether the diary shows the pain rules met, what
return-to-run stages and growth after a reduction need).

Contract: findings in (``rules.pain.pain_findings``, ``rules.scores.score_findings``, the
screen's ``rules.redflags`` findings), plain values out. :data:`ACTIONS` orders the actions
from least to most restrictive. An R1/R2 red flag always wins. Split from ``rules/pain.py``
(which re-exports these names) when the pain model grew (issue 12).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from backstride.rules.catalogue import CATALOGUE
from backstride.rules.finding import SEVERITY_RANK, Finding, most_pressing
from backstride.rules.redflags import blocks_training

Action = Literal["continue", "hold", "reduce", "stop_running", "stop_and_see_clinician"]
#: Actions from least to most restrictive. ``stop_running``: the severe-pain ceiling (no
#: running until pain settles, screen again, clinician suggested); ``stop_and_see_clinician``:
#: an R1/R2 red flag (all training stops).
ACTIONS: tuple[Action, ...] = (
    "continue",
    "hold",
    "reduce",
    "stop_running",
    "stop_and_see_clinician",
)
P2 = CATALOGUE["P2"]


@dataclass(frozen=True)
class PainAdjustment:
    """What the next training should do, and the rule behind it (``""`` when no finding
    asks for anything)."""

    action: Action
    reduce_pct: tuple[int, int] | None
    rule: str
    message: str


#: Action each pain, questionnaire or red-flag rule asks for at a severity; anything else:
#: continue. P1 "acceptable" (3-5, settled, not rising) is ``ok``: progression allowed.
_ACTION_OF: dict[tuple[str, str], Action] = {
    ("P1", "caution"): "hold",
    ("P1", "high"): "reduce",
    ("P1", "very_high"): "stop_running",
    ("P2", "caution"): "reduce",
    ("P3", "caution"): "hold",
    ("P4", "caution"): "reduce",
    ("P5", "high"): "hold",
    ("P6", "high"): "hold",
    ("P7", "high"): "hold",
    ("R3", "caution"): "hold",
    ("R2", "high"): "stop_and_see_clinician",
    ("R2", "very_high"): "stop_and_see_clinician",
    ("R1", "high"): "stop_and_see_clinician",
    ("R1", "very_high"): "stop_and_see_clinician",
}
#: Rules whose finding, at these severities, also suggests a clinician in the message.
_CLINICIAN: frozenset[tuple[str, str]] = frozenset(
    {("P5", "high"), ("P6", "high"), ("P7", "high"), ("P8", "caution"), ("P1", "very_high")}
)
_WORDS: dict[Action, str] = {
    "hold": "hold your training load: do not add to it.",
    "reduce": "reduce your next session by 20-50% (time or distance), then hold your load.",
    "stop_running": (
        "no running until your pain settles below 8/10; take the symptom screen again now "
        "(backstride screen) and see a physiotherapist or GP."
    ),
    "stop_and_see_clinician": "all training stops; see a doctor as the red-flag finding says.",
}
_LEG = (
    " Numbness, tingling or pain spreading down a leg was logged: stop any exercise that brings "
    "it on and take the symptom screen again (backstride screen)."
)


def _action(finding: Finding) -> Action:
    if finding.rule in ("P5", "P6") and "change" in finding.values:
        # A worsening that matters (P4's sizes): evidence §4.3 "reduce load, see a clinician".
        return "reduce" if finding.severity == "high" else "continue"
    return _ACTION_OF.get((finding.rule, finding.severity), "continue")


def pain_adjustment(findings: Sequence[Finding]) -> PainAdjustment:
    """The most restrictive adjustment any finding asks for.

    An R1/R2 red flag (``blocks_training``) always wins: all training stops. Then the
    severe-pain ceiling (P1 at 8 or more: ``stop_running``); P1 above 5, P2 not settled, P4
    worsening and a questionnaire worse by a change that matters (P5/P6) cut the next
    session by 20-50% (``reduce``); P1 at 3-5 while unsettled or rising, P3 rising, ODI above
    40 (P5), STarT Back high risk (P7) and R3 hold the load. Ties go to the most pressing
    finding. Other findings (and none) mean continue: P1 at 3-5, settled and not rising,
    progresses. Leg symptoms logged (P1's ``leg_symptoms``) hold at least; P5-P8 findings
    that suggest a clinician add that to the message.

    >>> from datetime import date
    >>> d = date(2024, 3, 7)
    >>> f = CATALOGUE["P2"].finding("not_settled", d, {"morning": 4, "baseline": 1,
    ...     "run_day": "2024-03-06"})
    >>> a = pain_adjustment([f])
    >>> a.action, a.reduce_pct, a.rule
    ('reduce', (20, 50), 'P2')
    """
    ordered = most_pressing(list(findings))
    leg = any(f.rule == "P1" and f.values.get("leg_symptoms") is True for f in ordered)
    if blocks_training(ordered):
        high = SEVERITY_RANK["high"]
        flag = next(f for f in ordered if f.rule in ("R1", "R2") and f.rank >= high)
        words = _WORDS["stop_and_see_clinician"]
        return PainAdjustment("stop_and_see_clinician", None, flag.rule, f"{flag.rule}: {words}")
    best: tuple[int, Finding] | None = None
    for finding in ordered:
        level = ACTIONS.index(_action(finding))
        if best is None or level > best[0]:
            best = (level, finding)
    if leg and (best is None or best[0] < ACTIONS.index("hold")):
        p1 = next(f for f in ordered if f.rule == "P1")
        best = (ACTIONS.index("hold"), p1)
    if best is None or best[0] == 0:
        return PainAdjustment(
            "continue",
            None,
            "",
            "Continue as planned: no pain or red-flag finding asks for a change.",
        )
    action, finding = ACTIONS[best[0]], best[1]
    t = P2.thresholds
    pct = (int(t["reduce_min_pct"]), int(t["reduce_max_pct"])) if action == "reduce" else None
    message = f"{finding.rule}: {_WORDS[action]}"
    clinician = sorted({f.rule for f in ordered if (f.rule, f.severity) in _CLINICIAN})
    if clinician and action != "stop_running":
        message += f" See a clinician ({', '.join(clinician)})."
    if leg:
        message += _LEG
    return PainAdjustment(action, pct, finding.rule, message)


def pain_rules_met(findings: Sequence[Finding]) -> bool:
    """Whether the diary shows the pain rules met: nothing asks for a change, P1 read a run
    (pain logged during or after it: 0-5) and P2 saw it settle by the next morning.

    What moves a return-to-run stage forward, and growth on after a reduction: a diary
    without these entries is "not met" (evidence §4.1, "a missing diary is not pain rules
    met").

    >>> from datetime import date, timedelta
    >>> from backstride.rules.pain import PainEntry, pain_findings
    >>> d = date(2024, 3, 5)
    >>> diary = [PainEntry(d, 1, "before"), PainEntry(d, 3, "during"),
    ...          PainEntry(d + timedelta(1), 1, "next_morning")]
    >>> pain_rules_met(pain_findings(diary, as_of=d + timedelta(1))), pain_rules_met([])
    (True, False)
    """
    if pain_adjustment(findings).action != "continue":
        return False
    p1 = [f for f in findings if f.rule == "P1" and f.severity == "ok"]
    p2 = [f for f in findings if f.rule == "P2" and f.severity == "ok"]
    return bool(p1 and p2)
