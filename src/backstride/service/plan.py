"""`backstride plan`: the coming weeks from the runner's history, diary and screen, saved so
that review (and the web calendar) can show what was done and what was missed.

The plan itself is made by ``coach/plan.py`` (pure); this module gathers its inputs from the
store (runs, pain findings, questionnaire-score findings, the red flags active on the latest
screen, the return-to-run stage replayed from the runs and the diary, whether growth waits
for the diary after a reduction, the core level from the routine log, the cross-training
sport), validates the options, and stores the sessions from tomorrow on. A red flag active
on the latest screen blocks the plan whatever ``as_of`` is, and deletes the saved sessions
still to come. :mod:`backstride.service.adherence` compares the stored
plan with what was imported and logged; :mod:`backstride.service.plan_views` turns both into
JSON.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from backstride.analysis.table import ActivityKind, activity_kind
from backstride.coach.exercises import ROUTINES
from backstride.coach.fit_workout import plan_to_fit_workouts
from backstride.coach.ics import plan_to_ics
from backstride.coach.model import Plan as Plan  # re-exported for the shells' types
from backstride.coach.model import PlannedSession as PlannedSession
from backstride.coach.model import RunWalk
from backstride.coach.plan import CROSS_SPORTS as CROSS_SPORTS  # the CLI's help names them
from backstride.coach.plan import (
    DEFAULT_GROWTH,
    MAX_GROWTH,
    PlanInput,
    Preferences,
    RunDone,
    generate_plan,
    monday,
)
from backstride.coach.progression import auto_cross_sport, core_level, held_after, program_stage
from backstride.coach.schedule import WEEKDAYS
from backstride.errors import InputError
from backstride.model import ActivityColumns, PlannedRow, RoutineRecord
from backstride.rules.finding import Finding
from backstride.rules.pain import (
    PainEntry,
    diary_entries,
    pain_adjustment,
    pain_findings,
)
from backstride.rules.scores import Score, score_findings
from backstride.service.clock import local_today
from backstride.service.safety import red_flag_findings_in, suspension_for
from backstride.service.status import scores_in
from backstride.store import Store, transaction
from backstride.store import activities as activity_rows
from backstride.store import pain as pain_rows
from backstride.store import plans as plan_rows
from backstride.store import routines as routine_rows
from backstride.store.athletes import DEFAULT_ATHLETE, get_or_create_athlete

_KIND_SPORT = {
    ActivityKind.SWIM: "swim",
    ActivityKind.RIDE: "cycle",
}


@dataclass(frozen=True, slots=True)
class DoneActivity:
    """An activity as the plan, its review and the report read it: one row of the store's
    summary columns (``store.activities.list_activity_columns``), not a ``StoredActivity``."""

    id: int
    local_date: date
    kind: ActivityKind
    distance_m: float | None
    moving_s: float
    """The timer's seconds, else the elapsed ones."""
    sport: str
    gear_id: int | None


def done_activities(columns: ActivityColumns) -> list[DoneActivity]:
    """The rows of ``columns`` (oldest first) as :class:`DoneActivity`."""
    kinds: dict[tuple[str, str | None], ActivityKind] = {}
    moving = np.where(np.isnan(columns.timer_s), columns.elapsed_s, columns.timer_s)
    out = []
    for k, key in enumerate(zip(columns.sport, columns.sub_sport, strict=True)):
        kind = kinds.get(key)
        if kind is None:
            kind = kinds[key] = activity_kind(*key)
        distance = float(columns.distance_m[k])
        out.append(
            DoneActivity(
                id=int(columns.id[k]),
                local_date=columns.local_date[k].astype(object),
                kind=kind,
                distance_m=None if math.isnan(distance) else distance,
                moving_s=float(moving[k]),
                sport=key[0],
                gear_id=None if columns.gear_id[k] < 0 else int(columns.gear_id[k]),
            )
        )
    return out


def activity_kind_of(item: DoneActivity) -> ActivityKind:
    return item.kind


def moving_seconds(item: DoneActivity) -> float:
    return item.moving_s


def parse_weekday(value: str | int) -> int:
    """``mon`` .. ``sun`` (or a full name, or 0-6) as Monday 0 .. Sunday 6."""
    if isinstance(value, int) and not isinstance(value, bool):
        if 0 <= value <= 6:
            return value
    else:
        key = str(value).strip().lower()[:3]
        if key in WEEKDAYS:
            return WEEKDAYS.index(key)
    raise InputError(
        f"long run day {value!r} is not a weekday: use one of {', '.join(WEEKDAYS)}",
        field="long_run_day",
    )


