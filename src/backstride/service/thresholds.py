"""The catalogue's thresholds as the edges show them (issue 13: one statement of each).

Templates, scripts and CLI text name a threshold (``thresholds.S1.replace_km``) instead of
restating its number, so a change in ``rules/catalogue*.py`` changes every surface's words.
Read on every call: the catalogue is the only place the numbers live.
"""

from __future__ import annotations

from backstride.rules.catalogue import CATALOGUE
from backstride.rules.rule import threshold_display


def catalogue_thresholds() -> dict[str, dict[str, float]]:
    """Rule id -> its thresholds by name, with their display forms (``flag_above_pct``).

    >>> t = catalogue_thresholds()
    >>> t["S1"]["replace_km"], t["L2"]["flag_above_pct"], t["C1"]["min_sessions"]
    (800.0, 30.0, 2)
    """
    return {rule.id: threshold_display(rule.thresholds) for rule in CATALOGUE.values()}
