"""Queue a job: what the web (and the periodic sync) calls.

Each function creates the job's row and defers its task in ONE transaction of the store
(procrastinate defers on the transaction's own connection): a job row never waits for a task
that was not queued, and a worker never takes a task whose row is not committed. Returns the
job's id (``service.jobs.get_job`` reads its progress). SQLite is refused in one line
(``ConfigError``): the queue is PostgreSQL's.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import BinaryIO

from backstride.config import Settings
from backstride.jobs import queue
from backstride.service import Store
from backstride.service import jobs as job_service


def import_upload(
    store: Store,
    settings: Settings,
    *,
    athlete: str,
    files: Iterable[tuple[str, BinaryIO]],
) -> int:
    """Queue an import of ``files`` (name, binary stream) for ``athlete``; the files are
    kept in the database (``uploads``) for the worker to read."""
    app = queue.queue_app(settings)
    return job_service.create_import_job(
        store, athlete=athlete, files=files, enqueue=queue.enqueuer(app, queue.IMPORT_UPLOAD)
    )


def sync(
    store: Store,
    settings: Settings,
    *,
    athlete: str,
    service: str | None = None,
    periodic: bool = False,
) -> int | None:
    """Queue a sync of ``service`` (strava, intervals; None: every connected one) for
    ``athlete``. Two syncs of one athlete never run at once (a procrastinate lock). With
    ``periodic`` (the hourly sync), nothing is queued while a sync of theirs is queued or
    running: then None."""
    app = queue.queue_app(settings)
    return job_service.create_sync_job(
        store,
        athlete=athlete,
        service=service,
        enqueue=queue.enqueuer(app, queue.SYNC, lock=f"sync:{athlete}", service_name=service),
        skip_if_unfinished=periodic,
    )


def report(
    store: Store,
    settings: Settings,
    *,
    athlete: str,
    start: date | None = None,
    end: date | None = None,
    hide_strava_api: bool = False,
    positions: bool = True,
    requested_by: int | None = None,
) -> int:
    """Queue the clinician report (PDF) of ``athlete`` for ``start`` .. ``end`` (None: the
    report's defaults). For a clinician, ``hide_strava_api`` and ``positions`` are the
    share's restrictions (the report is made from that view of the store) and
    ``requested_by`` their account id (only they are given the job)."""
    app = queue.queue_app(settings)
    return job_service.create_report_job(
        store,
        athlete=athlete,
        start=start,
        end=end,
        requested_by=requested_by,
        enqueue=queue.enqueuer(
            app,
            queue.RENDER_REPORT,
            start=start,
            end=end,
            hide_strava_api=hide_strava_api,
            positions=positions,
        ),
    )
