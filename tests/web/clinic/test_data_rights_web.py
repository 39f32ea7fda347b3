"""An athlete's data rights on the clinic server (issue 17): download everything as a zip
(their rows and original files, nobody else's), and delete the account once its name is
typed (every row of theirs gone, the session ended, the audit log kept)."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date

import pytest

from backstride import service
from backstride.service import accounts, audit
from backstride.service import jobs as job_service
from backstride.web.sessions import COOKIE
from tests.conftest import DATA
from tests.web.clinic.conftest import PASSWORD, Clinic, csrf, sign_in

pytestmark = pytest.mark.postgres

RUN = DATA / "fit" / "fitparse__garmin-fenix-5-run.fit"
DAY = date(2026, 11, 20)


@pytest.fixture
def two_athletes(clinic: Clinic) -> Clinic:
    clinic.account("ana", "athlete")
    clinic.account("bob", "athlete")
    service.log_pain(clinic.store, 4, day=DAY, note="ana's diary", athlete="ana")
    service.log_pain(clinic.store, 2, day=DAY, note="bob's diary", athlete="bob")
    with RUN.open("rb") as f:
        job_service.create_import_job(clinic.store, athlete="ana", files=[(RUN.name, f)])
    return clinic


def test_the_export_holds_everything_of_theirs_and_nothing_else(two_athletes: Clinic) -> None:
    clinic = two_athletes
    ana = clinic.signed_in("ana")
    answer = ana.get("/account/export")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/zip"
    assert answer.headers["content-disposition"].startswith(
        'attachment; filename="backstride-export-ana-'
    )
    archive = zipfile.ZipFile(io.BytesIO(answer.content))
    names = archive.namelist()
    assert "README.txt" in names
    everything = " ".join(archive.read(n).decode("utf-8", "replace") for n in names)
    assert "ana's diary" in everything
    assert "bob's diary" not in everything
    [upload] = [n for n in names if n.startswith("files/")]
    assert archive.read(upload) == RUN.read_bytes()  # the original, byte for byte
    accounts_rows = json.loads(archive.read("tables/accounts.json"))
    assert [r["name"] for r in accounts_rows] == ["ana"]
    assert not any("password_hash" in r for r in accounts_rows)
    ana_account = accounts.get_account(clinic.store, "ana")
    assert "export" in [e.action for e in audit.entries_for(clinic.store, ana_account)]


def test_deleting_the_account_needs_its_name_and_removes_everything(two_athletes: Clinic) -> None:
    clinic = two_athletes
    ana = clinic.signed_in("ana")
    token = csrf(ana)
    wrong = ana.post("/account/delete", data={"confirm": "bob", "csrf_token": token})
    assert wrong.status_code == 400
    assert "nothing was deleted" in wrong.text
    assert service.list_pain(clinic.store, athlete="ana")
    assert ana.post("/account/delete", data={"confirm": "ana"}).status_code == 403  # no token
    gone = ana.post(
        "/account/delete", data={"confirm": "ana", "csrf_token": token}, follow_redirects=False
    )
    assert (gone.status_code, gone.headers["location"]) == (303, "/login?done=deleted")
    assert COOKIE not in ana.cookies
    assert ana.get("/account", follow_redirects=False).status_code == 303
    assert sign_in(clinic.browser(), "ana", PASSWORD).status_code == 401
    assert [a.name for a in accounts.list_accounts(clinic.store)] == ["bob"]
    assert [e.note for e in service.list_pain(clinic.store, athlete="bob")] == ["bob's diary"]
    bob = clinic.signed_in("bob")
    assert [e["note"] for e in bob.get(f"/api/pain?on={DAY}").json()["entries"]] == ["bob's diary"]
