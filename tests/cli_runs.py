"""A database with one real run imported, and the CLI invoked on it: shared by the diary
and screen tests (each declares its ``db`` fixture with :func:`database_with_a_run`)."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner, Result

from backstride.cli.app import app
from tests.conftest import DATA

RUN = DATA / "fit" / "workoutizer__run_with_coordinates.fit"  # a run on 2020-12-10, id 1


def database_with_a_run(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'run.db'}"
    CliRunner().invoke(app, ["--db", url, "import", str(RUN)])
    return url


def cli(db: str, *args: str) -> Result:
    return CliRunner().invoke(app, ["--db", db, *args])
