"""Importing activity files: files and folders in, an :class:`ImportReport` out.

Loose files become units of :func:`~backstride.service.pipeline.run_pipeline`, the one path
of every import (archive members and rows too, from ``service/archives.py``); see
``service/pipeline.py`` for how units are read, decoded and stored.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from pathlib import Path

from backstride.ingest.files import iter_activity_files, read_activity_file
from backstride.model import ImportReport
from backstride.service.archives import import_archive, is_export
from backstride.service.pipeline import FileWork, Progress, athlete_id_for, run_pipeline
from backstride.service.storing import Source
from backstride.store import Store
from backstride.store.athletes import DEFAULT_ATHLETE


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
        FileWork(
            source=Source(display=str(path), file_name=path.name),
            read=functools.partial(read_activity_file, path),
        )
        for path in files
    ]
    run_pipeline(store, athlete_id, work, report=report, progress=progress, jobs=jobs)
    return report
