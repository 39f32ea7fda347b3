"""The clinic server's accounts, web sessions, login failures and one-time links (0010).

Query functions only: ``service.accounts`` and ``service.sessions`` decide what is allowed,
hash passwords and tokens, and own the transactions. Secrets reach these functions already
hashed: a session's and a link's ``id`` is the SHA-256 of the token the person holds, never
the token itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from backstride.model import Account, Role
from backstride.store.db import Store, insert_or_ignore
from backstride.store.schema import account_tokens, accounts, athletes, login_failures
from backstride.store.schema import web_sessions as sessions

#: PostgreSQL advisory lock (class, object) of the sign-in throttle's check-and-count.
_LOCK_THROTTLE = (0x6273_0010, 0)

_COLUMNS = (*accounts.c, athletes.c.name.label("athlete_name"))
_JOINED = accounts.outerjoin(athletes, accounts.c.athlete_id == athletes.c.id)


def _account(row: Any) -> Account:
    role: Role = row.role
    return Account(
        id=row.id,
        name=row.name,
        role=role,
        display_name=row.display_name,
        athlete_id=row.athlete_id,
        athlete=row.athlete_name,
        created_at=row.created_at,
        has_password=row.password_hash is not None,
        disabled=row.disabled_at is not None,
    )


# --- accounts ---------------------------------------------------------------------------------


def insert_account(
    conn: Connection,
    *,
    name: str,
    role: Role,
    display_name: str | None,
    password_hash: str | None,
    athlete_id: int | None,
    at: datetime,
) -> Account | None:
    """Store a new account; None when the name is taken (also by a row committed after this
    transaction began: the unique name decides)."""
    inserted = conn.execute(
        insert_or_ignore(conn, accounts, "name")
        .values(
            name=name,
            role=role,
            display_name=display_name,
            password_hash=password_hash,
            athlete_id=athlete_id,
            created_at=at,
            password_changed_at=at if password_hash is not None else None,
        )
        .returning(accounts.c.id)
    ).scalar_one_or_none()
    return None if inserted is None else account_by_id(conn, int(inserted))


def account_by_name(conn: Connection, name: str) -> Account | None:
    row = conn.execute(sa.select(*_COLUMNS).select_from(_JOINED).where(accounts.c.name == name))
    found = row.first()
    return None if found is None else _account(found)


def account_by_id(conn: Connection, account_id: int) -> Account | None:
    query = sa.select(*_COLUMNS).select_from(_JOINED).where(accounts.c.id == account_id)
    found = conn.execute(query).first()
    return None if found is None else _account(found)


def login_of(conn: Connection, name: str) -> tuple[Account, str | None] | None:
    """The account called ``name`` with its password hash (None: no password set yet)."""
    query = sa.select(*_COLUMNS).select_from(_JOINED).where(accounts.c.name == name)
    found = conn.execute(query).first()
    return None if found is None else (_account(found), found.password_hash)


def password_hash_of(conn: Connection, account_id: int) -> str | None:
    query = sa.select(accounts.c.password_hash).where(accounts.c.id == account_id)
    return conn.execute(query).scalar_one_or_none()


def list_accounts(conn: Connection) -> list[Account]:
    """Every account, by name."""
    query = sa.select(*_COLUMNS).select_from(_JOINED).order_by(accounts.c.name)
    return [_account(row) for row in conn.execute(query)]


def set_password_hash(conn: Connection, account_id: int, password_hash: str, at: datetime) -> None:
    conn.execute(
        sa.update(accounts)
        .where(accounts.c.id == account_id)
        .values(password_hash=password_hash, password_changed_at=at)
    )


def replace_password_hash(conn: Connection, account_id: int, old: str, new: str) -> None:
    """Store a rehash of the same password, unless the hash changed meanwhile (a concurrent
    password change wins); ``password_changed_at`` stays, the password did not change."""
    conn.execute(
        sa.update(accounts)
        .where(accounts.c.id == account_id, accounts.c.password_hash == old)
        .values(password_hash=new)
    )


def set_disabled_at(conn: Connection, account_id: int, at: datetime | None) -> None:
    conn.execute(sa.update(accounts).where(accounts.c.id == account_id).values(disabled_at=at))


def athlete_name_taken(conn: Connection, name: str) -> bool:
    """Whether an ``athletes`` row (with its data) already has this name."""
    query = sa.select(athletes.c.id).where(athletes.c.name == name)
    return conn.execute(query).first() is not None


def insert_athlete(conn: Connection, name: str, at: datetime) -> int | None:
    """A new ``athletes`` row for an athlete account; its id, or None when the name is taken."""
    inserted = conn.execute(
        insert_or_ignore(conn, athletes, "name")
        .values(name=name, created_at=at)
        .returning(athletes.c.id)
    ).scalar_one_or_none()
    return None if inserted is None else int(inserted)


# --- login failures (the throttle) ------------------------------------------------------------


@contextmanager
def throttle_transaction(store: Store) -> Iterator[Connection]:
    """A transaction in which the throttle's failures are counted and an attempt added, one
    such at a time (PostgreSQL: a transaction-level advisory lock; SQLite: its write lock,
    taken first), so attempts made at once see each other. It holds no password check."""
    with store.engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.execute(sa.select(sa.func.pg_advisory_xact_lock(*_LOCK_THROTTLE)))
        yield conn


def add_failure(conn: Connection, *, name: str, address: str, at: datetime) -> int:
    """Count an attempt as failed; its row id (to withdraw it if it succeeds)."""
    key = conn.execute(
        sa.insert(login_failures).values(name=name, address=address, at=at)
    ).inserted_primary_key
    assert key is not None
    return int(key[0])


def delete_failure(conn: Connection, failure_id: int) -> None:
    conn.execute(sa.delete(login_failures).where(login_failures.c.id == failure_id))


def failures_since(
    conn: Connection, since: datetime, *, name: str | None = None, address: str | None = None
) -> list[datetime]:
    """When each failure for ``name`` (or from ``address``) after ``since`` happened, oldest
    first."""
    query = sa.select(login_failures.c.at).where(login_failures.c.at > since)
    if name is not None:
        query = query.where(login_failures.c.name == name)
    if address is not None:
        query = query.where(login_failures.c.address == address)
    return list(conn.execute(query.order_by(login_failures.c.at)).scalars())


def forget_failures_before(conn: Connection, before: datetime) -> None:
    """Drop sign-in failures too old to count (not the invite throttle's, ``invite#`` keys,
    which count for an hour: ``store.sharing``)."""
    conn.execute(
        sa.delete(login_failures).where(
            login_failures.c.at < before, sa.not_(login_failures.c.name.like("invite#%"))
        )
    )


# --- one-time links ---------------------------------------------------------------------------


def insert_link(
    conn: Connection,
    *,
    token_hash: str,
    account_id: int,
    purpose: str,
    by: int | None,
    at: datetime,
    expires_at: datetime,
) -> None:
    conn.execute(
        sa.insert(account_tokens).values(
            id=token_hash,
            account_id=account_id,
            purpose=purpose,
            created_by=by,
            created_at=at,
            expires_at=expires_at,
        )
    )


def delete_unused_links(conn: Connection, account_id: int, purpose: str | None = None) -> None:
    """Forget the account's links not used yet (of one purpose, or all): they stop working."""
    query = sa.delete(account_tokens).where(
        account_tokens.c.account_id == account_id, account_tokens.c.used_at.is_(None)
    )
    if purpose is not None:
        query = query.where(account_tokens.c.purpose == purpose)
    conn.execute(query)


