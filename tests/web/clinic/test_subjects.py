"""Whose data each request serves on the clinic server (issue 17): an athlete their own, a
clinician the athletes who share with them (read-only but for notes and the clearance,
every view audited), until the share is revoked; an admin no health data at all. Writes need
the session's token and the server's own origin. The red flags an ``/api`` answer carries
are its subject's, and cached results are never handed to another athlete."""

from __future__ import annotations

import re
from datetime import date

import pytest

from backstride import service
from backstride.model import Account
from backstride.service import audit, screening, sharing
from tests.web.clinic.conftest import BASE, Clinic, csrf

pytestmark = pytest.mark.postgres

DAY = date(2026, 11, 20)
ON = f"on={DAY.isoformat()}"
#: An urgent red flag (R2: fever with back pain).
RED_FLAG = {"fever": True}


@pytest.fixture
def people(clinic: Clinic) -> dict[str, Account]:
    found = {
        "ana": clinic.account("ana", "athlete", display_name="Ana Runner"),
        "bob": clinic.account("bob", "athlete"),
        "cleo": clinic.account("cleo", "clinician", display_name="Dr Cleo"),
        "dan": clinic.account("dan", "clinician"),
        "root": clinic.account("root", "admin"),
    }
    service.log_pain(clinic.store, 4, day=DAY, moment="after", note="ana's", athlete="ana")
    service.log_pain(clinic.store, 1, day=DAY, moment="after", note="bob's", athlete="bob")
    return found


def _notes(answer: dict[str, object]) -> list[object]:
    return [e["note"] for e in answer["entries"]]  # type: ignore[index,union-attr]


def test_an_athlete_sees_their_own_data_only(clinic: Clinic, people: dict[str, Account]) -> None:
    ana, bob = clinic.signed_in("ana"), clinic.signed_in("bob")
    assert _notes(ana.get(f"/api/pain?{ON}").json()) == ["ana's"]
    assert _notes(bob.get(f"/api/pain?{ON}").json()) == ["bob's"]
    assert "ana&#39;s" in ana.get(f"/pain?{ON}").text
    assert "ana&#39;s" not in bob.get(f"/pain?{ON}").text
    # Naming another athlete is refused, whether the id exists or not (no probing).
    for other in (people["ana"].id, 999_999):
        refused = bob.get(f"/api/pain?athlete={other}&{ON}")
        assert refused.status_code == 403
        assert refused.json()["detail"] == "this athlete has not shared their data with you"
    assert bob.get(f"/api/pain?athlete={people['bob'].id}&{ON}").status_code == 200


def test_writes_need_the_session_token_and_the_own_origin(
    clinic: Clinic, people: dict[str, Account]
) -> None:
    ana = clinic.signed_in("ana")
    entry = {"nrs": 2, "date": DAY.isoformat(), "note": "api"}
    assert ana.post("/api/pain", json=entry).status_code == 403  # no token
    assert ana.post("/api/pain", json=entry, headers={"x-backstride": "1"}).status_code == 403
    bob_token = csrf(clinic.signed_in("bob"))
    assert ana.post("/api/pain", json=entry, headers={"x-csrf-token": bob_token}).status_code == 403
    token = csrf(ana)
    evil = {"x-csrf-token": token, "origin": "https://evil.test"}
    assert ana.post("/api/pain", json=entry, headers=evil).status_code == 403
    http = {"x-csrf-token": token, "origin": "http://clinic.test"}  # not the https origin
    assert ana.post("/api/pain", json=entry, headers=http).status_code == 403
    cross = {"x-csrf-token": token, "sec-fetch-site": "cross-site"}
    assert ana.post("/api/pain", json=entry, headers=cross).status_code == 403
    own = {"x-csrf-token": token, "origin": BASE}
    assert ana.post("/api/pain", json=entry, headers=own).status_code == 201
    form = {"nrs": "3", "date": DAY.isoformat(), "note": "form"}
    assert ana.post(f"/pain/log?{ON}", data=form).status_code == 403
    assert ana.post(f"/pain/log?{ON}", data={**form, "csrf_token": bob_token}).status_code == 403
    done = ana.post(f"/pain/log?{ON}", data={**form, "csrf_token": token}, follow_redirects=False)
    assert done.status_code == 303
    notes = [e.note for e in service.list_pain(clinic.store, athlete="ana")]
    assert sorted(n or "" for n in notes) == ["ana's", "api", "form"]
    assert [e.note for e in service.list_pain(clinic.store, athlete="bob")] == ["bob's"]


