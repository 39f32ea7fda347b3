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
- The severe-pain ceiling (P1 at 8/10 or more, action ``stop_running``): mode ``paused``, no
  runs until pain settles; core sessions at level 1 and cross-training stay, gentle and only
  as far as comfortable (exercise is the first-line care for back pain; anything that makes
  pain worse or spreads down a leg stops), with the screen-again and clinician message.
- No run in the ``break_days`` (14) days before the plan or no running in the two weeks
  before this one: the run-walk program (RTR) at stage 1, or at ``program_stage`` when the
  service says the runner is in it (it moves on only with the pain rules met in the diary).
- Otherwise mode ``build``. The week's target grows by at most ``growth`` (10%,
  "conservative", L2) over the higher of the two weeks before, never more than 30% over
  either of them (L2, Nielsen 2014), with every 4th week 20% lighter (a design choice).
  Pain of 3-5 that settled by the next morning and is not rising changes nothing (evidence
  §4.1: progression with pain is allowed). ``hold`` (P1 3-5 unsettled or rising, P3 rising,
  R3, ODI above 40, STarT Back high risk, leg symptoms, or ``held_after`` a reduction the
  diary has not yet shown settled) and ``reduce`` (P1 above 5, P2 not settled, P4 worse,
  P5/P6 worse) stop the growth for the whole plan; ``reduce`` also cuts the next run by
  the middle of P2's 20-50% range (35%), as its message says. After P1 above 5 ("stop or
  walk") that run is run-walk at the stage nearest the cut (RTR), not stage 1. A week with
  an adjustment never has more running than the same week without it (trimmed when the
  whole-100-m, 1-km-minimum runs would make it so).
- Every run is at most 1.10 x the longest run of the 30 days before it, planned runs
  included (L1, Frandsen 2025), rounded down to 100 m; runs under 1 km are left out.
- Mostly easy running: with 4 or more run days one session a week has short strides
  (``quality``), never next to the long run, so no two hard days are consecutive.
- Core sessions (C1, C3) 3 a week (2 when running 5 or more days), never on consecutive
  days; cross-training (X1) 60 min a week in the chosen sport; a warm-up and a cool-down
  routine (C2) with every run.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from backstride.coach import schedule
from backstride.coach.build import BuildPlanner
from backstride.coach.model import Plan, PlannedSession, PlanWeek, RunWalk, SessionKind
from backstride.coach.planner import CROSS_SPORTS as CROSS_SPORTS
from backstride.coach.planner import DEFAULT_CROSS_SPORT as DEFAULT_CROSS_SPORT
from backstride.coach.planner import DEFAULT_GROWTH as DEFAULT_GROWTH
from backstride.coach.planner import MAX_GROWTH as MAX_GROWTH
from backstride.coach.planner import (
    PAIN_SEVERE_MIN,
    REDUCE_RANGE,
    REDUCE_SHARE,
    Planner,
    floor_m,
    session_order,
)
from backstride.coach.planner import PlanInput as PlanInput
from backstride.coach.planner import Preferences as Preferences
from backstride.coach.planner import RunDone as RunDone
from backstride.coach.planner import monday as monday
from backstride.coach.return_to_run import (
    BREAK_DAYS,
    GRADUATED,
    MAX_SESSION_S,
    MAX_STAGES_PER_WEEK,
    SESSIONS_AT_TARGET,
    SESSIONS_PER_WEEK,
    stage,
)
from backstride.rules.catalogue import CATALOGUE
from backstride.rules.finding import Finding
from backstride.rules.pain import PainAdjustment, pain_adjustment
from backstride.rules.redflags import blocks_training


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
    if adjustment.action == "stop_running":
        return PausedPlanner(plan_input, adjustment).plan()
    if adjustment.action == "continue" and plan_input.held_after is not None:
        rule = plan_input.held_after
        adjustment = PainAdjustment(
            "hold",
            None,
            rule,
            f"{rule}: hold your training load after the recent reduction until your diary "
            "shows the pain rules met: log pain before, during or after your runs and the "
            "next morning.",
        )
    stage_number = plan_input.program_stage
    if _on_break(plan_input):
        stage_number = 1  # a break restarts the program (RTR)
    if stage_number is not None and stage_number < GRADUATED:
        return ReturnPlanner(plan_input, adjustment, stage_number).plan()
    if adjustment.action == "continue":
        return BuildPlanner(plan_input, adjustment).plan()
    free = BuildPlanner(plan_input, pain_adjustment(())).plan()
    ceiling = {w.start: w.running_distance_m for w in free.weeks}
    return BuildPlanner(plan_input, adjustment, ceiling=ceiling).plan()


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
    """No run in the 14 days before the plan starts, or none in the two whole weeks before
    its first week (a comeback this week, after 14 days or more without a run, still
    starts the program)."""
    start = plan_input.as_of + timedelta(days=1)
    recent = [r for r in plan_input.runs if start - timedelta(days=BREAK_DAYS) <= r.day < start]
    week0 = monday(start)
    before = [r for r in plan_input.runs if week0 - timedelta(days=BREAK_DAYS) <= r.day < week0]
    return not recent or sum(r.distance_m for r in before) <= 0


