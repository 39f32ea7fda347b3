"""`backstride watch` (issue 16): real files written slowly, folders removed and re-created,
200 files dropped at once; every distinct activity imported once, none partially.

The core (:class:`FolderWatch`) runs with an injected clock, so settling is exact and no
test sleeps for it; :func:`run_watch` runs for real (``watchfiles``) in a thread with a
stop event.
"""

from __future__ import annotations

import gzip
import shutil
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import date, timedelta
from pathlib import Path

import pytest

from backstride import service
from backstride.ingest import read_activities
from backstride.service.watching import (
    Candidate,
    FileResult,
    FolderWatch,
    StoreImporter,
    WatchEvent,
    run_watch,
)
from backstride.store import Store, open_store
from tests.conftest import DATA

RUN_FIT = DATA / "fit" / "workoutizer__run_with_coordinates.fit"
FENIX_RUN = DATA / "fit" / "fitparse__garmin-fenix-5-run.fit"
GPX_GZ = DATA / "gpx" / "sweatpy__4801048867_strava.gpx.gz"
TCX = DATA / "tcx" / "tcxparser__test.tcx"
SMALL_GPX = DATA / "gpx" / "gpxpy__track-with-empty-segment.gpx"
SMALL_GPX_DAY = date(2013, 7, 6)


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


class Log:
    def __init__(self) -> None:
        self.events: list[WatchEvent] = []
        self.lock = threading.Lock()

    def __call__(self, event: WatchEvent) -> None:
        with self.lock:
            self.events.append(event)

    def kinds(self, kind: str) -> list[WatchEvent]:
        with self.lock:
            return [e for e in self.events if e.kind == kind]

    def files(self, kind: str) -> list[str]:
        return sorted(Path(e.path).name for e in self.kinds(kind))


def activity_count(store: Store) -> int:
    return len(service.list_activities(store))


def shifted_gpx(days: int) -> bytes:
    """The small real GPX track moved ``days`` days later: a distinct activity."""
    day = (SMALL_GPX_DAY + timedelta(days=days)).isoformat()
    return SMALL_GPX.read_bytes().replace(SMALL_GPX_DAY.isoformat().encode(), day.encode())


def watch_of(
    folders: Sequence[Path], store: Store, clock: Clock, log: Log, settle_s: float = 2.0
) -> FolderWatch:
    return FolderWatch(folders, StoreImporter(store), log, settle_s=settle_s, clock=clock)


# -- the core, with an injected clock -----------------------------------------------------
# The dedupe is the import's, tested on both databases there; the first test runs on both,
# the others on SQLite.


@pytest.fixture
def lite(tmp_path: Path) -> Iterator[Store]:
    with open_store(f"sqlite:///{tmp_path / 'store.db'}", upgrade_schema=True) as opened:
        yield opened


def test_scan_imports_what_is_there_once_and_a_rescan_stores_nothing(
    store: Store, tmp_path: Path
) -> None:
    folder = tmp_path / "Activity"
    folder.mkdir()
    for source in (RUN_FIT, GPX_GZ, TCX):
        shutil.copy(source, folder)
    (folder / ".hidden.fit").write_bytes(RUN_FIT.read_bytes())
    (folder / "notes.txt").write_text("not an activity")
    clock, log = Clock(), Log()
    watch = watch_of([folder], store, clock, log)
    watch.tick()
    assert [e.kind for e in log.events] == ["watching"]
    clock.advance(1.9)
    watch.tick()
    assert activity_count(store) == 0, "read before the files settled"
    clock.advance(0.2)
    watch.tick()
    assert log.files("imported") == sorted(p.name for p in (RUN_FIT, GPX_GZ, TCX))
    assert [e.message for e in log.kinds("scanned")] == [
        "scanned 3 files: 3 imported, 0 already stored, 0 failed"
    ]
    assert activity_count(store) == 3

    # A second watch of the same folder (a restart): one summary line, nothing stored.
    again = Log()
    second = watch_of([folder], store, clock, again)
    second.tick()
    clock.advance(2.0)
    second.tick()
    assert [e.kind for e in again.events] == ["watching", "scanned"]
    assert again.events[-1].message == "scanned 3 files: 0 imported, 3 already stored, 0 failed"
    assert activity_count(store) == 3

    # An event for a file already read, unchanged, does not read it again.
    watch.tick([folder / RUN_FIT.name])
    clock.advance(2.0)
    watch.tick()
    assert len(log.kinds("duplicate")) == 0
    assert watch.waiting == 0


