"""Password hashing, the password rules and the sign-in throttle of the clinic server's
accounts (``service.accounts`` uses them; issue 17, docs/clinic.md).

Passwords are stored as argon2id hashes (argon2-cffi's ``PasswordHasher`` with its RFC 9106
low-memory parameters). :class:`Passwords` also verifies against a dummy hash when there is
no stored one, so a sign-in to an unknown name costs what one to a known name costs. The
throttle counts failures over the last 15 minutes, per account name (5) and per address
(20; an IPv6 address by its /64), and refuses before any password is checked; nothing
erases a failure but time.
"""

from __future__ import annotations

import ipaddress
import math
import secrets
import threading
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from backstride.errors import InputError, ThrottledError
from backstride.store import Store, transaction
from backstride.store import accounts as rows

PASSWORD_MIN = 10
#: Longer passwords are refused before hashing: nobody types them, and hashing megabytes costs.
PASSWORD_MAX = 1024

#: The throttle: failures counted over this window, per account name and per address.
THROTTLE_WINDOW = timedelta(minutes=15)
NAME_LIMIT = 5
ADDRESS_LIMIT = 20
#: Stored names and addresses are cut to the columns' width.
KEY_MAX = 64


class Passwords:
    """argon2id hashing with one set of parameters, and a dummy hash made with them to spend
    the same work on an unknown name as on a known one."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self.hasher = hasher or PasswordHasher()  # argon2id, RFC 9106 low-memory profile
        self._dummy: str | None = None
        self._dummy_lock = threading.Lock()

    def hash(self, password: str) -> str:
        return self.hasher.hash(password)

    def verify(self, stored: str | None, password: str) -> bool:
        """Whether ``password`` matches ``stored``; with no stored hash, the same work is done
        against the dummy hash and the answer is no."""
        dummy = self._dummy_hash()  # made on the first check of any name: no tell of which
        if stored is None:
            stored = dummy
            password = password + "\0"  # never the dummy's password
        try:
            return self.hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False

    def _dummy_hash(self) -> str:
        """The dummy hash, made once: the sign-ins that arrive together when a server starts
        would otherwise each make their own."""
        with self._dummy_lock:
            if self._dummy is None:
                self._dummy = self.hasher.hash(secrets.token_urlsafe(16))
            return self._dummy

    def needs_rehash(self, stored: str) -> bool:
        return self.hasher.check_needs_rehash(stored)


#: The hasher in use; ``service.accounts`` reads it here at every call, so tests can put a
#: cheaper one in its place (``monkeypatch.setattr(passwords, "PASSWORDS", ...)``).
PASSWORDS = Passwords()


def check_password(password: str, name: str) -> None:
    """The password rules (InputError ``password``): at least 10 characters, at most 1024,
    and not the account name."""
    if len(password) < PASSWORD_MIN:
        raise InputError(
            f"a password needs at least {PASSWORD_MIN} characters, this one has {len(password)}",
            field="password",
        )
    if len(password) > PASSWORD_MAX:
        raise InputError(f"a password has at most {PASSWORD_MAX} characters", field="password")
    if password.strip().lower() == name.lower():
        raise InputError("the password cannot be the account name", field="password")


def retry_after(failures: list[datetime], limit: int, at: datetime) -> int | None:
    """Seconds until fewer than ``limit`` of these failures (oldest first) are in the window,
    or None when fewer already are."""
    if len(failures) < limit:
        return None
    leaves = failures[len(failures) - limit] + THROTTLE_WINDOW
    return max(1, math.ceil((leaves - at).total_seconds()))


def address_key(address: str) -> str:
    """The throttle's key of a client address: an IPv6 address counts as its /64 network (one
    customer's, which can take any of its 2^64 addresses), an IPv4-mapped one as the IPv4
    address; anything else as given, cut to the column's width."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return address[:KEY_MAX]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


def begin_attempt(store: Store, name: str, address: str | None, at: datetime) -> int:
    """Count a sign-in attempt before its password is checked, unless the throttle refuses it
    (ThrottledError, not counted): ``name`` had 5 failures, or ``address`` 20, in the window
    before ``at``; ``retry_after_s`` says when the count falls below the limit again. Attempts
    made at once are counted one after the other, so guessing in parallel gains nothing. The
    id returned withdraws the attempt when the password was right (:func:`attempt_succeeded`).
    ``address`` None (a password change, which has none) is checked by name only."""
    since = at - THROTTLE_WINDOW
    with rows.throttle_transaction(store) as conn:
        waits = [retry_after(rows.failures_since(conn, since, name=name), NAME_LIMIT, at)]
        if address is not None:
            by_address = rows.failures_since(conn, since, address=address)
            waits.append(retry_after(by_address, ADDRESS_LIMIT, at))
        wait = max((w for w in waits if w is not None), default=None)
        if wait is not None:
            minutes = math.ceil(wait / 60)
            raise ThrottledError(
                "too many failed sign-ins in the last 15 minutes",
                retry_after_s=wait,
                hint=f"try again in {minutes} minute{'s' if minutes != 1 else ''}",
            )
        rows.forget_failures_before(conn, since)
        return rows.add_failure(conn, name=name, address=address or "", at=at)


def attempt_succeeded(store: Store, attempt: int) -> None:
    """The password was right: this attempt is not a failure (earlier failures stay)."""
    with transaction(store) as conn:
        rows.delete_failure(conn, attempt)
