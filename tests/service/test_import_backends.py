"""The same files imported on SQLite and on PostgreSQL (where an import's bulk rows go in by
COPY, ``store.deferred``) store the same rows, value for value, serial or in workers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from backstride import service
from backstride.model import ImportReport
from backstride.service import pipeline as pipeline_service
from backstride.store import open_store
from backstride.store.schema import (
    activities,
    activity_sources,
    form_summaries,
    gear,
    laps,
    source_files,
    streams,
)
from tests.archives import build_strava_archive
from tests.conftest import fresh_schemas
from tests.service.test_import_parallel import _loose_files

#: Every table an import writes, with its rows in a stable order; a row's own import time
#: (the clock's) and the ids of the source and file rows are left out.
_TABLES = {
    "activities": (activities, ["id"], ["imported_at"]),
    "laps": (laps, ["activity_id", "lap_index"], []),
    "streams": (streams, ["activity_id"], []),
    "form_summaries": (form_summaries, ["activity_id"], []),
    "activity_sources": (activity_sources, ["sha256", "session_index"], ["id", "imported_at"]),
    "source_files": (source_files, ["sha256"], ["id", "imported_at"]),
    "gear": (gear, ["id"], []),
}


def _stored(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row an import stores, read through the schema's types (so a timestamp is the
    same aware datetime from either backend, a blob the same bytes)."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            found = {}
            for name, (table, order, left_out) in _TABLES.items():
                columns = [c for c in table.c if c.name not in left_out]
                rows = conn.execute(sa.select(*columns).order_by(*(table.c[o] for o in order)))
                found[name] = [
                    tuple(bytes(v) if isinstance(v, memoryview) else v for v in row) for row in rows
                ]
            return found
    finally:
        engine.dispose()


def _import(url: str, paths: list[Path], jobs: int) -> ImportReport:
    with open_store(url, upgrade_schema=True) as store:
        return service.import_paths(store, paths, jobs=jobs)


@pytest.mark.postgres
def test_sqlite_and_postgresql_store_the_same_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pipeline_service, "POOL_MIN_FILES", 3)  # the pool for these few files
    (tmp_path / "loose").mkdir()
    # A Strava archive (metadata, gear) and loose files: a multisport FIT (several sessions
    # of one file), twins (FIT and GPX, TCX and GPX), the same bytes twice, a broken file.
    paths = [build_strava_archive(tmp_path).path, *_loose_files(tmp_path / "loose")]
    results: dict[str, tuple[ImportReport, dict[str, list[tuple[Any, ...]]]]] = {}
    with fresh_schemas() as new_schema:
        urls: dict[str, Callable[[], str]] = {
            "sqlite": lambda: f"sqlite:///{tmp_path / f'store-{len(results)}.db'}",
            "postgresql": new_schema,
        }
        for backend, new_url in urls.items():
            for jobs in (1, 2):
                url = new_url()
                report = _import(url, paths, jobs)
                results[f"{backend} --jobs {jobs}"] = (report, _stored(url))
                again = _import(url, paths, jobs)  # a re-run stores nothing more
                assert again.imported == 0
                assert _stored(url) == results[f"{backend} --jobs {jobs}"][1]

    report, rows = results["sqlite --jobs 1"]
    assert report.imported == 11
    # The loose ride FIT is a twin of the archive's (other bytes), and of its GPX export; the
    # TCX and its GPX; the same bytes twice.
    assert [(m.activity_id, m.reason.split(":")[0]) for m in report.matches] == [
        (1, "twin"),
        (1, "twin"),
        (10, "twin"),
        (9, "same file"),
    ]
    assert len(report.failed) == 3  # the archive's missing and unreadable members, broken.fit
    counts = {name: len(found) for name, found in rows.items()}
    assert counts["laps"] > counts["activities"] > 0
    assert counts["form_summaries"] > 0
    assert counts["activity_sources"] == report.imported + 3  # and a source per twin
    for label, (other_report, other_rows) in results.items():
        assert (other_report.imported, other_report.duplicates) == (
            report.imported,
            report.duplicates,
        ), label
        for name in _TABLES:
            assert other_rows[name] == rows[name], f"{label}: {name}"
