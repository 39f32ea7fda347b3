"""Importing activity files: the one place that decides what an import keeps.

Each file is read and decoded, then each activity in it is stored in its own transaction
(so a failure or a kill mid-import never leaves half an activity behind, and a re-run
finishes the job). The same bytes twice are recognised by their SHA-256 and skipped without
decoding; the same activity from another file (a FIT and its GPX export) is stored once,
keeping the richer record (:func:`backstride.model.richness`), and the other file is
remembered as a source. What an export archive adds (name, RPE, gear ...) is merged onto
the activity in the same transaction. Export archives themselves are walked in
``service/archives.py``, which lists their members as :class:`FileWork` for
:func:`run_pipeline`, as :func:`import_files` does for loose files.

Decoding may run in worker processes (``jobs``, ``service/decoding.py``); storing never does:
this process is the only writer, and it stores files in the order it met them.
"""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from backstride.errors import BackstrideError, EmptyActivityError, InputError
from backstride.ingest import read_activities
from backstride.ingest.files import iter_activity_files
from backstride.model import (
    Activity,
    ActivityMeta,
    Gear,
    GearKind,
    ImportFailure,
    ImportReport,
    ImportWarning,
)
from backstride.service.decoding import Decoded, DecodePool, DecodingCrashError
from backstride.store import Connection, Store, transaction
from backstride.store import activities as activity_rows
from backstride.store import gear as gear_rows
from backstride.store.athletes import DEFAULT_ATHLETE, get_or_create_athlete
from backstride.units import sport_family


class Progress(Protocol):
    """What an import reports while it works (the CLI draws a bar from it)."""

    def add_total(self, count: int) -> None:
        """``count`` more units of work are known (files, or archive members)."""

    def advance(self, label: str) -> None:
        """One unit of work is done; ``label`` names it."""


@dataclass(frozen=True)
class Source:
    """Where bytes came from: a loose file, or a member of an archive."""

    display: str
    """What messages and the report call it (a path, or ``archive.zip:member/path``)."""
    file_name: str
    """The bare file name kept with the activity."""


def list_import_files(paths: Sequence[Path]) -> list[Path]:
    """The loose files an import of ``paths`` would read (folders searched recursively)."""
    return list(iter_activity_files(paths))


def import_paths(
    store: Store,
    paths: Sequence[Path],
    *,
    athlete: str = DEFAULT_ATHLETE,
    progress: Progress | None = None,
    jobs: int = 1,
) -> ImportReport:
    """Import activity files, folders and whole-account export archives; never stops at a bad one.

    A ``.zip`` file, or a folder holding an unpacked Strava (``activities.csv``) or Garmin
    (``DI_CONNECT``) export, is imported as an archive; other folders are searched for
    activity files. ``jobs`` > 1 decodes files in that many worker processes while this one
    stores them (see :func:`run_pipeline`); the store ends up the same either way.
    """
    # Imported here: archives imports this module for import_bytes.
    from backstride.service.archives import import_archive, is_export

    report = ImportReport()
    loose: list[Path] = []
    for path in paths:
        if is_export(path):
            import_archive(
                store, path, athlete=athlete, progress=progress, report=report, jobs=jobs
            )
        elif path.is_dir():
            loose.extend(iter_activity_files([path]))
        else:
            loose.append(path)
    if loose:
        import_files(store, loose, athlete=athlete, progress=progress, report=report, jobs=jobs)
    return report


