"""Background jobs (issue 17): uploads, syncs and reports, as the pages see them.

A job is a ``jobs`` row (``store.jobs``): created here ``queued``, in the transaction that
also hands the work to the queue (``enqueue``: the shell's procrastinate deferral, given the
transaction's database connection, so a job row never exists without its queued task, nor
the task without its row), then ``running`` while a worker (``backstride worker``, the
``backstride.jobs`` shell) does it, with its progress, and finally ``done`` with its result
(an import's report as JSON, a report's PDF as output) or ``failed`` with one line saying
why. A worker killed mid-job leaves the row ``running``; another worker retries the job
(``attempts`` counts the starts) and, imports being idempotent, the store ends up as a clean
import would leave it.

An upload's files are kept in ``uploads`` (the database, so a worker on any machine reads
them); :func:`run_import_job` writes each to a private temporary folder in turn and imports
it through the same path as any file (``service.importing.import_paths``: loose files and
export archives alike). The rows stay after the import: they are the runner's original
files (the data export hands them back).

Reads are per athlete: a job of another athlete is None (or NotFoundError), exactly as a job
that does not exist, so an id gives nothing away.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

from backstride.config import Settings
from backstride.errors import ConfigError, InputError, NotFoundError
from backstride.model import (
    ImportFailure,
    ImportMatch,
    ImportReport,
    ImportWarning,
    JobKind,
    JobRecord,
    SyncService,
)
from backstride.store import Connection, Store, transaction
from backstride.store import jobs as job_rows
from backstride.store.athletes import get_or_create_athlete
from backstride.views import import_report_view

#: The shell's way to queue a job: given the open transaction's database connection (the
#: driver's own) and the new job's id, it defers the task there and returns the queue's id.
Enqueue = Callable[[object, int], int]
#: The services a sync job can name (``service.sync.SERVICES``, without importing its clients).
SYNC_SERVICES: tuple[SyncService, ...] = ("strava", "intervals")
#: Longest file name kept for an upload, in UTF-8 bytes.
MAX_NAME_BYTES = 150
#: Progress is written at most this often (seconds) while a unit is under way.
PROGRESS_EVERY_S = 0.5


def _now() -> datetime:
    return datetime.now(UTC)


def _when(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class JobView:
    """A job as its athlete (or a page showing it) sees it."""

    record: JobRecord

    @property
    def id(self) -> int:
        return self.record.id

    @property
    def state(self) -> str:
        return self.record.state

    @property
    def result(self) -> Any:
        """The result as JSON data (an import's report, a sync's reports ...), or None."""
        return None if self.record.result is None else json.loads(self.record.result)

    def to_json(self) -> dict[str, Any]:
        r = self.record
        return {
            "id": r.id,
            "kind": r.kind,
            "state": r.state,
            "done": r.done,
            "total": r.total,
            "message": r.message,
            "result": self.result,
            "output_type": r.output_type,
            "attempts": r.attempts,
            "created_at": _when(r.created_at),
            "updated_at": _when(r.updated_at),
        }


def clean_name(name: str | None, index: int) -> str:
    """An uploaded file's own name, without any folder part or control characters, at most
    :data:`MAX_NAME_BYTES` bytes with its extension kept (``upload-N`` when nothing is left).

    >>> clean_name("../../etc/passwd", 0), clean_name("C:\\\\runs\\\\a.fit", 1), clean_name("..", 2)
    ('passwd', 'a.fit', 'upload-2')
    """
    base = PurePosixPath((name or "").replace("\\", "/")).name
    base = "".join(
        c for c in unicodedata.normalize("NFC", base) if unicodedata.category(c)[0] != "C"
    ).strip()
    if len(base.encode()) > MAX_NAME_BYTES:
        suffix = "".join(PurePosixPath(base).suffixes[-2:])
        suffix = suffix if len(suffix.encode()) <= 20 else ""
        stem = base[: len(base) - len(suffix)] if suffix else base
        base = stem.encode()[: MAX_NAME_BYTES - len(suffix.encode())].decode(errors="ignore")
        base += suffix
    return base if base.strip(".") else f"upload-{index}"


def _queue(conn: Connection, job_id: int, enqueue: Enqueue | None) -> None:
    if enqueue is not None:
        queue_id = enqueue(job_rows.driver_connection(conn), job_id)
        job_rows.set_queue_job(conn, job_id, queue_id)


def create_import_job(
    store: Store,
    *,
    athlete: str,
    files: Iterable[tuple[str, BinaryIO]],
    enqueue: Enqueue | None = None,
) -> int:
    """A ``queued`` import job holding ``files`` (name, readable binary stream), stored in
    one transaction with the job row (and the queued task, with ``enqueue``); returns the
    job's id. The names are cleaned (no folders); the bytes are read once, here."""
    now = _now()
    with transaction(store) as conn:
        athlete_id = get_or_create_athlete(conn, athlete).id
        job_id = job_rows.insert_job(conn, athlete_id=athlete_id, kind="import", now=now)
        count = 0
        for index, (name, stream) in enumerate(files):
            data = stream.read()
            job_rows.insert_upload(
                conn,
                job_id=job_id,
                athlete_id=athlete_id,
                file_name=clean_name(name, index),
                sha256=hashlib.sha256(data).hexdigest(),
                data=data,
                now=now,
            )
            count += 1
        if count == 0:
            raise InputError(
                "no files in the upload",
                hint="choose activity files or an export .zip",
                field="files",
            )
        job_rows.update_progress(
            conn, job_id, done=0, total=count, message=f"{_files(count)} waiting", now=now
        )
        _queue(conn, job_id, enqueue)
    return job_id


