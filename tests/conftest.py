"""Shared fixtures: paths to real activity files, and the local-only data folder."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

from backstride.model import Activity, Lap, Streams, Summary
from backstride.store import Store
from backstride.units import Channel

ROOT = Path(__file__).resolve().parent.parent
#: Real files under permissive licences, copied into the repository (see NOTICE.md there).
DATA = ROOT / "tests" / "data" / "activities"
#: Real files that may be read but never copied (GPL / FIT licence); absent on some machines.
LOCAL_DATA = ROOT.parent / "shared" / "data" / "activities-local"


def local_file(relative: str) -> Path:
    """Path of a file in shared/data/activities-local; skips the test when it is missing."""
    path = LOCAL_DATA / relative
    if not path.exists():
        pytest.skip(f"local-only test data not present: {path} (see tests/README.md)")
    return path


def local_files(pattern: str) -> list[Path]:
    """Files in shared/data/activities-local matching a glob (empty when the folder is absent)."""
    if not LOCAL_DATA.is_dir():
        return []
    return sorted(LOCAL_DATA.glob(pattern))


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA


# --- databases -------------------------------------------------------------------------------
# The store suite runs on SQLite always and on PostgreSQL whenever a server answers: the local
# one by default, BACKSTRIDE_TEST_DATABASE_URL to point elsewhere. With
# BACKSTRIDE_REQUIRE_POSTGRES=1 (as .ci/run sets it) a missing server fails instead of skipping.

PG_URL = os.environ.get(
    "BACKSTRIDE_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
_pg_problem: list[str | None] = []


def postgres_problem() -> str | None:
    """Why PostgreSQL cannot be used for tests, or None when a server answers (cached)."""
    if not _pg_problem:
        import sqlalchemy as sa

        engine = sa.create_engine(PG_URL, connect_args={"connect_timeout": 3})
        try:
            with engine.connect() as conn:
                conn.execute(sa.text("select 1"))
            _pg_problem.append(None)
        except Exception as e:  # any failure to connect means: no usable server
            _pg_problem.append(f"{type(e).__name__}: {str(e).splitlines()[0]}")
        finally:
            engine.dispose()
    return _pg_problem[0]


def require_postgres() -> None:
    """Skip the test without a PostgreSQL server, or fail it when BACKSTRIDE_REQUIRE_POSTGRES
    is 1 (CI)."""
    problem = postgres_problem()
    if problem is not None:
        message = f"no PostgreSQL server answers at {PG_URL} ({problem})"
        if os.environ.get("BACKSTRIDE_REQUIRE_POSTGRES") == "1":
            pytest.fail(message + "; BACKSTRIDE_REQUIRE_POSTGRES=1 makes it mandatory")
        pytest.skip(message)


@contextmanager
def fresh_schemas(prefix: str = "bs_test") -> Iterator[Callable[[], str]]:
    """Makes fresh, empty PostgreSQL schemas: each call one, its URL (the search path set
    to it); every schema made is dropped when the block ends."""
    require_postgres()
    import sqlalchemy as sa

    admin = sa.create_engine(PG_URL)
    made: list[str] = []
    separator = "&" if "?" in PG_URL else "?"

    def new() -> str:
        schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
        with admin.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        made.append(schema)
        return f"{PG_URL}{separator}options=-csearch_path%3D{schema}"

    try:
        yield new
    finally:
        with admin.begin() as conn:
            for schema in made:
                conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A URL to a fresh, empty PostgreSQL schema of its own, dropped afterwards."""
    with fresh_schemas() as new:
        yield new()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each store test runs once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    """An opened, migrated store (either backend)."""
    from backstride.store import open_store

    with open_store(database_url, upgrade_schema=True) as opened:
        yield opened


def make_activity(
    *,
    sport: str = "running",
    start: str = "2026-03-01T07:00:00+00:00",
    seconds: int = 1800,
    speed_mps: float = 3.0,
    source_format: str = "fit",
    with_hr: bool = True,
    laps: int = 1,
    session_index: int = 0,
    utc_offset_s: int | None = 3600,
) -> Activity:
    """A synthetic activity built the way a device records one: 1 Hz samples, laps, totals."""
    from datetime import datetime, timedelta

    start_at = datetime.fromisoformat(start)
    t = np.arange(seconds + 1, dtype=np.float64)
    channels = {
        Channel.DISTANCE_M: t * speed_mps,
        Channel.SPEED_MPS: np.full_like(t, speed_mps),
        Channel.CADENCE_SPM: np.full_like(t, 170.0),
    }
    if with_hr:
        channels[Channel.HEART_RATE_BPM] = 120 + 30 * t / seconds
    lap_len = seconds / laps
    lap_list = tuple(
        Lap(
            start_at=start_at + timedelta(seconds=i * lap_len),
            elapsed_s=lap_len,
            timer_s=lap_len,
            distance_m=lap_len * speed_mps,
            avg_hr_bpm=135.0 if with_hr else None,
            avg_cadence_spm=170.0,
            intensity="active",
        )
        for i in range(laps)
    )
    return Activity(
        sport=sport,
        start_at=start_at,
        utc_offset_s=utc_offset_s,
        source_format=source_format,  # type: ignore[arg-type]
        summary=Summary(
            elapsed_s=float(seconds),
            timer_s=float(seconds),
            distance_m=seconds * speed_mps,
            avg_speed_mps=speed_mps,
            avg_hr_bpm=135.0 if with_hr else None,
            avg_cadence_spm=170.0,
        ),
        streams=Streams(elapsed_s=t, channels=channels),
        laps=lap_list,
        session_index=session_index,
        device="synthetic",
    )
