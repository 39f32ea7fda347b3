"""The tasks a worker runs, registered on an app by :func:`register`.

Each task takes the id of its ``jobs`` row (``service.jobs``): it starts the row (state
``running``, the attempt counted), does the work through the service, and leaves the row
``done`` (result, output) or ``failed`` (one line), with one log line either way. A task
never raises for the work's own failures (a bad file is a line of the import's report; a
refused sync is a failed job): procrastinate's job ends, and the row says how.

The periodic tasks: :func:`sync_connected` (hourly: a sync job for every athlete with a
connected service, unless one is still queued or running) and :func:`retry_stalled` (every
minute: the jobs of workers that stopped sending heartbeats, e.g. killed, go back to the
queue, at most :data:`MAX_STARTS` starts in all; the worker also runs it as it starts).

A worker hands the tasks what they need in procrastinate's job context
(``additional_context["backstride"]``: a :class:`Runtime`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from procrastinate import App, JobContext
from procrastinate.jobs import Status

from backstride import service
from backstride.config import Settings
from backstride.errors import BackstrideError, ConfigError
from backstride.jobs.queue import (
    IMPORT_UPLOAD,
    QUEUE,
    RENDER_REPORT,
    RETRY_STALLED,
    SYNC,
    SYNC_CONNECTED,
)
from backstride.service import jobs as job_service

log = logging.getLogger("backstride.jobs")

#: How often a periodic task runs (cron; procrastinate defers each once, whichever worker).
SYNC_EVERY = "0 * * * *"
RETRY_EVERY = "* * * * *"
#: A job whose worker stopped this many times is failed instead of retried once more (a
#: file that kills the process that reads it must not take down every worker in turn).
MAX_STARTS = 3
PDF = "application/pdf"


@dataclass(frozen=True)
class Runtime:
    """What a worker's tasks share: the opened store, the settings, how long a worker may
    go without a heartbeat before its jobs are retried, and the test hook run after each
    imported file (None outside tests; see ``jobs/worker.py``)."""

    store: service.Store
    settings: Settings
    stalled_after_s: float
    after_file: Callable[[], None] | None = None
    debug: bool = False


def runtime(context: JobContext) -> Runtime:
    found = context.additional_context.get("backstride")
    assert isinstance(found, Runtime), "the worker passes its Runtime in the job context"
    return found


def register(app: App) -> None:
    """Register backstride's tasks (and the periodic ones) on ``app``."""
    app.task(name=IMPORT_UPLOAD, pass_context=True, queue=QUEUE)(import_upload)
    app.task(name=SYNC, pass_context=True, queue=QUEUE)(sync)
    app.task(name=RENDER_REPORT, pass_context=True, queue=QUEUE)(render_report)
    app.periodic(cron=SYNC_EVERY)(
        app.task(name=SYNC_CONNECTED, pass_context=True, queue=QUEUE)(sync_connected)
    )
    app.periodic(cron=RETRY_EVERY)(
        app.task(name=RETRY_STALLED, pass_context=True, queue=QUEUE)(retry_stalled)
    )


def _run(rt: Runtime, job_id: int, work: Callable[[job_service.StartedJob], str]) -> None:
    """Start the job row, do ``work`` (which finishes the row and returns its summary),
    and log one line: done, or failed and why (the row says the same)."""
    job = job_service.start_job(rt.store, job_id)
    if job is None:
        log.info("job %d: finished already (or deleted with its account): nothing to do", job_id)
        return
    began = time.monotonic()
    what = f"job {job_id} ({job.kind}, {job.athlete}, attempt {job.record.attempts})"
    try:
        line = work(job)
    except BackstrideError as e:
        job_service.fail_job(rt.store, job_id, e.message)
        log.warning("%s failed: %s", what, e.message)
        return
    except Exception as e:  # the task's boundary: the row says it failed, the worker goes on
        message = f"unexpected error, please report it: {type(e).__name__}: {e}".splitlines()[0]
        job_service.fail_job(rt.store, job_id, message)
        log.error("%s failed: %s", what, message, exc_info=e if rt.debug else None)
        return
    log.info("%s done in %.1f s: %s", what, time.monotonic() - began, line)


def import_upload(context: JobContext, job_id: int) -> None:
    """Import the files uploaded for the job (``service.jobs.run_import_job``)."""
    rt = runtime(context)

    def work(job: job_service.StartedJob) -> str:
        report = job_service.run_import_job(rt.store, job, after_file=rt.after_file)
        return job_service.summary_line(report)

    _run(rt, job_id, work)


