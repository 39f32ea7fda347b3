"""Sharing an athlete's data with clinicians, and THE access decision (issue 17).

An athlete shares with a clinician by the clinician's account name or by a one-time invite
code the clinician redeems, chooses the scope (``all``, or ``summaries`` without GPS
streams) and can revoke at any time. :func:`access` is the one decision of who may see
whose data: every page and API route of the clinic server asks it on every request (a
revoked share is refused on the next request: nothing is cached), and the
:class:`Access` it returns hands out the store the service functions run on, restricted for
a clinician (``Store.restricted``: no Strava API data, docs/sync.md; no positions for
``summaries``). Admins never get health data.

Functions that depend on the time take ``now=`` (a callable returning an aware UTC
datetime), so tests move time instead of waiting.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from backstride.errors import InputError, NotFoundError, PermissionDeniedError, ThrottledError
from backstride.model import SHARE_SCOPES, Account, Share, ShareScope
from backstride.service.passwords import address_key
from backstride.store import Connection, Store, restricted, transaction
from backstride.store import audit as audit_rows
from backstride.store import sharing as rows
from backstride.store.accounts import throttle_transaction

Now = Callable[[], datetime]

#: How long an invite code works.
INVITE_TTL = timedelta(days=7)
#: Failed redemptions that stop a clinician (or an address) for the rest of the window.
INVITE_FAILURES_ALLOWED = 10
INVITE_FAILURE_WINDOW = timedelta(hours=1)
#: Crockford's base32 (no I, L, O, U): codes read aloud or typed from paper survive.
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_READ_AS = {"O": "0", "I": "1", "L": "1"}
_CODE_CHARS = 12  # 60 bits


def _utc_now() -> datetime:
    return datetime.now(UTC)


AccessScope = Literal["own", "all", "summaries"]


@dataclass(frozen=True)
class Access:
    """What ``viewer`` may do with ``athlete``'s data: their own (``own``, with writes), or
    a clinician's read-only view of a share's scope (``all`` or ``summaries``)."""

    viewer: Account
    athlete: Account
    scope: AccessScope
    can_write: bool
    share_id: int | None

    def store(self, base: Store) -> Store:
        """The store to give the service functions: ``base`` itself for the athlete's own
        data; for a clinician a view without Strava's API data (and, for ``summaries``,
        without positions)."""
        if self.scope == "own":
            return base
        return base.restricted(hide_strava_api=True, positions=self.scope == "all")

    @property
    def athlete_name(self) -> str:
        """The ``athletes`` row's name the service functions take as ``athlete=``."""
        assert self.athlete.athlete is not None
        return self.athlete.athlete


def _check_scope(scope: str) -> ShareScope:
    if scope not in SHARE_SCOPES:
        raise InputError(
            f"unknown share scope {scope!r}",
            hint="share everything (all) or summaries without GPS streams (summaries)",
            field="scope",
        )
    checked: ShareScope = scope
    return checked


def _require_athlete(account: Account) -> int:
    """The account's ``athletes`` row id; refuses accounts that own no data."""
    if account.role != "athlete" or account.athlete_id is None or account.disabled:
        raise PermissionDeniedError(f"account {account.name} has no athlete data to share")
    return account.athlete_id


def _require_clinician(account: Account) -> None:
    if account.role != "clinician" or account.disabled:
        raise PermissionDeniedError(f"account {account.name} is not a clinician's account")


# --- invite codes -----------------------------------------------------------------------------


def new_code() -> str:
    """A fresh invite code: 12 characters of Crockford base32 (60 random bits) in three
    groups, ``XXXX-XXXX-XXXX``."""
    value = secrets.randbits(5 * _CODE_CHARS)
    chars = [_CROCKFORD[(value >> (5 * i)) & 31] for i in range(_CODE_CHARS)]
    return "-".join("".join(chars[i : i + 4]) for i in range(0, _CODE_CHARS, 4))


def normalise_code(code: str) -> str | None:
    """The code's 12 characters as stored (upper case, no dashes or spaces, O read as 0 and
    I, L as 1), or None when it cannot be a code."""
    plain = "".join(code.split()).replace("-", "").upper()
    plain = "".join(_READ_AS.get(c, c) for c in plain)
    if len(plain) != _CODE_CHARS or any(c not in _CROCKFORD for c in plain):
        return None
    return plain


def code_hash(plain: str) -> str:
    return hashlib.sha256(plain.encode()).hexdigest()


