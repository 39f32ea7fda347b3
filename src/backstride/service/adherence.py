"""``backstride plan --review``: how past weeks went against the stored plan and the
practice targets (C1 core sessions, X1 cross-training minutes, a warm-up and cool-down with
every run). Imported activities fulfil planned runs and cross-training by day and sport;
routines logged with ``backstride done`` count too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from backstride.analysis.table import ActivityKind
from backstride.coach.plan import monday
from backstride.errors import InputError
from backstride.model import RoutineRecord, StoredActivity
from backstride.rules.catalogue import CATALOGUE
from backstride.service.clock import local_today
from backstride.service.plan import History, activity_kind_of, history_of, moving_seconds
from backstride.store import Store, transaction
from backstride.store import plans as plan_rows
from backstride.store.athletes import DEFAULT_ATHLETE, get_or_create_athlete

#: Which imported sports fulfil a planned cross-training sport.
CROSS_FAMILIES: dict[str, frozenset[ActivityKind]] = {
    "swim": frozenset({ActivityKind.SWIM}),
    "cycle": frozenset({ActivityKind.RIDE}),
    "elliptical": frozenset({ActivityKind.OTHER, ActivityKind.STRENGTH}),
    "strength": frozenset({ActivityKind.STRENGTH}),
}


@dataclass(frozen=True)
class WeekAdherence:
    """One Monday-to-Sunday week (up to ``as_of``): planned against done, per practice.

    Runs: planned runs fulfilled by an imported run on their day. Core: logged core
    sessions plus imported strength sessions, against C1's 2-3. Cross-training: logged
    minutes plus imported activities other than runs and walks, against X1's 60. Warm-up and
    cool-down: runs done with a logged warm-up (cool-down) the same day.
    """

    start: date
    runs_planned: int
    runs_fulfilled: int
    runs_done: int
    core_planned: int
    core_done: int
    cross_planned: int
    cross_fulfilled: int
    cross_minutes: float
    runs_with_warmup: int
    runs_with_cooldown: int
    planned_km: float
    done_km: float

    @property
    def core_target(self) -> tuple[int, int]:
        t = CATALOGUE["C1"].thresholds
        return int(t["min_sessions"]), int(t["max_sessions"])

    @property
    def cross_target_min(self) -> float:
        return float(CATALOGUE["X1"].thresholds["min_minutes"])


@dataclass(frozen=True)
class PlanReview:
    """Adherence per past week, oldest first (the current week up to ``as_of``)."""

    as_of: date
    weeks: tuple[WeekAdherence, ...]


def review(
    store: Store, *, weeks: int = 4, as_of: date | None = None, athlete: str = DEFAULT_ATHLETE
) -> PlanReview:
    """How the last ``weeks`` weeks went against the stored plan and the practice targets."""
    if isinstance(weeks, bool) or not 1 <= weeks <= 52:
        raise InputError(f"--weeks must be 1 to 52 for a review, not {weeks!r}")
    day = as_of or local_today()
    first = monday(day) - timedelta(days=7 * (weeks - 1))
    history = history_of(store, athlete, day)
    with transaction(store) as conn:
        athlete_id = get_or_create_athlete(conn, athlete).id
        planned = plan_rows.list_planned(conn, athlete_id, since=first, until=day)
    out = []
    for k in range(weeks):
        start = first + timedelta(days=7 * k)
        end = min(start + timedelta(days=6), day)
        out.append(_week(start, end, history, [p for p in planned if start <= p.day <= end]))
    return PlanReview(as_of=day, weeks=tuple(out))


def _week(
    start: date, end: date, history: History, planned: list[plan_rows.PlannedRow]
) -> WeekAdherence:
    items = [a for a in history.items if start <= a.activity.local_date <= end]
    logs = [r for r in history.routines if start <= r.day <= end]
    runs = [a for a in items if activity_kind_of(a) == ActivityKind.RUN]
    run_days = [a.activity.local_date for a in runs]
    planned_runs = [p for p in planned if p.kind in ("run", "run_walk")]
    fulfilled = sum(1 for p in planned_runs if p.day in run_days)
    planned_cross = [p for p in planned if p.kind == "cross"]
    cross_fulfilled = sum(1 for p in planned_cross if _cross_done(p, items, logs))
    other = [a for a in items if activity_kind_of(a) not in (ActivityKind.RUN, ActivityKind.WALK)]
    cross_minutes = sum(moving_seconds(a) for a in other) / 60.0
    cross_minutes += sum(r.minutes or 0.0 for r in logs if r.kind == "cross")
    core = sum(1 for r in logs if r.kind == "core")
    core += sum(1 for a in items if activity_kind_of(a) == ActivityKind.STRENGTH)

    def with_log(kind: str) -> int:
        return sum(
            min(run_days.count(d), sum(1 for r in logs if r.kind == kind and r.day == d))
            for d in set(run_days)
        )

    return WeekAdherence(
        start=start,
        runs_planned=len(planned_runs),
        runs_fulfilled=fulfilled,
        runs_done=len(runs),
        core_planned=sum(1 for p in planned if p.kind == "core"),
        core_done=core,
        cross_planned=len(planned_cross),
        cross_fulfilled=cross_fulfilled,
        cross_minutes=cross_minutes,
        runs_with_warmup=with_log("warmup"),
        runs_with_cooldown=with_log("cooldown"),
        planned_km=sum(p.distance_m or 0.0 for p in planned_runs) / 1000.0,
        done_km=sum(a.activity.summary.distance_m or 0.0 for a in runs) / 1000.0,
    )


def _cross_done(
    planned: plan_rows.PlannedRow,
    items: list[StoredActivity],
    logs: list[RoutineRecord],
) -> bool:
    kinds = CROSS_FAMILIES.get(planned.sport or "", frozenset())
    if any(a.activity.local_date == planned.day and activity_kind_of(a) in kinds for a in items):
        return True
    return any(
        r.kind == "cross" and r.day == planned.day and r.sport in (None, planned.sport)
        for r in logs
    )
