"""Shares of an athlete's data with clinicians, and the one-time invite codes (0010:
``shares``, ``share_invites``), with the account rows they name.

Query functions only: ``service.sharing`` decides who may share what, makes and hashes the
codes (an invite's ``id`` is the SHA-256 of the code the athlete hands over, never the
code) and owns the transactions.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from backstride.model import Account, Share, ShareScope
from backstride.store.accounts import account_by_id, account_by_name
from backstride.store.schema import accounts, login_failures, share_invites, shares


def find_account(
    conn: Connection, *, account_id: int | None = None, name: str | None = None
) -> Account | None:
    """The account with this id or this name (exactly one of them), or None."""
    if account_id is not None:
        return account_by_id(conn, account_id)
    assert name is not None
    return account_by_name(conn, name)


# --- shares -----------------------------------------------------------------------------------

_athlete = accounts.alias("athlete_account")
_clinician = accounts.alias("clinician_account")
_SHARES = shares.join(_athlete, _athlete.c.id == shares.c.athlete_account_id).join(
    _clinician, _clinician.c.id == shares.c.clinician_account_id
)
_SHARE_COLUMNS = (
    *shares.c,
    _athlete.c.name.label("athlete_name"),
    _clinician.c.name.label("clinician_name"),
)


def _share(row: Any) -> Share:
    scope: ShareScope = row.scope
    return Share(
        id=row.id,
        athlete_account_id=row.athlete_account_id,
        athlete_name=row.athlete_name,
        clinician_account_id=row.clinician_account_id,
        clinician_name=row.clinician_name,
        scope=scope,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
    )


def insert_share(
    conn: Connection,
    *,
    athlete_account_id: int,
    clinician_account_id: int,
    scope: ShareScope,
    at: datetime,
) -> Share:
    share_id = conn.execute(
        sa.insert(shares)
        .values(
            athlete_account_id=athlete_account_id,
            clinician_account_id=clinician_account_id,
            scope=scope,
            created_at=at,
        )
        .returning(shares.c.id)
    ).scalar_one()
    found = get_share(conn, int(share_id))
    assert found is not None
    return found


def get_share(conn: Connection, share_id: int) -> Share | None:
    row = conn.execute(
        sa.select(*_SHARE_COLUMNS).select_from(_SHARES).where(shares.c.id == share_id)
    ).first()
    return None if row is None else _share(row)


def revoke_shares(
    conn: Connection, *, athlete_account_id: int, clinician_account_id: int, at: datetime
) -> int:
    """End the active shares of an athlete with a clinician; returns how many."""
    return int(
        conn.execute(
            sa.update(shares)
            .where(
                shares.c.athlete_account_id == athlete_account_id,
                shares.c.clinician_account_id == clinician_account_id,
                shares.c.revoked_at.is_(None),
            )
            .values(revoked_at=at)
        ).rowcount
    )


def revoke_share(conn: Connection, share_id: int, at: datetime) -> bool:
    """End a share (if still active); returns whether it was active."""
    return bool(
        conn.execute(
            sa.update(shares)
            .where(shares.c.id == share_id, shares.c.revoked_at.is_(None))
            .values(revoked_at=at)
        ).rowcount
    )


def list_shares(
    conn: Connection,
    *,
    athlete_account_id: int | None = None,
    clinician_account_id: int | None = None,
    active_only: bool = False,
) -> list[Share]:
    """Shares of an athlete or with a clinician, newest first."""
    query = sa.select(*_SHARE_COLUMNS).select_from(_SHARES)
    if athlete_account_id is not None:
        query = query.where(shares.c.athlete_account_id == athlete_account_id)
    if clinician_account_id is not None:
        query = query.where(shares.c.clinician_account_id == clinician_account_id)
    if active_only:
        query = query.where(shares.c.revoked_at.is_(None))
    rows = conn.execute(query.order_by(shares.c.created_at.desc(), shares.c.id.desc()))
    return [_share(r) for r in rows]


def active_share(
    conn: Connection, *, athlete_account_id: int, clinician_account_id: int
) -> Share | None:
    """The active share of an athlete with a clinician (the newest, should there be two)."""
    found = list_shares(
        conn,
        athlete_account_id=athlete_account_id,
        clinician_account_id=clinician_account_id,
        active_only=True,
    )
    return found[0] if found else None


# --- invite codes -----------------------------------------------------------------------------


def insert_invite(
    conn: Connection,
    *,
    code_hash: str,
    athlete_account_id: int,
    scope: ShareScope,
    at: datetime,
    expires_at: datetime,
) -> None:
    conn.execute(
        sa.insert(share_invites).values(
            id=code_hash,
            athlete_account_id=athlete_account_id,
            scope=scope,
            created_at=at,
            expires_at=expires_at,
        )
    )


def claim_invite(
    conn: Connection, code_hash: str, *, clinician_account_id: int, at: datetime
) -> tuple[int, ShareScope] | None:
    """Mark the invite redeemed, if it is unused, not revoked and not expired at ``at``;
    returns its (athlete account id, scope), or None. One UPDATE decides, so of two
    clinicians redeeming one code at once exactly one gets it."""
    row = conn.execute(
        sa.update(share_invites)
        .where(
            share_invites.c.id == code_hash,
            share_invites.c.redeemed_at.is_(None),
            share_invites.c.revoked_at.is_(None),
            share_invites.c.expires_at > at,
        )
        .values(redeemed_at=at, redeemed_by=clinician_account_id)
        .returning(share_invites.c.athlete_account_id, share_invites.c.scope)
    ).first()
    if row is None:
        return None
    scope: ShareScope = row.scope
    return int(row.athlete_account_id), scope


def revoke_invites(conn: Connection, athlete_account_id: int, at: datetime) -> int:
    """Withdraw an athlete's invite codes that still work at ``at``; returns how many."""
    return int(
        conn.execute(
            sa.update(share_invites)
            .where(
                share_invites.c.athlete_account_id == athlete_account_id,
                share_invites.c.redeemed_at.is_(None),
                share_invites.c.revoked_at.is_(None),
                share_invites.c.expires_at > at,
            )
            .values(revoked_at=at)
        ).rowcount
    )


