"""Decoding in worker processes changes nothing but the speed: the same store, the same report,
bounded memory, and a kill or Ctrl-C still leaves whole activities only and no stray process."""

from __future__ import annotations

import gzip
import os
import pickle
import re
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sqlalchemy as sa

from backstride import service
from backstride.errors import ConfigError, InputError, UnsupportedFormatError
from backstride.ingest import read_activities
from backstride.model import Activity, ImportReport
from backstride.service import decoding, storing
from backstride.service import pipeline as pipeline_service
from backstride.service.decoding import Decoded, DecodePool, DecodingCrashError, resolve_jobs
from backstride.service.pipeline import FileWork, run_pipeline
from backstride.service.storing import Source
from backstride.store import Store, open_store
from tests.archives import build_garmin_archive, build_strava_archive
from tests.conftest import DATA, ROOT
from tests.service.test_import_interrupted import (
    _activity_count,
    _assert_consistent,
    _strava_archive_of_fit_folder,
)

FIT = DATA / "fit"


def _loose_files(folder: Path) -> list[Path]:
    """Loose files with every case an import meets: FIT, multisport FIT, GPX, TCX, the same
    activity as FIT and GPX (twins), the same bytes twice, and a broken file."""
    chosen = [
        FIT / "sweatpy__4801048867.fit",
        DATA / "gpx" / "sweatpy__4801048867_strava.gpx.gz",
        FIT / "fit-parser-js__triathlon_summary_first.fit",
        FIT / "fitparse__activity-small-fenix2-run.fit",
        DATA / "tcx" / "sweatpy__activity_5039744860.tcx",
        DATA / "gpx" / "sweatpy__activity_5039744860.gpx",
        FIT / "workoutizer__run_with_coordinates.fit",
    ]
    copies = [shutil.copy(path, folder / path.name) for path in chosen]
    again = folder / "again.fit"
    again.write_bytes((FIT / "fitparse__activity-small-fenix2-run.fit").read_bytes())
    broken = folder / "broken.fit"
    broken.write_bytes(b"\x0e\x10" + bytes(30))
    return [Path(p) for p in copies] + [again, broken]


