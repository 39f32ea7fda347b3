"""The audit log (0010 ``audit_log``): who did what on whose data, and when.

Rows have no foreign keys and hold no health data (the action and the route), so they
outlive the accounts they name: an athlete's deleted account leaves its log behind.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from backstride.model import AuditEntry
from backstride.store.schema import audit_log


def add_entry(
    conn: Connection,
    *,
    at: datetime,
    actor_account_id: int | None,
    actor_name: str,
    athlete_account_id: int | None,
    action: str,
    detail: str,
) -> int:
    entry_id = conn.execute(
        sa.insert(audit_log)
        .values(
            at=at,
            actor_account_id=actor_account_id,
            actor_name=actor_name,
            athlete_account_id=athlete_account_id,
            action=action,
            detail=detail,
        )
        .returning(audit_log.c.id)
    ).scalar_one()
    return int(entry_id)


def list_entries(
    conn: Connection, athlete_account_id: int, *, limit: int | None = None
) -> list[AuditEntry]:
    """The entries about an athlete's account, newest first."""
    query = (
        sa.select(audit_log)
        .where(audit_log.c.athlete_account_id == athlete_account_id)
        .order_by(audit_log.c.at.desc(), audit_log.c.id.desc())
    )
    if limit is not None:
        query = query.limit(limit)
    return [
        AuditEntry(
            id=r.id,
            at=r.at,
            actor_account_id=r.actor_account_id,
            actor_name=r.actor_name,
            athlete_account_id=r.athlete_account_id,
            action=r.action,
            detail=r.detail,
        )
        for r in conn.execute(query)
    ]
