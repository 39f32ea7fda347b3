"""`backstride worker` refuses what it cannot run, in one line."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from backstride.cli.app import app


def test_the_worker_refuses_sqlite_in_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["--db", f"sqlite:///{tmp_path / 's.db'}", "worker"])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert lines[0] == "error: background jobs need PostgreSQL, and the database is sqlite"
    assert lines[1].startswith("hint: ")
    assert "Traceback" not in result.output
    assert not (tmp_path / "s.db").exists()  # refused before anything was opened