def import_files(
    store: Store,
    files: Iterable[Path],
    *,
    athlete: str = DEFAULT_ATHLETE,
    progress: Progress | None = None,
    report: ImportReport | None = None,
    jobs: int = 1,
) -> ImportReport:
    """:func:`import_paths` over an explicit list of loose files (no folder walking)."""
    report = report if report is not None else ImportReport()
    athlete_id = athlete_id_for(store, athlete)
    work = [
        FileWork(source=Source(display=str(path), file_name=path.name), read=path.read_bytes)
        for path in files
    ]
    run_pipeline(store, athlete_id, work, report=report, progress=progress, jobs=jobs)
    return report


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
#: worker by fork and its first file cost ~20 ms, and the pool saves ~2.4 ms a file on a quiet
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
    then stored one activity per transaction by this process, the only writer.

    With ``jobs`` > 1 and enough units, decoding runs ahead in a :class:`DecodePool` of
    ``jobs`` worker processes: a few units at a time (``2 * jobs + 2``), so memory does not
    grow with the import, and results are stored in the order of ``work`` whichever worker
    finishes first, so the outcome (ids, twins, the report) is the serial one. A file whose
    bytes are already complete in the store is not sent to a worker at all.
    """
    if progress is not None:
        progress.add_total(len(work))
    with ExitStack() as stack:
        pool = None
        if jobs > 1 and sum(1 for w in work if w.read is not None) >= POOL_MIN_FILES:
            pool = stack.enter_context(DecodePool(jobs))
        window = 2 * jobs + 2 if pool is not None else 1
        pending: deque[_Pending] = deque()
        admitted: set[str] = set()
        upcoming = iter(work)
        while True:
            if pool is not None:
                pool.poll()
            while len(pending) < window and (unit := next(upcoming, None)) is not None:
                pending.append(_admit(store, athlete_id, unit, pool, admitted))
            if not pending:
                break
            head = pending.popleft()

            def finish(head: _Pending = head) -> None:
                _finish(store, athlete_id, head, pool, report)

            guarded(report, head.work.source, finish)
            if pool is not None and head.ticket is not None:
                pool.forget(head.ticket)
            if progress is not None:
                progress.advance(head.work.label or head.work.source.file_name)


def _admit(
    store: Store, athlete_id: int, work: FileWork, pool: DecodePool | None, admitted: set[str]
) -> _Pending:
    """Read and hash a unit's bytes; with a pool, send them to decode unless already stored."""
    pending = _Pending(work)
    if work.read is None or pool is None:
        return pending  # read when its turn comes: one file in memory at a time
    try:
        data = work.read()
        pending.sha256 = hashlib.sha256(data).hexdigest()
        with transaction(store) as conn:
            known = activity_rows.get_source_file(conn, athlete_id, pending.sha256)
        if known is None:
            pending.ticket = pool.submit(data)
            pending.checked = pending.sha256 not in admitted
        admitted.add(pending.sha256)
    except Exception as e:  # re-raised in order by _finish, where guarded records it
        pending.error = e
    return pending


def _finish(
    store: Store, athlete_id: int, pending: _Pending, pool: DecodePool | None, report: ImportReport
) -> None:
    work = pending.work
    if pending.error is not None:
        raise pending.error
    if work.read is None:
        if work.direct is not None:
            work.direct()
        return
    if pool is None:
        data = work.read()
        sha256 = hashlib.sha256(data).hexdigest()

        def decode() -> Decoded:
            return Decoded(activities=read_activities(data))

    else:
        sha256, ticket = pending.sha256, pending.ticket

        def decode() -> Decoded:
            if ticket is None:  # complete in the store when admitted, and no longer
                return Decoded(activities=read_activities(work.read()))  # type: ignore[misc]
            pending.ticket = None
            return pool.result(ticket)

    import_hashed(
        store,
        athlete_id,
        sha256,
        decode,
        work.source,
        report,
        meta=work.meta,
        match_meta=work.match_meta,
        skip_empty=work.skip_empty,
        known_checked=pending.checked,
    )


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


def _mark_empty_file(store: Store, athlete_id: int, sha256: str, source: Source) -> None:
    """Remember a file that holds no activity, so a re-import skips it without decoding."""
    with transaction(store) as conn:
        activity_rows.add_source_file(
            conn,
            athlete_id,
            sha256=sha256,
            file_name=source.file_name,
            activity_count=0,
            imported_at=datetime.now(UTC),
        )


def import_bytes(
    store: Store,
    athlete_id: int,
    data: bytes,
    source: Source,
    report: ImportReport,
    *,
    meta: ActivityMeta | None = None,
    match_meta: Callable[[Activity], ActivityMeta | None] | None = None,
    skip_empty: bool = False,
) -> list[int]:
    """Store the activities in one file's bytes; returns their ids (new or existing).

    ``match_meta`` finds the metadata from the file's first activity when there is no
    ``meta`` (a Garmin summary matched by start time). ``skip_empty`` counts a file that
    holds no activity as skipped instead of failed, and remembers it so a re-import does not
    decode it again (the monitoring and settings FIT files of a Garmin export).

    ``meta`` (from an export archive) is merged onto every activity of the file, also when
    the file was imported before: a loose FIT first, its Strava archive later still gets the
    archive's name, RPE and shoe.
    """
    sha256 = hashlib.sha256(data).hexdigest()
    return import_hashed(
        store,
        athlete_id,
        sha256,
        lambda: Decoded(activities=read_activities(data)),
        source,
        report,
        meta=meta,
        match_meta=match_meta,
        skip_empty=skip_empty,
    )


