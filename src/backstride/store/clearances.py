"""Clinician clearances: the days a clinician saw the runner (``backstride screen clear``)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from backstride.model import ClearanceRecord
from backstride.store.schema import clinician_clearances as table


def add_clearance(
    conn: Connection, athlete_id: int, *, day: date, by: str | None, note: str | None
) -> ClearanceRecord:
    """Store one visit; returns it as stored (with its id and when it was saved)."""
    recorded_at = datetime.now(UTC)
    key = conn.execute(
        sa.insert(table).values(
            athlete_id=athlete_id, local_date=day, clinician=by, note=note, created_at=recorded_at
        )
    ).inserted_primary_key
    assert key is not None
    return ClearanceRecord(id=int(key[0]), day=day, by=by, note=note, recorded_at=recorded_at)


def list_clearances(
    conn: Connection, athlete_id: int, *, until: date | None = None
) -> list[ClearanceRecord]:
    """Every visit (up to ``until`` when given), oldest first (by day, then as saved)."""
    query = sa.select(table).where(table.c.athlete_id == athlete_id)
    if until is not None:
        query = query.where(table.c.local_date <= until)
    rows = conn.execute(query.order_by(table.c.local_date, table.c.id))
    return [
        ClearanceRecord(
            id=r.id, day=r.local_date, by=r.clinician, note=r.note, recorded_at=r.created_at
        )
        for r in rows
    ]


def get_latest_clearance(
    conn: Connection, athlete_id: int, *, until: date | None = None
) -> ClearanceRecord | None:
    """The latest visit on or before ``until`` (all time when None), or None."""
    found = list_clearances(conn, athlete_id, until=until)
    return found[-1] if found else None
