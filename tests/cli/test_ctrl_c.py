"""Ctrl-C at any moment is quiet (issue 18): no traceback, exit status 130, at most one line.

The commands run as the installed script runs them (a script calling
``backstride.cli.entry:main``, as pip writes it) and get SIGINT after a range of delays:
while Python imports backstride, while the store opens (and migrates), while the command
works, and after it has finished (exit 0 then).

Before backstride's first line runs, Python itself handles SIGINT (it may even be too early
for Python's own handler, and the signal ends the process): those runs are told apart by
having no backstride frame in their output, and the test insists that enough runs reached
backstride to prove the point.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import backstride
from tests.cli_runs import database_with_a_run
from tests.conftest import DATA

SRC = Path(backstride.__file__).resolve().parents[1]
PACKAGE = str(Path(backstride.__file__).resolve().parent)

# What pip writes for [project.scripts] backstride = "backstride.cli.entry:main".
CONSOLE_SCRIPT = """\
import re
import sys
from backstride.cli.entry import main
if __name__ == '__main__':
    sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])
    sys.exit(main())
"""

DELAYS = (0.01, 0.05, 0.1, 0.2, 0.3, 0.5, 0.8, 1.2, 2.0)


def interrupted_at(script: Path, args: list[str], delay: float) -> tuple[int, str]:
    process = subprocess.Popen(
        [sys.executable, str(script), *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin", "COLUMNS": "100"},
    )
    time.sleep(delay)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)
    return process.returncode, err


def check_quiet(runs: list[tuple[float, int, str]]) -> None:
    reached = 0
    for delay, code, err in runs:
        where = f"SIGINT after {delay} s: exit {code}\n{err}"
        if (
            code == -signal.SIGINT
            or (code == 1 and "Fatal Python error" in err)
            # Python finding the script's folder for sys.path prints the KeyboardInterrupt
            # and goes on (then the command runs to its end).
            or err.startswith("Failed checking if argv[0] is an import path entry")
        ):
            # Python's start-up, before any backstride code ran: no frame of ours.
            assert f'File "{PACKAGE}' not in err, where
            continue
        assert "Traceback" not in err, where
        assert "Aborted" not in err, where
        assert code in (130, 0), where
        if code == 130:
            # What the command printed before, then at most the one line.
            assert err.count("interrupted") <= 1, where
            reached += 1
    assert reached >= 2, "\n".join(f"{d} s: {c} {e!r}" for d, c, e in runs)


@pytest.fixture
def script(tmp_path: Path) -> Path:
    path = tmp_path / "console_script.py"
    path.write_text(CONSOLE_SCRIPT)
    return path


@pytest.mark.slow
def test_ctrl_c_during_status_is_quiet(tmp_path: Path, script: Path) -> None:
    url = database_with_a_run(tmp_path)
    runs = []
    for delay in DELAYS:
        # --debug: computed every time. A run that ended well would keep its output, and the
        # later ones would replay it in a few milliseconds (cli/instant.py), before any
        # SIGINT: they would test nothing.
        code, err = interrupted_at(script, ["--debug", "--db", url, "status"], delay)
        runs.append((delay, code, err))
    check_quiet(runs)


@pytest.mark.slow
def test_ctrl_c_during_an_import_is_quiet(tmp_path: Path, script: Path) -> None:
    files = [str(p) for p in sorted((DATA / "fit").glob("*.fit"))[:6]]
    # Files that all import, so a run that finished before the signal exits 0 (a file that
    # fails would make it 1, which says nothing about Ctrl-C).
    files += [
        str(DATA / "gpx" / name)
        for name in ("gpxpy__cerknicko-jezero.gpx", "gpxpy__korita-zbevnica.gpx")
    ]
    runs = []
    for delay in DELAYS:
        url = f"sqlite:///{tmp_path / f'store-{delay}.db'}"  # a new store: migrated first
        code, err = interrupted_at(script, ["--db", url, "import", *files], delay)
        runs.append((delay, code, err))
    check_quiet(runs)


# A Ctrl-C that lands while the garbage collector runs a callback (SQLAlchemy's event
# registry has such weakref callbacks): the one place Python swallows the KeyboardInterrupt.
IN_A_CALLBACK = """\
import os, signal, time, weakref
from backstride.cli import entry
signal.signal(signal.SIGINT, entry._interrupt)  # as main() sets it while a command runs
class Thing:
    pass
def callback(_ref):
    os.kill(os.getpid(), signal.SIGINT)
    time.sleep(2)  # the handler runs here, inside the callback
thing = Thing()
ref = weakref.ref(thing, callback)
del thing
print("the command went on")
"""


def test_ctrl_c_inside_a_garbage_collector_callback_ends_quietly() -> None:
    done = subprocess.run(
        [sys.executable, "-c", IN_A_CALLBACK],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin"},
    )
    assert (done.returncode, done.stderr, done.stdout) == (130, "interrupted\n", "")