def create_sync_job(
    store: Store,
    *,
    athlete: str,
    service: str | None = None,
    enqueue: Enqueue | None = None,
    skip_if_unfinished: bool = False,
) -> int | None:
    """A ``queued`` sync of ``service`` (default: every connected one); returns its id.
    ``skip_if_unfinished``: None instead when a sync of the athlete is queued or running
    (the periodic sync does not pile up behind a slow one)."""
    if service is not None and service not in SYNC_SERVICES:
        raise InputError(
            f"unknown service {service!r}: {' or '.join(SYNC_SERVICES)}", field="service"
        )
    with transaction(store) as conn:
        athlete_id = get_or_create_athlete(conn, athlete).id
        if skip_if_unfinished and job_rows.has_unfinished(conn, athlete_id, "sync"):
            return None
        job_id = job_rows.insert_job(
            conn,
            athlete_id=athlete_id,
            kind="sync",
            now=_now(),
            message=f"sync of {service or 'every connected service'} waiting",
        )
        _queue(conn, job_id, enqueue)
    return job_id


def create_report_job(
    store: Store,
    *,
    athlete: str,
    start: date | None = None,
    end: date | None = None,
    enqueue: Enqueue | None = None,
    requested_by: int | None = None,
) -> int:
    """A ``queued`` clinician report (PDF) of ``start`` .. ``end`` (defaults as the report's:
    ``service.report_data.build_default_report``); the period is checked here, so a bad one
    is refused before anything is queued. ``requested_by``: the clinician account asking (the
    report is made from their share's view, so only they are given it: :func:`get_job`)."""
    from backstride.service.report_data import check_period, default_period

    if start is not None or end is not None:
        first, last = default_period(end)
        check_period(start or first, end or last)
    with transaction(store) as conn:
        athlete_id = get_or_create_athlete(conn, athlete).id
        job_id = job_rows.insert_job(
            conn,
            athlete_id=athlete_id,
            kind="report",
            now=_now(),
            message="report waiting",
            requested_by=requested_by,
        )
        _queue(conn, job_id, enqueue)
    return job_id


def _visible(record: JobRecord, athlete_id: int | None, clinician: int | None) -> bool:
    """Whether a job is given to its asker: the athlete sees all of theirs; a clinician
    (``clinician``: their account id) only the jobs they asked for, since a job's result and
    output were made from its asker's view of the store (the athlete's own holds Strava API
    data and positions; another clinician's share may be wider than theirs)."""
    if athlete_id is None or record.athlete_id != athlete_id:
        return False
    return clinician is None or record.requested_by == clinician


