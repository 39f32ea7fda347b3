"""Real ``backstride worker`` processes on PostgreSQL (issue 17's acceptance): concurrent
uploads processed by two workers, a worker SIGKILLed in the middle of an import, a report
rendered to PDF, and the worker's stop on SIGTERM and Ctrl-C."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from backstride import service
from backstride.config import load_settings
from backstride.jobs import submit
from backstride.service import jobs as job_service
from backstride.store import Store
from tests.jobs.conftest import FILES, Workers, snapshot, wait_for

pytestmark = pytest.mark.postgres


def _files(paths: list[Path]) -> list[tuple[str, io.BytesIO]]:
    return [(p.name, io.BytesIO(p.read_bytes())) for p in paths]


def _state(store: Store, job_id: int, athlete: str = "local") -> dict[str, object]:
    view = job_service.get_job(store, job_id, athlete=athlete)
    assert view is not None
    return view.to_json()


def _zipped(paths: list[Path], at: Path) -> Path:
    with zipfile.ZipFile(at, "w") as archive:
        for path in paths:
            archive.write(path, path.name)
    return at


def test_four_uploads_at_once_by_two_workers_equal_a_clean_import(
    pg_store: Store, postgres_url: str, workers: Workers, clean_store: Store, tmp_path: Path
) -> None:
    settings = load_settings({}, database_url=postgres_url)
    # the last upload holds a zip of two files: imported as an archive, by the same path
    plans = [
        FILES[0:2],
        FILES[2:4],
        FILES[4:6],
        [_zipped(FILES[6:8], tmp_path / "two.zip"), FILES[8]],
    ]
    units = [2, 2, 2, 3]
    ids = [
        submit.import_upload(pg_store, settings, athlete="local", files=_files(plan))
        for plan in plans
    ]
    first, second = workers.start(), workers.start()
    wait_for(lambda: all(_state(pg_store, j)["state"] == "done" for j in ids), timeout=40)
    clean = service.import_paths(clean_store, FILES)
    assert snapshot(pg_store) == snapshot(clean_store)
    assert len(snapshot(pg_store)) == clean.imported == 10  # one file holds two activities
    imported = 0
    for job_id, n in zip(ids, units, strict=True):
        value = _state(pg_store, job_id)
        assert value["attempts"] == 1
        assert (value["done"], value["total"]) == (n, n)
        assert value["result"]["failed"] == []  # type: ignore[index]
        imported += value["result"]["imported"]  # type: ignore[index]
    assert imported == clean.imported
    logs = workers.log(first) + workers.log(second)
    assert sum(f"job {j} (import" in logs for j in ids) == 4, logs
    assert "Traceback" not in logs
