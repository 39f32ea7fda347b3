"""``backstride plan --review``: how past weeks went against the stored plan and the
practice targets (C1 core sessions, X1 cross-training minutes, a warm-up and cool-down with
every run). Imported activities fulfil planned runs and cross-training by day and sport;
routines logged with ``backstride done`` count too.

:func:`session_marks` marks each stored planned session ``done``, ``missed`` or ``upcoming``
(the dashboard's calendar); :func:`mark_sessions` is the one rule of what fulfils a planned
session, and the weekly review counts its marks, so the two cannot disagree.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

from backstride.analysis.table import NOT_CROSS_TRAINING, ActivityKind
from backstride.coach.plan import monday
from backstride.errors import InputError
from backstride.model import PlannedRow, RoutineRecord
from backstride.rules.catalogue import CATALOGUE
from backstride.service.clock import local_today
from backstride.service.plan import (
    DoneActivity,
    History,
    PlannedSession,
    activity_kind_of,
    history_of,
    moving_seconds,
    session_of,
)
from backstride.service.safety import suspension_in
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
#: The longest span ``session_marks`` answers for (a calendar, not a history).
MAX_MARK_DAYS = 366

Mark = Literal["done", "missed", "upcoming"]


@dataclass(frozen=True)
class SessionMark:
    """A stored planned session and whether it was done.

    ``done``: something fulfils it, ``activity_id`` (an imported activity) or ``logged`` (a
    ``backstride done`` entry); ``missed``: its day is before ``as_of`` and nothing does;
    ``upcoming``: today or later and not done yet. ``warmup``/``cooldown``: the same marks
    for a run's warm-up (cool-down), fulfilled by one logged that day; None for sessions
    without one.
    """

    session: PlannedSession
    position: int
    mark: Mark
    activity_id: int | None = None
    logged: bool = False
    warmup: Mark | None = None
    cooldown: Mark | None = None

    def to_json(self) -> dict[str, Any]:
        """The session's own JSON with its mark and what fulfilled it."""
        return {
            **self.session.to_json(),
            "position": self.position,
            "mark": self.mark,
            "activity_id": self.activity_id,
            "logged": self.logged,
            "warmup_mark": self.warmup,
            "cooldown_mark": self.cooldown,
        }


@dataclass(frozen=True)
class PlanMarks:
    """The stored planned sessions from ``start`` to ``end`` marked as of ``as_of``."""

    start: date
    end: date
    as_of: date
    sessions: tuple[SessionMark, ...]

    def to_json(self) -> dict[str, Any]:
        """``/api/plan/marks``: the stored sessions of a period, each marked done, missed or
        upcoming."""
        return {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "as_of": self.as_of.isoformat(),
            "sessions": [m.to_json() for m in self.sessions],
        }


@dataclass(frozen=True)
class WeekAdherence:
    """One Monday-to-Sunday week (up to ``as_of``): planned against done, per practice.

    ``*_fulfilled``: planned sessions marked done by :func:`mark_sessions` (runs by an
    imported run on their day ...). Core done: logged core sessions plus imported strength
    sessions on any day, against C1's 2-3. Cross-training: logged minutes plus imported
    activities other than runs and walks, against X1's 60. Warm-up and cool-down: runs done
    with a logged warm-up (cool-down) the same day.
    """

    start: date
    runs_planned: int
    runs_fulfilled: int
    runs_done: int
    core_planned: int
    core_fulfilled: int
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

    def to_json(self) -> dict[str, Any]:
        low, high = self.core_target
        return {
            "start": self.start.isoformat(),
            "runs": {
                "planned": self.runs_planned,
                "fulfilled": self.runs_fulfilled,
                "done": self.runs_done,
            },
            "distance_km": {"planned": round(self.planned_km, 2), "done": round(self.done_km, 2)},
            "core": {
                "planned": self.core_planned,
                "fulfilled": self.core_fulfilled,
                "done": self.core_done,
                "target": [low, high],
            },
            "cross_training": {
                "planned": self.cross_planned,
                "fulfilled": self.cross_fulfilled,
                "minutes": round(self.cross_minutes, 1),
                "target_minutes": self.cross_target_min,
            },
            "warmup": {"runs": self.runs_done, "with_warmup": self.runs_with_warmup},
            "cooldown": {"runs": self.runs_done, "with_cooldown": self.runs_with_cooldown},
        }


