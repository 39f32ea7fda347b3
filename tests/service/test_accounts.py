"""Clinic accounts (issue 17): argon2id hashes, one sign-in failure message, the throttle, one-time
links and server-side sessions, on SQLite and PostgreSQL. Time is a fake clock, moved by hand."""

from __future__ import annotations

import hashlib
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher

from backstride.config import load_settings
from backstride.errors import (
    AuthenticationError,
    ConfigError,
    InputError,
    NotFoundError,
    PermissionDeniedError,
    ThrottledError,
)
from backstride.service import accounts, passwords
from backstride.store import Store
from backstride.store.athletes import get_or_create_athlete
from backstride.store.schema import account_tokens, web_sessions
from backstride.store.schema import accounts as account_rows

PASSWORD = "correct horse battery"
T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


class Clock:
    """A clock the test moves: ``clock()`` is now."""

    def __init__(self, at: datetime = T0) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at += timedelta(**delta)


class CountingHasher(PasswordHasher):
    """argon2id at the lowest cost (the tests sign in hundreds of times), counting its work."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=8, parallelism=1)
        self.verifies = 0
        self.hashes = 0

    def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
        self.hashes += 1
        return super().hash(password, salt=salt)

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        self.verifies += 1
        return super().verify(hash, password)


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> CountingHasher:
    hasher = CountingHasher()
    monkeypatch.setattr(passwords, "PASSWORDS", passwords.Passwords(hasher))
    return hasher


@pytest.fixture
def clock() -> Clock:
    return Clock()


def stored(store: Store, table: sa.Table) -> list[Any]:
    with store.engine.connect() as conn:
        return list(conn.execute(sa.select(table)))


def hash_of(store: Store, name: str) -> str:
    with store.engine.connect() as conn:
        query = sa.select(account_rows.c.password_hash).where(account_rows.c.name == name)
        return str(conn.execute(query).scalar_one())


# --- accounts and hashes ----------------------------------------------------------------------


def test_the_hash_is_argon2id_with_the_default_parameters_and_never_the_password(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(passwords, "PASSWORDS", passwords.Passwords())  # the real cost
    account = accounts.create_account(store, "Anna", "athlete", password=PASSWORD)
    assert account.has_password
    stored_hash = hash_of(store, "anna")
    assert stored_hash.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert PASSWORD not in stored_hash
    assert accounts.authenticate(store, "anna", PASSWORD, address="10.0.0.1") == account


def test_create_account_names_roles_and_the_athlete_row(store: Store) -> None:
    anna = accounts.create_account(store, " Anna.B ", "athlete", display_name=" Anna B. ")
    assert (anna.name, anna.role, anna.display_name) == ("anna.b", "athlete", "Anna B.")
    assert anna.athlete == "anna.b"
    assert anna.athlete_id is not None
    assert not anna.has_password
    assert not anna.disabled
    doc = accounts.create_account(store, "doc", "clinician", password=PASSWORD)
    assert (doc.athlete_id, doc.athlete) == (None, None)
    assert accounts.get_account(store, "ANNA.B") == anna
    assert accounts.get_account_by_id(store, doc.id) == doc
    assert [a.name for a in accounts.list_accounts(store)] == ["anna.b", "doc"]

    def refused(field: str, *args: Any, **kwargs: Any) -> str:
        with pytest.raises(InputError) as caught:
            accounts.create_account(store, *args, **kwargs)
        assert caught.value.field == field
        return caught.value.message

    assert "already exists" in refused("name", "DOC", "admin")
    for bad in ("ab", "a b", "x" * 65, "änna", "anna/b", ""):
        assert "3-64 characters" in refused("name", bad, "athlete")
    assert "athlete, clinician or admin" in refused("role", "eve", "boss")
    assert "at least 10" in refused("password", "eve", "admin", password="short")
    assert "account name" in refused("password", "eve.runner", "admin", password="Eve.Runner")
    assert "at most 1024" in refused("password", "eve", "admin", password="x" * 1025)
    with store.engine.begin() as conn:
        get_or_create_athlete(conn, "local")  # a local install's data, no account
    assert "already holds an athlete" in refused("name", "local", "athlete")
    assert accounts.create_account(store, "local", "admin").role == "admin"  # no athlete row
    with pytest.raises(NotFoundError):
        accounts.get_account(store, "nobody")
    with pytest.raises(NotFoundError):
        accounts.get_account_by_id(store, 999)


def test_every_failed_sign_in_says_the_same_after_the_same_work(
    store: Store, cheap_hashes: CountingHasher
) -> None:
    accounts.create_account(store, "anna", "athlete", password=PASSWORD)
    accounts.create_account(store, "invited", "athlete")  # no password yet
    accounts.create_account(store, "gone", "clinician", password=PASSWORD)
    accounts.set_disabled(store, "gone", True)
    attempts = [("nobody", PASSWORD), ("anna", "wrong password!"), ("invited", ""),
                ("invited", PASSWORD), ("gone", PASSWORD)]  # fmt: skip
    for name, password in attempts:
        before = cheap_hashes.verifies
        with pytest.raises(AuthenticationError) as caught:
            accounts.authenticate(store, name, password, address=f"10.0.0.{len(name)}")
        assert type(caught.value) is AuthenticationError
        assert caught.value.message == "wrong account name or password", name
        assert cheap_hashes.verifies == before + 1, name  # one argon2 verify, like a real one
    assert accounts.authenticate(store, " ANNA ", PASSWORD, address="10.0.0.9").name == "anna"
    long_name = accounts.create_account(store, "a" * 64, "admin", password=PASSWORD)
    with pytest.raises(AuthenticationError):  # not the account of its first 64 characters
        accounts.authenticate(store, long_name.name + "x", PASSWORD, address="10.0.0.9")


def test_the_dummy_hash_is_made_on_the_first_check_whatever_the_name() -> None:
    """A process's first sign-in also makes the dummy hash; were it made for the first unknown
    name only, that answer would take twice as long and tell the name is nobody's."""
    for name_exists in (True, False):
        hasher = CountingHasher()
        checker = passwords.Passwords(hasher)
        real = hasher.hash(PASSWORD)
        assert checker.verify(real if name_exists else None, PASSWORD) is name_exists
        assert (hasher.hashes, hasher.verifies) == (2, 1)  # the real one, the dummy; a check
        checker.verify(None, PASSWORD)
        assert (hasher.hashes, hasher.verifies) == (2, 2)  # made once


