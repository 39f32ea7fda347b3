"""A killed import leaves a consistent store, and running it again finishes the job."""

from __future__ import annotations

import gzip
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from backstride import service
from backstride.store import open_store, transaction
from tests.archives import StravaRowSpec, start_of, strava_csv, strava_date
from tests.conftest import DATA, ROOT


def _activity_count(url: str) -> int:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(sa.text("select count(*) from activities")).scalar_one())
    finally:
        engine.dispose()


def _assert_consistent(url: str) -> None:
    """Every stored activity is whole: its laps, its streams and its source are all there."""
    with open_store(url, upgrade_schema=True) as store:
        with transaction(store) as conn:
            bad_laps = conn.execute(
                sa.text(
                    "select a.id from activities a where a.lap_count != "
                    "(select count(*) from laps l where l.activity_id = a.id)"
                )
            ).all()
            bad_streams = conn.execute(
                sa.text(
                    "select a.id from activities a where a.sample_count > 0 and not exists "
                    "(select 1 from streams s where s.activity_id = a.id)"
                )
            ).all()
            sourceless = conn.execute(
                sa.text(
                    "select a.id from activities a where not exists "
                    "(select 1 from activity_sources s where s.activity_id = a.id)"
                )
            ).all()
    assert (bad_laps, bad_streams, sourceless) == ([], [], [])


def _strava_archive_of_fit_folder(tmp_path: Path) -> Path:
    """Every real FIT file as a Strava bulk export (gzipped members, activities.csv)."""
    rows, members = [], {}
    for n, path in enumerate(sorted((DATA / "fit").glob("*.fit"))):
        member = f"activities/{5000 + n}.fit.gz"
        members[member] = gzip.compress(path.read_bytes())
        rows.append(StravaRowSpec(str(n), strava_date(start_of(path)), path.stem, "Run", member))
    archive = tmp_path / "export_1.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("activities.csv", strava_csv(rows))
        for member, data in members.items():
            z.writestr(member, data)
    return archive


@pytest.mark.slow
@pytest.mark.parametrize("what", ["folder", "strava-archive"])
def test_sigkill_mid_import_then_rerun_gives_the_same_store(
    database_url: str, tmp_path: Path, what: str
) -> None:
    folder = DATA / "fit" if what == "folder" else _strava_archive_of_fit_folder(tmp_path)
    open_store(database_url, upgrade_schema=True).close()  # PostgreSQL is upgraded on request
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    command = [sys.executable, "-m", "backstride", "--db", database_url, "import", str(folder)]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 120
        while _activity_count(database_url) < 3:
            assert process.poll() is None, "the import ended before it could be killed"
            assert time.monotonic() < deadline, "the import stored nothing within 120 s"
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    stored_when_killed = _activity_count(database_url)
    assert 3 <= stored_when_killed

    _assert_consistent(database_url)
    with open_store(database_url, upgrade_schema=True) as store:
        rerun = service.import_paths(store, [folder])
        resumed = sorted(
            (a.activity.start_at, a.activity.sport) for a in service.list_activities(store)
        )
    assert rerun.duplicates >= stored_when_killed
    _assert_consistent(database_url)

    with open_store(f"sqlite:///{tmp_path / 'clean.db'}") as clean:
        service.import_paths(clean, [folder])
        expected = sorted(
            (a.activity.start_at, a.activity.sport) for a in service.list_activities(clean)
        )
    assert resumed == expected