def create_invite(store: Store, athlete: Account, scope: str, *, now: Now = _utc_now) -> str:
    """A one-time code the athlete hands to a clinician, valid 7 days; only its SHA-256
    is stored, so the code is shown this once."""
    _require_athlete(athlete)
    checked = _check_scope(scope)
    code = new_code()
    plain = normalise_code(code)
    assert plain is not None
    at = now()
    with transaction(store) as conn:
        rows.insert_invite(
            conn,
            code_hash=code_hash(plain),
            athlete_account_id=athlete.id,
            scope=checked,
            at=at,
            expires_at=at + INVITE_TTL,
        )
    return code


def redeem_invite(
    store: Store, clinician: Account, code: str, *, address: str, now: Now = _utc_now
) -> Share:
    """Redeem an invite code: the athlete's data is shared with ``clinician`` in the code's
    scope (replacing an earlier share between them). One-time; a wrong, used, withdrawn
    or expired code is one InputError ("unknown or used invite code"), and
    :data:`INVITE_FAILURES_ALLOWED` failures by a clinician or from an address (an IPv6
    address by its /64, as the sign-in throttle: ``passwords.address_key``) within
    :data:`INVITE_FAILURE_WINDOW` refuse further tries (:class:`ThrottledError`) until the
    oldest leaves the window: 60-bit codes cannot be guessed at that pace. Each attempt is
    counted before its code is checked, one at a time, and withdrawn when it was right,
    so attempts made in parallel gain nothing."""
    _require_clinician(clinician)
    at = now()
    where = address_key(address)
    since = at - INVITE_FAILURE_WINDOW
    with throttle_transaction(store) as conn:  # attempts at once are counted one by one
        by_clinician, by_address = rows.invite_failures_since(conn, clinician.id, where, since)
        for counted in (by_clinician, by_address):
            if len(counted) >= INVITE_FAILURES_ALLOWED:
                oldest = counted[-INVITE_FAILURES_ALLOWED]
                wait = (oldest + INVITE_FAILURE_WINDOW - at).total_seconds()
                raise ThrottledError(
                    "too many wrong invite codes; try again later",
                    retry_after_s=max(1, math.ceil(wait)),
                    hint="ask the athlete for a new code, or to share with your account name",
                )
        rows.forget_invite_failures_before(conn, since)
        attempt = rows.add_invite_failure(conn, clinician.id, where, at)
    plain = normalise_code(code)
    with transaction(store) as conn:
        claimed = (
            None
            if plain is None
            else rows.claim_invite(conn, code_hash(plain), clinician_account_id=clinician.id, at=at)
        )
        if claimed is not None:
            rows.withdraw_invite_failure(conn, attempt)
            athlete_account_id, scope = claimed
            rows.revoke_shares(
                conn,
                athlete_account_id=athlete_account_id,
                clinician_account_id=clinician.id,
                at=at,
            )
            share = rows.insert_share(
                conn,
                athlete_account_id=athlete_account_id,
                clinician_account_id=clinician.id,
                scope=scope,
                at=at,
            )
            _audit(conn, clinician, athlete_account_id, "redeem", f"invite code, scope {scope}", at)
            return share
    raise InputError(
        "unknown or used invite code",
        hint="codes work once, for 7 days: ask the athlete for a new one",
        field="code",
    )


def withdraw_invites(store: Store, athlete: Account, *, now: Now = _utc_now) -> int:
    """Make the athlete's invite codes that still work stop working; returns how many."""
    _require_athlete(athlete)
    with transaction(store) as conn:
        return rows.revoke_invites(conn, athlete.id, now())


# --- shares -----------------------------------------------------------------------------------


def share_with(
    store: Store, athlete: Account, clinician_name: str, scope: str, *, now: Now = _utc_now
) -> Share:
    """Share the athlete's data with the clinician account called ``clinician_name`` (an
    earlier share with them is replaced, so the scope can change)."""
    _require_athlete(athlete)
    checked = _check_scope(scope)
    wanted = clinician_name.strip().lower()
    at = now()
    with transaction(store) as conn:
        found = rows.find_account(conn, name=wanted) if wanted else None
        if found is None or found.role != "clinician" or found.disabled:
            raise InputError(
                f"no clinician account called {clinician_name.strip()!r}",
                hint="ask your clinician for their account name, or give them an invite code",
                field="clinician_name",
            )
        rows.revoke_shares(
            conn, athlete_account_id=athlete.id, clinician_account_id=found.id, at=at
        )
        share = rows.insert_share(
            conn,
            athlete_account_id=athlete.id,
            clinician_account_id=found.id,
            scope=checked,
            at=at,
        )
        _audit(conn, athlete, athlete.id, "share", f"with {found.name}, scope {checked}", at)
    return share


