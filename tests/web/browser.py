"""Debian's chromium driven by Playwright, for the browser tests of this folder: the
constants, the check that it is there, and the fixtures (uvicorn in a thread on a copy of
the demo store, one chromium per module refusing every request outside 127.0.0.1, a tab
that fails its test on any script error). tests/web/conftest.py registers the fixtures."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from backstride.config import Settings
from backstride.web import create_app
from tests.conftest import ROOT
from tests.web.conftest import DemoStore

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "tests" / "artifacts" / "web"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def _browser_problem() -> str | None:
    if not CHROMIUM.exists():
        return f"no chromium at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def server(demo_db: DemoStore, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """uvicorn in a thread, on a copy of the demo store."""
    import uvicorn

    target = tmp_path_factory.mktemp("browser") / "b.db"
    shutil.copy(demo_db.path, target)
    app = create_app(Settings(database_url=f"sqlite:///{target}", jobs="1"))
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One chromium for the module, with a fresh profile; every request outside 127.0.0.1
    is recorded and refused."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("profile")),
            executable_path=str(CHROMIUM),
            headless=True,
            args=FLAGS,
            viewport=DESKTOP,
        )
        outside: list[str] = []

        def guard(route: Any) -> None:
            url = route.request.url
            if url.startswith("http://127.0.0.1:"):
                route.continue_()
            else:
                outside.append(url)
                route.abort()

        context.route("**/*", guard)
        context.outside = outside  # type: ignore[attr-defined]
        yield context
        context.close()
    assert not outside, f"requests outside 127.0.0.1: {outside}"


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    tab = browser.new_page()
    problems: list[str] = []
    tab.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    tab.on(
        "console", lambda m: problems.append(f"console: {m.text}") if m.type == "error" else None
    )
    tab.problems = problems
    yield tab
    tab.close()
    assert not problems, problems
