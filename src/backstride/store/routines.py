"""The log of routines done: core sessions, warm-ups, cool-downs and cross-training."""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from backstride.model import RoutineRecord
from backstride.store.schema import routine_log


def add_routine(
    conn: Connection,
    athlete_id: int,
    *,
    day: date,
    kind: str,
    minutes: float | None,
    rpe: int | None,
    sport: str | None,
    note: str | None,
) -> int:
    key = conn.execute(
        sa.insert(routine_log).values(
            athlete_id=athlete_id,
            local_date=day,
            kind=kind,
            minutes=minutes,
            rpe=rpe,
            sport=sport,
            note=note,
            created_at=datetime.now(UTC),
        )
    ).inserted_primary_key
    assert key is not None
    return int(key[0])


def list_routines(
    conn: Connection, athlete_id: int, *, since: date | None = None, until: date | None = None
) -> list[RoutineRecord]:
    """Logged routines, oldest first (by day, then by when they were logged)."""
    query = sa.select(routine_log).where(routine_log.c.athlete_id == athlete_id)
    if since is not None:
        query = query.where(routine_log.c.local_date >= since)
    if until is not None:
        query = query.where(routine_log.c.local_date <= until)
    rows = conn.execute(query.order_by(routine_log.c.local_date, routine_log.c.id))
    return [
        RoutineRecord(
            id=r.id,
            day=r.local_date,
            kind=r.kind,
            minutes=r.minutes,
            rpe=r.rpe,
            sport=r.sport,
            note=r.note,
        )
        for r in rows
    ]
