"""The weekly plan: runs within the load rules, core sessions, cross-training, a warm-up and a
cool-down around every run, adapted to the pain diary and stopped by red flags.

Contract: :func:`generate_plan` takes a :class:`PlanInput` (the runner's runs up to
``as_of``, the pain and red-flag findings of ``as_of``, preferences, and the return-to-run
stage when the runner is in that program) and returns a :class:`~backstride.coach.model.Plan`
of ``weeks`` Monday-to-Sunday weeks. The plan starts the day after ``as_of``: its first
week is the week of that day, with the runs already done in it counted. Pure: no clock, no
store.

How it decides (rule ids from ``rules/catalogue``; docs/plan.md says the same in prose):

- R1/R2 red flag (``blocks_training``): mode ``blocked``, no sessions, the clinician message.
- No run in the ``break_days`` (14) days before the plan, no running in the four weeks
  before this one, or pain worse by a change that matters (P4, a flare): the run-walk
  program (R4) at stage 1, or at ``program_stage`` when the service says the runner is in it.
- Otherwise mode ``build``. The week's target grows by at most ``growth`` (10%,
  "conservative", L2) over the higher of the two weeks before, never more than 30% over
  either of them (L2, Nielsen 2014), with every 4th week 20% lighter (a design choice).
  P1 at 3-5, P3 rising, R3 (``hold``) and P1 above 5, P2 not settled (``reduce``) stop the
  growth for the whole plan; ``reduce`` also cuts the next run by the middle of P2's
  20-50% range, and after P1 above 5 the next run is run-walk.
- Every run is at most 1.10 x the longest run of the 30 days before it, planned runs
  included (L1, Frandsen 2025), rounded down to 100 m; runs under 1 km are left out.
- Mostly easy running: with 4 or more run days one session a week has short strides
  (``quality``), never next to the long run, so no two hard days are consecutive.
- Core sessions (C1, C3) 3 a week (2 when running 5 or more days), never on consecutive
  days; cross-training (X1) 60 min a week in the chosen sport; a warm-up and a cool-down
  routine (C2) with every run.
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
from backstride.coach.return_to_run import BREAK_DAYS, GRADUATED, SESSIONS_PER_WEEK, stage
from backstride.rules.catalogue import CATALOGUE
from backstride.rules.finding import Finding
from backstride.rules.pain import PainAdjustment, pain_adjustment
from backstride.rules.redflags import blocks_training

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
CROSS_SPORTS: tuple[str, ...] = ("swim", "cycle", "elliptical", "strength")
WARMUP, COOLDOWN = "warmup", "cooldown"


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


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def generate_plan(plan_input: PlanInput) -> Plan:
    """The plan for the weeks after ``plan_input.as_of`` (see the module docstring).

    >>> from datetime import date
    >>> runs = tuple(RunDone(date(2026, 3, 1) + timedelta(days=d), 8000.0, 2880.0)
    ...              for d in range(0, 28, 3))
    >>> plan = generate_plan(PlanInput(as_of=date(2026, 3, 29), runs=runs))
    >>> plan.mode, len(plan.weeks), plan.weeks[0].start.isoformat()
    ('build', 1, '2026-03-30')
    """
    if not 1 <= plan_input.weeks <= 4:
        raise ValueError(f"weeks must be 1 to 4, got {plan_input.weeks}")
    findings = plan_input.findings
    if blocks_training(findings):
        return _blocked(plan_input.as_of, findings)
    adjustment = pain_adjustment(findings)
    stage_number = plan_input.program_stage
    if _on_break(plan_input):
        stage_number = 1  # a break restarts the program (R4)
    elif _flare(findings) and (stage_number is None or stage_number >= GRADUATED):
        stage_number = 1
    if stage_number is not None and stage_number < GRADUATED:
        return _ReturnPlanner(plan_input, adjustment, stage_number).plan()
    return _BuildPlanner(plan_input, adjustment).plan()


def _blocked(as_of: date, findings: Sequence[Finding]) -> Plan:
    flags = [f for f in findings if f.rule in ("R1", "R2") and f.severity in ("high", "very_high")]
    message = " ".join(f.message for f in flags)
    message += " No training plan until a clinician has seen you."
    return Plan(
        as_of=as_of,
        mode="blocked",
        weeks=(),
        blocked_message=message.strip(),
        rules=tuple(sorted({f.rule for f in flags})),
    )


def _on_break(plan_input: PlanInput) -> bool:
    """No run in the 14 days before the plan starts, or none in the 4 weeks before its
    first week (a comeback this week still starts the program)."""
    start = plan_input.as_of + timedelta(days=1)
    recent = [r for r in plan_input.runs if start - timedelta(days=BREAK_DAYS) <= r.day < start]
    week0 = monday(start)
    before = [r for r in plan_input.runs if week0 - timedelta(days=28) <= r.day < week0]
    return not recent or sum(r.distance_m for r in before) <= 0


def _flare(findings: Sequence[Finding]) -> bool:
    return any(f.rule == "P4" and f.severity in ("caution", "high") for f in findings)


def _easy_speed(runs: Sequence[RunDone], as_of: date) -> float:
    """Median speed of the runs of the last 60 days with a duration (m/s), within 1.5-5.5."""
    since = as_of - timedelta(days=60)
    speeds = [
        r.distance_m / r.duration_s
        for r in runs
        if since <= r.day <= as_of and r.duration_s and r.duration_s > 0 and r.distance_m > 0
    ]
    return min(5.5, max(1.5, median(speeds))) if speeds else DEFAULT_SPEED_MPS


def _km(metres: float) -> str:
    return f"{metres / 1000:.1f} km"


def _floor(metres: float) -> float:
    return math.floor(metres / ROUND_M + 1e-9) * ROUND_M


class _Planner:
    """What both modes share: dates, core sessions, cross-training, notes."""

    def __init__(self, plan_input: PlanInput, adjustment: PainAdjustment) -> None:
        self.input = plan_input
        self.prefs = plan_input.preferences
        self.adjustment = adjustment
        self.as_of = plan_input.as_of
        self.start = plan_input.as_of + timedelta(days=1)
        self.mondays = [monday(self.start) + timedelta(days=7 * k) for k in range(plan_input.weeks)]
        self.speed = _easy_speed(plan_input.runs, plan_input.as_of)
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
            "a week, never two days in a row (C1); strength training is what lowers injury "
            "risk, not stretching (C3)."
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
            if f.rule == "R3" and f.severity == "caution":
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


class _ReturnPlanner(_Planner):
    """Run-walk weeks of one stage (R4)."""

    def __init__(
        self, plan_input: PlanInput, adjustment: PainAdjustment, stage_number: int
    ) -> None:
        super().__init__(plan_input, adjustment)
        self.stage = stage(stage_number)

    def plan(self) -> Plan:
        s = self.stage
        run_weekdays = schedule.spaced_days(SESSIONS_PER_WEEK, prefer=(self.prefs.long_run_day,))
        why = (
            f"Return to running, stage {s.number}: {s.label}, easy pace on flat ground, "
            f"{SESSIONS_PER_WEEK} sessions a week of at most 30 min; the next stage comes after "
            "2 sessions at this target with the pain rules met, at most one stage a week (R4)."
        )
        kind: SessionKind = "run" if s.walk_s == 0 else "run_walk"
        weeks = []
        for week in self.mondays:
            sessions = [
                self.run(
                    d,
                    kind,
                    f"Run-walk stage {s.number}: {s.label}",
                    "easy",
                    ("R4",),
                    why,
                    duration_s=float(s.duration_s),
                    run_walk=s.intervals,
                )
                for d in self.dates(week, run_weekdays)
            ]
            if sessions and week == self.mondays[0] and self.adjustment.action == "reduce":
                sessions[0] = self.shorter(sessions[0])
            core = self.core_sessions(week, run_weekdays, ())
            cross = self.cross_sessions(week, run_weekdays, [c.day.weekday() for c in core])
            ordered = tuple(sorted([*sessions, *core, *cross], key=_order))
            end = week + timedelta(days=7)
            done = sum(
                r.distance_m for r in self.input.runs if week <= r.day < end and r.day <= self.as_of
            )
            running = done + sum(
                _floor(x.run_walk.run_s * x.run_walk.repeats * self.speed)
                for x in sessions
                if x.run_walk is not None
            )
            weeks.append(
                PlanWeek(start=week, sessions=ordered, running_distance_m=running, stage=s.number)
            )
        self.notes.append(CATALOGUE["R4"].outcomes["run_walk"].template)
        self.notes.append(
            "Run-walk sessions are set by time: after a break any run is a spike (L1), so the "
            "stages keep each step small. Plan again next week to move a stage forward."
        )
        self.pain_notes()
        return self.finish("return_to_run", weeks)

    def shorter(self, session: PlannedSession) -> PlannedSession:
        """The next session after a pain rule asking to reduce: fewer repeats, by the
        middle of the 20-50% range (P2's amounts)."""
        assert session.run_walk is not None
        rw = session.run_walk
        repeats = max(1, int(rw.repeats * (1.0 - REDUCE_SHARE)))
        if rw.walk_s == 0:  # the last stage: one continuous run, shortened
            rw = RunWalk(run_s=int(rw.run_s * (1.0 - REDUCE_SHARE)), walk_s=0, repeats=1)
        else:
            rw = RunWalk(run_s=rw.run_s, walk_s=rw.walk_s, repeats=repeats)
        rule, pct = self.adjustment.rule, round(REDUCE_SHARE * 100)
        return self.run(
            session.day,
            session.kind,
            f"{session.title.split(':')[0]}, shortened: {rw.repeats} x "
            f"({rw.run_s // 60} min run, {rw.walk_s // 60} min walk)"
            if rw.walk_s
            else f"{session.title.split(':')[0]}, shortened: {rw.run_s // 60} min easy running",
            "easy",
            (rule, "R4"),
            f"{rule}: your back asks for a lighter next session, about {pct}% shorter than the "
            "stage's target (20-50%); the stage itself waits until the pain rules are met (R4).",
            duration_s=float(rw.duration_s),
            run_walk=rw,
        )


class _BuildPlanner(_Planner):
    """Weeks of easy running that grow within L1 and L2."""

    def __init__(self, plan_input: PlanInput, adjustment: PainAdjustment) -> None:
        super().__init__(plan_input, adjustment)
        self.runs: list[tuple[date, float]] = [
            (r.day, r.distance_m) for r in plan_input.runs if r.day <= self.as_of
        ]
        self.hold = adjustment.action in ("hold", "reduce")
        self.first_pending = True
        self.growth = 0.0 if self.hold else self.prefs.growth
        week0 = self.mondays[0]
        self.totals: dict[date, float] = {}
        for day, distance in self.runs:
            self.totals[monday(day)] = self.totals.get(monday(day), 0.0) + distance
        self.light: dict[date, bool] = {}
        for k in range(8, 0, -1):
            w = week0 - timedelta(days=7 * k)
            before = [self.total(w - timedelta(days=7 * j)) for j in (1, 2, 3)]
            self.light[w] = max(before) > 0 and self.total(w) <= LIGHTER_IF_BELOW * max(before)

    def total(self, week: date) -> float:
        return self.totals.get(week, 0.0)

    def plan(self) -> Plan:
        prefs = self.prefs
        week0 = self.mondays[0]
        prev = [week0 - timedelta(days=7 * j) for j in (1, 2, 3, 4)]
        if self.light[prev[0]] or self.total(prev[0]) <= 0:
            level = max(self.total(w) for w in prev[1:])
        else:
            level = self.total(prev[0])
        streak = 0
        for w in prev:
            if self.light[w] or self.total(w) <= 0:
                break
            streak += 1
        run_weekdays = schedule.run_days(prefs.days_per_week, prefs.long_run_day)
        quality = None
        if prefs.days_per_week >= 4 and not self.hold:
            quality = schedule.quality_day(run_weekdays, prefs.long_run_day)
        weeks = []
        for week in self.mondays:
            p1, p2 = self.total(week - timedelta(days=7)), self.total(week - timedelta(days=14))
            lighter = streak >= LIGHTER_EVERY - 1
            if lighter:
                target, streak = LIGHTER_SHARE * level, 0
            else:
                after_light = self.light.get(week - timedelta(days=7), False)
                level = level if after_light else level * (1.0 + self.growth)
                target, streak = level, streak + 1
            if max(p1, p2) > 0:
                target = min(target, (1.0 + self.growth) * max(p1, p2))
            for previous in (p1, p2):
                if previous > 0:
                    target = min(target, (1.0 + TWO_WEEK_LIMIT) * previous)
            if not lighter:
                level = target
            sessions = self.week_runs(
                week, run_weekdays, None if lighter else quality, target, first=True
            )
            planned = sum(self.running_m(s) for s in sessions)
            self.totals[week] = self.total(week) + planned
            self.light[week] = lighter
            core = self.core_sessions(
                week,
                run_weekdays,
                (prefs.long_run_day,) if quality is None else (prefs.long_run_day, quality),
            )
            cross = self.cross_sessions(week, run_weekdays, [c.day.weekday() for c in core])
            ordered = tuple(sorted([*sessions, *core, *cross], key=_order))
            weeks.append(
                PlanWeek(
                    start=week,
                    sessions=ordered,
                    running_distance_m=self.total(week),
                    lighter=lighter,
                )
            )
        growth_pct = round(self.growth * 100)
        self.notes.append(
            f"Weekly running distance grows at most {growth_pct}% a week (conservative, not a "
            "proven safe limit: the 10% rule itself did not prevent injuries) and never more "
            "than 30% over either of the two weeks before (L2)."
        )
        self.notes.append(
            "No run is longer than 1.10 x your longest run of the 30 days before it (L1). "
            f"Every {LIGHTER_EVERY}th week is about {round((1 - LIGHTER_SHARE) * 100)}% "
            "lighter (a design choice)."
        )
        self.pain_notes()
        return self.finish("build", weeks)

    def running_m(self, session: PlannedSession) -> float:
        """A run's distance; for run-walk, the running part at the runner's easy speed."""
        if session.run_walk is not None and session.distance_m is None:
            return _floor(session.run_walk.run_s * session.run_walk.repeats * self.speed)
        return session.distance_m or 0.0

    def cap(self, day: date) -> float:
        since = day - timedelta(days=SPIKE_WINDOW_DAYS)
        longest = max((d for day_, d in self.runs if since <= day_ < day), default=0.0)
        return RUN_CAP * longest

    def week_runs(
        self,
        week: date,
        weekdays: Sequence[int],
        quality: int | None,
        target: float,
        *,
        first: bool,
    ) -> list[PlannedSession]:
        """The week's runs, in date order, each within its L1 cap; the plan's first run
        adjusted for pain. Each run joins the history as it is planned (later caps see it)."""
        long_day = self.prefs.long_run_day
        days = self.dates(week, weekdays)
        remaining = max(0.0, target - self.total(week))
        weights = {d: (LONG_WEIGHT if d.weekday() == long_day else 1.0) for d in days}
        long_share = remaining * LONG_WEIGHT / sum(weights.values()) if days else 0.0
        sessions: list[PlannedSession] = []
        for i, day in enumerate(days):
            left = sum(weights[d] for d in days[i:])
            wanted = remaining * weights[day] / left
            if day.weekday() != long_day:
                wanted = min(wanted, long_share)
            cap = self.cap(day)
            distance = _floor(min(wanted, cap))
            if distance < MIN_RUN_M:
                continue
            remaining -= distance
            session = self.build_run(day, distance, cap, day.weekday() == quality, target)
            if first and not sessions and self.first_pending:
                session = self.adjust_first(session)
                self.first_pending = False
            if session.distance_m:
                self.runs.append((day, session.distance_m))
            sessions.append(session)
        return sessions

    def build_run(
        self, day: date, distance: float, cap: float, quality: bool, target: float
    ) -> PlannedSession:
        long_run = day.weekday() == self.prefs.long_run_day
        l1 = f"at most 1.10 x the longest run of the 30 days before ({_km(cap / RUN_CAP)}) (L1)"
        l2 = f"this week about {_km(target)}, within the weekly limits (L2)"
        if long_run:
            return self.run(
                day,
                "run",
                f"Long easy run {_km(distance)}",
                "long",
                ("L1", "L2"),
                f"The week's longest run, easy pace: {l1}; {l2}.",
                distance_m=distance,
            )
        if quality:
            return self.run(
                day,
                "run",
                f"Easy run {_km(distance)} with 6 x 20 s relaxed strides",
                "quality",
                ("L1", "L2"),
                f"Mostly easy running; the week's one livelier session, never next to the "
                f"long run: {l1}; {l2}.",
                distance_m=distance,
            )
        return self.run(
            day,
            "run",
            f"Easy run {_km(distance)}",
            "easy",
            ("L1", "L2"),
            f"Easy run: {l1}; {l2}.",
            distance_m=distance,
        )

    def adjust_first(self, session: PlannedSession) -> PlannedSession:
        """The next run after a pain finding: cut (P2, P4) or run-walk (P1 above 5)."""
        if self.adjustment.action != "reduce" or session.distance_m is None:
            return session
        rule = self.adjustment.rule
        cut = _floor(session.distance_m * (1.0 - REDUCE_SHARE))
        pct = round(REDUCE_SHARE * 100)
        if rule == "P1":
            seconds = cut / self.speed
            intervals = RunWalk(run_s=240, walk_s=60, repeats=max(1, int(seconds // 300)))
            return self.run(
                session.day,
                "run_walk",
                f"Run-walk {intervals.repeats} x (4 min run, 1 min walk)",
                "easy",
                ("P1", "R4"),
                f"Pain above 5/10 during your last run: walk breaks this time, {pct}% shorter "
                "than planned (P1); run-walk as in the return-to-run program (R4).",
                duration_s=float(intervals.duration_s),
                run_walk=intervals,
            )
        return self.run(
            session.day,
            "run",
            f"Easy run {_km(cut)} (cut {pct}%)",
            "easy",
            (rule, "L1", "L2"),
            f"{rule}: your back asks for a lighter next session, {pct}% shorter than planned "
            f"({_km(session.distance_m)}), within the 20-50% the pain rule asks for.",
            distance_m=cut,
        )


_KIND_ORDER = {"run": 0, "run_walk": 0, "core": 1, "cross": 2}


def _order(s: PlannedSession) -> tuple[date, int]:
    return (s.day, _KIND_ORDER[s.kind])
