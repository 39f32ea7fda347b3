"""Storing what a file decoded to: one transaction per activity, twins, archive metadata.

The writer's half of an import (``service.pipeline`` reads, hashes and decodes, possibly in
worker processes, and calls :func:`import_hashed` for each file in order). A file complete in
the store (by SHA-256) is skipped without decoding; each of its activities is stored in its
own transaction with its ``activity_sources`` row, and the last one marks the file complete,
so a kill at any point leaves whole activities only and a re-run finishes the job. The same
activity from another file (a FIT and its GPX export) is stored once, keeping the richer
record (:func:`backstride.model.richness`). What an export archive adds (name, RPE, gear ...)
is merged onto the activity in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from backstride.analysis.form import FormSummary
from backstride.errors import EmptyActivityError, InputError
from backstride.model import (
    Activity,
    ActivityMeta,
    Gear,
    GearKind,
    ImportMatch,
    ImportReport,
    ImportWarning,
)
from backstride.service.decoding import Decoded
from backstride.service.deriving import derive_forms, form_row
from backstride.store import Connection, Store, import_transaction
from backstride.store import activities as activity_rows
from backstride.store import form as form_rows
from backstride.store import gear as gear_rows
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


def _mark_empty_file(store: Store, athlete_id: int, sha256: str, source: Source) -> None:
    """Remember a file that holds no activity, so a re-import skips it without decoding."""
    with import_transaction(store, athlete_id) as conn:
        activity_rows.add_source_file(
            conn,
            athlete_id,
            sha256=sha256,
            file_name=source.file_name,
            activity_count=0,
            imported_at=datetime.now(UTC),
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
    """Store the activities of one file's bytes, known by their SHA-256; returns their ids.

    ``decode`` is called only when the file is not complete in the store yet (in this
    process, or a worker's result). ``match_meta`` finds the metadata from the file's first
    activity when there is no ``meta`` (a Garmin summary matched by start time).
    ``skip_empty`` counts a file that holds no activity as skipped instead of failed, and
    remembers it so a re-import does not decode it again (the monitoring and settings FIT
    files of a Garmin export). ``meta`` (from an export archive) is merged onto every
    activity of the file, also when the file was imported before: a loose FIT first, its
    Strava archive later still gets the archive's name, RPE and shoe.
    ``known_checked``: the caller has just found the file not stored."""
    if not known_checked:
        with import_transaction(store, athlete_id) as conn:
            known = activity_rows.get_source_file(conn, athlete_id, sha256)
            ids: list[int] = []
            if known is not None:
                ids = activity_rows.list_source_activities(conn, athlete_id, sha256)
                if meta is not None and not meta.is_empty():
                    for activity_id in ids:
                        _apply_meta(conn, athlete_id, activity_id, meta)
        if known is not None:
            report.duplicates += known
            report.matches.extend(ImportMatch(source.display, i, SAME_FILE) for i in ids)
            return ids
    try:
        decoded = decode()
        parsed = decoded.unwrap()
        if not parsed:
            raise EmptyActivityError("the file holds no activity")
    except EmptyActivityError:
        if not skip_empty:
            raise
        _mark_empty_file(store, athlete_id, sha256, source)
        report.skipped += 1
        return []
    if meta is None and match_meta is not None:
        meta = match_meta(parsed[0])
    return store_activities(
        store,
        athlete_id,
        parsed,
        sha256,
        source,
        report,
        meta=meta,
        blobs=decoded.blobs,
        forms=decoded.forms,
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
    forms: Sequence[FormSummary | None] | None = None,
) -> list[int]:
    """Store decoded activities of one source, one transaction each (see module docstring).

    ``blobs``: the activities' streams already encoded (by a decoding worker), in order.
    ``forms``: their form summaries already derived (``service.deriving.derive_forms``),
    else derived here; each is stored with its activity, so no view computes it.
    Each transaction holds the athlete's import lock (:func:`store.import_transaction`), so
    the checks for a stored part and a twin hold until the insert commits, whatever other
    processes import at the same time. ``report`` counts an activity (and adds its warnings)
    only after its transaction committed.
    """
    if not parsed:
        raise InputError("nothing to store")
    now = datetime.now(UTC)
    if forms is None:
        forms = derive_forms(parsed)
    ids: list[int] = []
    for position, activity in enumerate(parsed):
        with import_transaction(store, athlete_id) as conn:
            part = activity.session_index
            activity_id = activity_rows.get_source_part(conn, athlete_id, sha256, part)
            match: str | None = SAME_FILE
            if activity_id is None:
                blob = blobs[position] if blobs is not None else None
                activity_id, match = _store_one(
                    conn, athlete_id, activity, blob, forms[position], source, now
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
            # else: stored by an earlier import that stopped before the file was complete,
            # or by another process importing the same file at the same time.
            _apply_meta(
                conn,
                athlete_id,
                activity_id,
                meta or ActivityMeta(),
                new_sport=activity.sport if match is None else None,
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
        # Committed: only now does the report count it.
        if match is None:
            report.imported += 1
            report.activity_ids.append(activity_id)
        else:
            report.duplicates += 1
            report.matches.append(ImportMatch(source.display, activity_id, match))
        report.warnings.extend(ImportWarning(source.display, w) for w in activity.warnings)
        ids.append(activity_id)
    return ids


def _store_one(
    conn: Connection,
    athlete_id: int,
    activity: Activity,
    blob: bytes | None,
    form: FormSummary | None,
    source: Source,
    now: datetime,
) -> tuple[int, str | None]:
    """The activity's id, and None when it is a new row, else why a stored twin took it.

    Its form summary (``form``, of ``activity.streams``) is stored with the streams."""
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
        if form is not None:
            form_rows.add_form_summaries(conn, [form_row(activity_id, form)])
        return activity_id, None
    if activity.richness > twin.stored_richness:
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
    *,
    new_sport: str | None = None,
) -> None:
    """Archive metadata onto an activity, and its gear: the archive's, else the default.

    ``new_sport``: the activity was inserted just now with this sport (and so no gear), which
    saves two queries per activity of a large import.
    """
    activity_rows.apply_meta(conn, activity_id, meta)
    sport = new_sport or activity_rows.get_activity_sport(conn, activity_id)
    kind: GearKind = "bike" if sport_family(sport) == "cycling" else "shoe"
    # Shoes go on foot sports only (as service.gear.assign_shoe): an export's shoe named on
    # a swim or a workout is not that activity's gear (defaults exist for foot sports only).
    if meta.gear_name and (kind == "bike" or sport in FOOT_SPORTS):
        gear_id = gear_rows.find_gear_id(conn, athlete_id, meta.gear_name)
        if gear_id is None:
            gear_id = gear_rows.upsert_gear(conn, athlete_id, Gear(name=meta.gear_name, kind=kind))
        gear_rows.assign_gear(conn, activity_id, gear_id, "archive")
    elif new_sport is not None or activity_rows.get_activity_gear(conn, activity_id) is None:
        default = gear_rows.get_default_gear(conn, athlete_id, sport)
        if default is not None:
            gear_rows.assign_gear(conn, activity_id, default, "default")
