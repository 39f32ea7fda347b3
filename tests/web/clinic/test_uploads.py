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


def test_a_clinician_report_is_a_job_from_their_view(clinic: Clinic) -> None:
    from types import SimpleNamespace

    from backstride.config import Settings
    from backstride.jobs import tasks
    from backstride.service import audit, sharing

    ana = clinic.account("ana", "athlete")
    clinic.account("cleo", "clinician")
    service.import_paths(clinic.store, [RUN], athlete="ana")
    sharing.share_with(clinic.store, ana, "cleo", "summaries")
    cleo = clinic.signed_in("cleo")
    query = f"athlete={ana.id}"
    form = {"from": "2016-01-01", "to": "2016-12-31", "csrf_token": csrf(cleo, f"/report?{query}")}
    made = cleo.post(f"/report?{query}", data=form, follow_redirects=False)
    assert made.status_code == 303, made.text
    found = re.fullmatch(rf"/report\?athlete={ana.id}&job=(\d+)", made.headers["location"])
    assert found, made.headers["location"]
    job_id = int(found.group(1))
    assert "waiting for a worker" in cleo.get(made.headers["location"]).text
    assert cleo.get(f"/api/jobs/{job_id}/output?{query}").status_code == 404  # not yet

    # What a worker does with the task: the view is the share's (no Strava API data, and
    # for "summaries" no positions), as the web queued it.
    runtime = tasks.Runtime(clinic.store, Settings(database_url=clinic.url), 60.0)
    context = SimpleNamespace(additional_context={"backstride": runtime})
    tasks.render_report(context, job_id, "2016-01-01", "2016-12-31", True, False)  # type: ignore[arg-type]

    assert "Download the PDF" in cleo.get(made.headers["location"]).text
    pdf = cleo.get(f"/api/jobs/{job_id}/output?{query}")
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    actions = [e.action for e in audit.entries_for(clinic.store, ana)]
    # The job asked for, the download tried too early, the PDF downloaded: every request
    # for the report is in the log, answered or not.
    assert actions.count("report") == 3
