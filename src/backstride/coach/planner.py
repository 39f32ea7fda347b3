"""What the two kinds of plan share: the plan's inputs (:class:`PlanInput`, :class:`RunDone`,
:class:`Preferences`), the numbers taken from the catalogue and the design choices, and
:class:`Planner` (dates, core sessions, cross-training, runs with their warm-up and
cool-down, notes). :mod:`backstride.coach.plan` says how a plan is decided.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from statistics import median

from backstride.coach import schedule
from backstride.coach.exercises import ROUTINES
from backstride.coach.model import (
    Intensity,
    Plan,
    PlanMode,
    PlannedSession,
    PlanWeek,
    RunWalk,
    SessionKind,
)
from backstride.rules.catalogue import CATALOGUE
from backstride.rules.finding import Finding
from backstride.rules.pain import PainAdjustment

_L1, _L2, _P2, _C1, _X1 = (CATALOGUE[r].thresholds for r in ("L1", "L2", "P2", "C1", "X1"))
#: A planned run is at most this multiple of the longest run of the previous 30 days (L1).
RUN_CAP = float(_L1["planned_cap"])
SPIKE_WINDOW_DAYS = int(_L1["window_days"])
#: A week is never more than this share above either of the two weeks before it (L2).
TWO_WEEK_LIMIT = float(_L2["flag_above"])
DEFAULT_GROWTH = float(_L2["conservative_at_most"])
#: Growth stops here whatever the preference (the 30% limit must hold over two weeks).
MAX_GROWTH = 0.20
#: ``reduce`` cuts the next run by the middle of P2's 20-50% range.
REDUCE_SHARE = (float(_P2["reduce_min_pct"]) + float(_P2["reduce_max_pct"])) / 200.0
#: P2's range as the plan's words quote it ("20-50%").
REDUCE_RANGE = f"{_P2['reduce_min_pct']:g}-{_P2['reduce_max_pct']:g}%"
#: P1's pain bands as the plan's words quote them (walk breaks above, no running from).
PAIN_ACCEPTABLE_MAX = int(CATALOGUE["P1"].thresholds["acceptable_max"])
PAIN_SEVERE_MIN = int(CATALOGUE["P1"].thresholds["severe_min"])
CORE_MIN, CORE_MAX = int(_C1["min_sessions"]), int(_C1["max_sessions"])
CROSS_MINUTES = float(_X1["min_minutes"])
# Design choices (docs/plan.md): the lighter week, session lengths, the default pace.
LIGHTER_EVERY = 4
LIGHTER_SHARE = 0.8
LIGHTER_IF_BELOW = 0.85
CORE_S = 20 * 60
LONG_WEIGHT = 1.5
MIN_RUN_M = 1000.0
ROUND_M = 100.0
DEFAULT_SPEED_MPS = 1000.0 / 360.0  # 6:00 min/km, when no run says otherwise
#: Cross-training sports the plan schedules (X1). Strength is not one: it counts for the core
#: and strength practice (C1), and the plan has core sessions for it.
CROSS_SPORTS: tuple[str, ...] = ("swim", "cycle", "elliptical")
#: The sport ``--cross auto`` plans when nothing was done in the last 4 weeks: X1 asks for
#: cross-training, so the plan offers the lowest-impact common one (a design choice).
DEFAULT_CROSS_SPORT = "cycle"
WARMUP, COOLDOWN = "warmup", "cooldown"
#: Findings whose message joins the plan's notes: R3, and the questionnaire and P8 findings
#: that suggest a clinician (the adjustment says what they do to the plan).
CLINICIAN_NOTES: frozenset[tuple[str, str]] = frozenset(
    {("R3", "caution"), ("P5", "high"), ("P6", "high"), ("P7", "high"), ("P8", "caution")}
)


@dataclass(frozen=True)
class RunDone:
    """One run of the history: its local day, distance (m) and duration (s, when known)."""

    day: date
    distance_m: float
    duration_s: float | None = None


@dataclass(frozen=True)
class Preferences:
    """The runner's choices. ``long_run_day``: Monday 0 .. Sunday 6; ``growth``: weekly
    growth of running distance (0 to 0.20); ``core_level``: 1-3 (routines core_1..core_3);
    ``cross_sport``: one of :data:`CROSS_SPORTS`, or None for no cross-training."""

    days_per_week: int = 3
    long_run_day: int = 6
    cross_sport: str | None = None
    growth: float = DEFAULT_GROWTH
    core_level: int = 1

    def __post_init__(self) -> None:
        if not 2 <= self.days_per_week <= 6:
            raise ValueError(f"days_per_week must be 2 to 6, got {self.days_per_week}")
        if not 0 <= self.long_run_day <= 6:
            raise ValueError(f"long_run_day must be 0 (Monday) to 6, got {self.long_run_day}")
        if self.cross_sport is not None and self.cross_sport not in CROSS_SPORTS:
            raise ValueError(f"cross_sport must be one of {CROSS_SPORTS}, got {self.cross_sport}")
        if not 0.0 <= self.growth <= MAX_GROWTH:
            raise ValueError(f"growth must be 0 to {MAX_GROWTH}, got {self.growth}")
        if not 1 <= self.core_level <= 3:
            raise ValueError(f"core_level must be 1 to 3, got {self.core_level}")


@dataclass(frozen=True)
class PlanInput:
    """Everything the plan is made from (plain values; the service builds it)."""

    as_of: date
    runs: tuple[RunDone, ...] = ()
    findings: tuple[Finding, ...] = ()  # pain P1-P4 and the latest screen's R1-R3
    preferences: Preferences = field(default_factory=Preferences)
    weeks: int = 1
    #: The return-to-run stage of the plan's first week when the runner is in the program
    #: (``return_to_run.replay``); ``GRADUATED`` when it has been completed.
    program_stage: int | None = None
    #: The pain rule that asked for a reduction in the 7 days before ``as_of`` when the
    #: diary has not shown the pain rules met since (``rules.pain.pain_rules_met``): growth
    #: waits for the diary (evidence §4.1, "a missing diary is not pain rules met").
    held_after: str | None = None


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def easy_speed(runs: Sequence[RunDone], as_of: date) -> float:
    """Median speed of the runs of the last 60 days with a duration (m/s), within 1.5-5.5."""
    since = as_of - timedelta(days=60)
    speeds = [
        r.distance_m / r.duration_s
        for r in runs
        if since <= r.day <= as_of and r.duration_s and r.duration_s > 0 and r.distance_m > 0
    ]
    return min(5.5, max(1.5, median(speeds))) if speeds else DEFAULT_SPEED_MPS


def km_text(metres: float) -> str:
    return f"{metres / 1000:.1f} km"


def floor_m(metres: float) -> float:
    return math.floor(metres / ROUND_M + 1e-9) * ROUND_M


class Planner:
    """What both modes share: dates, core sessions, cross-training, notes."""

    def __init__(self, plan_input: PlanInput, adjustment: PainAdjustment) -> None:
        self.input = plan_input
        self.prefs = plan_input.preferences
        self.adjustment = adjustment
        self.as_of = plan_input.as_of
        self.start = plan_input.as_of + timedelta(days=1)
        self.mondays = [monday(self.start) + timedelta(days=7 * k) for k in range(plan_input.weeks)]
        self.speed = easy_speed(plan_input.runs, plan_input.as_of)
        self.notes: list[str] = []

    def dates(self, week: date, weekdays: Sequence[int]) -> list[date]:
        return [
            week + timedelta(days=d)
            for d in sorted(weekdays)
            if week + timedelta(days=d) > self.as_of
        ]

    def core_sessions(
        self, week: date, run_weekdays: Sequence[int], busy: Sequence[int]
    ) -> list[PlannedSession]:
        count = CORE_MAX if self.prefs.days_per_week <= 4 else CORE_MIN
        days = schedule.spaced_days(count, avoid=tuple(run_weekdays) + tuple(busy))
        routine = f"core_{self.prefs.core_level}"
        minutes = ROUTINES[routine].minutes if routine in ROUTINES else CORE_S // 60
        why = (
            f"Core and strength session {self.prefs.core_level} of 3 levels: {CORE_MIN}-{CORE_MAX} "
            "a week, never two days in a row (C1); in trials strength training, not stretching, "
            "went with fewer sports injuries, mostly in sports other than running (C3)."
        )
        return [
            PlannedSession(
                day=d,
                kind="core",
                title=f"Core session (level {self.prefs.core_level})",
                intensity="easy",
                duration_s=float(minutes * 60),
                rules=("C1", "C3"),
                why=why,
                routine=routine,
            )
            for d in self.dates(week, days)
        ]

    def cross_sessions(
        self, week: date, run_weekdays: Sequence[int], core_weekdays: Sequence[int]
    ) -> list[PlannedSession]:
        sport = self.prefs.cross_sport
        if sport is None:
            return []
        days = schedule.free_days(2, taken=tuple(run_weekdays), also_avoid=tuple(core_weekdays))
        minutes = CROSS_MINUTES / len(days)
        why = (
            f"{CROSS_MINUTES:.0f} min a week of another sport went with fewer running "
            "injuries; it counts in load, not in running distance (X1)."
        )
        return [
            PlannedSession(
                day=d,
                kind="cross",
                title=f"Cross-training: {sport}, {minutes:.0f} min easy",
                intensity="easy",
                duration_s=minutes * 60.0,
                rules=("X1",),
                why=why,
                sport=sport,
            )
            for d in self.dates(week, days)
        ]

    def run(
        self,
        day: date,
        kind: SessionKind,
        title: str,
        intensity: Intensity,
        rules: tuple[str, ...],
        why: str,
        *,
        distance_m: float | None = None,
        duration_s: float | None = None,
        run_walk: RunWalk | None = None,
    ) -> PlannedSession:
        if duration_s is None and distance_m is not None:
            duration_s = round(distance_m / self.speed)
        return PlannedSession(
            day=day,
            kind=kind,
            title=title,
            intensity=intensity,
            duration_s=duration_s,
            rules=(*rules, "C2"),
            why=why + " Warm up before and cool down after (C2).",
            distance_m=distance_m,
            run_walk=run_walk,
            warmup=WARMUP,
            cooldown=COOLDOWN,
        )

    def pain_notes(self) -> None:
        if self.adjustment.action != "continue":
            self.notes.append(self.adjustment.message)
        for f in self.input.findings:
            if (f.rule, f.severity) in CLINICIAN_NOTES:
                self.notes.append(f.message)

    def finish(self, mode: PlanMode, weeks: list[PlanWeek]) -> Plan:
        rules = {r for w in weeks for s in w.sessions for r in s.rules}
        if self.adjustment.rule:
            rules.add(self.adjustment.rule)
        return Plan(
            as_of=self.as_of,
            mode=mode,
            weeks=tuple(weeks),
            notes=tuple(self.notes),
            rules=tuple(sorted(rules)),
        )


KIND_ORDER = {"run": 0, "run_walk": 0, "core": 1, "cross": 2}


def session_order(s: PlannedSession) -> tuple[date, int]:
    return (s.day, KIND_ORDER[s.kind])
