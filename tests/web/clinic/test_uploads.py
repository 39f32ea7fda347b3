"""Uploads on the clinic server become jobs (issue 17): the web process only receives the
files and queues ``jobs.submit.import_upload``; a worker's task imports them (run here
in-process through ``service.jobs``, as the task does); the page and ``GET /api/jobs/{id}``
follow the job, for its athlete only."""

from __future__ import annotations

import re

import pytest

from backstride import service
from backstride.service import jobs as job_service
from tests.conftest import DATA
from tests.web.clinic.conftest import Clinic, csrf

pytestmark = pytest.mark.postgres

RUN = DATA / "fit" / "fitparse__garmin-fenix-5-run.fit"


def _run_the_job(clinic: Clinic, job_id: int) -> None:
    """What ``backstride worker`` does with the task (``jobs.tasks.import_upload``)."""
    job = job_service.start_job(clinic.store, job_id)
    assert job is not None
    job_service.run_import_job(clinic.store, job)


def test_an_api_upload_is_queued_and_followed(clinic: Clinic) -> None:
    clinic.account("ana", "athlete")
    clinic.account("bob", "athlete")
    ana, bob = clinic.signed_in("ana"), clinic.signed_in("bob")
    token = csrf(ana)
    files = {"files": (RUN.name, RUN.read_bytes(), "application/octet-stream")}
    refused = ana.post("/api/import", files=files)
    assert refused.status_code == 403  # no token
    answer = ana.post("/api/import", files=files, headers={"x-csrf-token": token})
    assert answer.status_code == 202, answer.text
    job_id = answer.json()["job"]
    queued = ana.get(f"/api/jobs/{job_id}").json()
    assert (queued["kind"], queued["state"]) == ("import", "queued")
    assert service.list_activities(clinic.store, athlete="ana") == []  # not imported yet
    assert bob.get(f"/api/jobs/{job_id}").status_code == 404  # another athlete's job

    _run_the_job(clinic, job_id)
    done = ana.get(f"/api/jobs/{job_id}").json()
    assert done["state"] == "done"
    assert done["result"]["imported"] == 1
    assert [a.activity.sport for a in service.list_activities(clinic.store, athlete="ana")] == [
        "running"
    ]
    assert service.list_activities(clinic.store, athlete="bob") == []
    assert len(ana.get("/api/activities").json()) == 1
    assert bob.get("/api/activities").json() == []


def test_the_import_page_without_script_follows_its_job(clinic: Clinic) -> None:
    clinic.account("ana", "athlete")
    clinic.account("cleo", "clinician")
    ana = clinic.signed_in("ana")
    page = ana.get("/import")
    assert 'data-jobs="1"' in page.text
    token = csrf(ana, "/import")
    posted = ana.post(
        "/import",
        data={"csrf_token": token},
        files={"files": (RUN.name, RUN.read_bytes(), "application/octet-stream")},
        follow_redirects=False,
    )
    assert posted.status_code == 303, posted.text
    found = re.fullmatch(r"https://clinic.test/import\?job=(\d+)", posted.headers["location"])
    assert found, posted.headers["location"]
    job_id = int(found.group(1))
    waiting = ana.get(f"/import?job={job_id}")
    assert "waiting for a worker" in waiting.text
    assert 'http-equiv="refresh"' in waiting.text
    _run_the_job(clinic, job_id)
    done = ana.get(f"/import?job={job_id}")
    assert "imported" in done.text
    assert 'http-equiv="refresh"' not in done.text
    assert "Imported 1" in done.text
    cleo = clinic.signed_in("cleo")
    assert cleo.get("/import").status_code == 403  # a clinician never uploads
