"""The evidence rules as data (``shared/design/evidence.md`` §9): ids, thresholds, wording.

Contract: :data:`CATALOGUE` maps a rule id (``L1`` ...) to a :class:`~backstride.rules.rule.Rule`;
each rule names its practice, its short citation ("Author Year") and evidence grade, a
one-line ``why``, its numeric ``thresholds``, and its ``outcomes``: every verdict the rule can
give, with that verdict's severity and message template. Evaluation code reads its
thresholds from here when it runs, and templates and ``why`` name thresholds instead of
restating them (:func:`~backstride.rules.rule.threshold_fields`), so changing a number here
changes the advice, and its words, everywhere. The data lives
in :mod:`~backstride.rules.catalogue_load`, :mod:`~backstride.rules.catalogue_practices`
:mod:`~backstride.rules.catalogue_pain` and :mod:`~backstride.rules.catalogue_redflags`;
:data:`PRACTICES` lists the seven practices the status screen shows, in order.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from backstride.rules.catalogue_load import LOAD_RULES
from backstride.rules.catalogue_pain import PAIN_RULES
from backstride.rules.catalogue_practices import BAND_NAMES, GARMIN_BANDS, PRACTICE_RULES
from backstride.rules.catalogue_redflags import RED_FLAG_RULES
from backstride.rules.catalogue_scores import SCORE_RULES
from backstride.rules.rule import RULES_BY_ID, Outcome, Rule

#: (name, title, summary when nothing is known), in the order the status screen shows them.
PRACTICES: tuple[tuple[str, str, str], ...] = (
    (
        "gradual_mileage",
        "Gradual mileage",
        "No runs recorded yet: backstride import PATH... with your watch's files.",
    ),
    ("form", "Running form", "No runs with cadence or running dynamics yet."),
    (
        "shoes",
        "Shoes",
        "No shoes recorded yet: backstride shoes add NAME, then backstride shoes default "
        "NAME gives it your runs.",
    ),
    ("core_strength", "Core strength", "No strength or core sessions recorded."),
    ("cross_training", "Cross-training", "No activities recorded yet."),
    (
        "warmup_stretching",
        "Warm-up and stretching",
        "Warm up with easy running and dynamic drills; stretching is for comfort, "
        "not injury prevention.",
    ),
    (
        "clinician",
        "Pain diary and symptom screen",
        "No pain logged and no symptom screen yet: log pain with backstride pain log, and "
        "take the screen with backstride screen.",
    ),
)
PRACTICE_NAMES: tuple[str, ...] = tuple(name for name, _, _ in PRACTICES)

#: Every rule by id.
CATALOGUE: Mapping[str, Rule] = MappingProxyType(
    {r.id: r for r in (*LOAD_RULES, *PRACTICE_RULES, *PAIN_RULES, *RED_FLAG_RULES, *SCORE_RULES)}
)
RULES_BY_ID.update(CATALOGUE)

__all__ = [
    "BAND_NAMES",
    "CATALOGUE",
    "GARMIN_BANDS",
    "PRACTICES",
    "PRACTICE_NAMES",
    "Outcome",
    "Rule",
]
