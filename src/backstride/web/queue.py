"""The clinic server's background work: uploads, syncs and reports as jobs on PostgreSQL
(``backstride.jobs``: procrastinate), processed by ``backstride worker`` processes.

The local dashboard imports in a thread of its own and streams the progress on the upload's
response (``web/uploads.py``); the clinic server only receives the files, hands them to
``jobs.submit.import_upload`` (a job row and its uploads in the database, so any worker on
any machine can run it) and answers with the job's id; the page then follows
``GET /api/jobs/{id}``. ``backstride.jobs`` (and procrastinate) is imported here only, when
the first job is submitted.
"""

from __future__ import annotations

from contextlib import ExitStack
from datetime import date
from typing import Any, BinaryIO

from starlette.requests import Request

from backstride.errors import NotFoundError
from backstride.model import JobKind
from backstride.web.subject import Subject
from backstride.web.uploads import SavedUpload


def submit_import(request: Request, who: Subject, saved: SavedUpload) -> int:
    """Enqueue an import of the received files for ``who``; the files are read into the
    database in the job's transaction, so the temporary folder is removed here."""
    from backstride.jobs import submit

    try:
        with ExitStack() as files:
            opened: list[tuple[str, BinaryIO]] = [
                (upload.name, files.enter_context(upload.path.open("rb"))) for upload in saved.files
            ]
            job_id: int = submit.import_upload(
                request.app.state.store,
                request.app.state.settings,
                athlete=who.athlete,
                files=opened,
            )
    finally:
        saved.cleanup()
    return job_id


def submit_sync(request: Request, who: Subject, service_name: str) -> int:
    """Enqueue a sync of one connected service for ``who``."""
    from backstride.jobs import submit

    job_id = submit.sync(
        request.app.state.store,
        request.app.state.settings,
        athlete=who.athlete,
        service=service_name,
    )
    assert job_id is not None  # None only for the periodic sync, which skips a busy athlete
    return job_id


def submit_report(request: Request, who: Subject, start: date, end: date) -> int:
    """Enqueue the clinician report (PDF) of ``who`` for ``start`` .. ``end``, made from the
    viewer's view of the store (a clinician's: no Strava API data, positions only when the
    share is "all")."""
    from backstride.jobs import submit

    return submit.report(
        request.app.state.store,
        request.app.state.settings,
        athlete=who.athlete,
        start=start,
        end=end,
        hide_strava_api=who.view != "own",
        positions=who.view in ("own", "all"),
        requested_by=_clinician(who),
    )


def _clinician(who: Subject) -> int | None:
    """The clinician's account id when a clinician asks (they are given only the jobs they
    asked for: ``service.jobs.get_job``), None for the athlete's own requests."""
    if who.by_clinician and who.access is not None:
        return int(who.access.viewer.id)
    return None


def job_output(request: Request, who: Subject, job_id: int) -> tuple[bytes, str]:
    """A finished job's output (a report's PDF) and its media type (404 until there is one,
    and for another athlete's job)."""
    from backstride.service import jobs

    return jobs.job_output(
        request.app.state.store, job_id, athlete=who.athlete, clinician=_clinician(who)
    )


def job_view(request: Request, who: Subject, job_id: int) -> dict[str, Any]:
    """``GET /api/jobs/{id}``: the job of ``who`` (404 for anyone else's: ids are not
    secrets, so another athlete's job is "not found", never "forbidden")."""
    from backstride.service import jobs

    found = jobs.get_job(
        request.app.state.store, job_id, athlete=who.athlete, clinician=_clinician(who)
    )
    if found is None:
        raise NotFoundError(f"no job {job_id}")
    view: dict[str, Any] = found.to_json()
    return view


def recent_jobs(
    request: Request, who: Subject, kind: JobKind, limit: int = 5
) -> list[dict[str, Any]]:
    """The latest jobs of one kind (``import``, ``sync``, ``report``) of ``who``, newest first."""
    from backstride.service import jobs

    found = jobs.list_jobs(
        request.app.state.store,
        athlete=who.athlete,
        limit=limit,
        clinician=_clinician(who),
        kind=kind,
    )
    return [j.to_json() for j in found]
