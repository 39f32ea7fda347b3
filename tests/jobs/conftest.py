"""Shared by the job tests: stores on fresh PostgreSQL schemas, ``backstride worker``
processes, and the store's content to compare with a clean import."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from backstride.store import Store, open_store
from tests.conftest import DATA

SRC = Path(__file__).resolve().parents[2] / "src"
#: Real files of distinct activities (no twins among them), small enough to import fast.
FILES = [
    DATA / "fit" / "workoutizer__run_with_coordinates.fit",
    DATA / "fit" / "fitparse__garmin-fenix-5-run.fit",
    DATA / "fit" / "fitparse__garmin-fenix-5-walk.fit",
    DATA / "fit" / "fitparse__garmin-fenix-5-bike.fit",
    DATA / "fit" / "sweatpy__6471559601_ACTIVITY.fit",
    DATA / "fit" / "workoutizer__with_nones.fit",
    DATA / "gpx" / "gpxpy__cerknicko-jezero.gpx",
    DATA / "gpx" / "workoutizer__example.gpx",
    DATA / "tcx" / "tcxparser__test.tcx",
]


def snapshot(store: Store) -> list[tuple[Any, ...]]:
    """What an import stored, without ids or times of import: each activity's start, sport,
    distance, duration, laps and a hash of its streams blob; sorted, so an activity stored
    twice shows twice."""
    with store.engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "select a.start_at, a.sport, a.distance_m, a.elapsed_s, "
                " (select count(*) from laps l where l.activity_id = a.id), "
                " (select md5(s.data) from streams s where s.activity_id = a.id), "
                " (select count(*) from activity_sources x where x.activity_id = a.id) "
                "from activities a"
            )
        ).all()
    return sorted(
        (str(r[0]), r[1], round(r[2] or 0, 3), round(r[3], 3), r[4], r[5], r[6]) for r in rows
    )


def count(store: Store, sql: str) -> Any:
    with store.engine.connect() as conn:
        return conn.execute(sa.text(sql)).scalar_one()


class Workers:
    """``backstride worker`` processes on one database, stopped at the end of the test."""

    def __init__(self, url: str, folder: Path) -> None:
        self.url = url
        self.folder = folder
        self.procs: list[subprocess.Popen[str]] = []

    def start(self, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
        with (self.folder / f"worker-{len(self.procs)}.log").open("w") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "backstride", "--db", self.url, "worker", *args],
                stdout=log,
                stderr=subprocess.STDOUT,
                text=True,
                env={
                    **os.environ,
                    "PYTHONPATH": str(SRC),
                    "BACKSTRIDE_JOBS": "1",
                    **(env or {}),
                },
            )
        self.procs.append(proc)
        return proc

    def log(self, proc: subprocess.Popen[str]) -> str:
        return (self.folder / f"worker-{self.procs.index(proc)}.log").read_text()

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture
def workers(jobs_url: str, tmp_path: Path) -> Iterator[Workers]:
    started = Workers(jobs_url, tmp_path)
    try:
        yield started
    finally:
        started.stop_all()


def wait_for(check: Callable[[], Any], timeout: float = 30.0, every: float = 0.1) -> Any:
    """Poll ``check`` until it returns something true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"not within {timeout} s: {check}")


# -- databases: two migrated schemas for the whole session, emptied before each test ------------
# (migrating a new schema takes seconds; emptying one, milliseconds)


def _schema() -> Iterator[str]:
    from tests.conftest import fresh_schemas

    with fresh_schemas() as new:
        url = new()
        open_store(url, upgrade_schema=True).close()
        yield url


def _emptied(url: str) -> str:
    """Every table of the schema emptied (ids from 1 again), the schema itself kept."""
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            tables = [t for t in sa.inspect(conn).get_table_names() if t != "alembic_version"]
            conn.execute(sa.text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    finally:
        engine.dispose()
    return url


@pytest.fixture(scope="session")
def _jobs_schema() -> Iterator[str]:
    yield from _schema()


@pytest.fixture(scope="session")
def _clean_schema() -> Iterator[str]:
    yield from _schema()


@pytest.fixture
def jobs_url(_jobs_schema: str) -> str:
    """A migrated PostgreSQL schema (the queue's tables included), empty."""
    return _emptied(_jobs_schema)


@pytest.fixture
def pg_store(jobs_url: str) -> Iterator[Store]:
    with open_store(jobs_url) as store:
        yield store


@pytest.fixture
def clean_store(_clean_schema: str) -> Iterator[Store]:
    """A second store, empty, on a schema of its own: where a clean serial import goes."""
    with open_store(_emptied(_clean_schema)) as store:
        yield store
