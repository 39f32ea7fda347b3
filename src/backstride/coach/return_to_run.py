"""The run-walk return-to-run program (rule RTR) as data, and when to move a stage forward.

Contract: :data:`STAGES` lists the stages from 1 (short running bouts) to the last (30 min of
continuous easy running). Each week of the program has three sessions of at most 30 min
(RTR thresholds ``sessions_per_week`` and ``max_session_min``). :func:`next_stage` decides the
stage of the coming week from the stage of the week that ended, how many of its sessions
were done at target, and what the pain rules ask (:class:`~backstride.rules.pain.Action`):

- forward one stage (never more: ``max_stages_per_week``) only after ``sessions_at_target``
  sessions (2) at the stage's target and with the pain rules met (action ``continue``);
- the same stage when fewer sessions were done at target, or a pain rule asks to hold;
- one stage back when a pain rule asks to reduce (P1 above 5, P2 not settled, P4 worse) or
  stops running (the severe-pain ceiling);
- past the last stage the program is finished: :data:`GRADUATED`.

The structure (3 x 30 min a week, at most one stage a week, two sessions at target first)
is that of the ASTEROID trial (Neason 2024, rule RTR). The interval table is backstride's own
design choice: the trial's exact stage table is not reproduced here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from backstride.coach.model import RunWalk
from backstride.rules.catalogue import CATALOGUE
from backstride.rules.pain import Action

RTR = CATALOGUE["RTR"]
SESSIONS_PER_WEEK = int(RTR.thresholds["sessions_per_week"])
MAX_SESSION_S = int(RTR.thresholds["max_session_min"]) * 60
SESSIONS_AT_TARGET = int(RTR.thresholds["sessions_at_target"])
MAX_STAGES_PER_WEEK = int(RTR.thresholds["max_stages_per_week"])
BREAK_DAYS = int(RTR.thresholds["break_days"])
#: A session counts as done at target when it lasted at least this share of the target.
AT_TARGET_SHARE = 0.9


@dataclass(frozen=True)
class Stage:
    """One stage: ``repeats`` x (``run_s`` easy running, ``walk_s`` walking)."""

    number: int
    run_s: int
    walk_s: int
    repeats: int

    @property
    def intervals(self) -> RunWalk:
        return RunWalk(run_s=self.run_s, walk_s=self.walk_s, repeats=self.repeats)

    @property
    def duration_s(self) -> int:
        return self.intervals.duration_s

    @property
    def running_s(self) -> int:
        return self.run_s * self.repeats

    @property
    def label(self) -> str:
        """E.g. ``"10 x (1 min run, 2 min walk)"`` or ``"30 min easy running"``."""
        if self.walk_s == 0:
            return f"{self.running_s // 60} min easy running"
        return f"{self.repeats} x ({_min(self.run_s)} run, {_min(self.walk_s)} walk)"


def _min(seconds: int) -> str:
    return f"{seconds // 60} min" if seconds % 60 == 0 else f"{seconds} s"


#: The stages, each at most 30 min, running time rising from 10 to 30 min.
STAGES: tuple[Stage, ...] = (
    Stage(1, 60, 120, 10),
    Stage(2, 120, 120, 7),
    Stage(3, 180, 120, 6),
    Stage(4, 240, 120, 5),
    Stage(5, 300, 60, 5),
    Stage(6, 540, 60, 3),
    Stage(7, 840, 60, 2),
    Stage(8, 1800, 0, 1),
)
LAST_STAGE = len(STAGES)
#: What :func:`next_stage` returns once the last stage has been completed.
GRADUATED = LAST_STAGE + 1


def stage(number: int) -> Stage:
    """The stage with this number (1 .. :data:`LAST_STAGE`)."""
    if not 1 <= number <= LAST_STAGE:
        raise ValueError(f"stage must be 1 to {LAST_STAGE}, got {number}")
    return STAGES[number - 1]


def stage_nearest(running_s: float) -> Stage | None:
    """The run-walk stage (one with walk breaks) whose running time is nearest
    ``running_s`` without going over it; None when even stage 1 runs longer.

    Where a conditioned runner's flare starts the run-walk program: at the stage nearest
    the cut the pain rule asks for, not at stage 1 (evidence §9, RTR).

    >>> stage_nearest(1980).number, stage_nearest(1199).number, stage_nearest(599)
    (7, 3, None)
    """
    fitting = [s for s in STAGES if s.walk_s > 0 and s.running_s <= running_s]
    return fitting[-1] if fitting else None


def at_target(duration_s: float, number: int) -> bool:
    """Whether a run of ``duration_s`` counts as a session done at the stage's target.

    >>> at_target(28 * 60, 1), at_target(20 * 60, 1)
    (True, False)
    """
    return duration_s >= AT_TARGET_SHARE * stage(number).duration_s


def next_stage(current: int, sessions_at_target: int, action: Action) -> int:
    """The stage of the coming week.

    Parameters
    ----------
    current : the stage of the week that ended (1 .. LAST_STAGE).
    sessions_at_target : sessions of that week done at its target (see :func:`at_target`).
    action : what the pain rules ask now (``rules.pain.pain_adjustment``).

    Returns
    -------
    ``current + 1`` (or :data:`GRADUATED` after the last stage) when ``sessions_at_target``
    reaches 2 and ``action`` is ``continue``; ``current - 1`` (at least 1) when ``action``
    is ``reduce`` or stronger; else ``current``.

    Examples
    --------
    >>> next_stage(1, 2, "continue"), next_stage(1, 1, "continue"), next_stage(3, 3, "hold")
    (2, 1, 3)
    >>> next_stage(3, 3, "reduce"), next_stage(LAST_STAGE, 2, "continue") == GRADUATED
    (2, True)

    References
    ----------
    Neason C et al. 2024 (ASTEROID), rule RTR.
    """
    stage(current)
    if action in ("reduce", "stop_running", "stop_and_see_clinician"):
        return max(1, current - 1)
    if action == "continue" and sessions_at_target >= SESSIONS_AT_TARGET:
        return current + MAX_STAGES_PER_WEEK
    return current


def replay(
    first_week: date,
    runs: Sequence[tuple[date, float]],
    actions: Mapping[date, Action],
    until: date,
) -> int:
    """The stage of the week starting ``until`` for a program begun the week of ``first_week``.

    Parameters
    ----------
    first_week : the Monday of the program's first week (stage 1).
    runs : (local day, duration in seconds) of every run.
    actions : what the pain rules asked at the end of each week, by the week's Monday
        (missing weeks: ``continue``).
    until : the Monday of the week whose stage is wanted.

    Returns
    -------
    The stage (1 .. LAST_STAGE), or :data:`GRADUATED` once the last stage was passed.

    Examples
    --------
    >>> w = date(2026, 3, 2)  # a Monday
    >>> two_a_week = [(w + timedelta(days=d), 1800.0) for d in (1, 3, 8, 10)]
    >>> replay(w, two_a_week, {}, w), replay(w, two_a_week, {}, w + timedelta(days=14))
    (1, 3)
    >>> replay(w, two_a_week, {w + timedelta(days=7): "hold"}, w + timedelta(days=14))
    2
    """
    current, week = 1, first_week
    while week < until:
        done = sum(
            1 for day, s in runs if week <= day < week + timedelta(days=7) and at_target(s, current)
        )
        current = next_stage(current, done, actions.get(week, "continue"))
        if current == GRADUATED:
            return GRADUATED
        week += timedelta(days=7)
    return current
