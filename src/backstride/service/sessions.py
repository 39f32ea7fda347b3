"""The clinic server's sign-in sessions, kept in the database (issue 17, docs/clinic.md).

A session is a random token (``secrets.token_urlsafe(32)``, 256 bits) that the browser holds
in its cookie; the database keeps only its SHA-256, so a copy of the database (a backup, a
leaked dump) signs nobody in. Each session has its own CSRF token, which every write must
carry. A session ends when it is idle for 12 hours, 7 days after it began, when its account
is disabled, or when the person signs out or changes their password. A sign-in always starts
a new session (:func:`start_session` takes no token): a token planted before the sign-in
(session fixation) is never the one signed in.

Every function takes ``now=`` (default :func:`~backstride.service.clock.utc_now`), so tests
move time instead of waiting. ``service.accounts`` re-exports these names.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from backstride.errors import AuthenticationError
from backstride.model import Account
from backstride.service.clock import utc_now
from backstride.store import Store, transaction
from backstride.store import accounts as rows

#: A session unused this long ends.
SESSION_IDLE = timedelta(hours=12)
#: A session ends this long after its sign-in, used or not.
SESSION_LIFETIME = timedelta(days=7)
#: ``last_seen_at`` is written at most this often (not on every request).
TOUCH_EVERY = timedelta(minutes=1)
#: Longer tokens are not ours: not even looked up.
_TOKEN_MAX = 128

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class NewSession:
    """A session just started: ``token`` goes into the cookie (and nowhere else), the
    ``csrf_token`` into every form and API write; ``expires_at`` is its absolute end (UTC)."""

    token: str
    csrf_token: str
    expires_at: datetime


@dataclass(frozen=True)
class SignedIn:
    """Who a request's session belongs to. ``session_id`` is the stored id (the token's
    SHA-256), safe to log or compare; ``csrf_token`` is what the request's writes must carry."""

    account: Account
    csrf_token: str
    session_id: str


def token_hash(token: str) -> str:
    """The SHA-256 (hex) under which a session's or a link's token is stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start_session(store: Store, account: Account, *, now: Clock = utc_now) -> NewSession:
    """Start a new session for ``account`` (just signed in); sessions already past their
    time are forgotten on the way. A disabled account gets none."""
    if account.disabled:
        raise AuthenticationError("wrong account name or password")
    at = now()
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    expires_at = at + SESSION_LIFETIME
    with transaction(store) as conn:
        rows.delete_expired_sessions(conn, now=at, idle_since=at - SESSION_IDLE)
        rows.insert_session(
            conn,
            token_hash=token_hash(token),
            account_id=account.id,
            csrf_token=csrf,
            at=at,
            expires_at=expires_at,
        )
    return NewSession(token=token, csrf_token=csrf, expires_at=expires_at)


def session_of(store: Store, token: str | None, *, now: Clock = utc_now) -> SignedIn | None:
    """The signed-in account of a cookie's token; None when the token is unknown, the session
    is idle for :data:`SESSION_IDLE` or older than :data:`SESSION_LIFETIME` (then it is
    deleted), or its account is disabled. Refreshes ``last_seen_at`` at most once a minute."""
    if not token or len(token) > _TOKEN_MAX:
        return None
    at = now()
    session_id = token_hash(token)
    with transaction(store) as conn:
        found = rows.session_with_account(conn, session_id)
        if found is None:
            return None
        row, account = found
        last_seen = row.session_last_seen_at
        if account.disabled or at >= row.session_expires_at or at - last_seen >= SESSION_IDLE:
            rows.delete_session(conn, session_id)
            return None
        if at - last_seen >= TOUCH_EVERY:
            rows.touch_session(conn, session_id, at)
    return SignedIn(account=account, csrf_token=row.session_csrf, session_id=session_id)


def end_session(store: Store, token: str | None) -> None:
    """Sign out: the session of this token ends (nothing happens for an unknown token)."""
    if not token or len(token) > _TOKEN_MAX:
        return
    with transaction(store) as conn:
        rows.delete_session(conn, token_hash(token))


def end_sessions(store: Store, account_id: int) -> int:
    """End every session of the account (on every device); how many there were."""
    with transaction(store) as conn:
        return rows.delete_sessions(conn, account_id)