def _preferences(
    days_per_week: int, long_run_day: str | int, cross: str | None, growth_pct: float
) -> tuple[int, int, str | None, float]:
    if isinstance(days_per_week, bool) or not 2 <= days_per_week <= 6:
        raise InputError(
            f"days per week must be 2 to 6, not {days_per_week!r}", field="days_per_week"
        )
    day = parse_weekday(long_run_day)
    sport = None if cross is None else cross.strip().lower()
    if sport is not None and sport not in (*CROSS_SPORTS, "none", "auto"):
        raise InputError(
            f"cross-training {cross!r} is not one of: {', '.join(CROSS_SPORTS)}, none, auto",
            field="cross",
        )
    if not 0 <= growth_pct <= MAX_GROWTH * 100:
        raise InputError(
            f"growth must be 0 to {MAX_GROWTH * 100:.0f} (% a week), not {growth_pct!r}",
            field="growth_pct",
        )
    return days_per_week, day, sport, growth_pct / 100.0


@dataclass(frozen=True)
class History:
    items: list[DoneActivity]
    diary: list[PainEntry]
    red_flags: list[Finding]
    routines: list[RoutineRecord]
    scores: list[Score]


def history_of(store: Store, athlete: str, day: date) -> History:
    with transaction(store) as conn:
        athlete_id = get_or_create_athlete(conn, athlete).id
        # Columns, not a StoredActivity per row: only the summaries are read (issue 13).
        items = done_activities(activity_rows.list_activity_columns(conn, athlete_id, until=day))
        diary = diary_entries(pain_rows.list_pain_entries(conn, athlete_id, until=day))
        routines = routine_rows.list_routines(conn, athlete_id, until=day)
        scores = scores_in(conn, athlete_id)
        red_flags = red_flag_findings_in(conn, athlete_id, day)
    return History(items, diary, red_flags, routines, scores)


def _runs(items: list[DoneActivity]) -> tuple[RunDone, ...]:
    return tuple(
        RunDone(a.local_date, float(a.distance_m or 0.0), moving_seconds(a))
        for a in items
        if activity_kind_of(a) == ActivityKind.RUN and (a.distance_m or 0.0) > 0
    )


def _cross_done(history: History, day: date) -> list[tuple[date, str]]:
    """(day, sport) of the cross-training of the 28 days up to ``day``, logged or imported."""
    since = day - timedelta(days=28)
    found: list[tuple[date, str]] = [
        (r.day, r.sport)
        for r in history.routines
        if r.kind == "cross" and r.sport and r.day >= since
    ]
    found += [
        (a.local_date, _KIND_SPORT[activity_kind_of(a)])
        for a in history.items
        if activity_kind_of(a) in _KIND_SPORT and a.local_date >= since
    ]
    return found


