"""Use cases: what the CLI, the dashboard and a Python prompt can ask backstride to do.

The only module that composes layers: it opens the store, runs the readers, decides what an
import keeps, and owns transactions (one activity per transaction, so a failure or a kill
mid-import never leaves half an activity behind and a re-run finishes the job). Functions
are verbs, take an opened :class:`~backstride.store.Store` first, and return ``model``
objects.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

from backstride.config import Settings
from backstride.errors import BackstrideError, InputError
from backstride.ingest import read_activities
from backstride.ingest.files import iter_activity_files
from backstride.model import ImportFailure, ImportReport, ImportWarning, StoredActivity
from backstride.store import Store as Store
from backstride.store import activities as activity_rows
from backstride.store import open_store, transaction
from backstride.store.athletes import DEFAULT_ATHLETE, get_or_create_athlete

ProgressCallback = Callable[[Path], None]


def open_database(settings: Settings, *, upgrade_schema: bool | None = None) -> Store:
    """Open the store the settings name (SQLite upgrades itself; see ``store.db``)."""
    return open_store(settings.database_url, upgrade_schema=upgrade_schema)


def upgrade_database(settings: Settings) -> str:
    """Create or migrate the schema of the configured database; returns its URL (no password)."""
    store = open_store(settings.database_url, upgrade_schema=True)
    try:
        return store.display_url
    finally:
        store.close()


def list_import_files(paths: Sequence[Path]) -> list[Path]:
    """The files an import of ``paths`` would read (folders searched recursively)."""
    return list(iter_activity_files(paths))


def import_paths(
    store: Store,
    paths: Sequence[Path],
    *,
    athlete: str = DEFAULT_ATHLETE,
    progress: ProgressCallback | None = None,
) -> ImportReport:
    """Import activity files and folders; never stops at a bad file.

    Each file is read and decoded, then each activity in it is stored in its own transaction.
    The same file twice is recognised by its SHA-256 and skipped without decoding; the same
    activity from another file (a FIT and its GPX export) is stored once, keeping the richer
    record (:func:`backstride.model.richness`), and the other file is remembered as a source.
    """
    return import_files(store, list_import_files(paths), athlete=athlete, progress=progress)


def import_files(
    store: Store,
    files: Iterable[Path],
    *,
    athlete: str = DEFAULT_ATHLETE,
    progress: ProgressCallback | None = None,
) -> ImportReport:
    """:func:`import_paths` over an explicit list of files (no folder walking)."""
    report = ImportReport()
    with transaction(store) as conn:
        athlete_id = get_or_create_athlete(conn, athlete).id
    for path in files:
        try:
            _import_file(store, athlete_id, path, report)
        except BackstrideError as e:
            report.failed.append(ImportFailure(str(path), e.message))
        except OSError as e:
            report.failed.append(ImportFailure(str(path), f"cannot read file: {e.strerror}"))
        except Exception as e:  # per-file boundary: one bad file never stops the import
            report.failed.append(
                ImportFailure(
                    str(path),
                    f"unexpected error, please report it: {type(e).__name__}: {e}".splitlines()[0],
                )
            )
        if progress is not None:
            progress(path)
    return report


def _import_file(store: Store, athlete_id: int, path: Path, report: ImportReport) -> None:
    data = path.read_bytes()
    sha256 = hashlib.sha256(data).hexdigest()
    with transaction(store) as conn:
        known = activity_rows.get_source_file(conn, athlete_id, sha256)
    if known is not None:
        report.duplicates += known
        return
    parsed = read_activities(data)
    if not parsed:
        raise InputError("the file holds no activity")
    for activity in parsed:
        for warning in activity.warnings:
            report.warnings.append(ImportWarning(str(path), warning))
    now = datetime.now(UTC)
    for position, activity in enumerate(parsed):
        with transaction(store) as conn:
            part = activity.session_index
            if activity_rows.get_source_part(conn, athlete_id, sha256, part) is not None:
                # Stored by an earlier import that was interrupted before the file finished.
                report.duplicates += 1
            else:
                twin = activity_rows.find_twin(conn, athlete_id, activity)
                if twin is None:
                    activity_id = activity_rows.add_activity(
                        conn, athlete_id, activity, source_name=path.name, imported_at=now
                    )
                    report.imported += 1
                    report.activity_ids.append(activity_id)
                else:
                    activity_id = twin.activity_id
                    if activity.richness > twin.stored_richness:
                        activity_rows.replace_activity(
                            conn, activity_id, activity, source_name=path.name, imported_at=now
                        )
                    report.duplicates += 1
                activity_rows.add_source_part(
                    conn,
                    athlete_id,
                    activity_id,
                    sha256=sha256,
                    session_index=part,
                    file_name=path.name,
                    imported_at=now,
                )
            if position == len(parsed) - 1:
                activity_rows.add_source_file(
                    conn,
                    athlete_id,
                    sha256=sha256,
                    file_name=path.name,
                    activity_count=len(parsed),
                    imported_at=now,
                )


def list_activities(store: Store, *, athlete: str = DEFAULT_ATHLETE) -> list[StoredActivity]:
    """The athlete's activities, oldest first (summaries only)."""
    with transaction(store) as conn:
        athlete_id = get_or_create_athlete(conn, athlete).id
        return activity_rows.list_activities(conn, athlete_id)


def get_activity(
    store: Store, activity_id: int, *, athlete: str = DEFAULT_ATHLETE, with_streams: bool = True
) -> StoredActivity:
    """One activity with its laps, sources and (by default) streams."""
    with transaction(store) as conn:
        athlete_id = get_or_create_athlete(conn, athlete).id
        return activity_rows.get_activity(conn, athlete_id, activity_id, with_streams=with_streams)


@dataclass(frozen=True)
class DemoResult:
    """What ``backstride demo`` did: where its store is, and the import's report."""

    database_url: str
    report: ImportReport
    activities: list[StoredActivity]


def demo_files() -> list[Path]:
    """The sample activities shipped with the package (see demo_data/NOTICE.md)."""
    folder = resources.files("backstride") / "demo_data"
    return sorted(
        Path(str(item))
        for item in folder.iterdir()
        if item.is_file() and not item.name.endswith(".md")
    )


def run_demo(folder: Path, *, progress: ProgressCallback | None = None) -> DemoResult:
    """Import the bundled samples into a fresh SQLite store in ``folder`` (emptied first)."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    url = f"sqlite:///{folder / 'demo.db'}"
    store = open_store(url)
    try:
        report = import_files(store, demo_files(), progress=progress)
        return DemoResult(url, report, list_activities(store))
    finally:
        store.close()
