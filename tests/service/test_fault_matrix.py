"""The fault matrix of issue 14, on SQLite and PostgreSQL: re-imports of every archive kind in
both orders, concurrent imports of overlapping files and archives (separate processes),
concurrent first opens of new and old-schema databases, and commits that fail.

Every concurrent outcome is compared with a serial import of the same inputs: the same
activity rows (start, sport, distance), no twin stored twice, and the reports' counts adding
up to what is stored. Bounded: about 30 s on a quiet 2-core machine for both databases.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import uuid
import zipfile
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection as Pipe
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from typer.testing import CliRunner

from backstride import service
from backstride.cli.app import app
from backstride.model import ImportReport
from backstride.store import open_store
from backstride.store.db import _alembic_config, current_revision, head_revision
from tests.archives import build_garmin_archive, build_strava_archive
from tests.conftest import DATA, ROOT, fresh_schemas

RUN_FIT = DATA / "fit" / "fit-parser-js__running-with-developer-data.fit"
"""In the Strava export (gzipped) and in the Garmin export: the watch file of the same run."""
RIDE_FIT = DATA / "fit" / "sweatpy__4801048867.fit"
SMALL_RUN = DATA / "fit" / "fitparse__activity-small-fenix2-run.fit"
#: The standard Strava fixture's intentionally bad rows (a missing and a broken file).
BAD_STRAVA_MEMBERS = {"activities/444.fit.gz", "activities/555.fit.gz"}

_fork = multiprocessing.get_context("fork")


# -- inputs --------------------------------------------------------------------------------


def _strava_without(zip_path: Path, folder: Path, rows: dict[str, str]) -> Path:
    """The standard Strava export unpacked into ``folder`` without some rows (activity id
    -> its member, or "" for a row whose member is missing anyway)."""
    with zipfile.ZipFile(zip_path) as z:
        z.extractall(folder)
    csv_path = folder / "activities.csv"
    text = csv_path.read_bytes().decode("utf-8-sig")
    for activity_id, member in rows.items():  # these rows are one line each
        start = text.index(f"\n{activity_id},") + 1
        text = text[:start] + text[text.index("\n", start) + 1 :]
        if member:
            (folder / member).unlink()
    csv_path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    return folder


def _zipped(folder: Path, path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        for file in sorted(folder.rglob("*")):
            if file.is_file():
                z.write(file, file.relative_to(folder).as_posix())
    return path


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("fault-matrix")
    strava_zip = build_strava_archive(folder).path
    # Light: without the TCX walk, which takes most of the standard export's decoding time.
    light = _strava_without(strava_zip, folder / "light", {"9003": "activities/222.tcx.gz"})
    return {
        "strava-zip": strava_zip,
        # Clean: without the standard export's two intentionally bad rows.
        "strava-folder": _strava_without(
            strava_zip, folder / "strava-unpacked", {"9006": "", "9007": "activities/555.fit.gz"}
        ),
        "garmin-zip": build_garmin_archive(folder),
        "light-strava-zip": _zipped(light, folder / "export_light.zip"),
        "run-fit": RUN_FIT,
        "ride-fit": RIDE_FIT,
        "small-run-fit": SMALL_RUN,
    }


# -- databases -----------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def new_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], str]]:
    """Makes fresh, empty databases of one kind (a file not there yet, or an empty schema)."""
    if request.param == "sqlite":
        yield lambda: f"sqlite:///{tmp_path / uuid.uuid4().hex[:8] / 'store.db'}"
        return
    with fresh_schemas("bs_fault") as new:
        yield new


def _migrated(url: str) -> str:
    open_store(url, upgrade_schema=True).close()
    return url


Row = tuple[str, str, int]


def _rows(url: str) -> list[Row]:
    """The stored activities as (start, sport, distance in m), sorted: a multiset, so an
    activity stored twice shows as two rows."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            found = conn.execute(
                sa.text("select start_at, sport, distance_m from activities")
            ).all()
    finally:
        engine.dispose()
    return sorted((str(r[0])[:19], r[1], round(r[2] or 0)) for r in found)


def _scalar(url: str, sql: str) -> Any:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(sql)).scalar_one()
    finally:
        engine.dispose()


