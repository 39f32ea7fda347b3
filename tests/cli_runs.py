"""A database with one real run imported, and the CLI invoked on it: shared by the diary
and screen tests (each declares its ``db`` fixture with :func:`database_with_a_run`); and
``backstride`` run as a process of its own, reporting the modules it imported
(:func:`process`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner, Result

from backstride.cli.app import app
from tests.conftest import DATA

RUN = DATA / "fit" / "workoutizer__run_with_coordinates.fit"  # a run on 2020-12-10, id 1
SRC = Path(__file__).resolve().parents[1] / "src"
#: A bare environment: this checkout's sources, a fixed width and time zone.
PROCESS_ENV = {"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin", "COLUMNS": "100", "TZ": "UTC"}


def process(
    *args: str,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    stdout: int = subprocess.PIPE,
) -> tuple[set[str], subprocess.CompletedProcess[str]]:
    """``backstride ARGS`` started as the console script starts it, in a process of its own:
    the modules it had imported when it exited (from its last stderr line), and the run
    (that line taken off its stderr)."""
    program = (
        "import atexit, sys\n"
        "def report():\n"
        "    sys.__stderr__.write('\\nMODULES ' + ' '.join(sorted(sys.modules)) + '\\n')\n"
        "atexit.register(report)\n"
        f"sys.argv = ['backstride', *{list(args)!r}]\n"
        "from backstride.cli.entry import main\n"
        "main()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program],
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
        cwd=cwd,
        env={**PROCESS_ENV, **(env or {})},
    )
    err, _, modules = done.stderr.rpartition("\nMODULES ")
    done.stderr = err
    return set(modules.split()), done


def database_with_a_run(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'run.db'}"
    CliRunner().invoke(app, ["--db", url, "import", str(RUN)])
    return url


def cli(db: str, *args: str) -> Result:
    return CliRunner().invoke(app, ["--db", db, *args])