def _snapshot(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Everything an import stores, without the import times."""
    queries = {
        "activities": "select * from activities order by id",
        "laps": "select * from laps order by activity_id, lap_index",
        "streams": "select activity_id, codec, data from streams order by activity_id",
        "sources": "select activity_id, sha256, session_index, file_name from activity_sources "
        "order by id",
        "files": "select sha256, file_name, activity_count from source_files order by sha256",
        "gear": "select id, name, kind from gear order by id",
    }
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            snapshot = {}
            for name, query in queries.items():
                result = conn.execute(sa.text(query))
                keep = [i for i, key in enumerate(result.keys()) if key != "imported_at"]
                snapshot[name] = [tuple(row[i] for i in keep) for row in result]
            return snapshot
    finally:
        engine.dispose()


def _import(url: str, paths: list[Path], jobs: int) -> ImportReport:
    with open_store(url, upgrade_schema=True) as store:
        return service.import_paths(store, paths, jobs=jobs)


def _inputs(kind: str, folder: Path) -> list[Path]:
    if kind == "loose":
        return list(_loose_files(folder))
    if kind == "strava":
        return [build_strava_archive(folder).path]
    return [build_garmin_archive(folder)]


@pytest.mark.parametrize("kind", ["loose", "strava", "garmin"])
def test_parallel_import_stores_exactly_what_the_serial_one_does(tmp_path: Path, kind: str) -> None:
    paths = _inputs(kind, tmp_path)
    serial_url = f"sqlite:///{tmp_path / 'serial.db'}"
    parallel_url = f"sqlite:///{tmp_path / 'parallel.db'}"
    serial = _import(serial_url, paths, jobs=1)
    parallel = _import(parallel_url, paths, jobs=2)
    assert parallel == serial
    assert serial.imported >= 3  # the case is not trivially empty
    if kind == "loose":
        assert serial.duplicates == 3  # two twins (FIT+GPX, TCX+GPX), the same bytes twice
        assert [f.path.endswith("broken.fit") for f in serial.failed] == [True]
    assert _snapshot(parallel_url) == _snapshot(serial_url)


def test_parallel_import_and_its_rerun_on_either_database(store: Store, tmp_path: Path) -> None:
    paths = [build_strava_archive(tmp_path).path, *_loose_files(tmp_path / "loose")]
    expected = _import(f"sqlite:///{tmp_path / 'serial.db'}", paths, jobs=1)
    first = service.import_paths(store, paths, jobs=2)
    assert (first.imported, first.duplicates, first.failed) == (
        expected.imported,
        expected.duplicates,
        expected.failed,
    )
    rerun = service.import_paths(store, paths, jobs=2)
    assert rerun.imported == 0
    assert rerun.duplicates == expected.imported + expected.duplicates


@pytest.fixture(autouse=True)
def _loose_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "loose").mkdir()
    # The real files here are few and small: run the pool for them all the same.
    monkeypatch.setattr(pipeline_service, "POOL_MIN_FILES", 3)


def test_a_rerun_of_complete_files_starts_no_worker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = _loose_files(tmp_path / "loose")
    url = f"sqlite:///{tmp_path / 'store.db'}"
    _import(url, paths, jobs=2)

    def no_worker(self: DecodePool) -> None:
        raise AssertionError("a worker was started for files already stored")

    monkeypatch.setattr(DecodePool, "_start_worker", no_worker)
    rerun = _import(url, paths[:-1], jobs=2)  # without the broken file, which never completes
    assert (rerun.imported, rerun.failed) == (0, [])


def test_each_file_is_looked_up_once_unless_its_bytes_came_before_in_the_same_import(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from backstride.store import activities as activity_rows

    lookups: list[str] = []
    real = activity_rows.get_source_file

    def counting(conn: Any, athlete_id: int, sha256: str) -> int | None:
        lookups.append(sha256)
        return real(conn, athlete_id, sha256)

    monkeypatch.setattr(activity_rows, "get_source_file", counting)
    files = _loose_files(tmp_path / "loose")  # nine files, one of them twice the same bytes
    report = _import(f"sqlite:///{tmp_path / 'store.db'}", files, jobs=2)
    # Once each when read; again only for the copy, which its twin may have stored meanwhile.
    assert len(lookups) == len(files) + 1
    assert len(set(lookups)) == len(files) - 1
    assert report.duplicates == 3


def test_a_small_import_decodes_in_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_pool(jobs: int) -> None:
        raise AssertionError("a pool was started for two files")

    monkeypatch.setattr(pipeline_service, "DecodePool", no_pool)
    files = _loose_files(tmp_path / "loose")[:2]
    assert pipeline_service.POOL_MIN_FILES > len(files)
    report = _import(f"sqlite:///{tmp_path / 'store.db'}", files, jobs=4)
    assert report.imported == 1  # the FIT; its GPX export is its twin
    assert report.duplicates == 1


class _Reads:
    """Counts how far reading runs ahead of storing."""

    def __init__(self) -> None:
        self.read = 0
        self.done = 0
        self.most_ahead = 0

    def add_total(self, count: int) -> None:
        pass

    def advance(self, label: str) -> None:
        self.done += 1

    def reader(self, path: Path) -> Callable[[], bytes]:
        def read() -> bytes:
            self.read += 1
            self.most_ahead = max(self.most_ahead, self.read - self.done)
            return path.read_bytes()

        return read


@pytest.mark.parametrize("jobs", [1, 2])
def test_only_a_few_files_are_in_flight_whatever_the_import_size(
    tmp_path: Path, jobs: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Twelve small distinct FIT files; a window of 2 * jobs + 2 bounds memory (one file at a
    # time without workers). The progress hears of a file once its batch commits: a batch of
    # one file makes it hear of each file as soon as it is stored, out of memory.
    monkeypatch.setattr(storing, "FILES_PER_COMMIT", 1)
    files = sorted(p for p in FIT.glob("*.fit") if p.stat().st_size < 120_000)[:12]
    reads = _Reads()
    work = [FileWork(source=Source(str(p), p.name), read=reads.reader(p)) for p in files]
    with open_store(f"sqlite:///{tmp_path / 'store.db'}", upgrade_schema=True) as store:
        athlete_id = pipeline_service.athlete_id_for(store, "local")
        report = ImportReport()
        run_pipeline(store, athlete_id, work, report=report, progress=reads, jobs=jobs)
    assert (reads.read, reads.done) == (len(files), len(files))
    assert reads.most_ahead == (1 if jobs == 1 else 2 * jobs + 2)
    assert report.imported + report.duplicates + len(report.failed) >= len(files)


def _equal_activities(a: Activity, b: Activity) -> bool:
    streams_a, streams_b = a.streams, b.streams
    same_arrays = np.array_equal(streams_a.elapsed_s, streams_b.elapsed_s) and all(
        np.array_equal(v, streams_b.channels[k], equal_nan=True)
        for k, v in streams_a.channels.items()
    )
    same_extra = streams_a.extra.keys() == streams_b.extra.keys() and all(
        np.array_equal(v, streams_b.extra[k], equal_nan=True) for k, v in streams_a.extra.items()
    )
    fields = ("sport", "sub_sport", "start_at", "utc_offset_s", "summary", "source_format")
    more = ("laps", "device", "name", "session_index", "warnings")
    return (
        same_arrays
        and same_extra
        and list(streams_a.channels) == list(streams_b.channels)
        and all(getattr(a, f) == getattr(b, f) for f in (*fields, *more))
    )


@pytest.mark.parametrize(
    "name",
    [
        "fit-parser-js__running-with-developer-data.fit",  # developer fields in extra
        "fit-parser-js__triathlon_summary_first.fit",  # several sessions
        "tormoder-fit__unterminated-strings.fit",  # warnings
    ],
)
def test_decoded_activities_cross_processes_unchanged(name: str) -> None:
    data = (FIT / name).read_bytes()
    expected = read_activities(data)
    decoded = decoding.decode(data)
    # Streams travel only as the store's compressed blob, and come back whole.
    assert decoded.activities is not None
    assert decoded.blobs is not None
    assert all(len(a.streams) == 0 for a in decoded.activities)
    back = pickle.loads(pickle.dumps(decoded, protocol=pickle.HIGHEST_PROTOCOL)).unwrap()
    assert len(back) == len(expected) >= 1
    assert sum(len(a.streams) for a in back) > 0
    assert all(_equal_activities(a, b) for a, b in zip(back, expected, strict=True))
    assert back[0].start_at.utcoffset() is not None


def test_decoding_errors_come_back_with_their_type_message_and_hint() -> None:
    class OddError(Exception):
        pass

    cases: list[tuple[BaseException, type[BaseException], str]] = [
        (ConfigError("no good", hint="do this"), ConfigError, "no good"),
        (KeyError("field"), KeyError, "'field'"),
        (OddError("strange"), DecodingCrashError, "strange"),
    ]
    for error, expected_type, message in cases:
        result = pickle.loads(pickle.dumps(decoding._failure(error)))
        with pytest.raises(expected_type) as raised:
            result.unwrap()
        assert str(raised.value) == message
    failed = pickle.loads(pickle.dumps(decoding._failure(ConfigError("x", hint="do this"))))
    with pytest.raises(ConfigError) as raised_config:
        failed.unwrap()
    assert raised_config.value.hint == "do this"
    with pytest.raises(DecodingCrashError) as raised_odd:
        decoding._failure(OddError("strange")).unwrap()
    assert raised_odd.value.kind == "OddError"
    with pytest.raises(UnsupportedFormatError, match="not a FIT, GPX or TCX file"):
        decoding.decode(b"\x0e\x10" + bytes(30)).unwrap()


def test_a_result_that_cannot_be_pickled_fails_its_file_with_the_reason() -> None:
    # Nothing backstride's decoders return fails to pickle (the test above); if a reader ever
    # put something like a generator in an activity, that file fails alone, with a reason.
    unpicklable = Decoded(activities=[(x for x in ())])  # type: ignore[list-item]
    result = pickle.loads(decoding._encode(unpicklable))
    with pytest.raises(DecodingCrashError, match="cannot send the decoded file") as raised:
        result.unwrap()
    assert raised.value.kind == "TypeError"


def test_a_worker_that_dies_fails_its_file_only_and_is_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    doomed = (FIT / "fitparse__activity-small-fenix2-run.fit").read_bytes()

    def read_or_die(data: bytes) -> list[Activity]:
        if data == doomed:
            os.kill(os.getpid(), signal.SIGKILL)  # as the kernel's out-of-memory killer would
        return read_activities(data)

    # Workers are forked after this, so they decode with it.
    monkeypatch.setattr(decoding, "read_activities", read_or_die)
    files = _loose_files(tmp_path / "loose")
    report = _import(f"sqlite:///{tmp_path / 'store.db'}", files, jobs=2)
    died = [f for f in report.failed if "decoding process stopped" in f.error]
    # The file and its copy (same bytes) killed their workers; the replacements imported the
    # rest, and the broken file failed as it does anyway.
    names = ["fitparse__activity-small-fenix2-run.fit", "again.fit"]
    assert [Path(f.path).name for f in died] == names
    assert all("killed by signal 9" in f.error for f in died)
    assert [Path(f.path).name for f in report.failed] == [*names, "broken.fit"]
    assert report.imported == 6


def test_jobs_come_from_the_flag_or_environment_and_are_checked() -> None:
    assert resolve_jobs(None) >= 1
    assert resolve_jobs("3") == 3
    assert resolve_jobs(1) == 1
    for bad in ("0", "-2", "many", "1.5"):
        with pytest.raises(ConfigError, match="at least 1"):
            resolve_jobs(bad)
    with pytest.raises(ValueError, match="at least one worker"):
        DecodePool(0)


# -- the process as a user runs it -----------------------------------------------------------


def _descendants(pid: int) -> list[int]:
    """Processes still running whose parent chain reaches ``pid`` (including re-parented
    forks, found by their command line naming the same database)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def _processes_using(db: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if db.encode() in cmdline and state != "Z":
            found.append(int(entry.name))
    return found


def _wait_gone(db: str, seconds: float = 10.0) -> list[int]:
    deadline = time.monotonic() + seconds
    while (left := _processes_using(db)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


def _start_import(url: str, target: Path, jobs: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    command = [sys.executable, "-m", "backstride", "--db", url, "import"]
    return subprocess.Popen(
        [*command, "--jobs", str(jobs), str(target)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group, as a terminal gives a command
    )


def _wait_for_activities(url: str, process: subprocess.Popen[bytes], count: int) -> None:
    deadline = time.monotonic() + 120
    while _activity_count(url) < count:
        assert process.poll() is None, "the import ended before it could be stopped"
        assert time.monotonic() < deadline, f"the import stored {count} activities in 120 s"
        time.sleep(0.05)


def _large_archive(tmp_path: Path) -> Path:
    """The Strava archive of every real FIT file, each file in it nine times (gzipped at other
    levels: other bytes, the same activities, which are stored once): enough members for the
    pool, and more than one of the writer's commits (``storing.FILES_PER_COMMIT``), so the
    first activities are visible while the workers still decode."""
    archive = _strava_archive_of_fit_folder(tmp_path)
    with zipfile.ZipFile(archive, "a") as z:
        members = [n for n in z.namelist() if n.endswith(".fit.gz")]
        rows = z.read("activities.csv").decode().splitlines()
        for name in members:
            row = next(r for r in rows if name in r)
            for level in range(1, 9):
                copy = name.replace(".fit.gz", f"-again{level}.fit.gz")
                z.writestr(copy, gzip.compress(gzip.decompress(z.read(name)), compresslevel=level))
                rows.append(row.replace(name, copy))
    with zipfile.ZipFile(archive) as z:
        contents = {n: z.read(n) for n in z.namelist() if n != "activities.csv"}
    with zipfile.ZipFile(archive, "w") as z:
        # Each activity's copies side by side (5000-again1 ... 5000, then 5001 ...), in the
        # CSV (which the import follows) and the zip: new activities keep arriving to the
        # end, so a stopped import has some left to store.
        member = re.compile(r"activities/[^,]+")
        body = sorted(rows[1:], key=lambda r: m.group() if (m := member.search(r)) else "")
        z.writestr("activities.csv", "\n".join([rows[0], *body]) + "\n")
        for name in sorted(contents):
            z.writestr(name, contents[name])
    assert len(contents) >= max(pipeline_service.POOL_MIN_FILES, 2 * storing.FILES_PER_COMMIT)
    return archive


@pytest.mark.slow
@pytest.mark.parametrize(
    ("backend", "how"),
    [
        ("sqlite", "sigkill"),
        ("sqlite", "ctrl-c"),
        pytest.param("postgresql", "sigkill", marks=pytest.mark.postgres),
    ],
)
def test_a_stopped_parallel_import_leaves_whole_activities_and_no_worker_behind(
    request: pytest.FixtureRequest, tmp_path: Path, backend: str, how: str
) -> None:
    archive = _large_archive(tmp_path)
    # Unique per test (a file, or a schema of its own), so it also names our processes.
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.db'}"
    else:
        url = str(request.getfixturevalue("postgres_url"))
    open_store(url, upgrade_schema=True).close()  # PostgreSQL is upgraded on request
    process = _start_import(url, archive, jobs=2)
    assert process.stderr is not None
    with process.stderr:
        try:
            _wait_for_activities(url, process, 3)
            workers = _descendants(process.pid)
            assert len(workers) == 2  # decoding really runs in two worker processes
            if how == "sigkill":
                process.send_signal(signal.SIGKILL)
            else:
                os.killpg(process.pid, signal.SIGINT)  # Ctrl-C reaches the whole group
            process.wait(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        err = process.stderr.read().decode()
    if how == "sigkill":
        assert process.returncode == -signal.SIGKILL
    else:
        assert process.returncode == 130
        assert "interrupted" in err
        assert "Traceback" not in err  # nor any from a worker
    assert _wait_gone(url) == []  # the workers noticed and exited
    stored = _activity_count(url)
    _assert_consistent(url)

    rerun = _import(url, [archive], jobs=2)
    assert rerun.duplicates >= stored
    assert rerun.imported > 0  # it was stopped before the end
    _assert_consistent(url)
    # The re-run finished the job: a third run finds every good file complete (the existing
    # SIGKILL test compares with a clean import).
    third = _import(url, [archive], jobs=2)
    assert third.imported == 0
    assert third.failed == rerun.failed


def test_cli_jobs_option_is_checked(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from backstride.cli.app import app

    runner = CliRunner()
    db = f"sqlite:///{tmp_path / 'store.db'}"
    target = str(FIT / "fitparse__activity-small-fenix2-run.fit")
    usage = runner.invoke(app, ["--db", db, "import", "--jobs", "0", target])
    assert usage.exit_code == 2
    env_bad = runner.invoke(app, ["--db", db, "import", target], env={"BACKSTRIDE_JOBS": "x"})
    assert env_bad.exit_code == 1
    assert "at least 1" in env_bad.output
    ok = runner.invoke(app, ["--db", db, "import", "--json", "-j", "2", target])
    assert ok.exit_code == 0, ok.output
    assert '"imported": 1' in ok.output


def test_inputs_error_reports_name_the_file(tmp_path: Path) -> None:
    # A unit whose bytes cannot be read fails in its place in the order, with its name.
    store = open_store(f"sqlite:///{tmp_path / 'store.db'}", upgrade_schema=True)
    files = sorted(p for p in FIT.glob("*.fit") if p.stat().st_size < 120_000)[:4]

    def unreadable() -> bytes:
        raise InputError("cannot be read for this test")

    work = [FileWork(source=Source(str(p), p.name), read=p.read_bytes) for p in files]
    work.insert(2, FileWork(source=Source("missing.fit", "missing.fit"), read=unreadable))
    try:
        athlete_id = pipeline_service.athlete_id_for(store, "local")
        report = ImportReport()
        run_pipeline(store, athlete_id, work, report=report, jobs=2)
    finally:
        store.close()
    assert [(f.path, f.error) for f in report.failed] == [
        ("missing.fit", "cannot be read for this test")
    ]
    assert isinstance(Decoded(activities=[]).unwrap(), list)
