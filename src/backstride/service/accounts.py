"""The clinic server's accounts: creation, one-time links, sign-in with its throttle, password
changes and disabling (issue 17, docs/clinic.md). Sessions are ``service/sessions.py``,
re-exported here; hashing, the password rules and the throttle are ``service/passwords.py``.

Passwords are stored as argon2id hashes (argon2-cffi's ``PasswordHasher``, its RFC 9106
parameters), rehashed on sign-in when those parameters change. A failed sign-in says the same
thing whatever failed (an unknown name, a wrong password, no password yet, a disabled
account) after the same work: an unknown name is verified against a dummy hash, so neither
the message nor the time tells which names exist. The throttle counts failures in the last
15 minutes per account name (5) and per address (20) and refuses before checking; a success
does not erase them, so a guesser cannot reset the count by signing in to their own account.

An admin creates accounts (``backstride admin create-user``); a person without a password
sets one through a one-time invite link, and a forgotten password is replaced through a reset
link an admin issues. Links are random tokens stored only as SHA-256; a new one of the same
purpose replaces the earlier, and using one ends every session of the account.

Functions that depend on the time take ``now=`` (default
:func:`~backstride.service.clock.utc_now`), so tests move time instead of waiting.
"""

from __future__ import annotations

import re
import secrets
from datetime import timedelta
from typing import Literal

from backstride.config import Settings
from backstride.errors import (
    AuthenticationError,
    ConfigError,
    InputError,
    NotFoundError,
    PermissionDeniedError,
)
from backstride.model import ROLES, Account, Role
from backstride.service import passwords
from backstride.service.clock import utc_now
from backstride.service.database import open_database
from backstride.service.sessions import (
    SESSION_IDLE,
    SESSION_LIFETIME,
    Clock,
    NewSession,
    SignedIn,
    end_session,
    end_sessions,
    session_of,
    start_session,
    token_hash,
)
from backstride.store import Connection, Store, transaction
from backstride.store import accounts as rows

__all__ = [
    "SESSION_IDLE",
    "SESSION_LIFETIME",
    "NewSession",
    "SignedIn",
    "authenticate",
    "change_password",
    "create_account",
    "end_session",
    "end_sessions",
    "get_account",
    "get_account_by_id",
    "issue_link",
    "link_account",
    "list_accounts",
    "open_clinic_database",
    "redeem_link",
    "session_of",
    "set_disabled",
    "start_session",
]

LinkPurpose = Literal["invite", "reset"]
#: How long a link works: an invitation waits for its reader, a reset is asked for now.
LINK_TTL: dict[str, timedelta] = {"invite": timedelta(days=3), "reset": timedelta(hours=1)}
#: The web page a link opens.
LINK_PATH = "/account/password"

NAME_RULE = "3-64 characters of a-z, 0-9, '.', '_' and '-'"
_NAME = re.compile(r"[a-z0-9._-]{3,64}")
DISPLAY_NAME_MAX = 200

SIGN_IN_FAILED = "wrong account name or password"
LINK_FAILED = "this link is unknown, used or expired"


# --- opening the clinic database --------------------------------------------------------------


_ENGINES = {"sqlite": "an SQLite file", "mysql": "MySQL", "mariadb": "MariaDB"}


def clinic_database_problem(url: str) -> str | None:
    """Why the clinic server cannot use this database URL (one line), or None for PostgreSQL."""
    scheme = url.split("://", 1)[0].split("+", 1)[0].lower() if "://" in url else "sqlite"
    if scheme in ("postgresql", "postgres"):
        return None
    return (
        "the clinic server needs PostgreSQL: its web and worker processes, on one machine or "
        "several, share accounts, sessions and jobs through one database server, which "
        f"{_ENGINES.get(scheme, scheme)} is not"
    )


def open_clinic_database(settings: Settings) -> Store:
    """Open the configured PostgreSQL store; an SQLite URL (or the default file) is refused
    before anything is opened or created."""
    problem = clinic_database_problem(settings.database_url)
    if problem is not None:
        raise ConfigError(
            problem,
            hint="pass --db postgresql+psycopg://USER@HOST/DATABASE (or set "
            "BACKSTRIDE_DATABASE_URL) and run backstride db upgrade once",
        )
    return open_database(settings)


# --- accounts ---------------------------------------------------------------------------------