def get_job(
    store: Store, job_id: int, *, athlete: str, clinician: int | None = None
) -> JobView | None:
    """The athlete's job ``job_id``; None when there is none, it is another athlete's, or
    (for a ``clinician``, their account id) another's request."""
    with transaction(store) as conn:
        athlete_id = job_rows.find_athlete(conn, athlete)
        record = job_rows.get_job(conn, job_id)
    if record is None or not _visible(record, athlete_id, clinician):
        return None
    return JobView(record)


def list_jobs(
    store: Store,
    *,
    athlete: str,
    limit: int = 20,
    clinician: int | None = None,
    kind: JobKind | None = None,
) -> list[JobView]:
    """The athlete's latest ``limit`` jobs (for a ``clinician``, their account id: the
    latest of their own requests, :func:`_visible`; with ``kind``, of that kind only),
    newest first."""
    if limit < 1:
        raise InputError("limit must be at least 1", field="limit")
    with transaction(store) as conn:
        athlete_id = job_rows.find_athlete(conn, athlete)
        if athlete_id is None:
            return []
        # The filters are the query's, before its LIMIT: filtered after it, a clinician
        # would miss their jobs behind the athlete's newer ones, imports behind syncs.
        records = job_rows.list_jobs(
            conn, athlete_id, limit=limit, requested_by=clinician, kind=kind
        )
    return [JobView(r) for r in records]


def job_output(
    store: Store, job_id: int, *, athlete: str, clinician: int | None = None
) -> tuple[bytes, str]:
    """The output a finished job left (a report's PDF) and its media type; NotFoundError
    when there is none yet, no such job, or it is another athlete's or (for a ``clinician``)
    another's request (the same error)."""
    with transaction(store) as conn:
        athlete_id = job_rows.find_athlete(conn, athlete)
        record = job_rows.get_job(conn, job_id)
        visible = record is not None and _visible(record, athlete_id, clinician)
        # The bytes are read only for whom the job is: a refused asker costs no PDF read.
        output, media_type = job_rows.get_output(conn, job_id) if visible else (None, None)
    if output is None or media_type is None:
        raise NotFoundError(f"job {job_id} has no output", hint="wait until the job is done")
    return bytes(output), media_type


# -- what a worker does ------------------------------------------------------------------------


@dataclass(frozen=True)
class StartedJob:
    """A job a worker has started: its row (attempts counted) and its athlete's name."""

    record: JobRecord
    athlete: str

    @property
    def id(self) -> int:
        return self.record.id

    @property
    def kind(self) -> JobKind:
        return self.record.kind


def start_job(store: Store, job_id: int) -> StartedJob | None:
    """Mark the job ``running`` and count this attempt; None when it is finished already
    (or gone, with its athlete's account): then there is nothing to do."""
    with transaction(store) as conn:
        record = job_rows.start_job(conn, job_id, now=_now())
        if record is None or record.athlete_id is None:
            return None
        return StartedJob(record, job_rows.athlete_name(conn, record.athlete_id))


def report_progress(
    store: Store, job_id: int, *, done: int, total: int | None, message: str | None
) -> None:
    with transaction(store) as conn:
        job_rows.update_progress(conn, job_id, done=done, total=total, message=message, now=_now())


def note(store: Store, job_id: int, message: str) -> None:
    """A line about an unfinished job (e.g. that it is retried after a worker stopped)."""
    with transaction(store) as conn:
        job_rows.set_message(conn, job_id, message, now=_now())


def finish_job(
    store: Store,
    job_id: int,
    *,
    message: str,
    result: Any = None,
    output: bytes | None = None,
    output_type: str | None = None,
) -> None:
    """The job is ``done``: ``result`` (JSON data) and ``output`` (bytes) are kept."""
    with transaction(store) as conn:
        job_rows.finish_job(
            conn,
            job_id,
            state="done",
            message=message,
            now=_now(),
            result=None if result is None else json.dumps(result),
            output=output,
            output_type=output_type,
        )