def _bad(report: ImportReport) -> set[str]:
    """The failures as member or file names."""
    return {f.path.split(":", 1)[-1] for f in report.failed}


# -- re-imports ----------------------------------------------------------------------------


def _cli_import(url: str, *paths: Path) -> tuple[int, dict[str, Any]]:
    import json

    result = CliRunner().invoke(app, ["--db", url, "import", "--json", *map(str, paths)])
    return result.exit_code, json.loads(result.stdout)


@pytest.mark.parametrize("order", ["strava-first", "garmin-first"])
def test_every_archive_kind_twice_in_both_orders(
    new_database: Callable[[], str], inputs: dict[str, Path], order: str
) -> None:
    url = _migrated(new_database())
    kinds = ["strava-zip", "strava-folder", "garmin-zip"]
    if order == "garmin-first":
        kinds.reverse()
    first: dict[str, dict[str, Any]] = {}
    for kind in kinds:
        code, report = _cli_import(url, inputs[kind])
        failed = {f["path"].split(":", 1)[-1] for f in report["failed"]}
        expected = BAD_STRAVA_MEMBERS if kind == "strava-zip" else set()
        assert (code, failed) == (1 if expected else 0, expected), (kind, report["failed"])
        assert not any("unexpected" in f["error"] for f in report["failed"])
        first[kind] = report
    stored = _rows(url)
    for kind in kinds:  # again: nothing new, the same failures, every duplicate matched
        code, report = _cli_import(url, inputs[kind])
        assert code == (1 if first[kind]["failed"] else 0)
        assert report["failed"] == first[kind]["failed"]
        assert report["imported"] == 0
        assert report["duplicates"] == len(report["matches"]) > 0
        assert {m["reason"] for m in report["matches"]} == {"same file"}
    assert _rows(url) == stored
    # Either order stores the same activities: those of a serial import of everything.
    reference = _migrated(new_database())
    with open_store(reference) as store:
        service.import_paths(store, [inputs[k] for k in reversed(kinds)])
    assert _rows(reference) == stored


def test_a_twin_says_which_activity_it_matched_and_why(
    new_database: Callable[[], str], inputs: dict[str, Path]
) -> None:
    url = _migrated(new_database())
    code, loose = _cli_import(url, RUN_FIT)
    [run_id] = loose["activity_ids"]
    code, report = _cli_import(url, inputs["garmin-zip"])
    assert code == 0
    [match] = [m for m in report["matches"] if m["activity_id"] == run_id]
    assert match["source"].endswith("14211916346_ACTIVITY.fit")
    assert match["reason"] == "same file"  # the same bytes inside the archive
    code, report = _cli_import(url, inputs["strava-folder"])
    [match] = [m for m in report["matches"] if m["activity_id"] == run_id]
    assert match["reason"] in (
        "same file",
        "twin: start within 60 s, same sport family, distance within 5 %",
    )
    text = CliRunner().invoke(app, ["--db", url, "import", str(inputs["strava-folder"])])
    assert f"activity {run_id}, " in text.stdout
    assert "duplicate: " in text.stdout


# -- concurrent imports --------------------------------------------------------------------


def _import_in_child(url: str, paths: list[Path], barrier: Any, out: Pipe) -> None:
    try:
        barrier.wait(timeout=30)
        with open_store(url, upgrade_schema=True) as store:
            report = service.import_paths(store, paths)
        out.send((report.imported, report.duplicates, [(f.path, f.error) for f in report.failed]))
    except BaseException as e:  # reported to the parent, which fails the test with it
        out.send(("crashed", f"{type(e).__name__}: {e}"))


def _run_concurrently(url: str, plans: list[list[Path]]) -> list[Any]:
    barrier = _fork.Barrier(len(plans))
    pipes, children = [], []
    for paths in plans:
        receive, send = _fork.Pipe(duplex=False)
        child = _fork.Process(target=_import_in_child, args=(url, paths, barrier, send))
        child.start()
        pipes.append(receive)
        children.append(child)
    results = [pipe.recv() if pipe.poll(120) else ("crashed", "no answer") for pipe in pipes]
    for child in children:
        child.join(30)
    return results


