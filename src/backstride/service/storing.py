"""Storing what a file decoded to: whole files per transaction, twins, archive metadata.

The writer's half of an import (``service.pipeline`` reads, hashes and decodes, possibly in
worker processes, and calls :func:`import_hashed` for each file in order). A file complete in
the store (by SHA-256) is skipped without decoding; its activities are stored with their
``activity_sources`` rows and the mark that the file is complete, in a savepoint of the
:class:`Writer`'s transaction, which commits every few files (``store.batch``): a kill at
any point leaves whole files only, and a re-run finishes the job. A file that fails takes
nothing else with it; a commit the database refuses fails every file of its batch, and
the report counts a file only once its transaction has committed. The same
activity from another file (a FIT and its GPX export) is stored once, keeping the richer
record (:func:`backstride.model.richness`). What an export archive adds (name, RPE, gear ...)
is merged onto the activity in the same transaction.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Protocol

from backstride.analysis.form import FormSummary
from backstride.errors import EmptyActivityError, InputError, StorageError
from backstride.model import (
    Activity,
    ActivityMeta,
    Gear,
    GearKind,
    ImportFailure,
    ImportMatch,
    ImportReport,
    ImportWarning,
)
from backstride.model import richness as model_richness
from backstride.service.decoding import Decoded
from backstride.service.deriving import derive_forms, form_row
from backstride.store import Connection, Store
from backstride.store import activities as activity_rows
from backstride.store import form as form_rows
from backstride.store import gear as gear_rows
from backstride.store.batch import ImportBatch
from backstride.store.streams import decode_streams
from backstride.units import FOOT_SPORTS, sport_family

#: Why a duplicate is one when its bytes (or this part of them) were imported before.
SAME_FILE = "same file"


@dataclass(frozen=True)
class Source:
    """Where bytes came from: a loose file, or a member of an archive."""

    display: str
    """What messages and the report call it (a path, or ``archive.zip:member/path``)."""
    file_name: str
    """The bare file name kept with the activity."""


#: A writer commits after this many files ...
FILES_PER_COMMIT = 64
#: ... or once its transaction has been open this long (seconds): the import lock (SQLite's
#: write lock) is not held long against other writers, who wait up to 10 s for it.
SECONDS_PER_COMMIT = 0.5


class Writer:
    """The importing process's write transaction, shared by the files it stores in a row.

    :meth:`file` gives a file's statements a savepoint of the open transaction (opened on
    first use) and a report of its own, added to ``report`` only when the transaction has
    committed (:meth:`commit`, or :meth:`commit_if_due` after each file). A commit the
    database refuses, or a failure of the database during any file, fails every file of the
    batch in ``report``. Use as a context manager: it commits on the way out, and rolls back
    when an exception (Ctrl-C) leaves it.

    An import of many units (``service.pipeline``) hands each unit's outcome to
    :meth:`settle` in order: the unit's own report (its failure) and what it stored are
    added to ``report`` together, in the order of the units, once its batch has committed,
    and only then is ``progress`` told the unit is done. So whoever watches the progress
    sees the report hold exactly the units done so far (``service.watching`` splits it per
    unit that way).
    """

    def __init__(
        self,
        store: Store,
        athlete_id: int,
        report: ImportReport,
        *,
        files_per_commit: int | None = None,
        seconds_per_commit: float | None = None,
        progress: UnitProgress | None = None,
    ) -> None:
        self.store = store
        self._progress = progress
        self._units: list[tuple[ImportReport, list[tuple[Source, ImportReport]], str]] = []
        self._settled = 0
        """How many of the pending parts belong to units already settled."""
        self.athlete_id = athlete_id
        self._report = report
        self._files_per_commit = files_per_commit or FILES_PER_COMMIT
        self._seconds_per_commit = seconds_per_commit or SECONDS_PER_COMMIT
        self._batch: ImportBatch | None = None
        self._opened_at = 0.0
        self._pending: list[tuple[Source, ImportReport]] = []
        self.gear_memo: dict[tuple[str, str], int | None] = {}
        """Gear looked up in the open transaction (see ``_new_gear``), forgotten with it."""

    def __enter__(self) -> Writer:
        return self

    def __exit__(self, kind: type[BaseException] | None, *rest: object) -> None:
        if kind is None:
            self.commit()
        else:
            self.rollback()

    @contextmanager
    def file(self, source: Source) -> Iterator[tuple[Connection, ImportReport]]:
        """One file's statements (in a savepoint) and its part of the report."""
        if self._batch is None:
            self._batch = ImportBatch(self.store, self.athlete_id)
            self._opened_at = time.monotonic()
        part = ImportReport()
        try:
            with self._batch.part() as conn:
                yield conn, part
        except BaseException as e:
            self.gear_memo = {}  # gear it created is gone with its savepoint
            if isinstance(e, StorageError) and self._batch.broken is e:
                self._fail_batch(e)  # the database failed: the whole batch is lost
            raise
        self._pending.append((source, part))

    def commit_if_due(self) -> None:
        if self._batch is not None and (
            len(self._pending) >= self._files_per_commit
            or time.monotonic() - self._opened_at >= self._seconds_per_commit
        ):
            self.commit()

    def settle(self, unit: ImportReport, label: str) -> None:
        """One unit of an import is done: ``unit`` is what it reported outside the writer
        (its failure), and the files it stored since the last unit are its own."""
        parts = self._pending[self._settled :]
        self._settled = len(self._pending)
        self._units.append((unit, parts, label))
        if self._batch is None:
            self._flush(None)

    def commit(self) -> None:
        """Commit the files stored so far, and only then count them in the report."""
        batch = self._batch
        if batch is None:
            self._flush(None)
            return
        try:
            batch.commit()
        except StorageError as e:
            self._fail_batch(e)
            return
        loose = self._pending[self._settled :]
        self._batch, self._pending, self._settled, self.gear_memo = None, [], 0, {}
        for _, part in loose:
            self._report.add(part)
        self._flush(None)

    def rollback(self) -> None:
        """Undo the open batch; its units are dropped (an import stopped by Ctrl-C)."""
        if self._batch is not None:
            self._batch.rollback()
        self._batch, self._pending, self._settled, self.gear_memo = None, [], 0, {}
        self._units = []

    def _fail_batch(self, error: StorageError) -> None:
        loose = self._pending[self._settled :]
        if self._batch is not None:
            self._batch.rollback()
        self._batch, self._pending, self._settled, self.gear_memo = None, [], 0, {}
        self._report.failed.extend(ImportFailure(s.display, error.message) for s, _ in loose)
        self._flush(error)

    def _flush(self, error: StorageError | None) -> None:
        """Count the settled units in order (their files as not stored after ``error``)."""
        units, self._units = self._units, []
        for unit, parts, label in units:
            for source, part in parts:
                if error is None:
                    self._report.add(part)
                else:
                    self._report.failed.append(ImportFailure(source.display, error.message))
            self._report.add(unit)
            if self._progress is not None:
                self._progress.advance(label)