def sync(context: JobContext, job_id: int, service_name: str | None = None) -> None:
    """Sync a connected service (None: every connected one) for the job's athlete."""
    rt = runtime(context)
    _run(rt, job_id, lambda job: job_service.run_sync_job(rt.store, rt.settings, job, service_name))


def _day(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


def _view(store: service.Store, hide_strava_api: bool, positions: bool) -> service.Store:
    """The store, or the restricted view of it a clinician's report is made from (the
    Strava API agreement; summaries without positions): ``Store.restricted``, which the
    clinic sharing brings (docs/clinic.md)."""
    if not hide_strava_api and positions:
        return store
    restricted = getattr(store, "restricted", None)
    if restricted is None:
        raise ConfigError("this backstride cannot make a restricted view of the store")
    view: service.Store = restricted(hide_strava_api=hide_strava_api, positions=positions)
    return view


def render_report(
    context: JobContext,
    job_id: int,
    start: str | None = None,
    end: str | None = None,
    hide_strava_api: bool = False,
    positions: bool = True,
) -> None:
    """Render the clinician report (PDF) of ``start`` .. ``end`` (ISO days; None: the
    report's defaults) and keep it as the job's output."""
    from backstride import report as reporting  # WeasyPrint: loaded by the first report

    rt = runtime(context)

    def work(job: job_service.StartedJob) -> str:
        job_service.report_progress(rt.store, job.id, done=0, total=1, message="rendering")
        data = service.build_default_report(
            _view(rt.store, hide_strava_api, positions),
            start=_day(start),
            end=_day(end),
            athlete=job.athlete,
        )
        pdf = reporting.render_pdf(data)
        line = f"{data.start.isoformat()} to {data.end.isoformat()}, {data.runs} runs"
        result = {
            "start": data.start.isoformat(),
            "end": data.end.isoformat(),
            "runs": data.runs,
            "bytes": len(pdf),
        }
        job_service.finish_job(
            rt.store, job.id, message=line, result=result, output=pdf, output_type=PDF
        )
        return f"{line}, {len(pdf)} bytes"

    _run(rt, job_id, work)


def sync_connected(context: JobContext, timestamp: int) -> None:
    """Periodic: queue a sync of every athlete with a connected service (one job each,
    unless one is still queued or running)."""
    from backstride.jobs import submit

    rt = runtime(context)
    queued = skipped = 0
    for athlete in job_service.connected_athletes(rt.store):
        if submit.sync(rt.store, rt.settings, athlete=athlete, periodic=True) is None:
            skipped += 1
        else:
            queued += 1
    if queued or skipped:
        log.info("periodic sync: %d queued, %d still queued or running", queued, skipped)


async def retry_stalled(context: JobContext, timestamp: int) -> None:
    """Periodic: retry the jobs of workers that stopped sending heartbeats."""
    await retry_stalled_jobs(context.app, runtime(context))


async def retry_stalled_jobs(app: App, rt: Runtime) -> int:
    """Put the jobs of stalled workers (no heartbeat for ``rt.stalled_after_s``: killed,
    frozen, cut off) back in the queue, or fail them after :data:`MAX_STARTS` starts;
    returns how many were retried. Their rows say so meanwhile. Two workers doing this at
    once retry each job once (procrastinate refuses the second)."""
    stalled = await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=rt.stalled_after_s)
    retried = 0
    for job in stalled:
        assert job.id is not None
        row = await asyncio.to_thread(job_service.job_by_queue_id, rt.store, job.id)
        try:
            if job.attempts + 1 >= MAX_STARTS:
                await app.job_manager.finish_job(job, status=Status.FAILED, delete_job=False)
                message = f"a worker stopped during this job {MAX_STARTS} times; not retried"
                if row is not None:
                    await asyncio.to_thread(job_service.fail_job, rt.store, row.id, message)
                log.warning("job %s failed: %s", row.id if row else job.call_string, message)
                continue
            await app.job_manager.retry_job(job)
        except Exception as e:  # another worker retried it meanwhile: its status moved on
            log.debug("not retried: %s: %s", job.call_string, e)
            continue
        retried += 1
        if row is not None:
            await asyncio.to_thread(
                job_service.note, rt.store, row.id, "a worker stopped during this job; retrying"
            )
        log.info(
            "job %s: its worker stopped sending heartbeats; retrying",
            row.id if row else job.call_string,
        )
    return retried
