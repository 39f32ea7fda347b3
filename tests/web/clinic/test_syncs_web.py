"""Syncs on the clinic server are jobs (issue 17): the Sync page and ``POST /api/sync/{service}``
queue one for the athlete, ``GET /api/sync`` shows it; a clinician cannot sync or see the
athlete's connections."""

from __future__ import annotations

import pytest

from backstride.service import sharing
from tests.clinic import strava
from tests.web.clinic.conftest import Clinic, csrf

pytestmark = pytest.mark.postgres


def test_a_sync_is_queued_as_a_job_of_the_athlete(clinic: Clinic) -> None:
    ana_account = clinic.account("ana", "athlete")
    clinic.account("cleo", "clinician")
    sharing.share_with(clinic.store, ana_account, "cleo", "all")
    strava.connect(clinic.store, "ana")
    ana = clinic.signed_in("ana")
    before = ana.get("/api/sync").json()
    [strava_status] = [s for s in before["services"] if s["service"] == "strava"]
    assert strava_status["connected"] is True
    assert strava_status["sync"] is None
    started = ana.post("/api/sync/strava", headers={"x-csrf-token": csrf(ana)})
    assert started.status_code == 202, started.text
    job_id = started.json()["job"]
    queued = ana.get(f"/api/jobs/{job_id}").json()
    assert (queued["kind"], queued["state"]) == ("sync", "queued")
    after = ana.get("/api/sync").json()
    [strava_status] = [s for s in after["services"] if s["service"] == "strava"]
    assert strava_status["sync"]["running"] is True
    assert strava_status["sync"]["job"] == job_id
    [intervals] = [s for s in after["services"] if s["service"] == "intervals"]
    assert intervals["sync"] is None
    page = ana.get("/sync")
    assert page.status_code == 200

    cleo = clinic.signed_in("cleo")
    query = f"?athlete={ana_account.id}"
    assert cleo.get(f"/sync{query}").status_code == 403
    assert cleo.get(f"/api/sync{query}").status_code == 403
    refused = cleo.post(f"/api/sync/strava{query}", headers={"x-csrf-token": csrf(cleo)})
    assert refused.status_code == 403