def test_sign_ins_arriving_together_make_one_dummy_hash() -> None:
    """The sign-ins that arrive together when a server starts (threads of one process) wait
    for one dummy hash instead of each making one (the load test's 20 first sign-ins)."""

    class SlowHasher(CountingHasher):  # as slow as a real hash: every thread meets the wait
        def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
            time.sleep(0.05)
            return super().hash(password, salt=salt)

    hasher = SlowHasher()
    real = hasher.hash(PASSWORD)
    checker = passwords.Passwords(hasher)
    start = threading.Barrier(8)

    def check(name_exists: bool) -> bool:
        start.wait()
        return checker.verify(real if name_exists else None, PASSWORD)

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(check, [True, False] * 4))
    assert answers == [True, False] * 4
    assert (hasher.hashes, hasher.verifies) == (2, 8)  # the real one and one dummy


def test_an_old_hash_is_replaced_on_sign_in(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    accounts.create_account(store, "anna", "athlete", password=PASSWORD)
    assert "$m=8,t=1,p=1$" in hash_of(store, "anna")
    monkeypatch.setattr(passwords, "PASSWORDS", passwords.Passwords())
    accounts.authenticate(store, "anna", PASSWORD, address="10.0.0.1")
    assert hash_of(store, "anna").startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    accounts.authenticate(store, "anna", PASSWORD, address="10.0.0.1")  # still the password


# --- the throttle -----------------------------------------------------------------------------


def fail(store: Store, name: str, clock: Clock, address: str = "10.0.0.1") -> None:
    with pytest.raises(AuthenticationError) as caught:
        accounts.authenticate(store, name, "not the password", address=address, now=clock)
    assert type(caught.value) is AuthenticationError


def test_five_failures_refuse_the_sixth_attempt_until_the_window_slides(
    store: Store, clock: Clock
) -> None:
    accounts.create_account(store, "anna", "athlete", password=PASSWORD)
    for _ in range(5):  # at 09:00, 09:01, ... 09:04
        fail(store, "anna", clock)
        clock.advance(minutes=1)
    # 09:05: even the right password is refused, unchecked, until 09:00's failure is 15 min old
    with pytest.raises(ThrottledError) as caught:
        accounts.authenticate(store, "anna", PASSWORD, address="10.0.0.2", now=clock)
    assert caught.value.retry_after_s == 10 * 60
    assert caught.value.message == "too many failed sign-ins in the last 15 minutes"
    assert caught.value.hint == "try again in 10 minutes"  # the wait: edges may word it
    clock.advance(minutes=9, seconds=59, microseconds=500_000)  # 09:14:59.5: half a second
    with pytest.raises(ThrottledError) as caught:
        accounts.authenticate(store, "ANNA", PASSWORD, address="10.0.0.3", now=clock)
    assert caught.value.retry_after_s == 1
    assert caught.value.hint == "try again in 1 minute"
    # A refused attempt is not counted: another name is not throttled by anna's failures.
    accounts.create_account(store, "bob.smith", "athlete", password=PASSWORD)
    accounts.authenticate(store, "bob.smith", PASSWORD, address="10.0.0.1", now=clock)

    clock.at = T0 + timedelta(minutes=15)  # 09:00's failure has left the window: 4 remain
    assert accounts.authenticate(store, "anna", PASSWORD, address="10.0.0.1", now=clock)
    fail(store, "anna", clock)  # success erased nothing: 09:01-09:04 and 09:15 are five
    with pytest.raises(ThrottledError) as caught:
        accounts.authenticate(store, "anna", PASSWORD, address="10.0.0.1", now=clock)
    assert caught.value.retry_after_s == 60  # until 09:01's failure leaves at 09:16
    clock.advance(minutes=1)
    assert accounts.authenticate(store, "anna", PASSWORD, address="10.0.0.1", now=clock)


def test_twenty_failures_from_one_address_refuse_it(store: Store, clock: Clock) -> None:
    accounts.create_account(store, "anna", "athlete", password=PASSWORD)
    for i in range(20):  # 20 names tried once each, 10 s apart: no name reaches 5
        fail(store, f"guess{i:02d}", clock, address="203.0.113.7")
        clock.advance(seconds=10)
    # 200 s after the first: it leaves the window at 900 s.
    with pytest.raises(ThrottledError) as caught:
        accounts.authenticate(store, "anna", PASSWORD, address="203.0.113.7", now=clock)
    assert caught.value.retry_after_s == 700
    assert accounts.authenticate(store, "anna", PASSWORD, address="198.51.100.1", now=clock)
    clock.at = T0 + timedelta(seconds=900)
    assert accounts.authenticate(store, "anna", PASSWORD, address="203.0.113.7", now=clock)


def test_an_ipv6_address_counts_as_its_64_network(store: Store, clock: Clock) -> None:
    assert passwords.address_key("2001:db8:1:2:aaaa::1") == "2001:db8:1:2::/64"
    assert passwords.address_key("::ffff:192.0.2.9") == "192.0.2.9"
    assert passwords.address_key(" 192.0.2.9 ") == "192.0.2.9"
    assert passwords.address_key("testclient") == "testclient"
    accounts.create_account(store, "anna", "athlete", password=PASSWORD)
    for i in range(20):  # one guess from each of 20 addresses of one /64
        fail(store, f"guess{i:02d}", clock, address=f"2001:db8:1:2::{i + 1:x}")
    with pytest.raises(ThrottledError):
        accounts.authenticate(store, "anna", PASSWORD, address="2001:db8:1:2::ff", now=clock)
    assert accounts.authenticate(store, "anna", PASSWORD, address="2001:db8:1:3::1", now=clock)


def test_guesses_made_at_once_get_no_more_tries(store: Store, clock: Clock) -> None:
    """Each attempt is counted before its password is checked, one after the other: of 8
    guesses at the same moment, 5 are checked and 3 refused unchecked."""
    accounts.create_account(store, "anna", "athlete", password=PASSWORD)
    start = threading.Barrier(8)

    def guess(i: int) -> str:
        start.wait()
        try:
            accounts.authenticate(store, "anna", f"guess {i:04d}!!", address=f"10.1.{i}", now=clock)
        except ThrottledError:
            return "throttled"
        except AuthenticationError:
            return "wrong"
        return "signed in"

    with ThreadPoolExecutor(8) as pool:
        outcomes = sorted(pool.map(guess, range(8)))
    assert outcomes == ["throttled"] * 3 + ["wrong"] * 5
    with pytest.raises(ThrottledError):
        accounts.authenticate(store, "anna", PASSWORD, address="10.2.0.1", now=clock)


def test_the_retry_is_when_the_count_falls_below_the_limit() -> None:
    times = [T0 + timedelta(minutes=m) for m in (0, 1, 2, 3, 4, 5, 6)]  # 7 (concurrent tries)
    # Below 5 once the third oldest (09:02) has left at 09:17; asked at 09:07: 600 s.
    assert passwords.retry_after(times, 5, T0 + timedelta(minutes=7)) == 600
    assert passwords.retry_after(times[:4], 5, T0 + timedelta(minutes=7)) is None


# --- one-time links ---------------------------------------------------------------------------


def test_a_link_sets_the_password_once(store: Store, clock: Clock) -> None:
    admin = accounts.create_account(store, "boss", "admin", password=PASSWORD)
    anna = accounts.create_account(store, "anna", "athlete")
    token = accounts.issue_link(store, "anna", "invite", by=admin, now=clock)
    assert len(token) >= 43  # 32 random bytes, URL-safe base64
    assert [row.id for row in stored(store, account_tokens)] == [
        hashlib.sha256(token.encode()).hexdigest()
    ]
    assert token not in repr(stored(store, account_tokens))
    assert accounts.link_account(store, token, now=clock) == anna
    with pytest.raises(InputError) as caught:  # the rules first; the link still works
        accounts.redeem_link(store, token, "short", now=clock)
    assert caught.value.field == "password"
    redeemed = accounts.redeem_link(store, token, PASSWORD, now=clock)
    assert redeemed.has_password
    assert redeemed.id == anna.id
    assert accounts.authenticate(store, "anna", PASSWORD, address="10.0.0.1", now=clock)
    for use in (
        lambda: accounts.redeem_link(store, token, "another password", now=clock),
        lambda: accounts.link_account(store, token, now=clock),
        lambda: accounts.link_account(store, token + "x", now=clock),
        lambda: accounts.link_account(store, "", now=clock),
    ):
        with pytest.raises(AuthenticationError) as used:
            use()
        assert used.value.message == "this link is unknown, used or expired"
    assert accounts.authenticate(store, "anna", PASSWORD, address="10.0.0.1", now=clock)


def test_a_link_redeemed_twice_at_once_sets_one_password(store: Store) -> None:
    accounts.create_account(store, "anna", "athlete")
    token = accounts.issue_link(store, "anna", "invite", by=None)
    start = threading.Barrier(2)

    def redeem(password: str) -> str | None:
        start.wait()
        try:
            accounts.redeem_link(store, token, password)
        except AuthenticationError:
            return None
        return password

    with ThreadPoolExecutor(2) as pool:
        won = [p for p in pool.map(redeem, ["first new password", "second new password"]) if p]
    assert len(won) == 1
    assert accounts.authenticate(store, "anna", won[0], address="10.0.0.1")


def test_links_expire_and_a_new_one_replaces_the_earlier(store: Store, clock: Clock) -> None:
    accounts.create_account(store, "anna", "athlete", password=PASSWORD)
    reset = accounts.issue_link(store, "anna", "reset", by=None, now=clock)
    clock.advance(minutes=59, seconds=59)
    assert accounts.link_account(store, reset, now=clock).name == "anna"
    clock.advance(seconds=1)  # 1 hour: expired
    with pytest.raises(AuthenticationError):
        accounts.link_account(store, reset, now=clock)
    invite = accounts.issue_link(store, "anna", "invite", by=None, now=clock)
    clock.advance(days=3, seconds=-1)
    assert accounts.link_account(store, invite, now=clock).name == "anna"
    first = accounts.issue_link(store, "anna", "reset", by=None, now=clock)
    second = accounts.issue_link(store, "anna", "reset", by=None, now=clock)
    with pytest.raises(AuthenticationError):
        accounts.redeem_link(store, first, "the first new one", now=clock)
    assert accounts.link_account(store, invite, now=clock)  # another purpose: still works
    accounts.redeem_link(store, second, "the second new one", now=clock)
    with pytest.raises(AuthenticationError):  # using a link uses up the account's others
        accounts.link_account(store, invite, now=clock)
    assert accounts.authenticate(store, "anna", "the second new one", address="1", now=clock)


def test_only_an_admin_issues_links_and_not_for_a_disabled_account(store: Store) -> None:
    doc = accounts.create_account(store, "doc", "clinician", password=PASSWORD)
    accounts.create_account(store, "anna", "athlete")
    with pytest.raises(PermissionDeniedError):
        accounts.issue_link(store, "anna", "reset", by=doc)
    token = accounts.issue_link(store, "anna", "invite", by=None)
    accounts.set_disabled(store, "anna", True)
    with pytest.raises(AuthenticationError):  # disabling forgot it
        accounts.link_account(store, token)
    with pytest.raises(InputError, match="disabled"):
        accounts.issue_link(store, "anna", "invite", by=None)
    with pytest.raises(InputError) as caught:
        accounts.issue_link(store, "anna", "welcome", by=None)  # type: ignore[arg-type]
    assert caught.value.field == "purpose"


# --- sessions ---------------------------------------------------------------------------------


def test_the_session_token_is_stored_only_as_its_sha256(store: Store, clock: Clock) -> None:
    anna = accounts.create_account(store, "anna", "athlete", password=PASSWORD)
    new = accounts.start_session(store, anna, now=clock)
    assert new.expires_at == T0 + timedelta(days=7)
    [row] = stored(store, web_sessions)
    assert row.id == hashlib.sha256(new.token.encode()).hexdigest()
    assert all(new.token not in str(value) for value in row)
    signed_in = accounts.session_of(store, new.token, now=clock)
    assert signed_in == accounts.SignedIn(anna, new.csrf_token, row.id)
    assert accounts.session_of(store, row.id, now=clock) is None  # the stored id is no token


def test_each_sign_in_is_a_new_session_and_sign_out_ends_it(store: Store, clock: Clock) -> None:
    anna = accounts.create_account(store, "anna", "athlete", password=PASSWORD)
    first = accounts.start_session(store, anna, now=clock)
    second = accounts.start_session(store, anna, now=clock)
    assert first.token != second.token
    assert first.csrf_token != second.csrf_token
    planted = "attacker-chosen-token-planted-in-a-cookie"
    assert accounts.session_of(store, planted, now=clock) is None
    assert accounts.session_of(store, None, now=clock) is None
    assert accounts.session_of(store, "x" * 10_000, now=clock) is None
    accounts.end_session(store, first.token)
    assert accounts.session_of(store, first.token, now=clock) is None
    assert accounts.session_of(store, second.token, now=clock) is not None
    third = accounts.start_session(store, anna, now=clock)
    assert accounts.end_sessions(store, anna.id) == 2
    assert accounts.session_of(store, third.token, now=clock) is None


def test_a_session_ends_after_12_idle_hours_or_7_days(store: Store, clock: Clock) -> None:
    anna = accounts.create_account(store, "anna", "athlete", password=PASSWORD)
    idle = accounts.start_session(store, anna, now=clock)
    clock.advance(hours=11, minutes=59)
    assert accounts.session_of(store, idle.token, now=clock) is not None  # seen: 11:59 more
    clock.advance(hours=11, minutes=59)
    assert accounts.session_of(store, idle.token, now=clock) is not None
    clock.advance(hours=12)
    assert accounts.session_of(store, idle.token, now=clock) is None
    assert stored(store, web_sessions) == []  # an ended session is forgotten

    clock.at = T0
    busy = accounts.start_session(store, anna, now=clock)
    while clock.at < T0 + timedelta(days=7) - timedelta(hours=6):
        clock.advance(hours=6)
        assert accounts.session_of(store, busy.token, now=clock) is not None, clock.at
    clock.at = T0 + timedelta(days=7)
    assert accounts.session_of(store, busy.token, now=clock) is None


def test_last_seen_is_written_at_most_once_a_minute(store: Store, clock: Clock) -> None:
    anna = accounts.create_account(store, "anna", "athlete", password=PASSWORD)
    new = accounts.start_session(store, anna, now=clock)
    clock.advance(seconds=59)
    accounts.session_of(store, new.token, now=clock)
    assert stored(store, web_sessions)[0].last_seen_at == T0
    clock.advance(seconds=1)
    accounts.session_of(store, new.token, now=clock)
    assert stored(store, web_sessions)[0].last_seen_at == T0 + timedelta(minutes=1)


def test_a_disabled_account_has_no_session(store: Store, clock: Clock) -> None:
    anna = accounts.create_account(store, "anna", "athlete", password=PASSWORD)
    new = accounts.start_session(store, anna, now=clock)
    disabled = accounts.set_disabled(store, "anna", True, now=clock)
    assert disabled.disabled
    assert accounts.session_of(store, new.token, now=clock) is None
    with pytest.raises(AuthenticationError):
        accounts.start_session(store, disabled, now=clock)
    assert not accounts.set_disabled(store, "anna", False).disabled
    assert accounts.session_of(store, new.token, now=clock) is None  # ended, not paused
    assert accounts.authenticate(store, "anna", PASSWORD, address="10.0.0.1", now=clock)


def test_a_redeemed_link_ends_every_session(store: Store, clock: Clock) -> None:
    anna = accounts.create_account(store, "anna", "athlete", password=PASSWORD)
    sessions = [accounts.start_session(store, anna, now=clock) for _ in range(2)]
    token = accounts.issue_link(store, "anna", "reset", by=None, now=clock)
    accounts.redeem_link(store, token, "a brand new password", now=clock)
    assert [accounts.session_of(store, s.token, now=clock) for s in sessions] == [None, None]
    fail(store, "anna", clock)  # the old password no longer works
    assert accounts.authenticate(store, "anna", "a brand new password", address="1", now=clock)


def test_change_password_ends_the_other_sessions(store: Store, clock: Clock) -> None:
    anna = accounts.create_account(store, "anna", "athlete", password=PASSWORD)
    here, elsewhere = (accounts.start_session(store, anna, now=clock) for _ in range(2))
    with pytest.raises(AuthenticationError, match="current password is wrong"):
        accounts.change_password(store, anna, "not it at all", "a brand new password", now=clock)
    assert accounts.session_of(store, elsewhere.token, now=clock) is not None
    with pytest.raises(InputError) as caught:
        accounts.change_password(store, anna, PASSWORD, "short", now=clock)
    assert caught.value.field == "password"
    fresh = accounts.change_password(store, anna, PASSWORD, "a brand new password", now=clock)
    assert accounts.session_of(store, elsewhere.token, now=clock) is None
    assert accounts.session_of(store, here.token, now=clock) is None  # replaced by `fresh`
    assert accounts.session_of(store, fresh.token, now=clock) is not None
    fail(store, "anna", clock)
    assert accounts.authenticate(store, "anna", "a brand new password", address="1", now=clock)


def test_change_password_counts_wrong_current_passwords(store: Store, clock: Clock) -> None:
    anna = accounts.create_account(store, "anna", "athlete", password=PASSWORD)
    for _ in range(5):
        with pytest.raises(AuthenticationError):
            accounts.change_password(
                store, anna, "a wrong guess", "a brand new password", now=clock
            )
    with pytest.raises(ThrottledError):
        accounts.change_password(store, anna, PASSWORD, "a brand new password", now=clock)


# --- the clinic needs PostgreSQL --------------------------------------------------------------


def test_sqlite_is_refused_before_anything_is_created(tmp_path: Path) -> None:
    path = tmp_path / "clinic.db"
    with pytest.raises(ConfigError) as caught:
        accounts.open_clinic_database(load_settings(database_url=f"sqlite:///{path}"))
    assert caught.value.message.startswith("the clinic server needs PostgreSQL: ")
    assert "\n" not in caught.value.message
    assert not path.exists()
    assert accounts.clinic_database_problem("postgresql+psycopg://u@h/db") is None


@pytest.mark.postgres
def test_the_clinic_database_opens_on_postgresql(postgres_url: str) -> None:
    from backstride.store import open_store

    open_store(postgres_url, upgrade_schema=True).close()
    with accounts.open_clinic_database(load_settings(database_url=postgres_url)) as store:
        assert store.dialect == "postgresql"
        assert accounts.list_accounts(store) == []
