"""How the plan progresses from week to week: the return-to-run stage replayed from the runs
and the diary, whether growth waits after a reduction, the core routine's level, and the
cross-training sport ``auto`` chooses. Pure: the service gathers runs, diary entries and
logs, and these decide (evidence.md §4.1, §5.4, §6; the rules RTR, P1-P4, C1, X1).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import date, timedelta

from backstride.coach.planner import CROSS_SPORTS, DEFAULT_CROSS_SPORT, RunDone, monday
from backstride.coach.return_to_run import BREAK_DAYS, replay
from backstride.rules.adjustment import Action, pain_adjustment, pain_rules_met
from backstride.rules.catalogue import CATALOGUE
from backstride.rules.pain import PainEntry, pain_findings

#: A comeback longer ago than this no longer keeps the runner in the run-walk program.
PROGRAM_HORIZON_DAYS = 26 * 7


def program_stage(runs: tuple[RunDone, ...], diary: list[PainEntry], as_of: date) -> int | None:
    """The run-walk stage (RTR) of the week after ``as_of`` replayed from the latest comeback
    (a run after 14 or more days without one), or None when there is no recent comeback.
    The start of the data is not a comeback (backstride does not know what came before);
    the plan itself starts the program when the runner has not run in the last 14 days.

    Pain at the end of each program week holds or lowers the stage as it would have when
    planned week by week; a week whose diary does not show the pain rules met (the entries
    P1 and P2 read, :func:`~backstride.rules.pain.pain_rules_met`) holds it: an empty diary
    never moves a stage forward (evidence §4.1, §9 RTR).
    """
    days = sorted({r.day for r in runs})
    comeback = None
    for before, d in itertools.pairwise(days):
        if (d - before).days > BREAK_DAYS:
            comeback = d
    if comeback is None or (as_of - comeback).days > PROGRAM_HORIZON_DAYS:
        return None
    first, until = monday(comeback), monday(as_of + timedelta(days=1))
    actions: dict[date, Action] = {}
    week = first
    while week < until:
        found = pain_findings(diary, as_of=week + timedelta(days=6))
        action = pain_adjustment(found).action
        if action == "continue" and not pain_rules_met(found):
            action = "hold"
        actions[week] = action
        week += timedelta(days=7)
    return replay(first, [(r.day, r.duration_s or 0.0) for r in runs], actions, until)


def held_after(diary: list[PainEntry], as_of: date) -> str | None:
    """The pain rule that asked for a reduction (or stopped running) in the 7 days before
    ``as_of``, when the diary on ``as_of`` does not show the pain rules met since: the
    plan then holds instead of growing. None when there was no such reduction, or the
    diary shows the pain rules met."""
    for back in range(1, 8):
        adjustment = pain_adjustment(pain_findings(diary, as_of=as_of - timedelta(days=back)))
        if adjustment.action in ("reduce", "stop_running"):
            if pain_rules_met(pain_findings(diary, as_of=as_of)):
                return None
            return adjustment.rule
    return None


def core_level(core_days: Sequence[date], week0: date, *, allowed: bool = True) -> int:
    """The core routine's level for the week of ``week0`` from the days of logged core
    sessions: 1, then 2 after two weeks in a row with 2+ sessions (C1's minimum), 3 after
    four. When the pain response does not allow progress (``allowed`` False: any hold,
    reduce or stop action) the level does not move up: at most that of the week before.

    >>> w = date(2026, 3, 30)
    >>> twice = [w - timedelta(days=d) for d in (2, 4, 9, 11)]
    >>> core_level([], w), core_level(twice, w), core_level(twice, w, allowed=False)
    (1, 2, 1)
    """
    level = _streak_level(core_days, week0)
    if not allowed:
        level = min(level, _streak_level(core_days, week0 - timedelta(days=7)))
    return level


def _streak_level(core_days: Sequence[date], week0: date) -> int:
    streak = 0
    week = week0 - timedelta(days=7)
    while streak < 4:
        done = sum(1 for d in core_days if week <= d < week + timedelta(7))
        if done < CATALOGUE["C1"].thresholds["min_sessions"]:
            break
        streak += 1
        week -= timedelta(days=7)
    return 1 + min(2, streak // 2)


def auto_cross_sport(done: Sequence[tuple[date, str]]) -> str:
    """The sport ``--cross auto`` plans: the latest of the cross-training ``done`` (day,
    sport) the plan offers, else :data:`DEFAULT_CROSS_SPORT`: X1 asks for cross-training, so
    ``auto`` never plans none.

    >>> auto_cross_sport([(date(2026, 3, 1), "swim"), (date(2026, 3, 5), "cycle")])
    'cycle'
    >>> auto_cross_sport([(date(2026, 3, 5), "strength")])
    'cycle'
    """
    found = [(d, s) for d, s in done if s in CROSS_SPORTS]
    return max(found)[1] if found else DEFAULT_CROSS_SPORT
