"""``backstride server``: PostgreSQL only (SQLite refused in one line), the host names it
answers said, and a real server process answering with its sign-in page (issue 17)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from typer.testing import CliRunner

from backstride.cli.app import app as cli_app
from backstride.store import open_store

SRC = Path(__file__).resolve().parents[3] / "src"


def test_sqlite_is_refused_in_one_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    result = CliRunner().invoke(cli_app, ["--db", url, "server", "--allowed-host", "a.test"])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert lines[0].startswith("error: the clinic server needs PostgreSQL"), result.output
    assert lines[1].startswith("hint: pass --db postgresql+psycopg://")
    assert len(lines) == 2
    assert not (tmp_path / "x.db").exists()  # nothing opened or created


def test_the_host_names_must_be_said(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BACKSTRIDE_ALLOWED_HOSTS", raising=False)
    url = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    result = CliRunner().invoke(cli_app, ["--db", url, "server"])
    assert result.exit_code == 2
    assert "--allowed-host" in result.output


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str, host: str) -> tuple[int, dict[str, str]]:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(url, headers={"Host": host})
    try:
        with opener.open(request, timeout=5) as response:
            return response.status, dict(response.headers)
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers)


@pytest.mark.postgres
def test_a_server_process_answers_its_hosts_only(postgres_url: str, tmp_path: Path) -> None:
    with open_store(postgres_url, upgrade_schema=True):
        pass
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(SRC), "BACKSTRIDE_ALLOWED_HOSTS": "clinic.test"}
    log = tmp_path / "server.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "backstride", "--db", postgres_url, "server",
             "--port", str(port), "--workers", "2"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                status, headers = _get(base + "/login", "clinic.test")
                break
            except OSError:
                assert process.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.3)
        assert status == 200
        assert headers["strict-transport-security"].startswith("max-age=")
        status, headers = _get(base + "/", "clinic.test")
        assert (status, headers["location"]) == (303, "/login")
        assert _get(base + "/login", "evil.test")[0] == 400
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