def revoke_share(store: Store, athlete: Account, share_id: int, *, now: Now = _utc_now) -> Share:
    """End one of the athlete's shares: the clinician's next request is refused. Revoking
    a share already revoked changes nothing; another athlete's share is not found."""
    _require_athlete(athlete)
    at = now()
    with transaction(store) as conn:
        found = rows.get_share(conn, share_id)
        if found is None or found.athlete_account_id != athlete.id:
            raise NotFoundError(f"no share with id {share_id}", hint="the Sharing page lists them")
        if rows.revoke_share(conn, share_id, at):
            _audit(conn, athlete, athlete.id, "revoke", f"share with {found.clinician_name}", at)
        revoked = rows.get_share(conn, share_id)
    assert revoked is not None
    return revoked


def shares_of(store: Store, athlete: Account) -> list[Share]:
    """Every share the athlete made, active and revoked, newest first."""
    with transaction(store) as conn:
        return rows.list_shares(conn, athlete_account_id=athlete.id)


def shared_with(store: Store, clinician: Account) -> list[Share]:
    """The active shares with a clinician, newest first."""
    with transaction(store) as conn:
        return rows.list_shares(conn, clinician_account_id=clinician.id, active_only=True)


@dataclass(frozen=True)
class StravaWithheld:
    """What a clinician does not see of an athlete's activities because of Strava's API
    Agreement (docs/sync.md): the runner's Sharing page says so, and why."""

    hidden_activities: int
    activities_without_strava_fields: int

    @property
    def words(self) -> str | None:
        """One line for the runner, or None when nothing is withheld."""
        if not (self.hidden_activities or self.activities_without_strava_fields):
            return None
        parts = []
        if self.hidden_activities:
            parts.append(
                f"{self.hidden_activities} "
                f"{'activity' if self.hidden_activities == 1 else 'activities'} synced only "
                "from Strava"
            )
        if self.activities_without_strava_fields:
            parts.append(
                "the titles, notes, perceived effort and shoes Strava added to "
                f"{self.activities_without_strava_fields} other "
                f"{'activity' if self.activities_without_strava_fields == 1 else 'activities'}"
            )
        return (
            f"Clinicians do not see {' or '.join(parts)}: Strava's API Agreement lets "
            "Strava data be shown to you only. Your own files (watch FIT files, "
            "intervals.icu, export archives) are shared."
        )

    def to_json(self) -> dict[str, object]:
        return {
            "hidden_activities": self.hidden_activities,
            "activities_without_strava_fields": self.activities_without_strava_fields,
            "words": self.words,
        }


def strava_withheld(store: Store, athlete: Account) -> StravaWithheld:
    """What every share of the athlete leaves out because it came from Strava's API."""
    athlete_id = _require_athlete(athlete)
    with transaction(store) as conn:
        return StravaWithheld(*restricted.withheld(conn, athlete_id))


# --- the access decision ----------------------------------------------------------------------


def access(store: Store, viewer: Account, athlete_account_id: int | None) -> Access:
    """Whether ``viewer`` may see the data of the athlete account ``athlete_account_id``
    (None: their own), and how: an athlete their own (read and write); a clinician an
    athlete with an active share with them (read-only, the share's scope). Anything else,
    an admin asking for health data included, is :class:`PermissionDeniedError`, with one
    message for a missing and an unshared athlete so ids cannot be probed."""
    if viewer.disabled:
        raise PermissionDeniedError(f"account {viewer.name} is disabled")
    if viewer.role == "admin":
        raise PermissionDeniedError("an admin account sees no health data")
    if viewer.role == "athlete":
        if athlete_account_id is not None and athlete_account_id != viewer.id:
            raise PermissionDeniedError("this athlete has not shared their data with you")
        if viewer.athlete_id is None or viewer.athlete is None:
            raise PermissionDeniedError(f"account {viewer.name} has no athlete data")
        return Access(viewer, viewer, "own", True, None)
    if viewer.role != "clinician":
        raise PermissionDeniedError(f"account {viewer.name} has no access to health data")
    if athlete_account_id is None:
        raise PermissionDeniedError(
            "choose an athlete", hint="the athlete list shows who shared their data with you"
        )
    with transaction(store) as conn:
        share = rows.active_share(
            conn, athlete_account_id=athlete_account_id, clinician_account_id=viewer.id
        )
        athlete = rows.find_account(conn, account_id=athlete_account_id) if share else None
    if share is None or athlete is None or athlete.athlete_id is None:
        raise PermissionDeniedError("this athlete has not shared their data with you")
    return Access(viewer, athlete, share.scope, False, share.id)


def _audit(
    conn: Connection,
    actor: Account,
    athlete_account_id: int,
    action: str,
    detail: str,
    at: datetime,
) -> None:
    audit_rows.add_entry(
        conn,
        at=at,
        actor_account_id=actor.id,
        actor_name=actor.name,
        athlete_account_id=athlete_account_id,
        action=action,
        detail=detail,
    )
