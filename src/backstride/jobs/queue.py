"""The queue's names and how a job is queued (no task code: the web imports this).

Task names are the contract between whoever queues a job and the workers that run it
(``tasks.register`` gives the functions these names); a job is deferred by name, on the
store transaction's own connection (procrastinate's ``connection=``), so the job row and its
queued task are committed together.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from procrastinate import App, PsycopgConnector

from backstride.config import Settings
from backstride.service import jobs as job_service

#: The queue every backstride task goes to.
QUEUE = "backstride"
IMPORT_UPLOAD = "backstride.import_upload"
SYNC = "backstride.sync"
RENDER_REPORT = "backstride.render_report"
SYNC_CONNECTED = "backstride.sync_connected"
RETRY_STALLED = "backstride.retry_stalled"
#: Connections a worker's queue connector keeps (fetching, finishing, heartbeats; the
#: tasks use the store's own pool).
POOL_SIZE = 4


def queue_app(settings: Settings) -> App:
    """A procrastinate app on the settings' PostgreSQL database, without tasks: enough to
    queue one by name (``app.build_app`` adds the tasks for a worker). Not opened: queuing
    on a store transaction's connection needs no pool of its own. SQLite is refused with
    one line (``ConfigError``): it has no job queue."""
    conninfo = job_service.queue_conninfo(settings.database_url)
    return App(connector=PsycopgConnector(conninfo=conninfo, min_size=1, max_size=POOL_SIZE))


def arguments(**values: Any) -> dict[str, Any]:
    """Task keyword arguments as procrastinate stores them (JSON: dates as ISO days)."""
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in values.items()}


def enqueuer(app: App, task: str, *, lock: str | None = None, **values: Any) -> job_service.Enqueue:
    """What ``service.jobs`` calls inside its transaction: defer ``task`` for the new job
    on that transaction's connection; returns procrastinate's job id."""

    def enqueue(connection: object, job_id: int) -> int:
        deferrer = app.configure_task(task, connection=connection, lock=lock, queue=QUEUE)
        return deferrer.defer(job_id=job_id, **arguments(**values))

    return enqueue
