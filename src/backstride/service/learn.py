"""`backstride learn`: the honest framing behind each practice, and the disc-myth card.

Everything shown is the catalogue's own text (``rules/catalogue*.py``): each rule's title,
why it matters, its source and evidence grade. No advice is written here.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from backstride.errors import InputError
from backstride.rules.catalogue import CATALOGUE, PRACTICES
from backstride.rules.pain import disc_card
from backstride.service.clock import local_today

TOPICS = ("practices", "discs")


@dataclass(frozen=True)
class Lesson:
    """One item to read: a rule's title and why it matters, with its source."""

    heading: str
    text: str
    citation: str
    grade: str
    rule: str

    def to_json(self) -> dict[str, str]:
        """One item of ``learn --json``."""
        return dataclasses.asdict(self)


def learn(topic: str = "practices") -> list[Lesson]:
    """``practices``: every rule grouped by practice (red flags R1-R3 with the clinician
    practice); ``discs``: the D1 card."""
    if topic not in TOPICS:
        raise InputError(f"unknown topic {topic!r}; topics: {', '.join(TOPICS)}", field="topic")
    if topic == "discs":
        card = disc_card(day=local_today())
        rule = CATALOGUE["D1"]
        return [Lesson(rule.title, f"{card.message} {rule.why}", card.citation, card.grade, "D1")]
    lessons = []
    for name, title, _ in PRACTICES:
        for rule in CATALOGUE.values():
            # Every rule of the practice, the red flags R1-R3 included; D1 is `learn discs`.
            if rule.practice == name and rule.id != "D1":
                lessons.append(
                    Lesson(f"{title}: {rule.title}", rule.why, rule.citation, rule.grade, rule.id)
                )
    return lessons