def import_hashed(
    store: Store,
    athlete_id: int,
    sha256: str,
    decode: Callable[[], Decoded],
    source: Source,
    report: ImportReport,
    *,
    meta: ActivityMeta | None = None,
    match_meta: Callable[[Activity], ActivityMeta | None] | None = None,
    skip_empty: bool = False,
    known_checked: bool = False,
) -> list[int]:
    """:func:`import_bytes` for bytes already hashed; ``decode`` is called only when the
    file is not complete in the store yet (in this process, or a worker's result).
    ``known_checked``: the caller has just found the file not stored."""
    if not known_checked:
        with transaction(store) as conn:
            known = activity_rows.get_source_file(conn, athlete_id, sha256)
            if known is not None:
                report.duplicates += known
                ids = activity_rows.list_source_activities(conn, athlete_id, sha256)
                if meta is not None and not meta.is_empty():
                    for activity_id in ids:
                        _apply_meta(conn, athlete_id, activity_id, meta)
                return ids
    try:
        decoded = decode()
        parsed = decoded.unwrap()
        if not parsed:
            raise EmptyActivityError("the file holds no activity")
    except EmptyActivityError:
        if not skip_empty:
            raise
        report.skipped += 1
        _mark_empty_file(store, athlete_id, sha256, source)
        return []
    if meta is None and match_meta is not None:
        meta = match_meta(parsed[0])
    for activity in parsed:
        for warning in activity.warnings:
            report.warnings.append(ImportWarning(source.display, warning))
    return store_activities(
        store, athlete_id, parsed, sha256, source, report, meta=meta, blobs=decoded.blobs
    )


def store_activities(
    store: Store,
    athlete_id: int,
    parsed: Sequence[Activity],
    sha256: str,
    source: Source,
    report: ImportReport,
    *,
    meta: ActivityMeta | None = None,
    blobs: Sequence[bytes | None] | None = None,
) -> list[int]:
    """Store decoded activities of one source, one transaction each (see module docstring).

    ``blobs``: the activities' streams already encoded (by a decoding worker), in order.
    """
    if not parsed:
        raise InputError("nothing to store")
    now = datetime.now(UTC)
    ids: list[int] = []
    for position, activity in enumerate(parsed):
        with transaction(store) as conn:
            part = activity.session_index
            activity_id = activity_rows.get_source_part(conn, athlete_id, sha256, part)
            inserted = False
            if activity_id is not None:
                # Stored by an earlier import that was interrupted before the file finished.
                report.duplicates += 1
            else:
                blob = blobs[position] if blobs is not None else None
                activity_id, inserted = _store_one(
                    conn, athlete_id, activity, blob, source, report, now
                )
                activity_rows.add_source_part(
                    conn,
                    athlete_id,
                    activity_id,
                    sha256=sha256,
                    session_index=part,
                    file_name=source.file_name,
                    imported_at=now,
                )
            _apply_meta(
                conn,
                athlete_id,
                activity_id,
                meta or ActivityMeta(),
                new_sport=activity.sport if inserted else None,
            )
            if position == len(parsed) - 1:
                activity_rows.add_source_file(
                    conn,
                    athlete_id,
                    sha256=sha256,
                    file_name=source.file_name,
                    activity_count=len(parsed),
                    imported_at=now,
                )
            ids.append(activity_id)
    return ids


def _store_one(
    conn: Connection,
    athlete_id: int,
    activity: Activity,
    blob: bytes | None,
    source: Source,
    report: ImportReport,
    now: datetime,
) -> tuple[int, bool]:
    """The activity's id, and whether it is a new row (else a stored twin took it)."""
    twin = activity_rows.find_twin(conn, athlete_id, activity)
    if twin is None:
        activity_id = activity_rows.add_activity(
            conn,
            athlete_id,
            activity,
            source_name=source.file_name,
            imported_at=now,
            streams_blob=blob,
        )
        report.imported += 1
        report.activity_ids.append(activity_id)
        return activity_id, True
    if activity.richness > twin.stored_richness:
        activity_rows.replace_activity(
            conn,
            twin.activity_id,
            activity,
            source_name=source.file_name,
            imported_at=now,
            streams_blob=blob,
        )
    report.duplicates += 1
    return twin.activity_id, False


def _apply_meta(
    conn: Connection,
    athlete_id: int,
    activity_id: int,
    meta: ActivityMeta,
    *,
    new_sport: str | None = None,
) -> None:
    """Archive metadata onto an activity, and its gear: the archive's, else the default.

    ``new_sport``: the activity was inserted just now with this sport (and so no gear), which
    saves two queries per activity of a large import.
    """
    activity_rows.apply_meta(conn, activity_id, meta)
    sport = new_sport or activity_rows.get_activity_sport(conn, activity_id)
    if meta.gear_name:
        kind: GearKind = "bike" if sport_family(sport) == "cycling" else "shoe"
        gear_id = gear_rows.find_gear_id(conn, athlete_id, meta.gear_name)
        if gear_id is None:
            gear_id = gear_rows.upsert_gear(conn, athlete_id, Gear(name=meta.gear_name, kind=kind))
        gear_rows.assign_gear(conn, activity_id, gear_id, "archive")
    elif new_sport is not None or activity_rows.get_activity_gear(conn, activity_id) is None:
        default = gear_rows.get_default_gear(conn, athlete_id, sport)
        if default is not None:
            gear_rows.assign_gear(conn, activity_id, default, "default")
