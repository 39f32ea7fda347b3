"""Background jobs and the files uploaded for them (tables ``jobs`` and ``uploads``,
migration 0010).

A ``jobs`` row is what the pages show of a job: its state (``queued``, ``running``,
``done``, ``failed``), its progress, its result and output. procrastinate's own
``procrastinate_jobs`` row (migration 0011) is what a worker takes; ``queue_job_id`` links
the two. ``uploads`` keeps an upload's files in the database, so a worker on any machine
can read them, and after the import, as the runner's original files (the data export).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from backstride.model import JobKind, JobRecord, JobState, UploadRecord
from backstride.store.schema import athletes, jobs, sync_connections, uploads

#: The columns of a job without its output bytes (read on their own: a PDF may be large).
_JOB_COLUMNS = [c for c in jobs.c if c.name != "output"]
#: States in which a job can still change.
UNFINISHED: tuple[JobState, ...] = ("queued", "running")


def _job(row: Row[Any]) -> JobRecord:
    return JobRecord(
        id=row.id,
        athlete_id=row.athlete_id,
        kind=cast(JobKind, row.kind),
        state=cast(JobState, row.state),
        done=row.done,
        total=row.total,
        message=row.message,
        result=row.result,
        output_type=row.output_type,
        attempts=row.attempts,
        queue_job_id=row.queue_job_id,
        created_at=row.created_at,
        updated_at=row.updated_at,
        requested_by=row.requested_by,
    )


def insert_job(
    conn: Connection,
    *,
    athlete_id: int | None,
    kind: JobKind,
    now: datetime,
    total: int | None = None,
    message: str | None = None,
    requested_by: int | None = None,
) -> int:
    """A new ``queued`` job; returns its id. ``requested_by``: the clinician account that
    asked for it (None: the athlete's own)."""
    return int(
        conn.execute(
            jobs.insert()
            .values(
                athlete_id=athlete_id,
                kind=kind,
                state="queued",
                done=0,
                total=total,
                message=message,
                attempts=0,
                created_at=now,
                updated_at=now,
                requested_by=requested_by,
            )
            .returning(jobs.c.id)
        ).scalar_one()
    )


def set_queue_job(conn: Connection, job_id: int, queue_job_id: int) -> None:
    """Link the job to procrastinate's job that runs it."""
    conn.execute(jobs.update().where(jobs.c.id == job_id).values(queue_job_id=queue_job_id))


def insert_upload(
    conn: Connection,
    *,
    job_id: int,
    athlete_id: int,
    file_name: str,
    sha256: str,
    data: bytes,
    now: datetime,
) -> int:
    return int(
        conn.execute(
            uploads.insert()
            .values(
                job_id=job_id,
                athlete_id=athlete_id,
                file_name=file_name,
                sha256=sha256,
                size=len(data),
                data=data,
                created_at=now,
            )
            .returning(uploads.c.id)
        ).scalar_one()
    )


def get_job(conn: Connection, job_id: int) -> JobRecord | None:
    row = conn.execute(sa.select(*_JOB_COLUMNS).where(jobs.c.id == job_id)).first()
    return None if row is None else _job(row)


def get_job_by_queue_id(conn: Connection, queue_job_id: int) -> JobRecord | None:
    row = conn.execute(sa.select(*_JOB_COLUMNS).where(jobs.c.queue_job_id == queue_job_id)).first()
    return None if row is None else _job(row)


def list_jobs(
    conn: Connection,
    athlete_id: int,
    *,
    limit: int,
    requested_by: int | None = None,
    kind: JobKind | None = None,
) -> list[JobRecord]:
    """The athlete's latest ``limit`` jobs, newest first; with ``requested_by`` (a clinician
    account) only the jobs that account asked for, with ``kind`` only those of that kind,
    both chosen before the limit applies (None: every job of the athlete's)."""
    query = sa.select(*_JOB_COLUMNS).where(jobs.c.athlete_id == athlete_id)
    if requested_by is not None:
        query = query.where(jobs.c.requested_by == requested_by)
    if kind is not None:
        query = query.where(jobs.c.kind == kind)
    rows = conn.execute(query.order_by(jobs.c.id.desc()).limit(limit)).all()
    return [_job(r) for r in rows]


def has_unfinished(conn: Connection, athlete_id: int, kind: JobKind) -> bool:
    """Whether a job of this kind is queued or running for the athlete."""
    found = conn.execute(
        sa.select(jobs.c.id)
        .where(
            jobs.c.athlete_id == athlete_id,
            jobs.c.kind == kind,
            jobs.c.state.in_(UNFINISHED),
        )
        .limit(1)
    ).first()
    return found is not None


def get_output(conn: Connection, job_id: int) -> tuple[bytes | None, str | None]:
    """The job's output bytes and media type (None, None: none yet, or no such job)."""
    row = conn.execute(
        sa.select(jobs.c.output, jobs.c.output_type).where(jobs.c.id == job_id)
    ).first()
    if row is None:
        return None, None
    return row.output, row.output_type


def start_job(conn: Connection, job_id: int, *, now: datetime) -> JobRecord | None:
    """Mark a job ``running`` and count the attempt; None when it is finished already (or
    gone), so a second delivery of a finished job does nothing."""
    row = conn.execute(
        jobs.update()
        .where(jobs.c.id == job_id, jobs.c.state.in_(UNFINISHED))
        .values(state="running", attempts=jobs.c.attempts + 1, updated_at=now)
        .returning(*_JOB_COLUMNS)
    ).first()
    return None if row is None else _job(row)


def update_progress(
    conn: Connection,
    job_id: int,
    *,
    done: int,
    total: int | None,
    message: str | None,
    now: datetime,
) -> None:
    conn.execute(
        jobs.update()
        .where(jobs.c.id == job_id, jobs.c.state.in_(UNFINISHED))
        .values(done=done, total=total, message=message, updated_at=now)
    )


def set_message(conn: Connection, job_id: int, message: str, *, now: datetime) -> None:
    conn.execute(
        jobs.update()
        .where(jobs.c.id == job_id, jobs.c.state.in_(UNFINISHED))
        .values(message=message, updated_at=now)
    )


def finish_job(
    conn: Connection,
    job_id: int,
    *,
    state: JobState,
    message: str | None,
    now: datetime,
    result: str | None = None,
    output: bytes | None = None,
    output_type: str | None = None,
) -> None:
    """The job's end: ``done`` (with its result and output) or ``failed`` (its message)."""
    conn.execute(
        jobs.update()
        .where(jobs.c.id == job_id)
        .values(
            state=state,
            message=message,
            result=result,
            output=output,
            output_type=output_type,
            updated_at=now,
        )
    )


def list_uploads(conn: Connection, job_id: int) -> list[UploadRecord]:
    """The job's files, in the order they were uploaded, without their bytes."""
    rows = conn.execute(
        sa.select(
            uploads.c.id,
            uploads.c.job_id,
            uploads.c.athlete_id,
            uploads.c.file_name,
            uploads.c.sha256,
            uploads.c.size,
            uploads.c.created_at,
        )
        .where(uploads.c.job_id == job_id)
        .order_by(uploads.c.id)
    ).all()
    return [
        UploadRecord(
            id=r.id,
            job_id=r.job_id,
            athlete_id=r.athlete_id,
            file_name=r.file_name,
            sha256=r.sha256,
            size=r.size,
            created_at=r.created_at,
        )
        for r in rows
    ]


def upload_data(conn: Connection, upload_id: int) -> bytes:
    return bytes(
        conn.execute(sa.select(uploads.c.data).where(uploads.c.id == upload_id)).scalar_one()
    )


def find_athlete(conn: Connection, name: str) -> int | None:
    """The id of the athlete called ``name``, without creating one (reads never do)."""
    return cast(
        int | None, conn.execute(sa.select(athletes.c.id).where(athletes.c.name == name)).scalar()
    )


def athlete_name(conn: Connection, athlete_id: int) -> str:
    return str(
        conn.execute(sa.select(athletes.c.name).where(athletes.c.id == athlete_id)).scalar_one()
    )


def connected_athletes(conn: Connection) -> list[tuple[int, str]]:
    """Every athlete with a connected service (id, name), for the periodic sync."""
    rows = conn.execute(
        sa.select(athletes.c.id, athletes.c.name)
        .where(athletes.c.id.in_(sa.select(sync_connections.c.athlete_id)))
        .order_by(athletes.c.id)
    ).all()
    return [(r.id, r.name) for r in rows]


def driver_connection(conn: Connection) -> object:
    """The database driver's own connection under ``conn``, in its open transaction: what
    procrastinate defers a task on, so the task is queued in the transaction that creates
    its job row (committed together, or neither)."""
    driver = conn.connection.driver_connection
    assert driver is not None
    return driver


def queue_conninfo(url: str) -> str | None:
    """The libpq connection string of a PostgreSQL database URL (what procrastinate's
    psycopg connector takes: the same server, database, user and options, the search path
    included); None for any other database."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return None
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)
