"""Real ``backstride worker`` processes on PostgreSQL (issue 17's acceptance): concurrent
uploads processed by two workers, a worker SIGKILLed in the middle of an import, a report
rendered to PDF, and the worker's stop on SIGTERM and Ctrl-C."""

from __future__ import annotations

import io
import signal
import time
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
    pg_store: Store, jobs_url: str, workers: Workers, clean_store: Store, tmp_path: Path
) -> None:
    settings = load_settings({}, database_url=jobs_url)
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
    workers.stop_all()  # SIGTERM: the service manager's stop
    assert (first.returncode, second.returncode) == (0, 0)
    logs = workers.log(first) + workers.log(second)
    assert sum(f"job {j} (import" in logs for j in ids) == 4, logs
    assert "Traceback" not in logs


def test_a_worker_killed_mid_import_leaves_the_job_to_another_that_completes_it(
    pg_store: Store, jobs_url: str, workers: Workers, clean_store: Store
) -> None:
    settings = load_settings({}, database_url=jobs_url)
    paths = FILES[:6]
    job_id = submit.import_upload(pg_store, settings, athlete="local", files=_files(paths))
    # The test hook pauses the import 0.7 s after each stored file (jobs/worker.py), so the
    # kill lands between files: 2 of 6 stored, the row running.
    first = workers.start("--stalled-after", "2", env={"BACKSTRIDE_TEST_PAUSE_AFTER_FILE_S": "0.7"})
    wait_for(lambda: int(_state(pg_store, job_id)["done"]) >= 2, timeout=30)  # type: ignore[call-overload]
    first.send_signal(signal.SIGKILL)
    killed_at = time.monotonic()
    first.wait(timeout=10)
    killed = _state(pg_store, job_id)
    assert killed["state"] == "running"
    assert killed["attempts"] == 1
    assert 2 <= killed["done"] < 6  # type: ignore[operator]
    stored_before = len(snapshot(pg_store))
    assert stored_before > 0
    # Its last heartbeat is over 2 s old when the next worker looks (at its start).
    time.sleep(max(0.0, 2.2 - (time.monotonic() - killed_at)))
    second = workers.start("--stalled-after", "2")
    wait_for(lambda: _state(pg_store, job_id)["state"] == "done", timeout=30)
    done = _state(pg_store, job_id)
    assert done["attempts"] == 2
    assert (done["done"], done["total"]) == (6, 6)
    result = done["result"]
    assert isinstance(result, dict)
    assert result["failed"] == []
    clean = service.import_paths(clean_store, paths)
    assert snapshot(pg_store) == snapshot(clean_store)  # nothing lost, nothing doubled
    # The second attempt found the first one's files stored ("same file"), stored the rest.
    assert result["duplicates"] == stored_before
    assert result["imported"] == clean.imported - stored_before > 0
    assert "retrying" in workers.log(second)
    assert "test hook" in workers.log(first)


def test_a_failing_file_a_report_and_another_athletes_job(
    pg_store: Store, jobs_url: str, workers: Workers
) -> None:
    settings = load_settings({}, database_url=jobs_url)
    files = [*_files(FILES[:1]), ("broken.fit", io.BytesIO(b".FIT but not really"))]
    imported = submit.import_upload(pg_store, settings, athlete="ann", files=files)
    reported = submit.report(pg_store, settings, athlete="ann")
    other = submit.import_upload(pg_store, settings, athlete="bob", files=_files(FILES[1:2]))
    worker = workers.start()
    wait_for(
        lambda: all(
            _state(pg_store, j, a)["state"] in ("done", "failed")
            for j, a in ((imported, "ann"), (reported, "ann"), (other, "bob"))
        ),
        timeout=40,
    )
    value = _state(pg_store, imported, "ann")
    assert value["state"] == "done"  # a failing file is a line of the report
    result = value["result"]
    assert isinstance(result, dict)
    assert result["imported"] == 1
    assert [f["path"] for f in result["failed"]] == ["broken.fit"]
    report = _state(pg_store, reported, "ann")
    assert report["state"] == "done", report
    assert report["output_type"] == "application/pdf"
    pdf, media_type = job_service.job_output(pg_store, reported, athlete="ann")
    assert pdf.startswith(b"%PDF")
    assert media_type == "application/pdf"
    # bob's job is bob's: invisible to ann, and the other way round
    assert job_service.get_job(pg_store, other, athlete="ann") is None
    assert job_service.get_job(pg_store, imported, athlete="bob") is None
    assert {v.id for v in job_service.list_jobs(pg_store, athlete="ann")} == {imported, reported}
    # Ctrl-C: the worker stops after its jobs, one line, exit status 130
    worker.send_signal(signal.SIGINT)
    assert worker.wait(timeout=20) == 130
    log = workers.log(worker)
    assert log.rstrip().endswith("interrupted")
    assert "Traceback" not in log
