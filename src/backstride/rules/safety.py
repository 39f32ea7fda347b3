"""Red flags win over training advice, on every surface at once: what may be shown while
training is suspended, decided here and nowhere else.

Contract: a :class:`Suspension` holds the active R1/R2 red-flag findings (none: training
is not suspended). While it is active:

- findings: only those of :data:`SHOWN_WHILE_SUSPENDED` (the screen's own R1-R3, whose
  routine reviews then say that training waits for the red flag, the questionnaire scores
  P5-P7, P8's call for a clinician review, the disc card D1) are shown; every other
  finding asks something of training (run, hold, cut, strengthen, stretch, replace
  shoes ...) and is left out, whatever its severity;
- lights: every practice but ``clinician`` is ``suspended`` (not "no data": the data are
  there, the advice is withheld), with one line saying why and what to do;
- pain adjustment: the red flag's action (``stop_and_see_clinician``), never "continue";
- plan: none (``coach.plan`` returns a blocked plan; ``service.plan`` deletes saved sessions).

The service decides *which* screen counts (the one as of the day judged, and the latest
one: a red flag raised since then still wins); views only render.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from backstride.rules.finding import SEVERITY_RANK, Finding, most_pressing
from backstride.rules.pain import PainAdjustment
from backstride.rules.practices import PracticeLight
from backstride.rules.redflags import blocks_training

#: Rules whose findings carry no training advice: the only ones shown while suspended.
SHOWN_WHILE_SUSPENDED: frozenset[str] = frozenset({"R1", "R2", "R3", "P5", "P6", "P7", "P8", "D1"})
#: The one line every suspended light shows.
SUSPENDED_SUMMARY = (
    "Training advice is suspended after the red-flag screen: follow what it says and see a "
    "clinician first (R1/R2)."
)


def active_red_flags(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """The R1/R2 findings that suspend training (high or very high), most pressing first."""
    return tuple(
        f
        for f in most_pressing(list(findings))
        if f.rule in ("R1", "R2") and f.rank >= SEVERITY_RANK["high"]
    )


@dataclass(frozen=True)
class Suspension:
    """The red flags that suspend training now (empty: training is not suspended)."""

    red_flags: tuple[Finding, ...] = ()

    @classmethod
    def of(cls, *screens: Iterable[Finding]) -> Suspension:
        """From the findings of one or more screens: the first that blocks training wins.

        >>> from datetime import date
        >>> from backstride.rules.redflags import ScreenAnswers, screen_findings
        >>> flagged = screen_findings(ScreenAnswers(saddle_numbness=True), day=date(2026, 3, 2))
        >>> Suspension.of([], flagged).active, Suspension.of([]).active
        (True, False)
        """
        for findings in screens:
            found = list(findings)
            if blocks_training(found):
                return cls(active_red_flags(found))
        return cls()

    @property
    def active(self) -> bool:
        return bool(self.red_flags)

    @property
    def what_to_do(self) -> str:
        """The red flags' own words (what to do), most pressing first; empty when inactive."""
        return " ".join(f.message for f in self.red_flags)

    def findings(self, findings: Iterable[Finding]) -> list[Finding]:
        """The findings a surface may show, most pressing first, the red flags included."""
        found = list(findings)
        if not self.active:
            return most_pressing(found)
        kept = [f for f in found if f.rule in SHOWN_WHILE_SUSPENDED]
        missing = [f for f in self.red_flags if f not in kept]
        return most_pressing([*missing, *kept])

    def lights(self, lights: Mapping[str, PracticeLight]) -> dict[str, PracticeLight]:
        """Every training practice's light ``suspended`` while a red flag is active."""
        if not self.active:
            return dict(lights)
        return {
            name: light
            if name == "clinician"
            else replace(light, status="suspended", summary=SUSPENDED_SUMMARY)
            for name, light in lights.items()
        }

    def adjustment(self, adjustment: PainAdjustment) -> PainAdjustment:
        """The red flag's action while suspended; the pain rules' otherwise."""
        if not self.active:
            return adjustment
        rule = self.red_flags[0].rule
        return PainAdjustment(
            "stop_and_see_clinician",
            None,
            rule,
            f"{rule}: all training stops until a clinician has seen you. {self.what_to_do}",
        )
