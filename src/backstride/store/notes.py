"""Clinicians' dated notes on an athlete (0010 ``clinician_notes``)."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from backstride.model import ClinicianNote
from backstride.store.schema import clinician_notes as notes


def add_note(
    conn: Connection,
    athlete_id: int,
    *,
    author_account_id: int,
    author_name: str,
    day: date,
    text: str,
    at: datetime,
) -> ClinicianNote:
    note_id = conn.execute(
        sa.insert(notes)
        .values(
            athlete_id=athlete_id,
            author_account_id=author_account_id,
            author_name=author_name,
            local_date=day,
            text=text,
            created_at=at,
        )
        .returning(notes.c.id)
    ).scalar_one()
    return ClinicianNote(
        id=int(note_id),
        athlete_id=athlete_id,
        author_account_id=author_account_id,
        author_name=author_name,
        day=day,
        text=text,
        created_at=at,
    )


def list_notes(conn: Connection, athlete_id: int) -> list[ClinicianNote]:
    """The notes on an athlete, newest day first (then newest written first)."""
    rows = conn.execute(
        sa.select(notes)
        .where(notes.c.athlete_id == athlete_id)
        .order_by(notes.c.local_date.desc(), notes.c.id.desc())
    )
    return [
        ClinicianNote(
            id=r.id,
            athlete_id=r.athlete_id,
            author_account_id=r.author_account_id,
            author_name=r.author_name,
            day=r.local_date,
            text=r.text,
            created_at=r.created_at,
        )
        for r in rows
    ]