def _emptied(url: str) -> str:
    """The database at ``url`` with every row deleted, its schema kept (a PostgreSQL schema is
    cheaper to empty than to migrate anew)."""
    from backstride.store.schema import metadata

    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
            conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    finally:
        engine.dispose()
    return url


def test_concurrent_imports_of_overlapping_files_equal_a_serial_import(
    new_database: Callable[[], str], inputs: dict[str, Path], tmp_path: Path
) -> None:
    pool = [inputs["light-strava-zip"], inputs["garmin-zip"], RUN_FIT, SMALL_RUN]
    reference = _migrated(new_database())
    with open_store(reference) as store:
        service.import_paths(store, pool)
    expected = _rows(reference)
    assert len(expected) == len(set(expected)) == 8
    randomly = random.Random(14)
    shared = _migrated(new_database())
    for round_ in range(20):
        count = 2 + round_ % 3
        if round_ % 5 == 0:
            # The race: a watch file and the Strava export holding its run, at once.
            plans = [[RUN_FIT], [pool[0]], [inputs["garmin-zip"], SMALL_RUN]]
        else:
            # Each input to one or two of the processes, each process's in a random order.
            plans = [[] for _ in range(count)]
            for item in pool:
                for index in randomly.sample(range(count), randomly.randint(1, 2)):
                    plans[index].append(item)
            plans = [randomly.sample(plan, len(plan)) for plan in plans if plan]
        if not shared.startswith("sqlite"):
            url = _emptied(shared)  # no athlete row yet: the importers create it at once
        elif round_ % 2 == 1:
            url = new_database()  # a new file, first opened and migrated by the importers
        else:
            path = tmp_path / f"round-{round_}.db"
            shutil.copyfile(shared.removeprefix("sqlite:///"), path)
            url = f"sqlite:///{path}"
        results = _run_concurrently(url, plans)
        crashed = [r for r in results if r[0] == "crashed"]
        assert crashed == [], (round_, crashed)
        for _imported, _duplicates, failed in results:
            assert {path.split(":", 1)[-1] for path, _ in failed} <= BAD_STRAVA_MEMBERS, failed
        assert _rows(url) == expected, (round_, [[p.name for p in plan] for plan in plans])
        # Truthful counts: every stored activity was counted imported by exactly one process.
        assert sum(r[0] for r in results) == len(expected)