class UnitProgress(Protocol):
    """What hears that a unit of an import is done (``service.pipeline.Progress``)."""

    def advance(self, label: str) -> None: ...


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
    writer: Writer | None = None,
) -> list[int]:
    """Store the activities of one file's bytes, known by their SHA-256; returns their ids.

    ``decode`` is called only when the file is not complete in the store yet (in this
    process, or a worker's result). ``match_meta`` finds the metadata from the file's first
    activity when there is no ``meta`` (a Garmin summary matched by start time).
    ``skip_empty`` counts a file that holds no activity as skipped instead of failed, and
    remembers it so a re-import does not decode it again (the monitoring and settings FIT
    files of a Garmin export). ``meta`` (from an export archive) is merged onto every
    activity of the file, also when the file was imported before: a loose FIT first, its
    Strava archive later still gets the archive's name, RPE and shoe.
    ``known_checked``: the caller has just found the file not stored.

    With a ``writer`` (an import's), the file joins its transaction and counts in the
    writer's report once that commits; without, it is stored and committed on its own, and
    counted in ``report``."""
    if writer is not None:
        return _import_hashed(
            writer, sha256, decode, source, meta, match_meta, skip_empty, known_checked
        )
    own = Writer(store, athlete_id, report)
    try:
        ids = _import_hashed(
            own, sha256, decode, source, meta, match_meta, skip_empty, known_checked
        )
        failed = len(report.failed)
        own.commit()
    except BaseException:
        own.rollback()
        raise
    if len(report.failed) > failed:  # its commit was refused: fail the file, as ever
        raise StorageError(report.failed.pop().error)
    return ids