def normalize_name(name: str) -> str:
    """An account name as stored: lower case; InputError (``name``) unless 3-64 characters of
    a-z, 0-9, '.', '_' and '-'."""
    cleaned = name.strip().lower()
    if not (cleaned.isascii() and _NAME.fullmatch(cleaned)):
        raise InputError(f"an account name is {NAME_RULE}, not {name[:70]!r}", field="name")
    return cleaned


def create_account(
    store: Store,
    name: str,
    role: str,
    *,
    password: str | None = None,
    display_name: str | None = None,
    now: Clock = utc_now,
) -> Account:
    """A new account. An athlete account gets an ``athletes`` row of its own, named like the
    account (a name an athletes row already has is refused: that data is someone's). Without
    a password the person sets one through an invite link (:func:`issue_link`)."""
    name = normalize_name(name)
    if role not in ROLES:
        raise InputError(f"a role is athlete, clinician or admin, not {role[:40]!r}", field="role")
    checked_role: Role = role
    shown = (display_name or "").strip() or None
    if shown is not None and len(shown) > DISPLAY_NAME_MAX:
        raise InputError(
            f"a display name has at most {DISPLAY_NAME_MAX} characters", field="display_name"
        )
    password_hash = None
    if password is not None:
        passwords.check_password(password, name)
        password_hash = passwords.PASSWORDS.hash(password)
    at = now()
    with transaction(store) as conn:
        taken = InputError(f"an account called {name!r} already exists", field="name")
        if rows.account_by_name(conn, name) is not None:
            raise taken
        athlete_id = None
        if checked_role == "athlete":
            athlete_id = rows.insert_athlete(conn, name, at)
            if athlete_id is None:
                raise InputError(
                    f"the database already holds an athlete called {name!r} (their data): "
                    "choose another name",
                    field="name",
                )
        account = rows.insert_account(
            conn,
            name=name,
            role=checked_role,
            display_name=shown,
            password_hash=password_hash,
            athlete_id=athlete_id,
            at=at,
        )
        if account is None:
            raise taken
    return account


def _by_name(conn: Connection, name: str) -> Account:
    found = rows.account_by_name(conn, name.strip().lower())
    if found is None:
        raise NotFoundError(f"no account called {name[:70]!r}")
    return found


def get_account(store: Store, name: str) -> Account:
    """The account called ``name`` (any case); NotFoundError when there is none."""
    with transaction(store) as conn:
        return _by_name(conn, name)


def get_account_by_id(store: Store, account_id: int) -> Account:
    """The account with this id; NotFoundError when there is none."""
    with transaction(store) as conn:
        found = rows.account_by_id(conn, account_id)
    if found is None:
        raise NotFoundError(f"no account with id {account_id}")
    return found


def list_accounts(store: Store) -> list[Account]:
    """Every account, by name (no health data: what an admin sees)."""
    with transaction(store) as conn:
        return rows.list_accounts(conn)


def set_disabled(store: Store, name: str, disabled: bool, *, now: Clock = utc_now) -> Account:
    """Disable an account (its sessions and unused links end; it cannot sign in) or enable it
    again (it signs in with the password it had)."""
    with transaction(store) as conn:
        account = _by_name(conn, name)
        if disabled and not account.disabled:
            rows.set_disabled_at(conn, account.id, now())
        elif not disabled and account.disabled:
            rows.set_disabled_at(conn, account.id, None)
        if disabled:
            rows.delete_sessions(conn, account.id)
            rows.delete_unused_links(conn, account.id)
        found = rows.account_by_id(conn, account.id)
    assert found is not None
    return found


# --- one-time links ---------------------------------------------------------------------------


def link_url(token: str, base_url: str = "") -> str:
    """The page that takes a link's token: ``{base_url}/account/password?token=...``."""
    return f"{base_url.rstrip('/')}{LINK_PATH}?token={token}"


def issue_link(
    store: Store,
    name: str,
    purpose: LinkPurpose,
    *,
    by: Account | None,
    ttl: timedelta | None = None,
    now: Clock = utc_now,
) -> str:
    """A new one-time link's token (256 random bits, URL-safe) for the account to set its
    password: ``invite`` (a first password, 3 days) or ``reset`` (1 hour). Earlier unused links
    of that account and purpose stop working. ``by``: the admin issuing it (None: the CLI)."""
    if purpose not in LINK_TTL:
        raise InputError(f"a link is an invite or a reset, not {purpose!r}", field="purpose")
    if by is not None and (by.role != "admin" or by.disabled):
        raise PermissionDeniedError("only an admin issues account links")
    at = now()
    token = secrets.token_urlsafe(32)
    with transaction(store) as conn:
        account = _by_name(conn, name)
        if account.disabled:
            raise InputError(
                f"the account {account.name!r} is disabled: enable it first", field="name"
            )
        rows.delete_unused_links(conn, account.id, purpose)
        rows.insert_link(
            conn,
            token_hash=token_hash(token),
            account_id=account.id,
            purpose=purpose,
            by=None if by is None else by.id,
            at=at,
            expires_at=at + (ttl if ttl is not None else LINK_TTL[purpose]),
        )
    return token


