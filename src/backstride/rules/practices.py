"""The seven practice lights of the status screen, from findings.

Contract: a practice is ``red`` when any of its findings is ``high`` or ``very_high``,
``amber`` when any is ``caution``, ``green`` when any is ``ok``, ``info`` when it has only
``info`` findings (context, never a verdict: C2 and X1 are info lights by the catalogue),
and ``unknown`` when it has none. ``suspended`` is set by ``rules.safety`` alone. Its
one-line summary is the message of its most pressing finding (info included when that is
all there is), else the catalogue's "nothing known yet" line. :func:`light_codes` does the
same for rank arrays (cohorts).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Literal

import numpy as np
import numpy.typing as npt

from backstride.rules.catalogue import PRACTICES
from backstride.rules.finding import SEVERITY_RANK, Finding, most_pressing

Light = Literal["green", "amber", "red", "unknown", "info", "suspended"]
#: Lights by code, as :func:`light_codes` returns them (``suspended`` is no code: it comes
#: from red flags, ``rules.safety``, never from a practice's own findings).
LIGHTS: tuple[Light, ...] = ("unknown", "green", "amber", "red", "info")
#: A light in words, so colour is never the only signal. The clinician practice's green
#: only means nothing was flagged (backstride cannot judge whether someone is well).
LIGHT_WORDS: dict[Light, str] = {
    "green": "good",
    "amber": "watch",
    "red": "act",
    "unknown": "no data",
    "info": "for information",
    "suspended": "suspended",
}
_CLINICIAN_WORDS: dict[Light, str] = {**LIGHT_WORDS, "green": "nothing flagged"}


@dataclass(frozen=True)
class PracticeLight:
    """One practice's traffic light and one-line summary."""

    name: str
    title: str
    status: Light
    summary: str

    @property
    def word(self) -> str:
        """The light in words (``good``, ``watch`` ...; ``nothing flagged`` for the
        clinician practice's green, which is no clinical judgment)."""
        words = _CLINICIAN_WORDS if self.name == "clinician" else LIGHT_WORDS
        return words[self.status]

    def to_json(self) -> dict[str, str]:
        return {"status": self.status, "word": self.word, "summary": self.summary}


def light_codes(ranks: npt.ArrayLike) -> npt.NDArray[np.int8]:
    """Light code (index into :data:`LIGHTS`) from a most-pressing severity rank (-1: none).

    >>> [LIGHTS[c] for c in light_codes([-1, 0, 1, 2, 3, 4])]
    ['unknown', 'info', 'green', 'amber', 'red', 'red']
    """
    r = np.asarray(ranks)
    return np.select(
        [
            r >= SEVERITY_RANK["high"],
            r == SEVERITY_RANK["caution"],
            r == SEVERITY_RANK["ok"],
            r == SEVERITY_RANK["info"],
        ],
        [3, 2, 1, 4],
        0,
    ).astype(np.int8)


def practice_lights(findings: Iterable[Finding]) -> dict[str, PracticeLight]:
    """Each practice's light and summary, in the order of the status screen.

    >>> from datetime import date
    >>> from backstride.rules.catalogue import CATALOGUE
    >>> f = CATALOGUE["C1"].finding("low", date(2024, 1, 7), {"sessions": 1})
    >>> lights = practice_lights([f])
    >>> lights["core_strength"].status, lights["shoes"].status
    ('amber', 'unknown')
    """
    ordered = most_pressing(list(findings))
    lights = {}
    for name, title, nothing in PRACTICES:
        mine = [f for f in ordered if f.practice == name]
        rank = mine[0].rank if mine else -1
        status = LIGHTS[int(light_codes(rank))]
        summary = mine[0].message if mine else nothing
        lights[name] = PracticeLight(name=name, title=title, status=status, summary=summary)
    return lights


def status_data(findings: Iterable[Finding], *, as_of: date) -> dict[str, object]:
    """The ``backstride status --json`` shape: ``as_of``, practice lights, findings (most
    pressing first).

    >>> status_data([], as_of=date(2024, 1, 7))["practices"]["form"]["status"]
    'unknown'
    """
    ordered = most_pressing(list(findings))
    return {
        "as_of": as_of.isoformat(),
        "practices": {k: v.to_json() for k, v in practice_lights(ordered).items()},
        "findings": [f.to_json() for f in ordered],
    }
