"""Plans built by hand for the export tests (independent of the plan generator)."""

from __future__ import annotations

from datetime import date, timedelta

from backstride.coach.model import Intensity, Plan, PlannedSession, PlanWeek, RunWalk

MONDAY = date(2026, 11, 23)


def _day(offset: int) -> date:
    return MONDAY + timedelta(days=offset)


def _run(
    offset: int,
    distance_m: float | None,
    *,
    duration_s: float | None = None,
    intensity: Intensity = "easy",
    title: str = "Easy run",
) -> PlannedSession:
    return PlannedSession(
        day=_day(offset),
        kind="run",
        title=title,
        intensity=intensity,
        duration_s=duration_s,
        rules=("L1", "L2"),
        why="Kept within 10% of your longest run of the last 30 days.",
        distance_m=distance_m,
        warmup="warmup",
        cooldown="cooldown",
    )


def _run_walk(offset: int, intervals: RunWalk) -> PlannedSession:
    return PlannedSession(
        day=_day(offset),
        kind="run_walk",
        title="Run-walk",
        intensity="easy",
        duration_s=intervals.duration_s,
        rules=("RTR", "P1"),
        why="Run-walk stage of the return-to-run program.",
        run_walk=intervals,
        warmup="warmup",
        cooldown="cooldown",
    )


def _core(offset: int, level: int) -> PlannedSession:
    return PlannedSession(
        day=_day(offset),
        kind="core",
        title=f"Core, level {level}",
        intensity="moderate",
        duration_s=None,
        rules=("C1",),
        why="Two to three core or strength sessions a week.",
        routine=f"core_{level}",
    )


def _cross(offset: int, sport: str, minutes: int) -> PlannedSession:
    return PlannedSession(
        day=_day(offset),
        kind="cross",
        title=f"Cross-training: {sport}",
        intensity="easy",
        duration_s=minutes * 60,
        rules=("X1",),
        why="An hour a week of another sport.",
        sport=sport,
    )


def sample_plan() -> Plan:
    """Two weeks with every session kind, two sessions on one day and two cross sessions on
    another."""
    week1 = (
        _run_walk(0, RunWalk(run_s=120, walk_s=60, repeats=8)),
        _core(1, 1),
        _run(2, 5000, duration_s=1800),
        _cross(3, "swim", 30),
        _run(5, 8000, intensity="long", title="Long run"),
        _core(5, 2),
        _cross(6, "elliptical", 30),
        _cross(6, "cycle", 45),
    )
    week2 = (
        _run(7, 6000, intensity="quality", title="Strides"),
        _core(8, 3),
        _run(9, None, duration_s=2400, title="Easy run by time"),
        _run_walk(10, RunWalk(run_s=90, walk_s=30, repeats=10)),
        _cross(11, "elliptical", 40),
    )
    return Plan(
        as_of=MONDAY,
        mode="build",
        weeks=(
            PlanWeek(start=MONDAY, sessions=week1, running_distance_m=13000 + 8 * 120 * 2.5),
            PlanWeek(start=_day(7), sessions=week2, running_distance_m=6000),
        ),
        notes=("Built by hand for the tests.",),
        rules=("L1", "L2", "C1", "X1", "RTR"),
    )


def blocked_plan() -> Plan:
    return Plan(
        as_of=MONDAY,
        mode="blocked",
        weeks=(),
        blocked_message="A symptom you reported needs a clinician before you train again.",
        rules=("R1",),
    )