def link_account(store: Store, token: str, *, now: Clock = utc_now) -> Account:
    """Whose link this is (the page shows the name before a password is chosen);
    AuthenticationError when it is unknown, used or expired, or the account is disabled."""
    with transaction(store) as conn:
        found = rows.valid_link(conn, token_hash(token), now()) if token else None
        account = None if found is None else rows.account_by_id(conn, found[0])
    if account is None or account.disabled:
        raise AuthenticationError(LINK_FAILED, hint="ask an admin for a new link")
    return account


def redeem_link(store: Store, token: str, new_password: str, *, now: Clock = utc_now) -> Account:
    """Set the account's password through a one-time link: the link is used up (also its
    other unused links), and every session of the account ends."""
    account = link_account(store, token, now=now)
    passwords.check_password(new_password, account.name)
    password_hash = passwords.PASSWORDS.hash(new_password)
    at = now()
    with transaction(store) as conn:
        if rows.use_link(conn, token_hash(token), at) != account.id:
            raise AuthenticationError(LINK_FAILED, hint="ask an admin for a new link")
        rows.set_password_hash(conn, account.id, password_hash, at)
        rows.delete_unused_links(conn, account.id)
        rows.delete_sessions(conn, account.id)
        found = rows.account_by_id(conn, account.id)
    assert found is not None
    return found


# --- signing in -------------------------------------------------------------------------------


def authenticate(
    store: Store, name: str, password: str, *, address: str, now: Clock = utc_now
) -> Account:
    """The account whose name and password these are. Refused first, unchecked, when the
    throttle says so (ThrottledError with ``retry_after_s``); otherwise every failure is the
    one AuthenticationError "wrong account name or password", after the same work, and is
    counted. A hash made with older parameters is replaced on success."""
    wanted = name.strip().lower()
    key = wanted[: passwords.KEY_MAX]  # the throttle's (a longer name is no account's)
    attempt = passwords.begin_attempt(store, key, passwords.address_key(address), now())
    with transaction(store) as conn:
        found = rows.login_of(conn, wanted) if len(wanted) <= passwords.KEY_MAX else None
    account, stored = found if found is not None else (None, None)
    matches = passwords.PASSWORDS.verify(stored, password[: passwords.PASSWORD_MAX + 1])
    if account is None or stored is None or not matches or account.disabled:
        raise AuthenticationError(SIGN_IN_FAILED)  # counted as a failure
    passwords.attempt_succeeded(store, attempt)
    if passwords.PASSWORDS.needs_rehash(stored):
        new_hash = passwords.PASSWORDS.hash(password)
        with transaction(store) as conn:
            rows.replace_password_hash(conn, account.id, stored, new_hash)
    return account


def change_password(
    store: Store,
    account: Account,
    old: str,
    new: str,
    *,
    address: str | None = None,
    now: Clock = utc_now,
) -> NewSession:
    """Replace the signed-in account's password after checking the current one (throttled and
    counted like a sign-in). Every session of the account ends, the current one too: the new
    session returned takes its place (its cookie is set again)."""
    where = None if address is None else passwords.address_key(address)
    attempt = passwords.begin_attempt(store, account.name, where, now())
    with transaction(store) as conn:
        stored = rows.password_hash_of(conn, account.id)
    if stored is None or not passwords.PASSWORDS.verify(stored, old[: passwords.PASSWORD_MAX + 1]):
        raise AuthenticationError("the current password is wrong")  # counted as a failure
    passwords.attempt_succeeded(store, attempt)
    passwords.check_password(new, account.name)
    if new == old:
        raise InputError("the new password is the current one", field="password")
    password_hash = passwords.PASSWORDS.hash(new)
    with transaction(store) as conn:
        rows.set_password_hash(conn, account.id, password_hash, now())
        rows.delete_sessions(conn, account.id)
        current = rows.account_by_id(conn, account.id)
    if current is None or current.disabled:
        raise AuthenticationError(SIGN_IN_FAILED)
    return start_session(store, current, now=now)
