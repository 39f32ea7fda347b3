"""The database and what backstride writes are private, and a database it cannot trust is
refused in one line without being touched (issue 14): new files 0600 in a 0700 folder, a
newer schema named, a damaged file named, and `backstride db check`."""

from __future__ import annotations

import hashlib
import json
import os
import stat
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from backstride.cli.app import app
from backstride.errors import ConfigError
from backstride.store import open_store
from tests.conftest import DATA

RUN = DATA / "fit" / "workoutizer__run_with_coordinates.fit"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _cli(url: str, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["--db", url, *args])
    return result.exit_code, result.stdout, result.stderr


def test_a_new_database_and_its_folder_are_private(tmp_path: Path) -> None:
    db = tmp_path / "new" / "folder" / "backstride.db"
    code, _, _ = _cli(f"sqlite:///{db}", "import", str(RUN))
    assert code == 0
    assert _mode(db) == 0o600
    assert _mode(db.parent) == 0o700
    wal = db.with_name(db.name + "-wal")
    if wal.exists():
        assert _mode(wal) == 0o600


def test_reports_and_calendars_are_written_private(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'r.db'}"
    assert _cli(url, "import", str(RUN))[0] == 0
    report, ics = tmp_path / "report.html", tmp_path / "plan.ics"
    ics.write_text("old")
    os.chmod(ics, 0o644)  # an existing file is made private too
    assert _cli(url, "report", "--format", "html", "-o", str(report))[0] == 0
    assert _cli(url, "plan", "--ics", str(ics))[0] == 0
    assert _mode(report) == 0o600
    assert _mode(ics) == 0o600
    assert ics.read_text().startswith("BEGIN:VCALENDAR")


def test_a_newer_schema_is_named_and_left_alone(tmp_path: Path) -> None:
    db = tmp_path / "newer.db"
    url = f"sqlite:///{db}"
    open_store(url).close()
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '0999'"))
    engine.dispose()
    before = _digest(db)
    with pytest.raises(ConfigError, match="has schema 0999, newer than this backstride knows"):
        open_store(url)
    code, out, err = _cli(url, "status")
    assert code == 1
    assert "newer than this backstride knows" in err
    assert "Traceback" not in out + err
    assert _digest(db) == before


def test_a_damaged_file_is_refused_in_one_line_and_not_written(tmp_path: Path) -> None:
    db = tmp_path / "damaged.db"
    db.write_bytes(b"this is not SQLite " * 300)
    before = _digest(db)
    code, out, err = _cli(f"sqlite:///{db}", "status")
    assert code == 1
    assert "cannot open database" in err
    assert "not a database" in err
    assert "Traceback" not in out + err
    assert _digest(db) == before
    checked = json.loads(_cli(f"sqlite:///{db}", "db", "check", "--json")[1])
    assert checked["ok"] is False
    assert any("not a database" in p for p in checked["problems"])


def test_db_check_passes_a_good_database_and_finds_damaged_pages(tmp_path: Path) -> None:
    db = tmp_path / "check.db"
    url = f"sqlite:///{db}"
    assert _cli(url, "import", str(RUN))[0] == 0
    code, out, _ = _cli(url, "db", "check", "--json")
    good = json.loads(out)
    assert code == 0
    assert good["ok"] is True
    assert good["revision"] == good["head"]
    assert good["problems"] == []
    engine = sa.create_engine(url)  # fold the WAL in, so the pages are in the file
    with engine.begin() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        page = conn.exec_driver_sql("PRAGMA page_size").scalar_one()
        root = conn.exec_driver_sql(
            "SELECT rootpage FROM sqlite_master WHERE name = 'activities'"
        ).scalar_one()
    engine.dispose()
    raw = bytearray(db.read_bytes())
    start = (int(root) - 1) * int(page)
    raw[start : start + 64] = b"\xff" * 64  # the table's root page header
    db.write_bytes(bytes(raw))
    code, out, _ = _cli(url, "db", "check", "--json")
    bad = json.loads(out)
    assert code == 1
    assert bad["ok"] is False
    assert bad["problems"]
    code, out, _ = _cli(url, "db", "check")
    assert code == 1
    assert out.startswith("problem: ")


def test_db_check_does_not_create_a_missing_database(tmp_path: Path) -> None:
    db = tmp_path / "missing.db"
    code, out, _ = _cli(f"sqlite:///{db}", "db", "check")
    assert code == 1
    assert "no database file" in out
    assert not db.exists()
