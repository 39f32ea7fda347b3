"""`backstride done`: log a core session, warm-up, cool-down or cross-training as done.

Validated here before anything is stored (one line naming the value and what is allowed).
Imported activities need no logging: runs and other sports count by themselves.
"""

from __future__ import annotations

from datetime import date

from backstride.analysis.table import NOT_CROSS_TRAINING, activity_kind
from backstride.coach.plan import CROSS_SPORTS
from backstride.errors import InputError
from backstride.model import RoutineRecord
from backstride.service.clock import future_record, local_today
from backstride.store import Store, transaction
from backstride.store import routines as routine_rows
from backstride.store.athletes import DEFAULT_ATHLETE, get_or_create_athlete
from backstride.units import SPORT_FAMILIES

#: What can be logged as done.
KINDS: tuple[str, ...] = ("core", "warmup", "cooldown", "cross")
MAX_MINUTES = 600
#: Sport names a logged session may give for the plan's own (``done cross --sport cycling``
#: fulfils a planned cycle session).
_PLAN_NAMES = {"cycling": "cycle", "swimming": "swim"}
#: What ``done cross --sport`` takes: the plan's sports, and every sport the activity model
#: knows (FIT names) that counts as cross-training (``analysis.table.NOT_CROSS_TRAINING``:
#: not running, strength or an unknown sport), such as rowing or hiking.
LOGGED_CROSS_SPORTS: tuple[str, ...] = (
    *CROSS_SPORTS,
    *sorted(
        name
        for name in SPORT_FAMILIES
        if name not in _PLAN_NAMES
        and SPORT_FAMILIES[name] != "strength"  # fitness_equipment: core and strength
        and activity_kind(name) not in NOT_CROSS_TRAINING
    ),
)


def log_done(
    store: Store,
    kind: str,
    *,
    day: date | None = None,
    minutes: float | None = None,
    rpe: int | None = None,
    sport: str | None = None,
    note: str | None = None,
    today: date | None = None,
    athlete: str = DEFAULT_ATHLETE,
) -> RoutineRecord:
    """Store one routine done on ``day`` (default today; never in the future).

    ``minutes`` 1-600; ``rpe`` 0-10 (CR-10: how hard the session felt, about 30 min after);
    ``sport`` only for cross-training: one of :data:`LOGGED_CROSS_SPORTS` (``strength`` is
    refused with the way to log it: ``done core``); a cross-training session gives its
    minutes, its sport or both (with neither, nothing about it would count).
    """
    today = today or local_today()
    day = day or today
    chosen = kind.strip().lower().replace("-", "")
    if chosen not in KINDS:
        raise InputError(f"{kind!r} is not one of: {', '.join(KINDS)}", field="kind")
    if (problem := future_record(day, today)) is not None:
        raise InputError(problem, field="day")
    if minutes is not None and (
        isinstance(minutes, bool) or not 1 <= minutes <= MAX_MINUTES or minutes != minutes
    ):
        raise InputError(f"minutes must be 1 to {MAX_MINUTES}, not {minutes!r}", field="minutes")
    if rpe is not None and (
        isinstance(rpe, bool) or not isinstance(rpe, int) or not 0 <= rpe <= 10
    ):
        raise InputError(
            f"RPE must be a whole number from 0 (rest) to 10 (maximal), not {rpe!r}", field="rpe"
        )
    if sport is not None:
        sport = sport.strip().lower().replace("-", "_").replace(" ", "_")
        sport = _PLAN_NAMES.get(sport, sport)
        if chosen != "cross":
            raise InputError(f"a sport is only for cross-training, not for {chosen}", field="sport")
        if sport == "strength":
            raise InputError(
                "strength counts as a core and strength session (C1), not as cross-training",
                hint="log it with: backstride done core",
                field="sport",
            )
        if sport not in LOGGED_CROSS_SPORTS:
            raise InputError(
                f"sport {sport!r} is not one of: {', '.join(LOGGED_CROSS_SPORTS)}", field="sport"
            )
    if chosen == "cross" and sport is None and minutes is None:
        raise InputError(
            "say what the cross-training was: its minutes, its sport, or both",
            hint="for example: backstride done cross --sport rowing --minutes 40",
        )
    if note is not None and len(note) > 2000:
        raise InputError(f"the note is {len(note)} characters long; 2000 at most", field="note")
    with transaction(store) as conn:
        athlete_id = get_or_create_athlete(conn, athlete).id
        key = routine_rows.add_routine(
            conn,
            athlete_id,
            day=day,
            kind=chosen,
            minutes=minutes,
            rpe=rpe,
            sport=sport,
            note=note,
        )
    return RoutineRecord(key, day, chosen, minutes, rpe, sport, note)


def list_done(
    store: Store,
    *,
    since: date | None = None,
    until: date | None = None,
    athlete: str = DEFAULT_ATHLETE,
) -> list[RoutineRecord]:
    """Logged routines, oldest first."""
    with transaction(store) as conn:
        athlete_id = get_or_create_athlete(conn, athlete).id
        rows = routine_rows.list_routines(conn, athlete_id, since=since, until=until)
    return rows
