"""Sharing, invite codes and THE access decision (service.sharing), and the audit log, on
SQLite and PostgreSQL: the access matrix at the service level, one-time and expiring
codes, guessing throttled per clinician and per address, revocation effective at once."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from backstride.errors import (
    AuthenticationError,
    InputError,
    NotFoundError,
    PermissionDeniedError,
    ThrottledError,
)
from backstride.model import Account
from backstride.service import accounts, audit, sharing
from backstride.store import Store, transaction
from backstride.store.schema import share_invites
from tests.clinic.accounts import make_account

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self, at: datetime = T0) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def people(store: Store) -> dict[str, Account]:
    """anna and ben (athletes), cara (shared all by anna), dov (summaries), eve (nothing
    shared), fay (shared and revoked), gil (shared, then disabled), root (admin)."""
    found = {
        name: make_account(store, name, role)
        for name, role in (
            ("anna", "athlete"),
            ("ben", "athlete"),
            ("cara", "clinician"),
            ("dov", "clinician"),
            ("eve", "clinician"),
            ("fay", "clinician"),
            ("root", "admin"),
        )
    }
    found["gil"] = make_account(store, "gil", "clinician", disabled=True)
    anna = found["anna"]
    sharing.share_with(store, anna, "cara", "all")
    sharing.share_with(store, anna, "DOV ", "summaries")
    revoked = sharing.share_with(store, anna, "fay", "all")
    sharing.revoke_share(store, anna, revoked.id)
    with transaction(store) as conn:  # a share made before gil's account was disabled
        from backstride.store import sharing as rows

        rows.insert_share(
            conn, athlete_account_id=anna.id, clinician_account_id=found["gil"].id,
            scope="all", at=T0,
        )  # fmt: skip
    return found


def denied(store: Store, viewer: Account, athlete: int | None) -> str:
    with pytest.raises(PermissionDeniedError) as caught:
        sharing.access(store, viewer, athlete)
    return caught.value.message


def test_access_matrix(store: Store, people: dict[str, Account]) -> None:
    anna, ben = people["anna"], people["ben"]
    # The athlete: own data, read and write, the store itself.
    for subject in (None, anna.id):
        own = sharing.access(store, anna, subject)
        assert (own.scope, own.can_write, own.share_id, own.athlete) == ("own", True, None, anna)
        assert own.store(store) is store
        assert own.athlete_name == "anna"
    assert denied(store, anna, ben.id) == "this athlete has not shared their data with you"
    # A clinician with a share: read-only, the share's scope, a restricted view.
    full = sharing.access(store, people["cara"], anna.id)
    assert (full.scope, full.can_write, full.athlete.name) == ("all", False, "anna")
    view = full.store(store)
    assert (view.view.hide_strava_api, view.view.positions) == (True, True)
    assert view.engine.url == store.engine.url
    assert not view.owns_engine
    assert full.store(store) is view  # made once, for every request (Store.restricted)
    assert sharing.access(store, people["cara"], anna.id).store(store) is view
    summaries = sharing.access(store, people["dov"], anna.id)
    assert summaries.scope == "summaries"
    assert not summaries.can_write
    assert summaries.store(store).view.positions is False
    # Everything else is refused, with one message for unshared and unknown athletes.
    unshared = "this athlete has not shared their data with you"
    assert denied(store, people["eve"], anna.id) == unshared
    assert denied(store, people["cara"], ben.id) == unshared
    assert denied(store, people["cara"], 999_999) == unshared
    assert denied(store, people["fay"], anna.id) == unshared  # revoked
    assert denied(store, people["cara"], None) == "choose an athlete"
    assert denied(store, people["gil"], anna.id) == "account gil is disabled"
    for subject in (None, anna.id, ben.id):
        assert denied(store, people["root"], subject) == "an admin account sees no health data"
    # A clinician's own account id is no athlete's.
    assert denied(store, people["cara"], people["cara"].id) == unshared


def test_shares_listed_for_both_sides(store: Store, people: dict[str, Account]) -> None:
    anna = people["anna"]
    mine = sharing.shares_of(store, anna)
    assert sorted((s.clinician_name, s.scope, s.active) for s in mine) == [
        ("cara", "all", True),
        ("dov", "summaries", True),
        ("fay", "all", False),
        ("gil", "all", True),
    ]
    assert [s.athlete_name for s in sharing.shared_with(store, people["cara"])] == ["anna"]
    assert sharing.shared_with(store, people["fay"]) == []
    # Sharing again replaces the share: one active, in the new scope.
    again = sharing.share_with(store, anna, "cara", "summaries")
    active = [s for s in sharing.shares_of(store, anna) if s.clinician_name == "cara" and s.active]
    assert active == [again]
    assert again.scope == "summaries"
    assert sharing.access(store, people["cara"], anna.id).scope == "summaries"


def test_share_with_needs_a_clinician_account(store: Store, people: dict[str, Account]) -> None:
    anna = people["anna"]
    for name in ("nobody", "ben", "root", "gil", ""):
        with pytest.raises(InputError) as caught:
            sharing.share_with(store, anna, name, "all")
        assert caught.value.field == "clinician_name"
        assert caught.value.message == f"no clinician account called {name!r}"
    with pytest.raises(InputError) as bad:
        sharing.share_with(store, anna, "cara", "everything")
    assert bad.value.field == "scope"
    with pytest.raises(PermissionDeniedError):
        sharing.share_with(store, people["cara"], "dov", "all")  # a clinician shares nothing


def test_revoke_takes_effect_at_once_and_only_for_the_owner(
    store: Store, people: dict[str, Account]
) -> None:
    anna, ben, cara = people["anna"], people["ben"], people["cara"]
    share = next(s for s in sharing.shares_of(store, anna) if s.clinician_name == "cara")
    assert sharing.access(store, cara, anna.id).share_id == share.id
    with pytest.raises(NotFoundError):
        sharing.revoke_share(store, ben, share.id)  # not ben's to revoke
    assert sharing.access(store, cara, anna.id).share_id == share.id
    revoked = sharing.revoke_share(store, anna, share.id)
    assert revoked.revoked_at is not None
    assert not revoked.active
    assert denied(store, cara, anna.id) == "this athlete has not shared their data with you"
    assert sharing.revoke_share(store, anna, share.id).revoked_at == revoked.revoked_at
    actions = [(e.actor_name, e.action, e.detail) for e in audit.entries_for(store, anna)]
    assert actions[0] == ("anna", "revoke", "share with cara")
    assert actions.count(("anna", "revoke", "share with cara")) == 1  # once, not twice
    assert ("anna", "share", "with cara, scope all") in actions


CODE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$")


def test_invite_code_is_one_time_and_stored_hashed(
    store: Store, people: dict[str, Account]
) -> None:
    ben, cara, eve = people["ben"], people["cara"], people["eve"]
    code = sharing.create_invite(store, ben, "summaries")
    assert CODE.match(code), code
    with transaction(store) as conn:
        stored = conn.execute(sa.select(share_invites.c.id)).scalars().all()
    assert len(stored) == 1
    assert code.replace("-", "") not in stored[0]
    assert stored[0] == sharing.code_hash(code.replace("-", ""))
    # Typed in lower case, without dashes, with O for 0 and l for 1: still the code.
    typed = code.replace("-", " ").lower().replace("0", "o").replace("1", "l")
    share = sharing.redeem_invite(store, eve, typed, address="10.0.0.5")
    assert (share.athlete_name, share.clinician_name, share.scope) == ("ben", "eve", "summaries")
    assert sharing.access(store, eve, ben.id).scope == "summaries"
    for who in (cara, eve):  # used: for everyone, the redeemer too
        with pytest.raises(InputError) as caught:
            sharing.redeem_invite(store, who, code, address="10.0.0.6")
        assert caught.value.message == "unknown or used invite code"
        assert caught.value.field == "code"
    assert [e.action for e in audit.entries_for(store, ben)] == ["redeem"]
    with pytest.raises(PermissionDeniedError):
        sharing.redeem_invite(store, people["anna"], code, address="10.0.0.7")
    with pytest.raises(PermissionDeniedError):
        sharing.create_invite(store, cara, "all")  # clinicians have nothing to share


def test_codes_are_random() -> None:
    codes = {sharing.new_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(CODE.match(c) for c in codes)
    # Every character of the alphabet appears at every position (60 random bits).
    for position in range(12):
        seen = {c.replace("-", "")[position] for c in codes}
        assert len(seen) == 32


def test_expired_and_withdrawn_codes(store: Store, people: dict[str, Account]) -> None:
    ben, cara = people["ben"], people["cara"]
    clock = Clock()
    old = sharing.create_invite(store, ben, "all", now=clock)
    fresh = sharing.create_invite(store, ben, "all", now=clock)
    clock.at = T0 + timedelta(days=7)  # exactly 7 days: expired
    with pytest.raises(InputError):
        sharing.redeem_invite(store, cara, old, address="a", now=clock)
    clock.at = T0 + timedelta(days=7) - timedelta(seconds=1)
    assert sharing.redeem_invite(store, cara, fresh, address="a", now=clock).scope == "all"
    withdrawn = sharing.create_invite(store, ben, "summaries", now=clock)
    # ``old`` still works a second before its 7 days end: it is withdrawn too.
    assert sharing.withdraw_invites(store, ben, now=clock) == 2
    for code in (withdrawn, old):
        with pytest.raises(InputError):
            sharing.redeem_invite(store, people["dov"], code, address="b", now=clock)


def test_guessing_is_throttled_per_clinician_and_per_address(
    store: Store, people: dict[str, Account]
) -> None:
    ben, cara, dov, eve = people["ben"], people["cara"], people["dov"], people["eve"]
    clock = Clock()
    good = sharing.create_invite(store, ben, "all", now=clock)
    for i in range(10):
        clock.at = T0 + timedelta(minutes=i)
        guess = f"AAAA-BBBB-CC{i:02d}"
        with pytest.raises(InputError):
            sharing.redeem_invite(store, cara, guess, address=f"1.1.1.{i}", now=clock)
    clock.at = T0 + timedelta(minutes=20)
    # A sign-in meanwhile forgets the sign-in failures older than its 15 minutes, not these.
    with pytest.raises(AuthenticationError):
        accounts.authenticate(store, "cara", "not her password", address="1.1.1.1", now=clock)
    with pytest.raises(ThrottledError) as caught:  # even the right code, from a new address
        sharing.redeem_invite(store, cara, good, address="9.9.9.9", now=clock)
    assert caught.value.retry_after_s == 40 * 60  # the first failure leaves at 10:00
    clock.at = T0 + timedelta(hours=1, seconds=1)  # one failure left the window: 9 count
    assert sharing.redeem_invite(store, cara, good, address="9.9.9.9", now=clock).scope == "all"
    # Per address: failures of several clinicians from one address add up.
    for i in range(10):
        who = (dov, eve)[i % 2]
        with pytest.raises(InputError):
            sharing.redeem_invite(store, who, "not a code", address="6.6.6.6", now=clock)
    second = sharing.create_invite(store, ben, "summaries", now=clock)
    with pytest.raises(ThrottledError) as by_address:
        sharing.redeem_invite(store, people["fay"], second, address="6.6.6.6", now=clock)
    assert by_address.value.retry_after_s == 3600
    # The same clinicians from another address are not stopped by it (5 failures each).
    assert sharing.redeem_invite(store, dov, second, address="7.7.7.7", now=clock).scope == (
        "summaries"
    )


def test_audit_record_and_entries(store: Store, people: dict[str, Account]) -> None:
    anna, cara = people["anna"], people["cara"]
    clock = Clock(T0 + timedelta(days=1))
    first = audit.record(store, cara, anna.id, "view", "/status?athlete=1", now=clock)
    clock.at += timedelta(minutes=5)
    audit.record(store, cara, anna.id, "note", "/notes\nPOST", now=clock)
    entries = audit.entries_for(store, anna)
    assert [(e.action, e.detail) for e in entries[:2]] == [
        ("note", "/notes POST"),
        ("view", "/status?athlete=1"),
    ]
    assert entries[1] == first
    assert entries[1].to_json() == {
        "id": first.id,
        "at": "2026-12-08T09:00:00Z",
        "actor": "cara",
        "action": "view",
        "detail": "/status?athlete=1",
    }
    assert audit.entries_for(store, people["ben"]) == []
    with pytest.raises(InputError):
        audit.record(store, cara, anna.id, "peek", "/x")


def test_share_json(store: Store, people: dict[str, Account]) -> None:
    from backstride.views import share_view

    clock = Clock()
    share = sharing.share_with(store, people["ben"], "eve", "summaries", now=clock)
    assert share_view(share) == {
        "id": share.id,
        "athlete": "ben",
        "clinician": "eve",
        "scope": "summaries",
        "created_at": "2026-12-07T09:00:00Z",
        "revoked_at": None,
        "active": True,
    }


def test_a_code_redeemed_at_once_by_several_gives_one_share(
    store: Store, people: dict[str, Account]
) -> None:
    import threading

    clinicians = [make_account(store, f"doc{i}", "clinician") for i in range(6)]
    code = sharing.create_invite(store, people["ben"], "all")
    start = threading.Barrier(len(clinicians))
    outcomes: list[str] = []

    def redeem(who: Account) -> None:
        start.wait()
        try:
            sharing.redeem_invite(store, who, code, address=f"10.1.0.{who.id}")
            outcomes.append("share")
        except InputError as e:
            outcomes.append(e.message)

    threads = [threading.Thread(target=redeem, args=(c,)) for c in clinicians]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["share"] + ["unknown or used invite code"] * 5
    active = [s for s in sharing.shares_of(store, people["ben"]) if s.active]
    assert len(active) == 1
    assert active[0].clinician_name.startswith("doc")
