"""`backstride watch` from the command line: JSON Lines, Ctrl-C, bad folders (issue 16)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from typer.testing import CliRunner

from backstride.cli.app import app
from tests.conftest import DATA, ROOT

RUN_FIT = DATA / "fit" / "workoutizer__run_with_coordinates.fit"


def _line(process: subprocess.Popen[str], deadline: float) -> dict[str, object]:
    assert process.stdout is not None
    assert time.monotonic() < deadline, "timed out"
    line = process.stdout.readline()
    assert line, "the watch ended early"
    value: dict[str, object] = json.loads(line)
    return value


def test_json_lines_then_ctrl_c_stops_cleanly(tmp_path: Path) -> None:
    folder = tmp_path / "Activity"
    folder.mkdir()
    shutil.copy(RUN_FIT, folder)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    argv = [sys.executable, "-m", "backstride", "--db", f"sqlite:///{tmp_path / 'b.db'}"]
    argv += ["watch", str(folder), "--json", "--settle", "0.2"]
    process = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    try:
        deadline = time.monotonic() + 30
        events = [_line(process, deadline)]
        while events[-1]["event"] != "scanned":
            events.append(_line(process, deadline))
        kinds = [e["event"] for e in events]
        assert kinds == ["watching", "imported", "scanned"]
        imported = events[1]
        assert imported["path"] == str(folder / RUN_FIT.name)
        assert imported["activity_ids"] == [1]
        assert str(imported["at"]).endswith("Z")
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130
    assert "Traceback" not in err
    assert json.loads(out.splitlines()[-1])["event"] == "stopped"


def test_a_file_is_not_a_folder(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["--db", f"sqlite:///{tmp_path / 'b.db'}", "watch", str(RUN_FIT)]
    )
    assert result.exit_code == 2
    assert "not a folder" in result.output


def test_json_lines_carry_the_red_flags_first(tmp_path: Path) -> None:
    from backstride import service
    from backstride.service.clock import local_today
    from backstride.store import open_store
    from tests.rules.screen_vignettes import BLOCKING

    url = f"sqlite:///{tmp_path / 'b.db'}"
    with open_store(url, upgrade_schema=True) as store:
        service.take_screen(store, BLOCKING[0].answers, day=local_today())
    folder = tmp_path / "Activity"
    folder.mkdir()
    shutil.copy(RUN_FIT, folder)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    argv = [sys.executable, "-m", "backstride", "--db", url, "watch", str(folder), "--json"]
    process = subprocess.Popen(
        [*argv, "--settle", "0.2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=env,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        first = _line(process, deadline)
        imported = _line(process, deadline)
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
    for line in (first, imported):
        assert next(iter(line)) == "red_flags"
        assert line["red_flags"]
    assert imported["event"] == "imported"