def _import_hashed(
    writer: Writer,
    sha256: str,
    decode: Callable[[], Decoded],
    source: Source,
    meta: ActivityMeta | None,
    match_meta: Callable[[Activity], ActivityMeta | None] | None,
    skip_empty: bool,
    known_checked: bool,
) -> list[int]:
    athlete_id = writer.athlete_id
    with writer.file(source) as (conn, report):
        if not known_checked:
            known = activity_rows.get_source_file(conn, athlete_id, sha256)
            if known is not None:
                ids = activity_rows.list_source_activities(conn, athlete_id, sha256)
                if meta is not None and not meta.is_empty():
                    for activity_id in ids:
                        _apply_meta(conn, athlete_id, activity_id, meta)
                report.duplicates += known
                report.matches.extend(ImportMatch(source.display, i, SAME_FILE) for i in ids)
                return ids
        try:
            decoded = decode()
            # A worker's streams stay compressed (their shapes say what the rows need); the
            # arrays are restored only for a twin that merges with a stored record.
            shipped = decoded.shapes is not None and decoded.activities is not None
            parsed = decoded.activities if shipped else decoded.unwrap()
            if not parsed:
                raise EmptyActivityError("the file holds no activity")
        except EmptyActivityError:
            if not skip_empty:
                raise
            # Remembered, so that a re-import skips it without decoding.
            activity_rows.add_source_file(
                conn,
                athlete_id,
                sha256=sha256,
                file_name=source.file_name,
                activity_count=0,
                imported_at=datetime.now(UTC),
            )
            report.skipped += 1
            return []
        if meta is None and match_meta is not None:
            meta = match_meta(parsed[0])
        return _store_parsed(
            conn,
            athlete_id,
            parsed,
            sha256,
            source,
            report,
            meta=meta,
            blobs=decoded.blobs,
            shapes=decoded.shapes if shipped else None,
            forms=decoded.forms,
            gear_memo=writer.gear_memo,
        )


def _store_parsed(
    conn: Connection,
    athlete_id: int,
    parsed: Sequence[Activity],
    sha256: str,
    source: Source,
    report: ImportReport,
    *,
    meta: ActivityMeta | None = None,
    blobs: Sequence[bytes | None] | None = None,
    shapes: Sequence[tuple[tuple[str, ...], int]] | None = None,
    forms: Sequence[FormSummary | None] | None = None,
    gear_memo: dict[tuple[str, str], int | None],
) -> list[int]:
    """Store decoded activities of one source on ``conn`` (a file's part of a writer's
    transaction, which holds the athlete's import lock: the checks for a stored part and a
    twin hold until the insert commits, whatever other processes import at the same time).

    ``blobs``: the activities' streams already encoded (by a decoding worker), in order;
    with ``shapes`` (channel names, sample count), the activities come without their streams,
    which are in the blobs only.
    ``forms``: their form summaries already derived (``service.deriving.derive_forms``),
    else derived here; each is stored with its activity, so no view computes it.
    """
    if not parsed:
        raise InputError("nothing to store")
    now = datetime.now(UTC)
    if forms is None:
        forms = derive_forms(parsed)
    ids: list[int] = []
    for position, activity in enumerate(parsed):
        part = activity.session_index
        # The part stored already, else a stored twin: one round trip.
        activity_id, twin = activity_rows.find_part_or_twin(conn, athlete_id, sha256, activity)
        match: str | None = SAME_FILE
        if activity_id is None:
            blob = blobs[position] if blobs is not None else None
            shape = shapes[position] if shapes is not None else None
            activity_id, match = _store_one(
                conn, athlete_id, activity, twin, blob, shape, forms[position], source, now,
                meta, gear_memo,
            )  # fmt: skip
            activity_rows.add_source_part(
                conn,
                athlete_id,
                activity_id,
                sha256=sha256,
                session_index=part,
                file_name=source.file_name,
                imported_at=now,
            )
        # else: stored by an earlier import that stopped before the file was complete,
        # or by another process importing the same file at the same time.
        if match is not None:  # a new row has its metadata and gear from its INSERT
            _apply_meta(conn, athlete_id, activity_id, meta or ActivityMeta())
        if match is None:
            report.imported += 1
            report.activity_ids.append(activity_id)
        else:
            report.duplicates += 1
            report.matches.append(ImportMatch(source.display, activity_id, match))
        report.warnings.extend(ImportWarning(source.display, w) for w in activity.warnings)
        ids.append(activity_id)
    activity_rows.add_source_file(
        conn,
        athlete_id,
        sha256=sha256,
        file_name=source.file_name,
        activity_count=len(parsed),
        imported_at=now,
    )
    return ids