def test_concurrent_cli_imports_equal_a_serial_import(
    new_database: Callable[[], str], inputs: dict[str, Path]
) -> None:
    """The same through `backstride --db URL import`: a watch file and the Strava export
    holding its run, imported at once."""
    reference = _migrated(new_database())
    with open_store(reference) as store:
        service.import_paths(store, [RUN_FIT, inputs["light-strava-zip"]])
    url = _migrated(new_database())
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    plans = [[RUN_FIT], [inputs["light-strava-zip"]]]
    children = [
        subprocess.Popen(
            [sys.executable, "-m", "backstride", "--db", url, "import", "--json", "--jobs", "1"]
            + [str(p) for p in plan],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for plan in plans
    ]
    outcomes = [child.communicate(timeout=120) for child in children]
    for child, (out, err) in zip(children, outcomes, strict=True):
        assert child.returncode in (0, 1), err.decode()
        assert b"unexpected" not in out, out.decode()
    assert _rows(url) == _rows(reference)


# -- concurrent first opens ----------------------------------------------------------------


def _open_in_child(url: str, barrier: Any, out: Pipe) -> None:
    try:
        barrier.wait(timeout=30)
        open_store(url, upgrade_schema=True).close()
        out.send("ok")
    except BaseException as e:
        out.send(f"{type(e).__name__}: {e}")


def _at_revision(url: str, revision: str) -> str:
    """A database whose schema stopped at ``revision`` (an older backstride made it)."""
    from backstride.store.db import create_engine

    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            command.upgrade(_alembic_config(conn), revision)
    finally:
        engine.dispose()
    return url


@pytest.mark.parametrize("schema", ["new", "0005"])
def test_concurrent_first_opens_migrate_once(new_database: Callable[[], str], schema: str) -> None:
    for _ in range(3):
        url = new_database()
        if schema != "new":
            _at_revision(url, schema)
        barrier = _fork.Barrier(4)
        pipes, children = [], []
        for _ in range(4):
            receive, send = _fork.Pipe(duplex=False)
            child = _fork.Process(target=_open_in_child, args=(url, barrier, send))
            child.start()
            pipes.append(receive)
            children.append(child)
        results = [pipe.recv() if pipe.poll(60) else "no answer" for pipe in pipes]
        for child in children:
            child.join(30)
        assert results == ["ok"] * 4
        engine = sa.create_engine(url)
        try:
            assert current_revision(engine) == head_revision()
        finally:
            engine.dispose()
        assert _scalar(url, "select count(*) from alembic_version") == 1


# -- failing commits -----------------------------------------------------------------------


def _disk_full(dialect: str) -> BaseException:
    if dialect == "sqlite":
        return sqlite3.OperationalError("database or disk is full")
    import psycopg

    return psycopg.errors.DiskFull("could not extend file: No space left on device")


@pytest.mark.parametrize("fault", ["one-commit", "every-commit-from-then-on"])
def test_a_failed_commit_fails_its_file_and_the_counts_match_the_store(
    new_database: Callable[[], str],
    inputs: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
    fault: str,
) -> None:
    url = _migrated(new_database())
    pool = [inputs["strava-folder"], inputs["garmin-zip"], RIDE_FIT, SMALL_RUN]
    with open_store(url) as store:
        dialect = store.engine.dialect
        real_commit, real_rollback = dialect.do_commit, dialect.do_rollback
        commits, wrote = [0], [False]

        @sa.event.listens_for(store.engine, "before_cursor_execute")
        def _writes(_c: Any, _cur: Any, statement: str, *_args: Any) -> None:
            if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
                wrote[0] = True

        def commit(dbapi_connection: Any) -> None:
            # A full disk refuses the commits that write, not those that only read.
            if wrote[0]:
                wrote[0] = False
                commits[0] += 1
                # The first writing commit is the Strava gear's; the next ones store
                # activities (a batch of whole files each, service.storing.Writer).
                if commits[0] == 2 or (fault != "one-commit" and commits[0] > 2):
                    real_rollback(dbapi_connection)
                    raise _disk_full(dialect.name)
            real_commit(dbapi_connection)

        def rollback(dbapi_connection: Any) -> None:
            wrote[0] = False
            real_rollback(dbapi_connection)

        monkeypatch.setattr(dialect, "do_commit", commit)
        monkeypatch.setattr(dialect, "do_rollback", rollback)
        report = service.import_paths(store, pool)
        monkeypatch.undo()
        sa.event.remove(store.engine, "before_cursor_execute", _writes)
    stored = _scalar(url, "select count(*) from activities")
    assert report.failed, "the fault should have failed a file"
    assert all("not stored, the database refused the write" in f.error for f in report.failed)
    assert not any("unexpected" in f.error for f in report.failed)
    assert report.imported == stored == len(report.activity_ids)
    assert stored == len(set(report.activity_ids))
    # Run again without the fault: the rest is imported, and the store is the serial one.
    with open_store(url) as store:
        again = service.import_paths(store, pool)
    assert again.failed == []
    assert report.imported + again.imported == _scalar(url, "select count(*) from activities")
    reference = _migrated(new_database())
    with open_store(reference) as store:
        service.import_paths(store, pool)
    assert _rows(url) == _rows(reference)


def test_a_full_sqlite_file_fails_files_and_the_counts_match_the_store(tmp_path: Path) -> None:
    """A real full disk: SQLite's max_page_count stops the file growing mid-import."""
    url = _migrated(f"sqlite:///{tmp_path / 'full.db'}")
    with open_store(url) as store:
        with store.engine.connect() as conn:
            pages = int(conn.exec_driver_sql("PRAGMA page_count").scalar_one())

        @sa.event.listens_for(store.engine, "connect")
        def _limit(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.execute(f"PRAGMA max_page_count={pages + 40}")

        store.engine.dispose()  # reconnect with the limit
        report = service.import_paths(store, [DATA / "fit"])
    stored = _scalar(url, "select count(*) from activities")
    assert report.failed
    assert stored > 0
    assert any("database or disk is full" in f.error for f in report.failed), report.failed
    assert report.imported == stored == len(report.activity_ids)
    shutil.rmtree(tmp_path, ignore_errors=True)