def test_a_clinician_sees_shared_athletes_read_only_until_revoked(
    clinic: Clinic, people: dict[str, Account]
) -> None:
    ana_id = people["ana"].id
    cleo, dan = clinic.signed_in("cleo"), clinic.signed_in("dan")
    home = cleo.get("/")
    assert home.status_code == 200
    assert "Nobody shares with you yet" in home.text
    assert cleo.get(f"/api/pain?athlete={ana_id}&{ON}").status_code == 403
    assert cleo.get(f"/api/pain?{ON}").status_code == 403  # a clinician must name an athlete

    ana = clinic.signed_in("ana")
    shared = ana.post(
        "/sharing/share",
        data={"clinician": "cleo", "scope": "all", "csrf_token": csrf(ana)},
        follow_redirects=False,
    )
    assert shared.status_code == 303, shared.text
    home = cleo.get("/")
    assert f'href="/?athlete={ana_id}"' in home.text
    assert "Ana Runner" in home.text
    assert dan.get(f"/api/pain?athlete={ana_id}&{ON}").status_code == 403  # not shared with dan

    answer = cleo.get(f"/api/pain?athlete={ana_id}&{ON}")
    assert answer.status_code == 200
    assert _notes(answer.json()) == ["ana's"]
    page = cleo.get(f"/pain?athlete={ana_id}&{ON}")
    assert page.status_code == 200
    assert "Looking at <strong>Ana Runner</strong>" in page.text
    assert f'href="/load?athlete={ana_id}&amp;on={DAY.isoformat()}"' in page.text
    assert 'action="/pain/log' not in page.text  # read-only: no diary form
    token = csrf(cleo)
    entry = {"nrs": 9, "date": DAY.isoformat()}
    write = cleo.post(f"/api/pain?athlete={ana_id}", json=entry, headers={"x-csrf-token": token})
    assert write.status_code == 403
    assert write.json()["detail"].startswith("read-only")
    form = cleo.post(f"/pain/log?athlete={ana_id}", data={"nrs": "9", "csrf_token": token})
    assert form.status_code == 403
    assert [e.nrs for e in service.list_pain(clinic.store, athlete="ana")] == [4]

    seen = [
        (e.actor_name, e.action, e.detail) for e in audit.entries_for(clinic.store, people["ana"])
    ]
    assert ("cleo", "view", f"/api/pain?athlete={ana_id}&{ON}") in seen
    assert ("cleo", "view", f"/pain?athlete={ana_id}&{ON}") in seen
    assert not any(actor == "dan" for actor, _, _ in seen)
    log_page = ana.get("/audit")
    assert f"/pain?athlete={ana_id}" in log_page.text
    assert "cleo" in log_page.text

    [share] = sharing.shares_of(clinic.store, people["ana"])
    revoked = ana.post(
        f"/sharing/{share.id}/revoke", data={"csrf_token": csrf(ana)}, follow_redirects=False
    )
    assert revoked.status_code == 303
    assert cleo.get(f"/api/pain?athlete={ana_id}&{ON}").status_code == 403
    assert cleo.get(f"/pain?athlete={ana_id}&{ON}").status_code == 403
    assert "Nobody shares with you yet" in cleo.get("/").text


