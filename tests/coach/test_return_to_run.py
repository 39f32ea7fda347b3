"""The run-walk return-to-run program (RTR), stepped through stage by stage."""

from __future__ import annotations

import doctest
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backstride.coach import return_to_run as rtr
from backstride.coach import schedule
from backstride.coach.plan import PlanInput, RunDone, generate_plan
from backstride.rules.catalogue import CATALOGUE

MONDAY = date(2026, 3, 2)


def test_doctests_of_the_coach_modules_pass() -> None:
    for module in (rtr, schedule):
        assert doctest.testmod(module).failed == 0


def test_every_stage_is_at_most_30_min_and_running_time_only_grows() -> None:
    assert rtr.SESSIONS_PER_WEEK == 3
    assert rtr.MAX_SESSION_S == 1800
    assert [s.number for s in rtr.STAGES] == list(range(1, rtr.LAST_STAGE + 1))
    assert all(s.duration_s <= 1800 for s in rtr.STAGES)
    running = [s.running_s for s in rtr.STAGES]
    assert running == sorted(running)
    assert len(set(running)) == len(running)
    assert (rtr.STAGES[0].running_s, rtr.STAGES[-1].running_s) == (600, 1800)
    assert rtr.STAGES[0].label == "10 x (1 min run, 2 min walk)"
    assert rtr.STAGES[-1].label == "30 min easy running"


def test_a_stage_moves_forward_only_after_two_sessions_at_target_with_pain_rules_met() -> None:
    for current in range(1, rtr.LAST_STAGE + 1):
        assert rtr.next_stage(current, 0, "continue") == current
        assert rtr.next_stage(current, 1, "continue") == current
        assert rtr.next_stage(current, 2, "continue") == current + 1  # never more than one
        assert rtr.next_stage(current, 3, "continue") == current + 1
        assert rtr.next_stage(current, 3, "hold") == current  # P1 3-5, P3 rising
        assert rtr.next_stage(current, 3, "reduce") == max(1, current - 1)  # P2, P1 > 5
    assert rtr.next_stage(rtr.LAST_STAGE, 2, "continue") == rtr.GRADUATED
    with pytest.raises(ValueError, match="stage must be 1 to 8"):
        rtr.next_stage(0, 2, "continue")


def test_at_target_means_at_least_90_percent_of_the_session() -> None:
    assert rtr.stage(1).duration_s == 1800
    assert rtr.at_target(1620, 1)  # 27 min of 30
    assert not rtr.at_target(1619, 1)
    assert rtr.stage(2).duration_s == 1680  # 7 x (2 + 2) min
    assert rtr.at_target(1512, 2)
    assert not rtr.at_target(1500, 2)


def _week(k: int, sessions: list[float]) -> list[tuple[date, float]]:
    """Runs in week k of the program, on Tuesday, Thursday, Saturday ... (durations in s)."""
    start = MONDAY + timedelta(days=7 * k)
    return [(start + timedelta(days=1 + 2 * i), s) for i, s in enumerate(sessions)]


def test_replay_walks_the_program_week_by_week() -> None:
    full = float(rtr.MAX_SESSION_S)
    runs = [
        *_week(0, [full, full, full]),  # 3 at target -> stage 2
        *_week(1, [full, 600.0]),  # 1 at target -> stays at 2
        *_week(2, [full, full]),  # 2 at target -> 3
        *_week(3, [full, full, full]),  # but P2 not settled at the end of the week -> back to 2
        *_week(4, [full, full]),  # P1 3-5 (hold) -> stays at 2
        *_week(5, [full, full]),  # -> 3
    ]
    actions = {MONDAY + timedelta(days=21): "reduce", MONDAY + timedelta(days=28): "hold"}
    expected = [1, 2, 2, 3, 2, 2, 3]
    for k, stage_number in enumerate(expected):
        assert rtr.replay(MONDAY, runs, actions, MONDAY + timedelta(days=7 * k)) == stage_number, k


def test_eight_good_weeks_complete_the_program() -> None:
    runs = [r for k in range(12) for r in _week(k, [1800.0, 1800.0])]
    stages = [rtr.replay(MONDAY, runs, {}, MONDAY + timedelta(days=7 * k)) for k in range(9)]
    assert stages == [1, 2, 3, 4, 5, 6, 7, 8, rtr.GRADUATED]


def test_the_plan_follows_the_stage_it_is_given() -> None:
    as_of = MONDAY - timedelta(days=1)  # a Sunday: the plan is next week
    runs = (RunDone(as_of - timedelta(days=2), 4000.0, 1800.0),)
    for number in (1, 4, rtr.LAST_STAGE):
        plan = generate_plan(PlanInput(as_of=as_of, runs=runs, program_stage=number))
        assert plan.mode == "return_to_run"
        week = plan.weeks[0]
        assert week.stage == number
        sessions = [s for s in week.sessions if s.is_run]
        assert len(sessions) == 3
        assert all(s.duration_s == rtr.stage(number).duration_s for s in sessions)
        assert all(s.run_walk == rtr.stage(number).intervals for s in sessions)
        assert all("RTR" in s.rules and s.warmup and s.cooldown for s in sessions)
        assert CATALOGUE["RTR"].finding("run_walk", as_of, {}).message in plan.notes
    graduated = generate_plan(PlanInput(as_of=as_of, runs=runs, program_stage=rtr.GRADUATED))
    assert graduated.mode == "build"


def test_a_reduce_finding_shortens_the_next_run_walk_session() -> None:
    as_of = MONDAY - timedelta(days=1)
    day = as_of.isoformat()
    p2 = CATALOGUE["P2"].finding(
        "not_settled", as_of, {"morning": 4, "baseline": 1, "run_day": day}
    )
    plan = generate_plan(PlanInput(as_of=as_of, findings=(p2,), weeks=2))
    assert plan.mode == "return_to_run"
    runs = [s for s in plan.sessions if s.is_run]
    first = runs[0]
    # 10 repeats cut by 35% -> 6 x (1 min run, 2 min walk) = 18 min.
    assert first.run_walk == rtr.RunWalk(60, 120, 6)
    assert first.duration_s == 1080.0
    assert first.rules[:2] == ("P2", "RTR")
    assert all(s.run_walk == rtr.stage(1).intervals for s in runs[1:])
    assert len(runs) == 6


@settings(deadline=None, max_examples=150)
@given(
    st.lists(st.tuples(st.integers(0, 69), st.integers(0, 2400)), max_size=40),
    st.lists(st.sampled_from(["continue", "continue", "hold", "reduce"]), min_size=10, max_size=10),
)
def test_replay_never_skips_a_stage_or_moves_without_two_sessions_at_target(
    sessions: list[tuple[int, int]], weekly: list[str]
) -> None:
    runs = [(MONDAY + timedelta(days=d), float(s)) for d, s in sessions]
    actions = {MONDAY + timedelta(days=7 * k): a for k, a in enumerate(weekly)}
    stages = [rtr.replay(MONDAY, runs, actions, MONDAY + timedelta(days=7 * k)) for k in range(11)]
    for k in range(10):
        before, after = stages[k], stages[k + 1]
        if before == rtr.GRADUATED:
            assert after == rtr.GRADUATED
            continue
        week = MONDAY + timedelta(days=7 * k)
        done = sum(
            1 for d, s in runs if week <= d < week + timedelta(days=7) and rtr.at_target(s, before)
        )
        assert after - before <= 1
        if after > before:
            assert done >= 2
            assert weekly[k] == "continue"
        if weekly[k] == "reduce":
            assert after == max(1, before - 1)