# --- failed redemptions (the invite throttle) -------------------------------------------------
# Kept in ``login_failures`` under keys no sign-in uses (account names never hold ``#``), so
# they neither count for the login throttle nor it for them. ``service.sharing`` counts an
# attempt before the code is checked, under the throttle's lock
# (``store.accounts.throttle_transaction``), and withdraws it when the code was right.

INVITE_KEY = "invite#"


def invite_failure_keys(clinician_account_id: int, address: str) -> tuple[str, str]:
    """The ``login_failures`` (name, address) of a failed redemption."""
    return f"{INVITE_KEY}{clinician_account_id}", f"{INVITE_KEY}{address}"[:64]


def add_invite_failure(
    conn: Connection, clinician_account_id: int, address: str, at: datetime
) -> int:
    """Count a redemption as failed; its row id (to withdraw it if the code was right)."""
    name, where = invite_failure_keys(clinician_account_id, address)
    failure_id = conn.execute(
        sa.insert(login_failures)
        .values(name=name, address=where, at=at)
        .returning(login_failures.c.id)
    ).scalar_one()
    return int(failure_id)


def withdraw_invite_failure(conn: Connection, failure_id: int) -> None:
    conn.execute(sa.delete(login_failures).where(login_failures.c.id == failure_id))


def forget_invite_failures_before(conn: Connection, before: datetime) -> None:
    """Drop failed redemptions too old to count."""
    conn.execute(
        sa.delete(login_failures).where(
            login_failures.c.name.like(f"{INVITE_KEY}%"), login_failures.c.at < before
        )
    )


def invite_failures_since(
    conn: Connection, clinician_account_id: int, address: str, since: datetime
) -> tuple[list[datetime], list[datetime]]:
    """The times of failed redemptions since ``since``: (by this clinician, from this
    address), oldest first."""
    name, where = invite_failure_keys(clinician_account_id, address)
    found = []
    for condition in (login_failures.c.name == name, login_failures.c.address == where):
        found.append(
            list(
                conn.execute(
                    sa.select(login_failures.c.at)
                    .where(condition, login_failures.c.at > since)
                    .order_by(login_failures.c.at)
                ).scalars()
            )
        )
    return found[0], found[1]