def test_a_growing_file_is_read_once_whole(lite: Store, tmp_path: Path) -> None:
    folder = tmp_path / "Activity"
    folder.mkdir()
    clock, log = Clock(), Log()
    watch = watch_of([folder], lite, clock, log)
    watch.tick()
    data = RUN_FIT.read_bytes()
    target = folder / "RUN.FIT"
    chunk = len(data) // 8 + 1
    for start in range(0, len(data), chunk):
        with target.open("ab") as out:
            out.write(data[start : start + chunk])
        watch.tick([target])
        clock.advance(1.5)  # the writer pauses, but never as long as the settle time
        watch.tick()
        assert activity_count(lite) == 0, f"read at {start + chunk} of {len(data)} bytes"
    clock.advance(0.5)
    watch.tick()
    assert log.files("imported") == ["RUN.FIT"]
    [stored] = service.list_activities(lite)
    [whole] = read_activities(data)
    assert stored.activity.summary.distance_m == pytest.approx(whole.summary.distance_m)
    assert stored.activity.summary.elapsed_s == pytest.approx(whole.summary.elapsed_s)


def test_a_fit_file_paused_longer_than_the_settle_time_waits_for_the_rest(
    lite: Store, tmp_path: Path
) -> None:
    folder = tmp_path / "Activity"
    folder.mkdir()
    clock, log = Clock(), Log()
    watch = FolderWatch([folder], StoreImporter(lite), log, clock=clock, short_wait_s=30.0)
    watch.tick()
    data = RUN_FIT.read_bytes()
    target = folder / "RUN.FIT"
    target.write_bytes(data[: len(data) // 3])
    watch.tick([target])
    clock.advance(20.0)  # ten times the settle time, but the header says there is more
    watch.tick()
    assert activity_count(lite) == 0
    with target.open("ab") as out:
        out.write(data[len(data) // 3 :])
    watch.tick([target])
    clock.advance(2.0)
    watch.tick()
    [stored] = service.list_activities(lite)
    [whole] = read_activities(data)
    assert stored.activity.summary.distance_m == pytest.approx(whole.summary.distance_m)

    # A cut file that never grows is read after the longer wait (the reader keeps its start).
    cut = folder / "CUT.FIT"
    cut.write_bytes(FENIX_RUN.read_bytes()[:-200])
    watch.tick([cut])
    clock.advance(29.0)
    watch.tick()
    assert log.files("imported") == ["RUN.FIT"]
    clock.advance(1.0)
    watch.tick()
    assert sorted(log.files("imported") + log.files("failed")) == ["CUT.FIT", "RUN.FIT"]


def test_a_file_changed_while_read_is_not_stored_and_waits_again(
    lite: Store, tmp_path: Path
) -> None:
    folder = tmp_path / "sync"
    folder.mkdir()
    target = folder / "run.tcx"  # a FIT file this short would wait for its rest
    data = TCX.read_bytes()
    target.write_bytes(data[: len(data) // 2])
    real = StoreImporter(lite)
    appended: list[Path] = []

    def late_writer(candidates: Sequence[Candidate]) -> list[FileResult]:
        if not appended:  # the writer resumes just as the file is being read
            with target.open("ab") as out:
                out.write(data[len(data) // 2 :])
            appended.append(target)
        return real(candidates)

    clock, log = Clock(), Log()
    watch = FolderWatch([folder], late_writer, log, clock=clock)
    watch.tick()
    clock.advance(2.0)
    watch.tick()
    assert appended
    assert activity_count(lite) == 0
    assert log.kinds("imported") == []
    assert log.kinds("failed") == []
    assert watch.waiting == 1
    clock.advance(2.0)
    watch.tick()
    [stored] = service.list_activities(lite)
    [whole] = read_activities(data)
    assert stored.activity.summary.distance_m == pytest.approx(whole.summary.distance_m)


def test_a_folder_that_goes_and_comes_back(lite: Store, tmp_path: Path) -> None:
    mount = tmp_path / "GARMIN" / "Activity"
    clock, log = Clock(), Log()
    watch = watch_of([mount], lite, clock, log)
    watch.tick()
    assert [e.kind for e in log.events] == ["missing"]
    mount.mkdir(parents=True)
    shutil.copy(FENIX_RUN, mount)
    watch.tick()
    assert log.events[-1].kind == "back"
    assert "appeared" in log.events[-1].message
    clock.advance(2.0)
    watch.tick()
    assert log.files("imported") == [FENIX_RUN.name]

    # Unplugged: one line, and waiting is quiet.
    shutil.rmtree(tmp_path / "GARMIN")
    watch.tick()
    watch.tick()
    assert [e.kind for e in log.events[-1:]] == ["gone"]
    assert watch.present() == []
    # Plugged in again, with a new run beside the old one.
    mount.mkdir(parents=True)
    shutil.copy(FENIX_RUN, mount)
    shutil.copy(RUN_FIT, mount)
    watch.tick()
    assert log.events[-1].kind == "back"
    assert "back" in log.events[-1].message
    clock.advance(2.0)
    watch.tick()
    assert log.files("imported") == sorted([FENIX_RUN.name, RUN_FIT.name])
    assert log.events[-1].message == "scanned 2 files: 1 imported, 1 already stored, 0 failed"
    assert activity_count(lite) == 2


def test_a_burst_of_200_files_is_one_import_of_each_distinct_activity(
    lite: Store, tmp_path: Path
) -> None:
    folder = tmp_path / "Gadgetbridge"
    folder.mkdir()
    clock, log = Clock(), Log()
    batches: list[int] = []
    real = StoreImporter(lite)

    def counting(candidates: Sequence[Candidate]) -> list[FileResult]:
        batches.append(len(candidates))
        return real(candidates)

    watch = FolderWatch([folder], counting, log, clock=clock)
    watch.tick()
    for i in range(180):
        (folder / f"track-{i:03}.gpx").write_bytes(shifted_gpx(i))
    for i in range(20):  # the same bytes under another name, and gzipped (other bytes)
        name = f"again-{i:03}.gpx"
        if i % 2:
            (folder / name).write_bytes(shifted_gpx(i))
        else:
            (folder / (name + ".gz")).write_bytes(gzip.compress(shifted_gpx(i), mtime=i))
    watch.tick([folder / p.name for p in folder.iterdir()])
    clock.advance(2.0)
    watch.tick()
    assert batches == [200]
    assert activity_count(lite) == 180
    assert len(log.kinds("imported")) == 180
    assert len(log.kinds("duplicate")) == 20
    starts = [a.activity.start_at for a in service.list_activities(lite)]
    assert len(set(starts)) == 180


# -- the real loop: watchfiles in a thread ------------------------------------------------


@pytest.fixture
def loop_url(tmp_path: Path) -> str:
    """The loop on SQLite (the core's dedupe runs on both databases above)."""
    return f"sqlite:///{tmp_path / 'store.db'}"


@pytest.fixture
def running(loop_url: str) -> Iterator[Callable[[list[Path], Log], None]]:
    """Start ``run_watch`` in a thread over folders (settle 0.3 s); stopped at the end."""
    stop = threading.Event()
    threads: list[threading.Thread] = []
    errors: list[BaseException] = []

    def start(folders: list[Path], log: Log) -> None:
        def main() -> None:
            try:
                with open_store(loop_url, upgrade_schema=True) as store:
                    watch = FolderWatch(folders, StoreImporter(store), log, settle_s=0.3)
                    run_watch(watch, stop=stop, tick_s=0.05, debounce_ms=100)
            except BaseException as e:  # reported by the test
                errors.append(e)

        thread = threading.Thread(target=main, daemon=True)
        thread.start()
        threads.append(thread)

    yield start
    stop.set()
    for thread in threads:
        thread.join(timeout=10)
        assert not thread.is_alive(), "the watch did not stop"
    assert not errors, errors


def wait_for(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def slow_copy(source: Path, target: Path, *, chunks: int = 6, pause_s: float = 0.08) -> None:
    data = source.read_bytes()
    size = len(data) // chunks + 1
    with target.open("wb") as out:
        for start in range(0, len(data), size):
            out.write(data[start : start + size])
            out.flush()
            time.sleep(pause_s)


def test_watchfiles_slow_copies_a_vanishing_folder_and_a_burst(
    running: Callable[[list[Path], Log], None], loop_url: str, tmp_path: Path
) -> None:
    usb = tmp_path / "GARMIN" / "Activity"
    usb.mkdir(parents=True)
    sync = tmp_path / "Sync"
    sync.mkdir()
    log = Log()
    running([usb, sync], log)
    wait_for(lambda: len(log.kinds("scanned")) == 2)

    # Real files written slowly, in chunks with pauses shorter than the settle time.
    slow_copy(RUN_FIT, usb / "RUN.FIT")
    slow_copy(GPX_GZ, sync / "ride.gpx.gz")
    wait_for(lambda: len(log.kinds("imported")) == 2)

    # The watch unplugged, then plugged in again holding one more run.
    shutil.rmtree(tmp_path / "GARMIN")
    wait_for(lambda: len(log.kinds("gone")) == 1)
    usb.mkdir(parents=True)
    shutil.copy(RUN_FIT, usb / "RUN.FIT")
    slow_copy(FENIX_RUN, usb / "FENIX.FIT")
    wait_for(lambda: len(log.kinds("imported")) == 3)
    wait_for(lambda: len(log.kinds("scanned")) == 3)

    # A folder of 60 files moved in at once: 30 distinct tracks, each twice (the core's
    # test above drops 200).
    burst = tmp_path / "burst"
    burst.mkdir()
    for i in range(30):
        (burst / f"a-{i:03}.gpx").write_bytes(shifted_gpx(i))
        (burst / f"b-{i:03}.gpx").write_bytes(shifted_gpx(i))
    burst.rename(sync / "burst")  # moved in whole: no event per file
    wait_for(lambda: len(log.kinds("imported")) + len(log.kinds("duplicate")) == 63)

    with open_store(loop_url) as store:
        stored = service.list_activities(store)
    assert len(stored) == 33
    by_file = {a.source_name: a for a in stored}
    for name, source in (("RUN.FIT", RUN_FIT), ("FENIX.FIT", FENIX_RUN)):
        [whole] = read_activities(source.read_bytes())
        assert by_file[name].activity.summary.distance_m == pytest.approx(whole.summary.distance_m)
    assert log.files("failed") == []
    assert len(log.kinds("back")) == 1
