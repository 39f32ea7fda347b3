"""The shapes of the clinician report's data (:class:`ReportData` and its parts).

Plain frozen dataclasses of dates, numbers, strings and catalogue
:class:`~backstride.rules.finding.Finding` values; ``ReportData.to_json`` gives the JSON
that ``backstride report --json`` prints. How they are filled: ``service/report_data.py``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from backstride.model import ClearanceRecord
from backstride.rules.finding import Finding


@dataclass(frozen=True)
class RuleRef:
    """A catalogue rule as the report cites it."""

    id: str
    title: str
    citation: str
    grade: str
    references: str


@dataclass(frozen=True)
class Week:
    """One Monday-Sunday week: running, other sport, strength, morning pain, L1/L2."""

    monday: date
    run_distance_m: float
    runs: int
    long_run_m: float
    other_minutes: float
    strength_sessions: int
    morning_pain_mean: float | None
    morning_entries: int
    spikes: int
    l2: dict[str, Any] | None
    """L2's verdict on the week (``service.load.l2_view``): the finding ``status`` gives on
    the week's last day; None: not enough data for the rule."""


@dataclass(frozen=True)
class Spike:
    """A run the L1 rule flags: longer than the 30-day longest by more than 10 %, or after
    a break of 30 days or more."""

    day: date
    activity_id: int
    distance_m: float
    longest_before_m: float
    ratio: float | None
    """distance / longest of the previous 30 days - 1 (None: no run in those 30 days)."""
    outcome: str
    severity: str
    message: str


@dataclass(frozen=True)
class PainSummary:
    entries: int
    morning_entries: int
    first_week: date | None
    first_mean: float | None
    last_week: date | None
    last_mean: float | None
    change: str | None
    """P4's verdict from the first to the last week: improved, stable, worsened (None:
    fewer than two weeks with morning entries)."""
    during_max: int | None
    during_max_day: date | None
    leg_symptom_days: list[date]
    findings: list[Finding]
    """P1-P4 as judged on the last day of the period."""


@dataclass(frozen=True)
class FormChange:
    metric: str
    label: str
    unit: str
    earlier: float
    earlier_runs: int
    recent: float
    recent_runs: int

    @property
    def change(self) -> float:
        return self.recent - self.earlier


@dataclass(frozen=True)
class FormPoint:
    day: date
    values: dict[str, float | None]
    """Display units (see :data:`FORM_METRICS`)."""


@dataclass(frozen=True)
class ShoeRow:
    name: str
    description: str
    distance_m: float
    period_distance_m: float
    period_runs: int
    inspect_at_m: float
    replace_at_m: float
    retired: bool

    @property
    def state(self) -> str:
        """S1's verdict on the pair's total distance: ok, inspect or replace."""
        if self.distance_m >= self.replace_at_m:
            return "replace"
        return "inspect" if self.distance_m >= self.inspect_at_m else "ok"


@dataclass(frozen=True)
class Adherence:
    """Core/strength (C1) and cross-training (X1) over the period's weeks."""

    weeks: int
    strength_sessions: int
    weeks_with_enough_strength: int
    min_sessions: int
    other_minutes: float
    weeks_with_enough_other: int
    min_minutes: float
    findings: list[Finding]
    """C1 and X1 as judged on the last day of the period."""
    basis: str = "imported activities"
    """What the counts include: imported activities, and routines logged with
    ``backstride done`` when the plan review covers the period."""
    logged: list[str] = field(default_factory=list)
    """Adherence to a stored plan, when one exists (one line each)."""


@dataclass(frozen=True)
class ScreenRow:
    day: date
    outcome: str
    signs: list[tuple[str, str]]
    """(rule group, sign) for every question answered yes: R1, R2, R3 or leg."""
    unanswered: int
    findings: list[Finding]
    in_period: bool
    """False for the latest screen before the period (shown so the reader knows it)."""


@dataclass(frozen=True)
class ScoreRow:
    day: date
    instrument: str
    label: str
    score: float
    distress: float | None
    band: str


@dataclass(frozen=True)
class ReportData:
    """Everything the clinician report shows, for one athlete and period."""

    athlete: str
    start: date
    end: date
    created: date
    """The day the report was made (not the period's end)."""
    runs: int
    run_distance_m: float
    run_time_s: float
    longest_run_m: float
    longest_run_day: date | None
    other_sessions: int
    other_minutes: float
    weeks: list[Week]
    spikes: list[Spike]
    l2_steep_weeks: list[date]
    load_basis: str
    pain: PainSummary
    form: list[FormChange]
    form_points: list[FormPoint]
    form_halves: tuple[date, date]
    """(first day of the second half, last day of the first half)."""
    shoes: list[ShoeRow]
    adherence: Adherence
    screens: list[ScreenRow]
    scores: list[ScoreRow]
    findings: list[Finding]
    """What ``status`` says on the last day of the period, most pressing first."""
    training_suspended: bool
    rules: list[RuleRef]
    """Exactly the rules the report cites, in the order it cites them (its sources page)."""
    clearance: ClearanceRecord | None = None
    """The clinician's visit in force at the end of the period (``screen clear``)."""
    runs_span: tuple[date, date] | None = None
    """The first and last day with a run on record, in the period or not (None: no run):
    where the data is when the period holds none."""
    replaced: tuple[date, date] | None = None
    """The default period this one stands in for, when that held no run and earlier weeks
    did (:func:`~backstride.service.report_data.build_default_report`); None otherwise."""

    @property
    def red_flags(self) -> list[Finding]:
        """R1/R2 findings of the screens shown (the report puts them first)."""
        return [
            f
            for s in self.screens
            for f in s.findings
            if f.rule in ("R1", "R2") and f.severity in ("high", "very_high")
        ]

    def to_json(self) -> dict[str, Any]:
        """JSON-ready data (dates ISO, distances in metres, findings as in ``status``)."""
        data: dict[str, Any] = _plain(self)
        return data


def _plain(value: Any) -> Any:
    if isinstance(value, Finding):
        return value.to_json()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return round(value, 4) if math.isfinite(value) else None
    if hasattr(value, "__dataclass_fields__"):
        out = {k: _plain(getattr(value, k)) for k in value.__dataclass_fields__}
        for extra in ("state", "change", "red_flags"):
            if isinstance(getattr(type(value), extra, None), property):
                out[extra] = _plain(getattr(value, extra))
        return out
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value