def _store_one(
    conn: Connection,
    athlete_id: int,
    activity: Activity,
    twin: activity_rows.Twin | None,
    blob: bytes | None,
    shape: tuple[tuple[str, ...], int] | None,
    form: FormSummary | None,
    source: Source,
    now: datetime,
    meta: ActivityMeta | None,
    gear_memo: dict[tuple[str, str], int | None],
) -> tuple[int, str | None]:
    """The activity's id, and None when it is a new row, else why a stored twin took it.

    A new row gets the archive's ``meta`` and its gear in its INSERT; its form summary
    (``form``, of ``activity.streams``) is stored with the streams. ``twin``: the stored
    activity that is the same one (``store.activities.find_part_or_twin``), if any."""
    if twin is None:
        gear_id, gear_source = _new_gear(
            conn, athlete_id, activity.sport, meta or ActivityMeta(), gear_memo
        )
        activity_id = activity_rows.add_activity(
            conn,
            athlete_id,
            activity,
            source_name=source.file_name,
            imported_at=now,
            streams_blob=blob,
            streams_shape=shape,
            meta=meta,
            gear_id=gear_id,
            gear_source=gear_source,
        )
        if form is not None:
            form_rows.add_form_summaries(conn, [form_row(activity_id, form)])
        return activity_id, None
    richness = activity.richness
    if shape is not None:
        channels, samples = shape
        richness = model_richness(
            len(channels), len(activity.laps), samples, activity.source_format
        )
    if richness > twin.stored_richness:
        if shape is not None and blob is not None:  # merging needs the arrays
            activity = replace(activity, streams=decode_streams(blob))
        stored = activity_rows.replace_activity(
            conn,
            twin.activity_id,
            activity,
            source_name=source.file_name,
            imported_at=now,
            streams_blob=blob,
        )
        # The old summary went with the old streams (ON DELETE CASCADE); the new streams may
        # hold channels kept from the stored record, and then the summary is theirs.
        if stored is not activity.streams:
            form = derive_forms([replace(activity, streams=stored)])[0]
        if form is not None:
            form_rows.add_form_summaries(conn, [form_row(twin.activity_id, form)])
    return twin.activity_id, twin.reason


def _apply_meta(
    conn: Connection,
    athlete_id: int,
    activity_id: int,
    meta: ActivityMeta,
) -> None:
    """Archive metadata onto a stored activity, and its gear: the archive's, else the
    default when it has none."""
    activity_rows.apply_meta(conn, activity_id, meta)
    sport = activity_rows.get_activity_sport(conn, activity_id)
    if meta.gear_name and _takes_gear(sport):
        gear_rows.assign_gear(
            conn, activity_id, _gear_named(conn, athlete_id, sport, meta), "archive"
        )
    elif activity_rows.get_activity_gear(conn, activity_id) is None:
        default = gear_rows.get_default_gear(conn, athlete_id, sport)
        if default is not None:
            gear_rows.assign_gear(conn, activity_id, default, "default")


def _takes_gear(sport: str) -> bool:
    # Shoes go on foot sports only (as service.gear.assign_shoe): an export's shoe named on
    # a swim or a workout is not that activity's gear (defaults exist for foot sports only).
    return sport_family(sport) == "cycling" or sport in FOOT_SPORTS


def _gear_named(
    conn: Connection,
    athlete_id: int,
    sport: str,
    meta: ActivityMeta,
    memo: dict[tuple[str, str], int | None] | None = None,
) -> int:
    """The id of the archive's gear for an activity of ``sport`` (created when new)."""
    assert meta.gear_name
    key = ("name", meta.gear_name.strip().lower())
    if memo is not None and (known := memo.get(key)) is not None:
        return known
    kind: GearKind = "bike" if sport_family(sport) == "cycling" else "shoe"
    gear_id = gear_rows.find_gear_id(conn, athlete_id, meta.gear_name)
    if gear_id is None:
        gear_id = gear_rows.upsert_gear(conn, athlete_id, Gear(name=meta.gear_name, kind=kind))
    if memo is not None:
        memo[key] = gear_id
    return gear_id


def _new_gear(
    conn: Connection,
    athlete_id: int,
    sport: str,
    meta: ActivityMeta,
    memo: dict[tuple[str, str], int | None],
) -> tuple[int | None, str | None]:
    """The gear of a new activity and who says so: the archive's, else the sport's default.

    ``memo`` keeps what was found for the rest of the writer's transaction (which holds the
    import lock), so a large archive does not look its one shoe up a thousand times."""
    if meta.gear_name and _takes_gear(sport):
        return _gear_named(conn, athlete_id, sport, meta, memo), "archive"
    key = ("default", sport)
    if key not in memo:
        memo[key] = gear_rows.get_default_gear(conn, athlete_id, sport)
    default = memo[key]
    return (default, "default") if default is not None else (None, None)