def fail_job(store: Store, job_id: int, message: str) -> None:
    """The job is ``failed``, ``message`` saying why in one line."""
    with transaction(store) as conn:
        job_rows.finish_job(
            conn, job_id, state="failed", message=message.splitlines()[0], now=_now()
        )


def job_by_queue_id(store: Store, queue_job_id: int) -> JobRecord | None:
    """The job row a queued task runs (by procrastinate's job id)."""
    with transaction(store) as conn:
        return job_rows.get_job_by_queue_id(conn, queue_job_id)


def connected_athletes(store: Store) -> list[str]:
    """The athletes with a connected service (the periodic sync's list)."""
    with transaction(store) as conn:
        return [name for _, name in job_rows.connected_athletes(conn)]


def queue_conninfo(database_url: str) -> str:
    """Where the job queue is: the store's own PostgreSQL database, as a libpq connection
    string. Any other database is refused in one line (there is no queue on SQLite)."""
    conninfo = job_rows.queue_conninfo(database_url)
    if conninfo is None:
        raise ConfigError(
            "background jobs need PostgreSQL, and the database is "
            f"{database_url.partition(':')[0] or database_url}",
            hint="set BACKSTRIDE_DATABASE_URL (or --db) to postgresql+psycopg://user@host/db",
        )
    return conninfo


def _files(n: int) -> str:
    return f"{n} file" + ("" if n == 1 else "s")


class _ImportProgress:
    """The import's progress on the job row: units (files, archive members) done of those
    known. Each upload counts as one unit until the import says how many it holds (an
    archive's members); the row is written at most every :data:`PROGRESS_EVERY_S` while a
    file is under way, and at the end of each."""

    def __init__(self, store: Store, job_id: int, names: list[str]) -> None:
        self.store = store
        self.job_id = job_id
        self.names = names
        self.expected = [1] * len(names)
        self.index = 0
        self.told = False  # whether the current upload announced its units
        self.advanced = 0  # units of the current upload done
        self.finished = 0  # units of the uploads before it
        self.written_at = 0.0

    def add_total(self, count: int) -> None:
        self.expected[self.index] = count if not self.told else self.expected[self.index] + count
        self.told = True

    def advance(self, label: str) -> None:
        self.advanced += 1
        if time.monotonic() - self.written_at >= PROGRESS_EVERY_S:
            self.write()

    def begin(self, index: int) -> None:
        self.index, self.told, self.advanced = index, False, 0
        self.write()

    def end(self) -> None:
        self.finished += self.expected[self.index]
        self.advanced = 0
        self.index += 1
        self.write()

    def write(self) -> None:
        current = self.expected[self.index] if self.index < len(self.names) else 0
        done = self.finished + min(self.advanced, current)
        if self.index < len(self.names):
            message = f"importing {self.names[self.index]}"
        else:
            message = "storing the result"
        report_progress(
            self.store, self.job_id, done=done, total=sum(self.expected), message=message
        )
        self.written_at = time.monotonic()


def _relabel(report: ImportReport, folder: Path, name: str) -> ImportReport:
    """The report with the temporary path told as the upload's own name."""
    own = str(folder / name)

    def label(text: str) -> str:
        if text == own or text.startswith((own + "/", own + ":", own + "!")):
            return name + text[len(own) :]
        return text.replace(str(folder) + os.sep, "")

    return ImportReport(
        imported=report.imported,
        duplicates=report.duplicates,
        skipped=report.skipped,
        failed=[ImportFailure(label(f.path), f.error) for f in report.failed],
        activity_ids=list(report.activity_ids),
        matches=[ImportMatch(label(m.source), m.activity_id, m.reason) for m in report.matches],
        warnings=[ImportWarning(label(w.path), w.warning) for w in report.warnings],
    )


