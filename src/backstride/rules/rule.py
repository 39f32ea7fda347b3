"""What a catalogue rule is: :class:`Rule` (id, practice, citation, grade, thresholds) and its
:class:`Outcome` verdicts (severity and message template), and how a rule makes a
:class:`~backstride.rules.finding.Finding`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType

from backstride.rules.finding import Finding, Severity, Value, plain


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
    why: str
    thresholds: Mapping[str, float]
    outcomes: Mapping[str, Outcome]
    references: str = ""

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
        (kilometres, formatted paces ...).

        >>> from backstride.rules.catalogue import CATALOGUE
        >>> f = CATALOGUE["X1"].finding("enough", date(2024, 1, 7), {"minutes": 75.0})
        >>> f.severity, f.message, f.values
        ('ok', '75 min of other sport in the last 7 days (aim: 60+).', {'minutes': 75.0})
        """
        chosen = self.outcomes[outcome]
        clean: dict[str, Value] = {k: plain(v) for k, v in values.items()}
        return Finding(
            rule=self.id,
            severity=chosen.severity,
            date=day,
            activity_id=activity_id,
            message=chosen.template.format(**{**values, **(display or {})}),
            values=clean,
            citation=self.citation,
            grade=self.grade,
            practice=self.practice,
            outcome=outcome,
        )


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
        why=why,
        thresholds=MappingProxyType(thresholds),
        outcomes=MappingProxyType({k: Outcome(s, t) for k, (s, t) in outcomes.items()}),
        references=references,
    )
