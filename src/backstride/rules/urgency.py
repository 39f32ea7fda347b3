"""Which athletes a clinician should look at first: the one place that orders them (issue 17).

A pure judgment over the findings the rules already made for each athlete (their status
and the red flags that count on the day, ``service.clinic`` loads them): no new verdict
about training or pain is made here, only an order.

1. **red flag**: an active R1/R2 red flag (``rules.safety.active_red_flags``: high or very
   high, not cleared by a clinician's visit);
2. **pain worsening**: the diary's pain rising (P3 ``rising``: the weekly morning mean up by
   the catalogue's ``rise_min``; P4 ``worsened``: a change that matters, Ostelo 2008);
3. **load spike** in the last :data:`RECENT_DAYS` days: a run that is an L1 spike
   (``caution``, ``high``, ``very_high``, or ``after_break``) or a day over L2's weekly limit
   (``steep``);
4. the rest.

Within a level the most pressing finding (its severity) goes first, then the name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal, TypeVar

from backstride.rules.finding import Finding
from backstride.rules.safety import active_red_flags

UrgencyLevel = Literal["red_flag", "pain_worsening", "load_spike", "routine"]
#: The levels, most urgent first.
LEVELS: tuple[UrgencyLevel, ...] = ("red_flag", "pain_worsening", "load_spike", "routine")
#: The levels in words, for a clinician's list.
LEVEL_WORDS: dict[UrgencyLevel, str] = {
    "red_flag": "red flag",
    "pain_worsening": "pain worsening",
    "load_spike": "load spike",
    "routine": "no alert",
}
#: How far back a load spike counts (the catalogue's L1 ``recent_days`` is the same week).
RECENT_DAYS = 7
#: The outcomes that say pain is getting worse.
PAIN_WORSE: dict[str, frozenset[str]] = {
    "P3": frozenset({"rising"}),
    "P4": frozenset({"worsened"}),
}
#: The outcomes that are a load spike.
LOAD_SPIKE: dict[str, frozenset[str]] = {
    "L1": frozenset({"caution", "high", "very_high", "after_break"}),
    "L2": frozenset({"steep"}),
}


@dataclass(frozen=True)
class Urgency:
    """An athlete's place in a clinician's list: the level and the findings that put them
    there (most pressing first)."""

    level: UrgencyLevel
    findings: tuple[Finding, ...]

    @property
    def rank(self) -> int:
        """The level's position, 0 most urgent."""
        return LEVELS.index(self.level)

    @property
    def top_severity(self) -> int:
        """The rank of the most pressing finding behind the level (0 without any)."""
        return max((f.rank for f in self.findings), default=0)

    @property
    def reasons(self) -> tuple[str, ...]:
        """The findings in words: rule id, outcome and day (``L1 high on 2026-12-05``)."""
        seen: list[str] = []
        for f in self.findings:
            words = f"{f.rule} {f.outcome} on {f.date.isoformat()}".replace("_", " ")
            if words not in seen:
                seen.append(words)
        return tuple(seen)

    def to_json(self) -> dict[str, object]:
        return {
            "level": self.level,
            "words": LEVEL_WORDS[self.level],
            "reasons": list(self.reasons),
            "rules": sorted({f.rule for f in self.findings}),
        }


def urgency(findings: Iterable[Finding], *, as_of: date) -> Urgency:
    """The urgency of one athlete from their findings on ``as_of`` (status findings and the
    active red flags; a finding given twice counts once)."""
    found: list[Finding] = []
    seen: set[tuple[str, str, date, int | None]] = set()
    for f in findings:
        if (key := (f.rule, f.outcome, f.date, f.activity_id)) not in seen:
            seen.add(key)
            found.append(f)
    flags = active_red_flags(found)
    if flags:
        return Urgency("red_flag", tuple(flags))
    worse = [f for f in found if f.outcome in PAIN_WORSE.get(f.rule, ())]
    if worse:
        return Urgency("pain_worsening", _pressing_first(worse))
    since = as_of - timedelta(days=RECENT_DAYS - 1)
    spikes = [
        f for f in found if f.outcome in LOAD_SPIKE.get(f.rule, ()) and since <= f.date <= as_of
    ]
    if spikes:
        return Urgency("load_spike", _pressing_first(spikes))
    return Urgency("routine", ())


def _pressing_first(findings: Sequence[Finding]) -> tuple[Finding, ...]:
    return tuple(sorted(findings, key=lambda f: (-f.rank, f.rule, f.date)))


T = TypeVar("T")


def by_urgency(items: Iterable[T], key: Callable[[T], tuple[Urgency, str]]) -> list[T]:
    """``items`` most urgent first: by level, then the most pressing finding's severity,
    then the name (``key`` gives each item's urgency and name)."""

    def order(item: T) -> tuple[int, int, str]:
        found, name = key(item)
        return found.rank, -found.top_severity, name.casefold()

    return sorted(items, key=order)
