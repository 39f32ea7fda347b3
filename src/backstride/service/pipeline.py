"""The one path of every import: a list of :class:`FileWork` in, each unit read, hashed,
decoded and stored in order.

Loose files (``service/importing.py``) and archive members and rows (``service/archives.py``)
become :class:`FileWork` and go through :func:`run_pipeline`; storing is
``service/storing.py`` (whole files, a transaction per batch of them, twins, archive
metadata). Decoding may run in worker processes (``jobs``, ``service/decoding.py``); storing
never does: this process is the only writer, and it stores files in the order it met them,
so the outcome does not depend on ``jobs``.
"""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Protocol

from backstride.errors import BackstrideError
from backstride.ingest import read_activities
from backstride.model import Activity, ActivityMeta, ImportFailure, ImportReport
from backstride.service.decoding import Decoded, DecodePool, DecodingCrashError
from backstride.service.deriving import derive_forms
from backstride.service.storing import Source, Writer, import_hashed
from backstride.store import Connection, Store, transaction
from backstride.store import activities as activity_rows
from backstride.store.athletes import get_or_create_athlete
from backstride.store.db import single_reads


class Progress(Protocol):
    """What an import reports while it works (the CLI draws a bar from it)."""

    def add_total(self, count: int) -> None:
        """``count`` more units of work are known (files, or archive members)."""

    def advance(self, label: str) -> None:
        """One unit of work is done; ``label`` names it."""


@dataclass(frozen=True)
class FileWork:
    """One unit of an import, in the order the import meets it: bytes to read, decode and
    store (a file, an archive member), or a row to store directly (``direct``)."""

    source: Source
    read: Callable[[], bytes] | None = None
    """Reads the bytes; may raise (a missing or unreadable file fails this unit only)."""
    label: str | None = None
    """What the progress bar shows when the unit is done (default: the file name)."""
    meta: ActivityMeta | None = None
    match_meta: Callable[[Activity], ActivityMeta | None] | None = None
    skip_empty: bool = False
    direct: Callable[[], None] | None = None
    """Work without bytes, done in order with the rest (a manual Strava activity)."""


#: Fewest files before decoding in worker processes pays (BENCHMARKS.md, issue 8): starting a
#: worker by fork and its first file cost ~20 ms, and the pool saves ~2 ms a file on a quiet
#: 2-core machine (an hour's run decodes in ~4 ms), so it pays from a few dozen files; below,
#: and on a busy machine, it was slower. A CLI import costs ~1 s of start-up either way.
POOL_MIN_FILES = 32


@dataclass
class _Pending:
    work: FileWork
    sha256: str = ""
    ticket: int | None = None
    checked: bool = False
    """Found not stored when admitted, and no earlier unit of this import has the same
    bytes: nothing can have stored it since, so it is not looked up again."""
    error: BaseException | None = None


def run_pipeline(
    store: Store,
    athlete_id: int,
    work: Sequence[FileWork],
    *,
    report: ImportReport,
    progress: Progress | None = None,
    jobs: int = 1,
) -> None:
    """Import ``work`` in order: each unit's bytes are read, hashed and (unless known) decoded,
    then stored by this process, the only writer (``storing.Writer``: whole files, a
    transaction per batch of them, counted in ``report`` once committed).

    With ``jobs`` > 1 and enough units, decoding runs ahead in a :class:`DecodePool` of
    ``jobs`` worker processes: a few units at a time (``2 * jobs + 2``), so memory does not
    grow with the import, and results are stored in the order of ``work`` whichever worker
    finishes first, so the outcome (ids, twins, the report) is the serial one. A file whose
    bytes are already complete in the store is not sent to a worker at all.
    """
    if progress is not None:
        progress.add_total(len(work))
    with ExitStack() as stack:
        writer = stack.enter_context(Writer(store, athlete_id, report, progress=progress))
        pool = None
        reads: Connection | None = None
        if jobs > 1 and sum(1 for w in work if w.read is not None) >= POOL_MIN_FILES:
            pool = stack.enter_context(DecodePool(jobs))
            # The hash checks of the files admitted to the pool: one autocommit connection.
            reads = stack.enter_context(single_reads(store))
        window = 2 * jobs + 2 if pool is not None else 1
        pending: deque[_Pending] = deque()
        admitted: set[str] = set()
        upcoming = iter(work)
        while True:
            if pool is not None:
                pool.poll()
            while len(pending) < window and (unit := next(upcoming, None)) is not None:
                pending.append(_admit(reads, athlete_id, unit, pool, admitted))
            if not pending:
                break
            head = pending.popleft()

            def finish(head: _Pending = head) -> None:
                _finish(writer, head, pool)

            outcome = ImportReport()  # its failure; counted with what it stored, in order
            guarded(outcome, head.work.source, finish)
            if pool is not None and head.ticket is not None:
                pool.forget(head.ticket)
            # Counted (and the progress told) once its batch has committed.
            writer.settle(outcome, head.work.label or head.work.source.file_name)
            writer.commit_if_due()


