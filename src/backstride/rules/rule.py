"""What a catalogue rule is: :class:`Rule` (id, practice, citation, grade, thresholds) and its
:class:`Outcome` verdicts (severity and message template), and how a rule makes a
:class:`~backstride.rules.finding.Finding`.

Numbers a rule judges by are stated once, in its ``thresholds`` (issue 13). Its message
templates and its ``why`` name them instead of restating them: every template is formatted
with :func:`threshold_fields`, so ``{replace_km:.0f}``, ``{flag_above_pct:.0f}%`` or
``{window_days}`` read the catalogue at the moment the text is made, and a message or a
``why`` always says the number the verdict used. Another rule's threshold is reachable by its
qualified name (``{p2_reduce_min_pct:.0f}``), for advice that borrows one (P1's cut is P2's).
"""

from __future__ import annotations

import functools
import string
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType

from backstride.rules.finding import Finding, Severity, Value, plain

#: Every catalogue rule by id, for templates that borrow another rule's threshold. Filled by
#: ``rules/catalogue.py`` as it builds :data:`~backstride.rules.catalogue.CATALOGUE` (the same
#: rule objects): the catalogue is made of rules, so this module cannot import it (issue 13's
#: import-cycle check).
RULES_BY_ID: dict[str, Rule] = {}


@dataclass(frozen=True)
class Outcome:
    """One verdict of a rule: how pressing it is and how it reads."""

    severity: Severity
    template: str


@dataclass(frozen=True)
class Rule:
    """One evidence rule. ``outcomes`` is ordered; an outcome's code is its position."""

    id: str
    title: str
    practice: str
    citation: str
    grade: str
    why_template: str
    thresholds: Mapping[str, float]
    outcomes: Mapping[str, Outcome]
    references: str = ""

    @property
    def why(self) -> str:
        """The one-line reason, with the rule's current threshold values filled in."""
        return self.why_template.format(**threshold_fields(self))

    @property
    def outcome_names(self) -> tuple[str, ...]:
        return tuple(self.outcomes)

    def code(self, outcome: str) -> int:
        """Position of an outcome (the integer the vectorised evaluators return)."""
        return self.outcome_names.index(outcome)

    def finding(
        self,
        outcome: str,
        day: date,
        values: Mapping[str, object],
        *,
        activity_id: int | None = None,
        display: Mapping[str, object] | None = None,
    ) -> Finding:
        """The finding for one outcome: its template filled from ``values`` and ``display``.

        ``values`` (SI numbers) go into the finding; ``display`` only feeds the message
        (kilometres, formatted paces ...). The template also sees every threshold
        (:func:`threshold_fields`); a value of the same name wins (a shoe's own limit).

        >>> from backstride.rules.catalogue import CATALOGUE
        >>> f = CATALOGUE["X1"].finding("enough", date(2024, 1, 7), {"minutes": 75.0})
        >>> f.severity, f.message, f.values
        ('ok', '75 min of other sport in the last 7 days (aim: 60+).', {'minutes': 75.0})
        """
        chosen = self.outcomes[outcome]
        clean: dict[str, Value] = {k: plain(v) for k, v in values.items()}
        given = {**values, **(display or {})}
        return Finding(
            rule=self.id,
            severity=chosen.severity,
            date=day,
            activity_id=activity_id,
            message=chosen.template.format(
                **_thresholds_named(self, chosen.template, given), **given
            ),
            values=clean,
            citation=self.citation,
            grade=self.grade,
            practice=self.practice,
            outcome=outcome,
        )


def threshold_display(thresholds: Mapping[str, float], prefix: str = "") -> dict[str, float]:
    """Every threshold by name, with the display forms derived from it.

    A float threshold ``x`` is also ``x_pct`` (``x`` x 100, for fractions: ``0.30`` -> 30),
    and a ``<y>_days`` threshold is also ``<y>_weeks`` (days / 7). ``prefix`` qualifies the
    names. These are the only derived forms: a template formats them (``:.0f``, ``:g``).

    >>> threshold_display({"flag_above": 0.30, "break_days": 14}, "x_")
    ... # doctest: +NORMALIZE_WHITESPACE
    {'x_flag_above': 0.3, 'x_flag_above_pct': 30.0, 'x_break_days': 14,
     'x_break_weeks': 2.0}
    """
    out: dict[str, float] = {}
    for name, value in thresholds.items():
        out[prefix + name] = value
        if isinstance(value, float):
            out[f"{prefix}{name}_pct"] = round(value * 100, 9)
        if name.endswith("_days"):
            out[f"{prefix}{name.removesuffix('_days')}_weeks"] = value / 7
    return out


def threshold_fields(rule: Rule) -> dict[str, float]:
    """What a rule's templates may name: its own thresholds (:func:`threshold_display`), and
    every catalogue rule's under its lower-case id (``p2_reduce_min_pct``), read now.

    >>> from backstride.rules.catalogue import CATALOGUE
    >>> f = threshold_fields(CATALOGUE["S1"])
    >>> f["replace_km"], f["l2_flag_above_pct"], f["c1_window_weeks"]
    (800.0, 30.0, 1.0)
    """
    fields: dict[str, float] = {}
    for other in RULES_BY_ID.values():
        fields.update(threshold_display(other.thresholds, other.id.lower() + "_"))
    fields.update(threshold_display(rule.thresholds))
    return fields


@functools.cache
def _names(template: str) -> frozenset[str]:
    return frozenset(name for _, name, _, _ in string.Formatter().parse(template) if name)


def _thresholds_named(rule: Rule, template: str, given: Mapping[str, object]) -> dict[str, float]:
    """The thresholds ``template`` names that ``given`` does not: the rule's own, and the
    whole catalogue's only when it names another rule's (findings are made per run)."""
    needed = _names(template) - given.keys()
    if not needed:
        return {}
    own = threshold_display(rule.thresholds)
    fields = own if needed <= own.keys() else threshold_fields(rule)
    return {name: fields[name] for name in needed if name in fields}


def make_rule(
    id: str,
    title: str,
    practice: str,
    citation: str,
    grade: str,
    why: str,
    thresholds: dict[str, float],
    outcomes: dict[str, tuple[Severity, str]],
    references: str = "",
) -> Rule:
    return Rule(
        id=id,
        title=title,
        practice=practice,
        citation=citation,
        grade=grade,
        why_template=why,
        thresholds=MappingProxyType(thresholds),
        outcomes=MappingProxyType({k: Outcome(s, t) for k, (s, t) in outcomes.items()}),
        references=references,
    )
