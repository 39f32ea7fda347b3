"""Athlete rows: every other row belongs to one."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from backstride.model import Athlete
from backstride.store.db import insert_or_ignore
from backstride.store.local import DEFAULT_ATHLETE
from backstride.store.schema import athletes

__all__ = ["DEFAULT_ATHLETE", "get_or_create_athlete", "list_athletes"]


def get_or_create_athlete(conn: Connection, name: str = DEFAULT_ATHLETE) -> Athlete:
    """The athlete called ``name``, created on first use (a local install has just one).

    Safe when two processes create it at once: the insert does nothing when the name exists
    (the unique name decides, also against a row committed after this transaction began), and
    the row is read back.
    """
    query = sa.select(athletes).where(athletes.c.name == name)
    row = conn.execute(query).first()
    if row is None:
        conn.execute(
            insert_or_ignore(conn, athletes, "name").values(name=name, created_at=datetime.now(UTC))
        )
        row = conn.execute(query).one()
    return Athlete(id=row.id, name=row.name, created_at=row.created_at)


def list_athletes(conn: Connection) -> list[Athlete]:
    rows = conn.execute(sa.select(athletes).order_by(athletes.c.id))
    return [Athlete(id=r.id, name=r.name, created_at=r.created_at) for r in rows]
