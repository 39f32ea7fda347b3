"""Importing whole-account export archives: Strava bulk exports and Garmin Connect exports.

An archive (a ``.zip``, or the same unpacked into a folder) is checked whole before anything
is stored (``ingest.archive``: zip-slip, absolute paths, symlinks, bombs, nesting): a hostile
archive is refused with one line and leaves no trace. Then it is imported member by member
through :func:`~backstride.service.pipeline.run_pipeline` (the path of loose files too), one
activity per transaction, so an interrupted archive import resumes on re-run without
duplicates. Members are read one at a time, in order, by the importing process; with
``jobs`` > 1 they are decoded by worker processes a few members ahead of the writer.

- **Strava**: ``activities.csv`` is the index. Each row's ``Filename`` names its file (the
  activity id in the file name is not to be trusted); the row's name, type, gear, RPE and
  notes are merged onto the activity. A row without a file is a manual activity, stored as
  a summary. ``shoes.csv`` and ``bikes.csv`` fill the gear table first.
- **Garmin**: gear comes from ``*_gear.json`` (the export does not link it to activities);
  the activity files in the nested ``UploadedFiles_*.zip`` members are imported;
  FIT files that are not activities (monitoring, sleep, settings) are skipped and counted;
  each activity gets the name and type of the summary that starts within 60 s of it.
- Any other archive: every activity file in it is imported, as loose files would be.
"""

from __future__ import annotations

import functools
import hashlib
import posixpath
from pathlib import Path

from backstride.errors import BackstrideError, EmptyActivityError, InputError
from backstride.ingest import limits
from backstride.ingest.archive import Archive, Member, is_archive, open_archive
from backstride.ingest.files import is_activity_name
from backstride.ingest.garmin import (
    SummaryIndex,
    is_gear_name,
    is_summary_name,
    is_upload_member,
    read_gear,
    read_summaries,
)
from backstride.ingest.strava import (
    BadRow,
    StravaRow,
    read_activities_csv,
    read_gear_csv,
    strava_sport,
)
from backstride.model import (
    Activity,
    ActivityMeta,
    Gear,
    ImportFailure,
    ImportReport,
    ImportWarning,
    Summary,
)
from backstride.service.decoding import Decoded
from backstride.service.pipeline import FileWork, Progress, athlete_id_for, guarded, run_pipeline
from backstride.service.storing import Source, import_hashed
from backstride.store import Store, import_transaction
from backstride.store import gear as gear_rows


def is_export(path: Path) -> bool:
    """A zip file, or a folder holding an unpacked Strava or Garmin export."""
    if path.is_dir():
        return (path / "activities.csv").is_file() or (path / "DI_CONNECT").is_dir()
    return path.is_file() and is_archive(path)


def import_archive(
    store: Store,
    path: Path,
    *,
    athlete: str,
    progress: Progress | None,
    report: ImportReport,
    jobs: int = 1,
) -> None:
    """Import one export archive into ``report`` (see the module docstring)."""
    try:
        archive = open_archive(path)
    except BackstrideError as e:
        report.failed.append(ImportFailure(str(path), e.message))
        return
    with archive:
        try:
            _import_open_archive(store, archive, athlete, progress, report, jobs)
        except BackstrideError as e:
            # The archive as a whole cannot be read (its index is unusable): one line for it.
            report.failed.append(ImportFailure(str(path), e.message))


def _import_open_archive(
    store: Store,
    archive: Archive,
    athlete: str,
    progress: Progress | None,
    report: ImportReport,
    jobs: int,
) -> None:
    members = archive.members()
    athlete_id = athlete_id_for(store, athlete)
    csv_member = _strava_index(members)
    if csv_member is not None:
        work = _strava_work(store, athlete_id, archive, members, csv_member, report)
    elif any(is_upload_member(m.path) or is_summary_name(m.path) for m in members):
        work = _garmin_work(store, athlete_id, archive, members, report)
    else:
        work = [
            FileWork(source=_source(archive, m), read=functools.partial(_read_member, archive, m))
            for m in members
            if is_activity_name(Path(m.path))
        ]
    run_pipeline(store, athlete_id, work, report=report, progress=progress, jobs=jobs)


def _read_member(archive: Archive, member: Member) -> bytes:
    """An activity file's bytes, refused unread over ``limits.MAX_ACTIVITY_BYTES``."""
    return archive.read(member, limit=limits.MAX_ACTIVITY_BYTES)


def _source(archive: Archive, member: Member) -> Source:
    return Source(
        display=f"{archive.name}:{member.path}", file_name=posixpath.basename(member.path)
    )


# -- Strava ------------------------------------------------------------------------------


def _strava_index(members: list[Member]) -> Member | None:
    """The archive's ``activities.csv`` (the shallowest, if someone zipped a folder)."""
    found = [m for m in members if posixpath.basename(m.path).lower() == "activities.csv"]
    return min(found, key=lambda m: m.path.count("/"), default=None)


