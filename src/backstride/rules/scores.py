"""Questionnaire scores entered from a clinician (P5 ODI, P6 RMDQ, P7 STarT Back) into
findings: the latest score's band or group, and a change that matters since the previous
score of the same questionnaire (P4's sizes: ODI 10 points, RMDQ 5 points or 30 %)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from backstride.rules.catalogue import CATALOGUE
from backstride.rules.finding import Finding, most_pressing

Instrument = Literal["odi", "rmdq", "startback"]
#: Allowed score ranges: ODI percent, RMDQ items ticked, STarT Back total (and distress 0-5).
RANGES: dict[str, tuple[float, float]] = {"odi": (0, 100), "rmdq": (0, 24), "startback": (0, 9)}

P5, P6, P7 = CATALOGUE["P5"], CATALOGUE["P6"], CATALOGUE["P7"]


@dataclass(frozen=True)
class Score:
    """One questionnaire score with its date; ``distress`` is STarT Back's subscale (0-5)."""

    day: date
    instrument: Instrument
    score: float
    distress: float | None = None

    def to_json(self) -> dict[str, object]:
        """``pain score --json``."""
        return {"date": self.day.isoformat(), "questionnaire": self.instrument,
                "score": self.score, "distress": self.distress}  # fmt: skip


def odi_band(score: float) -> str:
    """The published ODI band of a score (Fairbank & Pynsent 2000).

    >>> odi_band(20), odi_band(20.5), odi_band(85)
    ('minimal', 'moderate', 'very severe')
    """
    for top, name in ((20, "minimal"), (40, "moderate"), (60, "severe"), (80, "crippling")):
        if score <= top:
            return name
    return "very severe"


def score_findings(scores: Sequence[Score], *, as_of: date) -> list[Finding]:
    """The latest score of each questionnaire on or before ``as_of``, and its change."""
    found: list[Finding] = []
    for instrument in ("odi", "rmdq", "startback"):
        mine = sorted((s for s in scores if s.instrument == instrument and s.day <= as_of),
                      key=lambda s: s.day)  # fmt: skip
        if not mine:
            continue
        last = mine[-1]
        shown = {"score": last.score, "day": last.day.isoformat()}
        if instrument == "odi":
            band = odi_band(last.score)
            severe = last.score > P5.thresholds["severe_above"]
            found.append(P5.finding("severe" if severe else "band", last.day, shown,
                                    display={"band": band}))  # fmt: skip
        elif instrument == "rmdq":
            found.append(P6.finding("score", last.day, shown))
        else:
            found.append(_startback(last))
        if len(mine) > 1 and instrument != "startback":
            change = _change(instrument, mine[-2], last)
            if change is not None:
                found.append(change)
    return most_pressing(found)


def _change(instrument: str, before: Score, now: Score) -> Finding | None:
    rule = P5 if instrument == "odi" else P6
    delta = now.score - before.score
    points = rule.thresholds["change_points"]
    share = rule.thresholds.get("change_share")
    matters = abs(delta) >= points or (
        share is not None and before.score > 0 and abs(delta) / before.score >= share
    )
    if not matters:
        return None
    values = {"change": abs(delta), "before_day": before.day.isoformat()}
    return rule.finding("worse" if delta > 0 else "better", now.day, values)


def startback_group(total: float, distress: float | None) -> Literal["low", "medium", "high"]:
    """STarT Back's risk group (Hill 2008): high when the distress subscale reaches its cut,
    else low up to the total's cut, else medium (P7's thresholds).

    >>> startback_group(3, 1), startback_group(5, 3), startback_group(5, 4)
    ('low', 'medium', 'high')
    """
    if distress is not None and distress >= P7.thresholds["distress_high_min"]:
        return "high"
    return "low" if total <= P7.thresholds["low_max"] else "medium"


def _startback(score: Score) -> Finding:
    values = {"total": score.score, "distress": score.distress, "day": score.day.isoformat()}
    return P7.finding(startback_group(score.score, score.distress), score.day, values)