@dataclass(frozen=True)
class PlanReview:
    """Adherence per past week, oldest first (the current week up to ``as_of``), and the
    stored sessions of those weeks with their marks."""

    as_of: date
    weeks: tuple[WeekAdherence, ...]
    sessions: tuple[SessionMark, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """``plan --review --json`` and ``/api/plan/review``: adherence per week, oldest
        first, and the stored sessions of those weeks marked."""
        return {
            "as_of": self.as_of.isoformat(),
            "weeks": [w.to_json() for w in self.weeks],
            "sessions": [m.to_json() for m in self.sessions],
        }


def review(
    store: Store, *, weeks: int = 4, as_of: date | None = None, athlete: str = DEFAULT_ATHLETE
) -> PlanReview:
    """How the last ``weeks`` weeks went against the stored plan and the practice targets."""
    if isinstance(weeks, bool) or not 1 <= weeks <= 52:
        raise InputError(f"weeks must be 1 to 52 for a review, not {weeks!r}", field="weeks")
    day = as_of or local_today()
    first = monday(day) - timedelta(days=7 * (weeks - 1))
    history = history_of(store, athlete, day)
    with transaction(store) as conn:
        athlete_id = get_or_create_athlete(conn, athlete).id
        planned = plan_rows.list_planned(conn, athlete_id, since=first, until=day)
        suspended = suspension_in(conn, athlete_id, day).active
    marks = mark_sessions(planned, history.items, history.routines, as_of=day, withheld=suspended)
    out = []
    for k in range(weeks):
        start = first + timedelta(days=7 * k)
        end = min(start + timedelta(days=6), day)
        out.append(_week(start, end, history, [m for m in marks if start <= m.session.day <= end]))
    return PlanReview(as_of=day, weeks=tuple(out), sessions=tuple(marks))


def session_marks(
    store: Store,
    *,
    start: date | None = None,
    end: date | None = None,
    as_of: date | None = None,
    athlete: str = DEFAULT_ATHLETE,
) -> PlanMarks:
    """Each stored planned session from ``start`` to ``end`` marked done, missed or upcoming
    as of ``as_of`` (default today). Defaults: from the Monday three weeks before the week of
    ``as_of`` to the end of the longest plan made on ``as_of`` (four weeks from tomorrow's)."""
    day = as_of or local_today()
    first = start if start is not None else monday(day) - timedelta(days=21)
    last = end if end is not None else monday(day + timedelta(days=1)) + timedelta(days=27)
    if first > last:
        raise InputError(f"from {first.isoformat()} is after to {last.isoformat()}", field="start")
    if (last - first).days >= MAX_MARK_DAYS:
        raise InputError(
            f"from {first.isoformat()} to {last.isoformat()} is more than {MAX_MARK_DAYS} days",
            hint="ask for the sessions of a shorter period",
        )
    history = history_of(store, athlete, day)
    with transaction(store) as conn:
        athlete_id = get_or_create_athlete(conn, athlete).id
        planned = plan_rows.list_planned(conn, athlete_id, since=first, until=last)
        suspended = suspension_in(conn, athlete_id, day).active
    items = [a for a in history.items if first <= a.local_date <= last]
    logs = [r for r in history.routines if first <= r.day <= last]
    marks = mark_sessions(planned, items, logs, as_of=day, withheld=suspended)
    return PlanMarks(start=first, end=last, as_of=day, sessions=tuple(marks))


def mark_sessions(
    planned: Sequence[PlannedRow],
    items: Sequence[DoneActivity],
    logs: Sequence[RoutineRecord],
    *,
    as_of: date,
    withheld: bool = False,
) -> list[SessionMark]:
    """What fulfils each planned session, the one rule behind the calendar and the review.

    ``withheld``: training is suspended by a red flag (``rules/safety.py``), so sessions
    not done by ``as_of`` from that day on are no longer upcoming: they are left out.

    On the session's own day: a run (run-walk) is fulfilled by an imported run; cross-training
    by an imported activity of its sport's family (:data:`CROSS_FAMILIES`) or a logged
    ``done cross`` of that sport (or none named); core by an imported strength session or a
    logged ``done core``; a run's warm-up (cool-down) by a logged one. Imported activities
    are taken before logs, in the order they started, and each fulfils one session of a
    kind (an activity or log on ``as_of`` or before: ``items`` and ``logs`` after it are
    ignored).
    """
    by_day: dict[date, list[_Done]] = {}
    for a in items:
        if a.local_date <= as_of:
            done = _Done("activity", a.id, activity_kind_of(a))
            by_day.setdefault(a.local_date, []).append(done)
    for r in logs:
        if r.day <= as_of:
            by_day.setdefault(r.day, []).append(_Done("log", r.id, None, r.kind, r.sport))
    used: set[tuple[str, _Done]] = set()

    def take(group: str, day: date, fits: Callable[[_Done], bool]) -> _Done | None:
        for done in by_day.get(day, []):
            if (group, done) not in used and fits(done):
                used.add((group, done))
                return done
        return None

    out = []
    for row in planned:
        unmet: Mark = "missed" if row.day < as_of else "upcoming"
        found = take(_GROUP.get(row.kind, row.kind), row.day, _fits(row))
        if withheld and unmet == "upcoming" and found is None:
            continue
        extras: dict[str, Mark | None] = {"warmup": None, "cooldown": None}
        for routine in extras if row.kind in _GROUP else ():
            if getattr(row, routine) is not None:
                log = take(routine, row.day, _logged(routine))
                extras[routine] = unmet if log is None else "done"
        out.append(
            SessionMark(
                session=session_of(row),
                position=row.position,
                mark=unmet if found is None else "done",
                activity_id=found.ident if found and found.source == "activity" else None,
                logged=found is not None and found.source == "log",
                warmup=extras["warmup"],
                cooldown=extras["cooldown"],
            )
        )
    return out


@dataclass(frozen=True)
class _Done:
    """Something done on a day: an imported activity (its kind) or a log (its kind, sport)."""

    source: Literal["activity", "log"]
    ident: int
    kind: ActivityKind | None
    log_kind: str | None = None
    sport: str | None = None


#: Planned kinds fulfilled alike (a run-walk by a run).
_GROUP = {"run": "run", "run_walk": "run"}


def _fits(row: PlannedRow) -> Callable[[_Done], bool]:
    """Whether an imported activity or a log fulfils ``row`` (on its day)."""
    if row.kind in _GROUP:
        return lambda d: d.kind == ActivityKind.RUN
    if row.kind == "core":
        return lambda d: d.kind == ActivityKind.STRENGTH or d.log_kind == "core"
    if row.kind == "cross":
        family = CROSS_FAMILIES.get(row.sport or "", frozenset())
        return lambda d: (
            (d.kind is not None and d.kind in family)
            or (d.log_kind == "cross" and d.sport in (None, row.sport))
        )
    return lambda d: False


def _logged(kind: str) -> Callable[[_Done], bool]:
    return lambda d: d.log_kind == kind


def _week(start: date, end: date, history: History, marks: list[SessionMark]) -> WeekAdherence:
    items = [a for a in history.items if start <= a.local_date <= end]
    logs = [r for r in history.routines if start <= r.day <= end]
    runs = [a for a in items if activity_kind_of(a) == ActivityKind.RUN]
    run_days = [a.local_date for a in runs]
    planned_runs = [m for m in marks if m.session.is_run]
    planned_cross = [m for m in marks if m.session.kind == "cross"]
    planned_core = [m for m in marks if m.session.kind == "core"]
    # Cross-training as status and load count it (analysis.table.NOT_CROSS_TRAINING).
    other = [a for a in items if activity_kind_of(a) not in NOT_CROSS_TRAINING]
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
        runs_fulfilled=sum(1 for m in planned_runs if m.mark == "done"),
        runs_done=len(runs),
        core_planned=len(planned_core),
        core_fulfilled=sum(1 for m in planned_core if m.mark == "done"),
        core_done=core,
        cross_planned=len(planned_cross),
        cross_fulfilled=sum(1 for m in planned_cross if m.mark == "done"),
        cross_minutes=cross_minutes,
        runs_with_warmup=with_log("warmup"),
        runs_with_cooldown=with_log("cooldown"),
        planned_km=sum(m.session.distance_m or 0.0 for m in planned_runs) / 1000.0,
        done_km=sum(a.distance_m or 0.0 for a in runs) / 1000.0,
    )