def _strava_work(
    store: Store,
    athlete_id: int,
    archive: Archive,
    members: list[Member],
    csv_member: Member,
    report: ImportReport,
) -> list[FileWork]:
    root = posixpath.dirname(csv_member.path)
    by_path = {m.path.lower(): m for m in members}
    _refuse_big_index(csv_member)
    with archive.open(csv_member) as stream:
        rows = list(read_activities_csv(stream))  # an unusable CSV stops here, nothing stored
    _import_strava_gear(store, athlete_id, archive, by_path, root, report)
    work = []
    for row in rows:
        if isinstance(row, BadRow):
            source = Source(
                display=f"{archive.name}:activities.csv line {row.line}",
                file_name="activities.csv",
            )
            work.append(FileWork(source=source, read=functools.partial(_bad_row, row)))
            continue
        source = Source(
            display=f"{archive.name}:{row.filename or 'activities.csv line ' + str(row.line)}",
            file_name=posixpath.basename(row.filename) or "activities.csv",
        )
        report.warnings += [ImportWarning(source.display, w) for w in row.warnings]
        label = row.filename or f"manual activity {row.activity_id}"
        if not row.filename:
            store_row = functools.partial(_store_manual, store, athlete_id, row, source, report)
            work.append(FileWork(source=source, label=label, direct=store_row))
            continue
        member = by_path.get(posixpath.join(root, row.filename).lower())
        read = (
            functools.partial(_read_member, archive, member)
            if member is not None
            else functools.partial(_missing, row)
        )
        work.append(FileWork(source=source, read=read, label=label, meta=row.meta))
    return work


def _missing(row: StravaRow) -> bytes:
    raise InputError(
        f"activities.csv (line {row.line}) names {row.filename!r}, "
        "which is missing from the archive"
    )


def _bad_row(row: BadRow) -> bytes:
    raise InputError(row.message)


def _refuse_big_index(member: Member) -> None:
    if member.size > limits.MAX_INDEX_BYTES:
        raise InputError(
            f"{member.path} is {member.size} bytes, over the "
            f"{limits.MAX_INDEX_BYTES >> 20} MB limit for an export's index file"
        )


def _import_strava_gear(
    store: Store,
    athlete_id: int,
    archive: Archive,
    by_path: dict[str, Member],
    root: str,
    report: ImportReport,
) -> None:
    for file_name, kind in (("shoes.csv", "shoe"), ("bikes.csv", "bike")):
        member = by_path.get(posixpath.join(root, file_name))
        if member is None:
            continue

        def store_gear(member: Member = member, kind: str = kind) -> None:
            _refuse_big_index(member)
            with archive.open(member) as stream:
                gear = read_gear_csv(stream, kind)  # type: ignore[arg-type]
            _store_gear(store, athlete_id, gear)

        guarded(report, _source(archive, member), store_gear)


def _store_manual(
    store: Store, athlete_id: int, row: StravaRow, source: Source, report: ImportReport
) -> None:
    """A manual Strava activity: no file, so the row's totals are the activity."""
    if row.elapsed_s is None and row.distance_m is None:
        raise EmptyActivityError(
            f"manual activity {row.activity_id} has neither a time nor a distance"
        )
    sport, sub_sport = strava_sport(row.activity_type)
    activity = Activity(
        sport=sport,
        sub_sport=sub_sport,
        start_at=row.start_at,
        source_format="manual",
        summary=Summary(
            elapsed_s=row.elapsed_s or row.moving_s or 0.0,
            timer_s=row.moving_s,
            distance_m=row.distance_m,
            avg_hr_bpm=row.avg_hr_bpm,
            max_hr_bpm=row.max_hr_bpm,
            calories_kcal=row.calories_kcal,
        ),
        name=row.meta.name,
    )
    # A stable key for a row without bytes, so a re-import recognises it as a duplicate (the
    # same path as a file's bytes: known keys are skipped, their metadata merged again).
    key = hashlib.sha256(f"strava-manual:{row.activity_id}".encode()).hexdigest()
    import_hashed(
        store, athlete_id, key, lambda: Decoded(activities=[activity]), source, report,
        meta=row.meta,
    )  # fmt: skip


def _store_gear(store: Store, athlete_id: int, items: list[Gear]) -> None:
    # Under the import lock: gear is found by name, then inserted (two imports at once).
    with import_transaction(store, athlete_id) as conn:
        for item in items:
            gear_rows.upsert_gear(conn, athlete_id, item)


def _summary_meta(index: SummaryIndex, activity: Activity) -> ActivityMeta | None:
    match = index.match(activity.start_at) if len(index) else None
    return match.meta if match is not None else None


# -- Garmin ------------------------------------------------------------------------------


def _garmin_work(
    store: Store, athlete_id: int, archive: Archive, members: list[Member], report: ImportReport
) -> list[FileWork]:
    summaries = []

    def read_index(member: Member) -> None:
        with archive.open(member) as stream:
            summaries.extend(read_summaries(stream))

    def store_gear(member: Member) -> None:
        with archive.open(member) as stream:
            gear = read_gear(stream)
        _store_gear(store, athlete_id, gear)

    # A damaged index file fails alone: the activities still import, without its names.
    for member in (m for m in members if is_summary_name(m.path)):
        guarded(report, _source(archive, member), functools.partial(read_index, member))
    for member in (m for m in members if is_gear_name(m.path)):
        guarded(report, _source(archive, member), functools.partial(store_gear, member))
    index = SummaryIndex(summaries)
    return [
        FileWork(
            source=_source(archive, member),
            read=functools.partial(_read_member, archive, member),
            match_meta=functools.partial(_summary_meta, index),
            # Monitoring, sleep and settings FIT files share the folder with activities.
            skip_empty=True,
        )
        for member in members
        if is_upload_member(member.path) and is_activity_name(Path(member.path))
    ]
