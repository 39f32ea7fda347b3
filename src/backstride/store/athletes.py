"""Athlete rows: every other row belongs to one."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from backstride.model import Athlete
from backstride.store.schema import athletes

DEFAULT_ATHLETE = "local"


def get_or_create_athlete(conn: Connection, name: str = DEFAULT_ATHLETE) -> Athlete:
    """The athlete called ``name``, created on first use (a local install has just one)."""
    row = conn.execute(sa.select(athletes).where(athletes.c.name == name)).first()
    if row is None:
        created_at = datetime.now(UTC)
        new_id = conn.execute(
            sa.insert(athletes).values(name=name, created_at=created_at)
        ).inserted_primary_key
        assert new_id is not None
        return Athlete(id=int(new_id[0]), name=name, created_at=created_at)
    return Athlete(id=row.id, name=row.name, created_at=row.created_at)


def list_athletes(conn: Connection) -> list[Athlete]:
    rows = conn.execute(sa.select(athletes).order_by(athletes.c.id))
    return [Athlete(id=r.id, name=r.name, created_at=r.created_at) for r in rows]
