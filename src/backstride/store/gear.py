"""Shoes and bikes, the default gear per sport, and which activity used which gear.

Distances are never stored on the gear row: a pair's distance is ``initial_distance_m``
plus the ``SUM`` of its activities' distances, computed when asked (style guide §7).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from backstride.errors import NotFoundError
from backstride.model import Gear, GearKind, StoredGear
from backstride.store import restricted
from backstride.store.schema import activities, gear, gear_defaults


def _gear(row: Row[Any]) -> Gear:
    return Gear(
        name=row.name,
        kind=row.kind,
        brand=row.brand,
        model=row.model,
        start_date=row.start_date,
        initial_distance_m=row.initial_distance_m,
        retired=row.retired,
        inspect_at_m=row.inspect_at_m,
        replace_at_m=row.replace_at_m,
    )


def find_gear_id(
    conn: Connection, athlete_id: int, name: str, kind: GearKind | None = None
) -> int | None:
    """The id of the gear called ``name`` (case-insensitive), of ``kind`` when given."""
    query = sa.select(gear.c.id).where(
        gear.c.athlete_id == athlete_id, sa.func.lower(gear.c.name) == name.strip().lower()
    )
    if kind is not None:
        query = query.where(gear.c.kind == kind)
    return conn.execute(query.order_by(gear.c.id)).scalars().first()


def upsert_gear(conn: Connection, athlete_id: int, item: Gear, *, update: bool = True) -> int:
    """Insert gear, or (``update``) refresh brand, model and retired flag of the same name."""
    existing = find_gear_id(conn, athlete_id, item.name, item.kind)
    if existing is not None:
        if update:
            values = {"retired": item.retired}
            if item.brand:
                values["brand"] = item.brand  # type: ignore[assignment]
            if item.model:
                values["model"] = item.model  # type: ignore[assignment]
            conn.execute(sa.update(gear).where(gear.c.id == existing).values(**values))
        return existing
    key = conn.execute(
        sa.insert(gear).values(
            athlete_id=athlete_id,
            kind=item.kind,
            name=item.name.strip(),
            brand=item.brand,
            model=item.model,
            start_date=item.start_date,
            initial_distance_m=item.initial_distance_m,
            retired=item.retired,
            inspect_at_m=item.inspect_at_m,
            replace_at_m=item.replace_at_m,
        )
    ).inserted_primary_key
    assert key is not None
    return int(key[0])


def get_gear_id(conn: Connection, athlete_id: int, name: str, kind: GearKind = "shoe") -> int:
    found = find_gear_id(conn, athlete_id, name, kind)
    if found is None:
        raise NotFoundError(f"no {kind} called {name!r}", hint=f"`backstride {kind}s` lists them")
    return found


def update_gear(conn: Connection, gear_id: int, **values: Any) -> None:
    conn.execute(sa.update(gear).where(gear.c.id == gear_id).values(**values))


def list_gear(conn: Connection, athlete_id: int, kind: GearKind = "shoe") -> list[StoredGear]:
    """Gear with its distance (initial + activities) and activity count, by name; on a
    restricted view, without the gear and the activities it hides (``store/restricted.py``)."""
    gear_id = restricted.activity_gear(conn, athlete_id)
    used = (
        sa.select(
            gear_id.label("gear_id"),
            sa.func.coalesce(sa.func.sum(activities.c.distance_m), 0.0).label("used_distance"),
            sa.func.count().label("used_count"),
        )
        .where(
            activities.c.athlete_id == athlete_id,
            gear_id.is_not(None),
            restricted.shown(conn),
        )
        .group_by(gear_id)
        .subquery()
    )
    query = (
        sa.select(gear, used.c.used_distance, used.c.used_count)
        .select_from(gear.outerjoin(used, used.c.gear_id == gear.c.id))
        .where(gear.c.athlete_id == athlete_id, gear.c.kind == kind)
        .order_by(gear.c.retired, sa.func.lower(gear.c.name))
    )
    theirs = restricted.strava_gear_ids(conn, athlete_id)
    if theirs:
        query = query.where(gear.c.id.not_in(sorted(theirs)))
    rows = conn.execute(query).all()
    defaults: dict[int, list[str]] = {}
    for d in conn.execute(sa.select(gear_defaults).where(gear_defaults.c.athlete_id == athlete_id)):
        defaults.setdefault(d.gear_id, []).append(d.sport)
    return [
        StoredGear(
            id=row.id,
            gear=_gear(row),
            distance_m=row.initial_distance_m + float(row.used_distance or 0.0),
            activity_count=int(row.used_count or 0),
            default_for=tuple(sorted(defaults.get(row.id, []))),
        )
        for row in rows
    ]


def list_gear_names(conn: Connection, athlete_id: int) -> dict[int, str]:
    """The name of each piece of gear of an athlete, any kind, by id (to name the gear of
    activities read as columns, whose ``gear_id`` is all they hold)."""
    rows = conn.execute(sa.select(gear.c.id, gear.c.name).where(gear.c.athlete_id == athlete_id))
    theirs = restricted.strava_gear_ids(conn, athlete_id)
    return {row.id: row.name for row in rows if row.id not in theirs}


def set_default_gear(conn: Connection, athlete_id: int, sport: str, gear_id: int) -> None:
    conn.execute(
        sa.delete(gear_defaults).where(
            gear_defaults.c.athlete_id == athlete_id, gear_defaults.c.sport == sport
        )
    )
    conn.execute(
        sa.insert(gear_defaults).values(athlete_id=athlete_id, sport=sport, gear_id=gear_id)
    )


def get_default_gear(conn: Connection, athlete_id: int, sport: str) -> int | None:
    return conn.execute(
        sa.select(gear_defaults.c.gear_id).where(
            gear_defaults.c.athlete_id == athlete_id, gear_defaults.c.sport == sport
        )
    ).scalar_one_or_none()


def assign_gear(conn: Connection, activity_id: int, gear_id: int | None, source: str) -> None:
    """Record which gear an activity used and who said so (archive, default, athlete)."""
    conn.execute(
        sa.update(activities)
        .where(activities.c.id == activity_id)
        .values(gear_id=gear_id, gear_source=source if gear_id is not None else None)
    )


def assign_default_to_unassigned(
    conn: Connection, athlete_id: int, sport: str, gear_id: int
) -> int:
    """Give ``gear_id`` to the athlete's ``sport`` activities that have no gear yet.

    Only activities on or after the gear's start date, when it has one. Returns how many.
    """
    start = conn.execute(sa.select(gear.c.start_date).where(gear.c.id == gear_id)).scalar_one()
    query = (
        sa.update(activities)
        .where(
            activities.c.athlete_id == athlete_id,
            activities.c.sport == sport,
            activities.c.gear_id.is_(None),
        )
        .values(gear_id=gear_id, gear_source="default")
    )
    if start is not None:
        query = query.where(activities.c.local_date >= start)
    return int(conn.execute(query).rowcount)
