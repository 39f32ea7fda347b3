"""The audit log: who did what on whose data, and when (issue 17). The athlete reads it.

The clinic server records every clinician's view, export, note, clearance and report of an
athlete (the web layer, after :func:`backstride.service.sharing.access` allowed it), and
the sharing functions record sharing, revoking and redeeming themselves. ``detail`` is the
route and its query, never health data: entries are kept when an account is deleted.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Literal

from backstride.errors import InputError
from backstride.model import Account, AuditEntry
from backstride.store import Store, transaction
from backstride.store import audit as rows

AuditAction = Literal[
    "view", "export", "note", "clearance", "report", "share", "revoke", "redeem", "account_deleted"
]
ACTIONS: tuple[AuditAction, ...] = (
    "view",
    "export",
    "note",
    "clearance",
    "report",
    "share",
    "revoke",
    "redeem",
    "account_deleted",
)
#: The longest detail kept (a route and its query).
DETAIL_MAX = 500


def _utc_now() -> datetime:
    return datetime.now(UTC)


def record(
    store: Store,
    actor: Account,
    athlete_account_id: int | None,
    action: str,
    detail: str,
    *,
    now: Callable[[], datetime] = _utc_now,
) -> AuditEntry:
    """Log that ``actor`` did ``action`` (one of :data:`ACTIONS`) on the data of the athlete
    account ``athlete_account_id``; ``detail`` (one line, cut at :data:`DETAIL_MAX`)."""
    if action not in ACTIONS:
        raise InputError(f"unknown audit action {action!r}", field="action")
    line = " ".join(detail.split())[:DETAIL_MAX]
    at = now()
    with transaction(store) as conn:
        entry_id = rows.add_entry(
            conn,
            at=at,
            actor_account_id=actor.id,
            actor_name=actor.name,
            athlete_account_id=athlete_account_id,
            action=action,
            detail=line,
        )
    return AuditEntry(entry_id, at, actor.id, actor.name, athlete_account_id, action, line)


def entries_for(store: Store, athlete: Account, *, limit: int | None = None) -> list[AuditEntry]:
    """What was done on the athlete's data, by whom, newest first."""
    with transaction(store) as conn:
        return rows.list_entries(conn, athlete.id, limit=limit)