def get_plan(
    store: Store,
    *,
    weeks: int = 1,
    days_per_week: int = 3,
    long_run_day: str | int = "sun",
    cross: str | None = "auto",
    growth_pct: float = DEFAULT_GROWTH * 100,
    as_of: date | None = None,
    save: bool = True,
    athlete: str = DEFAULT_ATHLETE,
) -> Plan:
    """The plan for the weeks after ``as_of`` (default: today), saved from tomorrow on.

    ``cross``: a sport (swim, cycle, elliptical), ``none``, or ``auto`` (the
    sport of the latest cross-training of the last 4 weeks, else cycling). ``growth_pct``:
    weekly growth of running distance, 0-20 (default 10, "conservative"). While a red flag
    is active the plan is blocked whatever ``as_of`` is, and with ``save`` the saved sessions
    from tomorrow (or from the plan's start, when earlier) are deleted; meanwhile the
    calendar withholds them (``service.adherence``).
    """
    if isinstance(weeks, bool) or not 1 <= weeks <= 4:
        raise InputError(f"weeks must be 1 to 4, not {weeks!r}", field="weeks")
    days, long_day, sport, growth = _preferences(days_per_week, long_run_day, cross, growth_pct)
    day = as_of or local_today()
    history = history_of(store, athlete, day)
    runs = _runs(history.items)
    if sport == "auto":
        sport = auto_cross_sport(_cross_done(history, day))
    elif sport == "none":
        sport = None
    # The latest screen decides the red flags whatever ``as_of`` is (a plan for a day before
    # an emergency screen must not build sessions, issue 12); older screens add only R3.
    flags = suspension_for(store, day, athlete=athlete).red_flags
    findings = (
        *pain_findings(history.diary, as_of=day),
        *score_findings(history.scores, as_of=day),
        *(f for f in history.red_flags if f.rule not in ("R1", "R2")),
        *flags,
    )
    start = day + timedelta(days=1)
    held = held_after(history.diary, day)
    allowed = pain_adjustment(findings).action == "continue" and held is None
    prefs = Preferences(
        days_per_week=days,
        long_run_day=long_day,
        cross_sport=sport,
        growth=growth,
        core_level=core_level(
            [r.day for r in history.routines if r.kind == "core"], monday(start), allowed=allowed
        ),
    )
    plan = generate_plan(
        PlanInput(
            as_of=day,
            runs=runs,
            findings=findings,
            preferences=prefs,
            weeks=weeks,
            program_stage=program_stage(runs, history.diary, day),
            held_after=held,
        )
    )
    if plan.mode == "blocked" and save:
        # Whatever --on says, nothing planned from tomorrow (or from the plan's start, when
        # earlier) stays saved while a red flag is active (a preview writes nothing: the
        # calendar withholds unmet sessions meanwhile, service.adherence).
        first = min(start, local_today() + timedelta(days=1))
        with transaction(store) as conn:
            athlete_id = get_or_create_athlete(conn, athlete).id
            plan_rows.replace_planned(conn, athlete_id, first_day=first, rows=[])
    elif save:
        with transaction(store) as conn:
            athlete_id = get_or_create_athlete(conn, athlete).id
            plan_rows.replace_planned(conn, athlete_id, first_day=start, rows=_rows(plan))
    return plan


def _rows(plan: Plan) -> list[PlannedRow]:
    rows = []
    for week in plan.weeks:
        position: dict[date, int] = {}
        for s in week.sessions:
            n = position.get(s.day, 0)
            position[s.day] = n + 1
            rw = s.run_walk
            rows.append(
                PlannedRow(
                    day=s.day,
                    position=n,
                    mode=plan.mode,
                    kind=s.kind,
                    title=s.title,
                    intensity=s.intensity,
                    duration_s=s.duration_s,
                    distance_m=s.distance_m,
                    run_s=rw.run_s if rw else None,
                    walk_s=rw.walk_s if rw else None,
                    repeats=rw.repeats if rw else None,
                    routine=s.routine,
                    warmup=s.warmup,
                    cooldown=s.cooldown,
                    sport=s.sport,
                    rules=s.rules,
                    why=s.why,
                    stage=week.stage,
                    lighter=week.lighter,
                )
            )
    return rows


def session_of(row: PlannedRow) -> PlannedSession:
    """A stored planned session as the coach's shape."""
    run_walk = None
    if row.run_s is not None and row.walk_s is not None and row.repeats is not None:
        run_walk = RunWalk(row.run_s, row.walk_s, row.repeats)
    return PlannedSession(
        day=row.day,
        kind=row.kind,  # type: ignore[arg-type]
        title=row.title,
        intensity=row.intensity,  # type: ignore[arg-type]
        duration_s=row.duration_s,
        rules=row.rules,
        why=row.why,
        distance_m=row.distance_m,
        run_walk=run_walk,
        routine=row.routine,
        warmup=row.warmup,
        cooldown=row.cooldown,
        sport=row.sport,
    )


def routine_label(routine_id: str | None) -> str:
    """A routine's name and length for people (``Dynamic warm-up, 8 min``)."""
    if routine_id is None:
        return ""
    routine = ROUTINES.get(routine_id)
    return routine_id if routine is None else f"{routine.name}, {routine.minutes} min"


def export_ics(plan: Plan) -> bytes:
    """The plan as an iCalendar file (``coach/ics.py``)."""
    return plan_to_ics(plan)


def export_fit_workouts(plan: Plan) -> dict[str, bytes]:
    """The plan's runs as FIT workout files, file name -> bytes (``coach/fit_workout.py``)."""
    return plan_to_fit_workouts(plan)