class PausedPlanner(Planner):
    """Weeks without running (the severe-pain ceiling): core at level 1 and cross-training."""

    def plan(self) -> Plan:
        prefs = self.input.preferences
        self.prefs = Preferences(
            days_per_week=prefs.days_per_week,
            long_run_day=prefs.long_run_day,
            cross_sport=prefs.cross_sport,
            growth=prefs.growth,
            core_level=1,
        )
        weeks = []
        for week in self.mondays:
            core = self.core_sessions(week, (), ())
            cross = self.cross_sessions(week, (), [c.day.weekday() for c in core])
            end = week + timedelta(days=7)
            done = sum(
                r.distance_m for r in self.input.runs if week <= r.day < end and r.day <= self.as_of
            )
            ordered = tuple(sorted([*core, *cross], key=session_order))
            weeks.append(PlanWeek(start=week, sessions=ordered, running_distance_m=done))
        self.pain_notes()
        self.notes.append(
            "Core sessions (level 1) and cross-training stay, gentle and only as far as "
            "comfortable: stop any exercise that makes your pain worse, and stop and take the "
            "screen again if numbness, tingling or pain spreads down a leg. Plan again once "
            f"your pain has settled below {PAIN_SEVERE_MIN}/10 (P1)."
        )
        return self.finish("paused", weeks)


class ReturnPlanner(Planner):
    """Run-walk weeks of one stage (RTR)."""

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
            f"{SESSIONS_PER_WEEK} sessions a week of at most {MAX_SESSION_S // 60} min; the next "
            f"stage comes after {SESSIONS_AT_TARGET} sessions at this target with the pain rules "
            f"met, at most {MAX_STAGES_PER_WEEK} stage(s) a week (RTR)."
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
                    ("RTR",),
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
            ordered = tuple(sorted([*sessions, *core, *cross], key=session_order))
            end = week + timedelta(days=7)
            done = sum(
                r.distance_m for r in self.input.runs if week <= r.day < end and r.day <= self.as_of
            )
            running = done + sum(
                floor_m(x.run_walk.run_s * x.run_walk.repeats * self.speed)
                for x in sessions
                if x.run_walk is not None
            )
            weeks.append(
                PlanWeek(start=week, sessions=ordered, running_distance_m=running, stage=s.number)
            )
        self.notes.append(CATALOGUE["RTR"].finding("run_walk", self.as_of, {}).message)
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
            (rule, "RTR"),
            f"{rule}: your back asks for a lighter next session, about {pct}% shorter than the "
            f"stage's target ({REDUCE_RANGE}); the stage itself waits until the pain rules are "
            "met (RTR).",
            duration_s=float(rw.duration_s),
            run_walk=rw,
        )