def valid_link(conn: Connection, token_hash: str, now: datetime) -> tuple[int, str] | None:
    """The account id and purpose of an unused, unexpired link, or None."""
    query = sa.select(account_tokens.c.account_id, account_tokens.c.purpose).where(
        account_tokens.c.id == token_hash,
        account_tokens.c.used_at.is_(None),
        account_tokens.c.expires_at > now,
    )
    found = conn.execute(query).first()
    return None if found is None else (int(found.account_id), str(found.purpose))


def use_link(conn: Connection, token_hash: str, now: datetime) -> int | None:
    """Mark an unused, unexpired link used; the account id, or None when it was not valid.

    One statement, so of two requests redeeming the same link at once only one gets an id.
    """
    result = conn.execute(
        sa.update(account_tokens)
        .where(
            account_tokens.c.id == token_hash,
            account_tokens.c.used_at.is_(None),
            account_tokens.c.expires_at > now,
        )
        .values(used_at=now)
        .returning(account_tokens.c.account_id)
    )
    found = result.first()
    return None if found is None else int(found.account_id)


# --- web sessions -----------------------------------------------------------------------------


def insert_session(
    conn: Connection,
    *,
    token_hash: str,
    account_id: int,
    csrf_token: str,
    at: datetime,
    expires_at: datetime,
) -> None:
    conn.execute(
        sa.insert(sessions).values(
            id=token_hash,
            account_id=account_id,
            csrf_token=csrf_token,
            created_at=at,
            last_seen_at=at,
            expires_at=expires_at,
        )
    )


def session_with_account(conn: Connection, token_hash: str) -> tuple[Any, Account] | None:
    """The session row (``created_at``, ``last_seen_at``, ``expires_at``, ``csrf_token``) and
    its account, in one query (every request of the clinic server asks); None when unknown."""
    query = (
        sa.select(
            sessions.c.csrf_token.label("session_csrf"),
            sessions.c.last_seen_at.label("session_last_seen_at"),
            sessions.c.expires_at.label("session_expires_at"),
            *_COLUMNS,
        )
        .select_from(_JOINED.join(sessions, sessions.c.account_id == accounts.c.id))
        .where(sessions.c.id == token_hash)
    )
    row = conn.execute(query).first()
    return None if row is None else (row, _account(row))


def touch_session(conn: Connection, token_hash: str, at: datetime) -> None:
    conn.execute(sa.update(sessions).where(sessions.c.id == token_hash).values(last_seen_at=at))


def delete_session(conn: Connection, token_hash: str) -> None:
    conn.execute(sa.delete(sessions).where(sessions.c.id == token_hash))


def delete_sessions(conn: Connection, account_id: int, *, keep: str | None = None) -> int:
    """End every session of the account (but ``keep``, a session id, when given); how many."""
    query = sa.delete(sessions).where(sessions.c.account_id == account_id)
    if keep is not None:
        query = query.where(sessions.c.id != keep)
    return int(conn.execute(query).rowcount)


def delete_expired_sessions(conn: Connection, *, now: datetime, idle_since: datetime) -> int:
    """Forget sessions past their absolute expiry or idle since before ``idle_since``."""
    query = sa.delete(sessions).where(
        sa.or_(sessions.c.expires_at <= now, sessions.c.last_seen_at <= idle_since)
    )
    return int(conn.execute(query).rowcount)
