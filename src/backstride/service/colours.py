"""The colours every surface draws with, stated once (issue 18).

A colour means one thing everywhere: a finding's *severity*. A rule's outcome is drawn in
the colour of its severity in the catalogue, so an L2 week that is a caution is amber on
the Load page and in the report alike, and an L1 spike is the colour of its own level on
both. Red is a red flag (and the red light); it is never a rule's caution. Amounts that
carry no verdict (km, load, minutes) are the neutral blue.

The dashboard embeds :func:`palette` in every page (``charts.js`` and the stylesheet's
custom properties read it); the clinician report's SVG charts import the same names.
"""

from __future__ import annotations

from backstride.rules.catalogue import CATALOGUE

#: Severity -> colour: the one meaning of each colour on every surface.
SEVERITY_COLOURS: dict[str, str] = {
    "ok": "#2e7d32",  # green
    "caution": "#b26a00",  # amber
    "high": "#d84315",  # deep orange
    "very_high": "#8e0000",  # dark red
    "info": "#546e7a",  # blue grey: context, no verdict
}
#: Severities from least to most, to pick the largest of several.
SEVERITY_ORDER: tuple[str, ...] = ("info", "ok", "caution", "high", "very_high")
#: A red flag, and the red light: reserved, no rule's outcome is drawn in it.
RED_FLAG = "#c62828"
#: An amount without a verdict (km per week, load, minutes, distance per pair).
NEUTRAL = "#5c7fa3"
#: Lines that are measurements or references, not verdicts (ratio, fitness, fatigue ...).
LINES: tuple[str, ...] = ("#1565c0", "#ef6c00", "#6a1b9a", "#00838f")
#: The kinds of activity stacked in the weekly load bars.
KIND_COLOURS: dict[str, str] = {
    "run": NEUTRAL,
    "walk": "#8d6e63",
    "ride": "#26a69a",
    "swim": "#42a5f5",
    "strength": "#ab47bc",
    "other": "#bdbdbd",
    "unknown": "#e0e0e0",
}
#: The practice lights (``rules.practices``): green and amber are the severities'.
LIGHT_COLOURS: dict[str, str] = {
    "green": SEVERITY_COLOURS["ok"],
    "amber": SEVERITY_COLOURS["caution"],
    "red": RED_FLAG,
    "suspended": RED_FLAG,
    "unknown": "#6b7280",
    "info": "#6b7280",
}


def outcome_colour(rule: str, outcome: str) -> str:
    """The colour a rule's outcome is drawn in: its severity's.

    >>> outcome_colour("L2", "steep") == SEVERITY_COLOURS["caution"]
    True
    """
    return SEVERITY_COLOURS[CATALOGUE[rule].outcomes[outcome].severity]


def rule_colours() -> dict[str, dict[str, str]]:
    """Rule id -> outcome -> colour, for every outcome in the catalogue."""
    return {
        rule.id: {name: SEVERITY_COLOURS[o.severity] for name, o in rule.outcomes.items()}
        for rule in CATALOGUE.values()
    }


def palette() -> dict[str, object]:
    """Everything a page needs to colour its charts and lights, as JSON."""
    return {
        "severity": dict(SEVERITY_COLOURS),
        "rules": rule_colours(),
        "red_flag": RED_FLAG,
        "neutral": NEUTRAL,
        "lines": list(LINES),
        "kinds": dict(KIND_COLOURS),
        "lights": dict(LIGHT_COLOURS),
    }


def css_properties() -> str:
    """The palette as CSS custom properties (``--sev-caution``, ``--light-red`` ...)."""
    items = [f"--sev-{k}:{v}" for k, v in SEVERITY_COLOURS.items()]
    items += [f"--light-{k}:{v}" for k, v in LIGHT_COLOURS.items()]
    items += [f"--red-flag:{RED_FLAG}", f"--neutral:{NEUTRAL}"]
    return ":root{" + ";".join(items) + "}"