def _admit(
    reads: Connection | None,
    athlete_id: int,
    work: FileWork,
    pool: DecodePool | None,
    admitted: set[str],
) -> _Pending:
    """Read and hash a unit's bytes; with a pool, send them to decode unless already stored
    (checked on ``reads``, one statement in a transaction of its own)."""
    pending = _Pending(work)
    if work.read is None or pool is None or reads is None:
        return pending  # read when its turn comes: one file in memory at a time
    try:
        data = work.read()
        pending.sha256 = hashlib.sha256(data).hexdigest()
        known = activity_rows.get_source_file(reads, athlete_id, pending.sha256)
        if known is None:
            pending.ticket = pool.submit(data)
            pending.checked = pending.sha256 not in admitted
        admitted.add(pending.sha256)
    except Exception as e:  # re-raised in order by _finish, where guarded records it
        pending.error = e
    return pending


def _finish(writer: Writer, pending: _Pending, pool: DecodePool | None) -> None:
    work = pending.work
    if pending.error is not None:
        raise pending.error
    if work.read is None:
        if work.direct is not None:
            writer.commit()  # direct work writes in a transaction of its own
            work.direct()
        return
    if pool is None:
        data = work.read()
        sha256 = hashlib.sha256(data).hexdigest()

        def decode() -> Decoded:
            return decode_here(data)

    else:
        sha256, ticket = pending.sha256, pending.ticket

        def decode() -> Decoded:
            if ticket is None:  # complete in the store when admitted, and no longer
                return decode_here(work.read())  # type: ignore[misc]
            pending.ticket = None
            return pool.result(ticket)

    import_hashed(
        writer.store,
        writer.athlete_id,
        sha256,
        decode,
        work.source,
        ImportReport(),  # unused: the writer counts the file once its batch commits
        meta=work.meta,
        match_meta=work.match_meta,
        skip_empty=work.skip_empty,
        known_checked=pending.checked,
        writer=writer,
    )


def decode_here(data: bytes) -> Decoded:
    """Decode a file in this process, with what the writer stores alongside (the serial
    path; a worker also compresses the streams, see ``service.decoding.decode``)."""
    activities = read_activities(data)
    return Decoded(activities=activities, forms=derive_forms(activities))


def athlete_id_for(store: Store, athlete: str) -> int:
    with transaction(store) as conn:
        return get_or_create_athlete(conn, athlete).id


def guarded(report: ImportReport, source: Source, work: Callable[[], None]) -> None:
    """Run one unit of import work; a failure becomes a line of the report, never a crash."""
    try:
        work()
    except BackstrideError as e:
        report.failed.append(ImportFailure(source.display, e.message))
    except OSError as e:
        report.failed.append(ImportFailure(source.display, f"cannot read: {e.strerror or e}"))
    except Exception as e:  # per-item boundary: one bad file never stops the import
        kind = e.kind if isinstance(e, DecodingCrashError) else type(e).__name__
        report.failed.append(
            ImportFailure(
                source.display,
                f"unexpected error, please report it: {kind}: {e}".splitlines()[0],
            )
        )
