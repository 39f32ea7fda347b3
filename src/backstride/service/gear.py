"""Shoes (and bikes): list them with their distance, add, retire, set defaults, assign."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from backstride.analysis.shoes import shoe_mileage
from backstride.errors import InputError
from backstride.model import Gear, StoredGear
from backstride.rules.catalogue import CATALOGUE
from backstride.service.clock import local_today
from backstride.service.status import activity_table_of
from backstride.store import Store, transaction
from backstride.store import activities as activity_rows
from backstride.store import gear as gear_rows
from backstride.store.athletes import DEFAULT_ATHLETE, get_or_create_athlete
from backstride.units import FOOT_SPORTS

#: Words a runner types for a sport, and the sport names activities carry.
SPORT_WORDS = {
    "run": "running",
    "running": "running",
    "walk": "walking",
    "walking": "walking",
    "hike": "hiking",
    "hiking": "hiking",
}


def sport_name(word: str) -> str:
    """The stored sport for a word such as ``run``; a clear error for anything else."""
    try:
        return SPORT_WORDS[word.strip().lower()]
    except KeyError:
        allowed = ", ".join(sorted({k for k in SPORT_WORDS if len(k) <= 4}))
        raise InputError(
            f"unknown sport {word!r} for shoes; allowed: {allowed}", field="sport"
        ) from None


def list_shoes(
    store: Store, *, as_of: date | None = None, athlete: str = DEFAULT_ATHLETE
) -> list[StoredGear]:
    """Every pair with its distance and number of runs and walks up to ``as_of`` (default:
    today), plus the distance it had before backstride knew it.

    The distance is the S1 rule's own (``analysis.shoes.shoe_mileage`` over the same
    columns ``get_status`` reads), so a pair's number and its light agree on every day.
    Each pair's inspect and replace distances are filled in: its own when set, else the S1
    rule's (480 and 800 km, convention rather than proven thresholds).
    """
    day = as_of or local_today()
    with transaction(store) as conn:
        athlete_id = get_or_create_athlete(conn, athlete).id
        shoes = gear_rows.list_gear(conn, athlete_id, "shoe")
        columns = activity_rows.list_activity_columns(conn, athlete_id)
    mileage = shoe_mileage(activity_table_of(columns), as_of=day)
    used = {
        int(i): (float(m), int(n))
        for i, m, n in zip(mileage.shoe_id, mileage.distance_m, mileage.activities, strict=True)
    }
    limits = CATALOGUE["S1"].thresholds
    return [
        replace(
            s,
            distance_m=s.gear.initial_distance_m + used.get(s.id, (0.0, 0))[0],
            activity_count=used.get(s.id, (0.0, 0))[1],
            gear=replace(
                s.gear,
                inspect_at_m=s.gear.inspect_at_m or limits["inspect_km"] * 1000.0,
                replace_at_m=s.gear.replace_at_m or limits["replace_km"] * 1000.0,
            ),
        )
        for s in shoes
    ]


def add_shoe(store: Store, shoe: Gear, *, athlete: str = DEFAULT_ATHLETE) -> StoredGear:
    """Add a pair (or update brand/model/retired of the pair with that name)."""
    if not shoe.name.strip():
        raise InputError("a shoe needs a name", field="name")
    if shoe.initial_distance_m < 0:
        raise InputError(
            f"initial distance must be 0 or more, not {shoe.initial_distance_m}",
            field="initial_distance_m",
        )
    with transaction(store) as conn:
        athlete_id = get_or_create_athlete(conn, athlete).id
        gear_id = gear_rows.upsert_gear(conn, athlete_id, shoe)
        return next(g for g in gear_rows.list_gear(conn, athlete_id, "shoe") if g.id == gear_id)


def retire_shoe(store: Store, name: str, *, athlete: str = DEFAULT_ATHLETE) -> None:
    with transaction(store) as conn:
        athlete_id = get_or_create_athlete(conn, athlete).id
        gear_rows.update_gear(conn, gear_rows.get_gear_id(conn, athlete_id, name), retired=True)


def set_default_shoe(
    store: Store, name: str, *, sport: str = "run", athlete: str = DEFAULT_ATHLETE
) -> int:
    """Make ``name`` the default pair for a sport; returns how many runs without a shoe
    (on or after the pair's start date) it was given."""
    sport = sport_name(sport)
    with transaction(store) as conn:
        athlete_id = get_or_create_athlete(conn, athlete).id
        gear_id = gear_rows.get_gear_id(conn, athlete_id, name)
        gear_rows.set_default_gear(conn, athlete_id, sport, gear_id)
        return gear_rows.assign_default_to_unassigned(conn, athlete_id, sport, gear_id)


def assign_shoe(
    store: Store, activity_id: int, name: str | None, *, athlete: str = DEFAULT_ATHLETE
) -> None:
    """Record that an activity was run in ``name`` (None: in no known pair).

    Shoes go on foot sports only (running, walking, hiking): a shoe on a pool swim would
    count towards nothing (S1 counts runs and walks) and says something false.
    """
    with transaction(store) as conn:
        athlete_id = get_or_create_athlete(conn, athlete).id
        found = activity_rows.get_activity(conn, athlete_id, activity_id)  # NotFoundError
        if name is not None and found.activity.sport not in FOOT_SPORTS:
            raise InputError(
                f"activity {activity_id} is {found.activity.sport}: shoes go on runs, walks "
                "and hikes only",
                field="activity_id",
            )
        gear_id = None if name is None else gear_rows.get_gear_id(conn, athlete_id, name)
        gear_rows.assign_gear(conn, activity_id, gear_id, "athlete")