def summary_line(report: ImportReport) -> str:
    """``3 imported, 1 duplicate, 1 failed`` (and skipped when any)."""
    parts = [
        f"{report.imported} imported",
        f"{report.duplicates} duplicate" + ("" if report.duplicates == 1 else "s"),
    ]
    if report.skipped:
        parts.append(f"{report.skipped} skipped")
    parts.append(f"{len(report.failed)} failed")
    return ", ".join(parts)


def run_import_job(
    store: Store, job: StartedJob, *, after_file: Callable[[], None] | None = None
) -> ImportReport:
    """Import the job's uploaded files, one at a time, through the path of any file, and
    finish the job ``done`` with the report as its result (a file that fails is a line of
    the report, not a failed job). ``after_file`` runs after each file is stored and
    counted (the worker's test hook pauses there).

    Each file is written to a private temporary folder (0700, removed at the end), under a
    folder of its own so two uploads of the same name are both imported, and imported with
    ``import_paths`` (an export ``.zip`` as an archive), decoded in this thread: a worker
    runs its jobs in threads, where forking decoder processes is unsafe, so more workers
    (or ``--concurrency``) are the parallelism. A retried job imports every file
    again: those its first attempt stored are skipped as the same bytes ("same file"), so
    nothing is lost or doubled.
    """
    from backstride.service.importing import import_paths

    with transaction(store) as conn:
        uploads = job_rows.list_uploads(conn, job.id)
    names = [u.file_name for u in uploads]
    progress = _ImportProgress(store, job.id, names)
    report = ImportReport()
    with tempfile.TemporaryDirectory(prefix="backstride-job-") as temp:
        for index, upload in enumerate(uploads):
            progress.begin(index)
            folder = Path(temp) / f"{index:04d}"
            folder.mkdir(mode=0o700)
            path = folder / upload.file_name
            with transaction(store) as conn:
                data = job_rows.upload_data(conn, upload.id)
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            del data
            part = import_paths(store, [path], athlete=job.athlete, progress=progress, jobs=1)
            report.add(_relabel(part, folder, upload.file_name))
            path.unlink()
            progress.end()
            if after_file is not None:
                after_file()
    finish_job(
        store,
        job.id,
        message=f"{_files(len(uploads))}: {summary_line(report)}",
        result=import_report_view(report),
    )
    return report


class _UnitProgress:
    """A sync's progress on the job row: activities fetched of those listed, and the
    rate-limit pauses as the message (written at most every :data:`PROGRESS_EVERY_S`)."""

    def __init__(self, store: Store, job_id: int) -> None:
        self.store = store
        self.job_id = job_id
        self.done = 0
        self.total = 0
        self.written_at = 0.0

    def add_total(self, count: int) -> None:
        self.total += count
        self.write("fetching")

    def advance(self, label: str) -> None:
        self.done += 1
        if time.monotonic() - self.written_at >= PROGRESS_EVERY_S:
            self.write(f"fetched {label}")

    def pause(self, message: str) -> None:
        self.write(message)

    def write(self, message: str) -> None:
        report_progress(self.store, self.job_id, done=self.done, total=self.total, message=message)
        self.written_at = time.monotonic()


def run_sync_job(store: Store, settings: Settings, job: StartedJob, service: str | None) -> str:
    """Sync ``service`` (None: every connected one) for the job's athlete, finish the job
    ``done`` with the sync reports as its result; returns its one-line summary. A failure
    of the sync as a whole (no connection, access withdrawn) is raised: the job fails."""
    from backstride.service import sync as syncing

    services = None if service is None else (syncing.parse_service(service),)
    reports = syncing.sync_services(
        store,
        settings,
        services,
        athlete=job.athlete,
        progress=_UnitProgress(store, job.id),
    )
    line = "; ".join(
        f"{syncing.NAMES[r.service]}: {r.new} new, {r.edited} edited, {r.deleted} deleted, "
        f"{len(r.imports.failed)} failed"
        for r in reports
    )
    finish_job(store, job.id, message=line, result={"syncs": [r.to_json() for r in reports]})
    return line
