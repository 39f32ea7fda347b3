"""The periodic tasks, without a worker process: their schedule, the stalled-job retry
(retried, or failed after too many starts), and the hourly sync's queueing."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, datetime
from typing import Any, cast

import pytest
import sqlalchemy as sa
from procrastinate import JobContext

from backstride.config import load_settings
from backstride.jobs import queue, submit, tasks
from backstride.jobs.app import build_app
from backstride.service import jobs as job_service
from backstride.store import Store, transaction
from backstride.store import sync as sync_rows
from backstride.store.athletes import get_or_create_athlete
from tests.jobs.conftest import FILES, count

pytestmark = pytest.mark.postgres


def test_the_periodic_tasks_and_their_schedules(jobs_url: str) -> None:
    app = build_app(load_settings({}, database_url=jobs_url))
    schedules = {p.task.name: p.cron for p in app.periodic_registry.periodic_tasks.values()}
    assert schedules == {queue.SYNC_CONNECTED: "0 * * * *", queue.RETRY_STALLED: "* * * * *"}
    assert {queue.IMPORT_UPLOAD, queue.SYNC, queue.RENDER_REPORT} <= set(app.tasks)


def _stall(store: Store, queue_job_id: int, attempts: int) -> None:
    """Make the queued task look taken by a worker that died an hour ago."""
    with store.engine.begin() as conn:
        worker = conn.execute(
            sa.text(
                "insert into procrastinate_workers (last_heartbeat) "
                "values (now() - interval '1 hour') returning id"
            )
        ).scalar_one()
        conn.execute(
            sa.text(
                "update procrastinate_jobs set status = 'doing', worker_id = :w, "
                "attempts = :a where id = :j"
            ),
            {"w": worker, "j": queue_job_id, "a": attempts},
        )


def test_stalled_jobs_are_retried_and_given_up_after_three_starts(
    pg_store: Store, jobs_url: str
) -> None:
    settings = load_settings({}, database_url=jobs_url)
    files = [(FILES[0].name, io.BytesIO(FILES[0].read_bytes()))]
    again = submit.import_upload(pg_store, settings, athlete="ann", files=files)
    given_up = submit.import_upload(pg_store, settings, athlete="ann", files=files)
    rows = {j: job_service.get_job(pg_store, j, athlete="ann") for j in (again, given_up)}
    queue_ids = {j: v.record.queue_job_id for j, v in rows.items() if v is not None}
    _stall(pg_store, queue_ids[again], attempts=0)
    _stall(pg_store, queue_ids[given_up], attempts=tasks.MAX_STARTS - 1)
    app = build_app(settings)
    runtime = tasks.Runtime(store=pg_store, settings=settings, stalled_after_s=30)

    async def retry() -> int:
        async with app.open_async():
            return await tasks.retry_stalled_jobs(app, runtime)

    assert asyncio.run(retry()) == 1
    status = {
        j: count(pg_store, f"select status::text from procrastinate_jobs where id = {q}")
        for j, q in queue_ids.items()
    }
    assert status == {again: "todo", given_up: "failed"}
    retried = job_service.get_job(pg_store, again, athlete="ann")
    failed = job_service.get_job(pg_store, given_up, athlete="ann")
    assert retried is not None
    assert failed is not None
    assert retried.record.message == "a worker stopped during this job; retrying"
    assert failed.state == "failed"
    assert failed.record.message == "a worker stopped during this job 3 times; not retried"
    assert asyncio.run(retry()) == 0  # nothing stalled any more


def test_the_hourly_sync_queues_one_sync_per_connected_athlete(
    pg_store: Store, jobs_url: str
) -> None:
    settings = load_settings({}, database_url=jobs_url)
    with transaction(pg_store) as conn:
        for name in ("ann", "bob"):
            athlete = get_or_create_athlete(conn, name).id
            sync_rows.save_connection(
                conn, athlete, "intervals", remote_athlete="i1", remote_name=None,
                credentials={"api_key": "k"}, now=datetime(2026, 12, 7, tzinfo=UTC),
            )  # fmt: skip
        get_or_create_athlete(conn, "cyd")  # nothing connected: no sync
    context = cast(Any, type("Context", (), {"additional_context": {}})())
    context.additional_context["backstride"] = tasks.Runtime(
        store=pg_store, settings=settings, stalled_after_s=30
    )
    tasks.sync_connected(cast(JobContext, context), timestamp=0)
    assert count(pg_store, "select count(*) from jobs where kind = 'sync'") == 2
    assert (
        count(
            pg_store, "select count(*) from procrastinate_jobs where task_name = 'backstride.sync'"
        )
        == 2
    )
    tasks.sync_connected(cast(JobContext, context), timestamp=3600)  # the first still queued
    assert count(pg_store, "select count(*) from jobs where kind = 'sync'") == 2
    # a sync the runner asks for is queued all the same
    assert submit.sync(pg_store, settings, athlete="ann", service="intervals") is not None
    # a sync that cannot run fails its job with one line (cyd has nothing connected)
    job_id = submit.sync(pg_store, settings, athlete="cyd")
    assert job_id is not None
    tasks.sync(cast(JobContext, context), job_id=job_id)
    view = job_service.get_job(pg_store, job_id, athlete="cyd")
    assert view is not None
    assert (view.state, view.record.message) == ("failed", "no service is connected")