def test_a_clinician_adds_notes_and_the_clearance(
    clinic: Clinic, people: dict[str, Account]
) -> None:
    ana_id = people["ana"].id
    service.take_screen(clinic.store, RED_FLAG, day=DAY, athlete="ana")
    sharing.share_with(clinic.store, people["ana"], "cleo", "summaries")
    cleo, bob = clinic.signed_in("cleo"), clinic.signed_in("bob")
    # The red flags an /api answer carries are its subject's.
    assert cleo.get(f"/api/status?athlete={ana_id}&{ON}").json()["red_flags"]
    assert "red_flags" not in bob.get(f"/api/status?{ON}").json()
    assert "Red flag: see a clinician" in cleo.get(f"/?athlete={ana_id}&{ON}").text
    assert "Red flag: see a clinician" not in bob.get(f"/?{ON}").text

    token = csrf(cleo)
    noted = cleo.post(
        f"/notes?athlete={ana_id}",
        data={"date": DAY.isoformat(), "text": "Seen, refer to GP.", "csrf_token": token},
        follow_redirects=False,
    )
    assert noted.status_code == 303, noted.text
    assert noted.headers["location"] == f"/notes?athlete={ana_id}&done=noted"
    ana = clinic.signed_in("ana")
    assert "Seen, refer to GP." in ana.get("/notes").text
    own_note = ana.post("/notes", data={"text": "x", "csrf_token": csrf(ana)})
    assert own_note.status_code == 403  # notes are the clinician's

    cleared = cleo.post(
        f"/api/screen/clearance?athlete={ana_id}",
        json={"date": DAY.isoformat(), "note": "GP saw her"},
        headers={"x-csrf-token": token},
    )
    assert cleared.status_code == 201, cleared.text
    assert cleared.json()["clearance"]["by"] == "cleo"
    dan = clinic.signed_in("dan")  # no share: no clearance either
    form = {"date": DAY.isoformat(), "csrf_token": csrf(dan)}
    assert dan.post(f"/pain/clearance?athlete={ana_id}", data=form).status_code == 403
    by_page = cleo.post(
        f"/pain/clearance?athlete={ana_id}&{ON}",
        data={"date": DAY.isoformat(), "note": "seen again", "csrf_token": token},
        follow_redirects=False,
    )
    assert by_page.status_code == 303, by_page.text
    assert f"athlete={ana_id}" in by_page.headers["location"]
    latest = screening.latest_clearance(clinic.store, athlete="ana")
    assert latest is not None
    assert (latest.by, latest.note) == ("cleo", "seen again")
    assert "red_flags" not in cleo.get(f"/api/status?athlete={ana_id}&{ON}").json()
    actions = [e.action for e in audit.entries_for(clinic.store, people["ana"])]
    assert "note" in actions
    assert "clearance" in actions


def test_an_admin_sees_no_health_data(clinic: Clinic, people: dict[str, Account]) -> None:
    root = clinic.signed_in("root")
    home = root.get("/", follow_redirects=False)
    assert (home.status_code, home.headers["location"]) == (303, "/admin/accounts")
    for path in (
        "/load",
        "/pain",
        "/api/status",
        f"/api/pain?athlete={people['ana'].id}",
        "/notes",
    ):
        answer = root.get(path)
        assert answer.status_code == 403, path
    accounts_page = root.get("/admin/accounts")
    assert accounts_page.status_code == 200
    assert "ana" in accounts_page.text
    assert "ana&#39;s" not in accounts_page.text
    assert "Red flag" not in accounts_page.text


def test_each_role_keeps_to_its_own_pages(clinic: Clinic, people: dict[str, Account]) -> None:
    ana, cleo = clinic.signed_in("ana"), clinic.signed_in("cleo")
    assert ana.get("/admin/accounts").status_code == 403
    assert cleo.get("/admin/accounts").status_code == 403
    assert cleo.get("/sharing").status_code == 403
    assert cleo.get("/audit").status_code == 403
    assert ana.get("/sharing").status_code == 200
    redeem = ana.post("/sharing/redeem", data={"code": "X", "csrf_token": csrf(ana)})
    assert redeem.status_code == 403


def test_an_invite_code_is_shown_once_and_redeemed_once(
    clinic: Clinic, people: dict[str, Account]
) -> None:
    ana, cleo, dan = clinic.signed_in("ana"), clinic.signed_in("cleo"), clinic.signed_in("dan")
    made = ana.post("/sharing/invite", data={"scope": "summaries", "csrf_token": csrf(ana)})
    assert made.status_code == 200

    [code] = re.findall(r"<strong>([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})</strong>", made.text)
    assert code not in ana.get("/sharing").text  # shown once
    redeemed = cleo.post(
        "/sharing/redeem", data={"code": code, "csrf_token": csrf(cleo)}, follow_redirects=False
    )
    assert redeemed.status_code == 303
    assert f"/?athlete={people['ana'].id}" in cleo.get("/").text
    again = dan.post("/sharing/redeem", data={"code": code, "csrf_token": csrf(dan)})
    assert again.status_code == 400
    assert "unknown or used invite code" in again.text
