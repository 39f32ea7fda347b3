"""A store filled from real device files (the bundled samples, with a short diary and two
pairs of shoes), and dashboard clients over it.

``demo_db`` is built once per session and only read; tests that write get ``db``, a copy.
"""

from __future__ import annotations

import shutil
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from backstride import service
from backstride.config import Settings
from backstride.model import Gear
from backstride.store import open_store
from backstride.web import create_app

with warnings.catch_warnings():
    # starlette's TestClient asks for httpx2, which is not installed; httpx works.
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

BASE = "http://127.0.0.1:8000"


@dataclass(frozen=True)
class DemoStore:
    path: Path
    as_of: date

    @property
    def url(self) -> str:
        return f"sqlite:///{self.path}"


def _fill(folder: Path) -> DemoStore:
    result = service.run_demo(folder)
    with open_store(result.database_url) as store:
        runs = [a for a in service.list_activities(store) if a.activity.sport == "running"]
        service.add_shoe(store, Gear(name="Pegasus", initial_distance_m=470_000.0))
        service.add_shoe(store, Gear(name="Ghost", replace_at_m=600_000.0))
        for run in runs[:-1]:
            service.assign_shoe(store, run.id, "Pegasus")
        service.assign_shoe(store, runs[-1].id, "Ghost")
    return DemoStore(folder / "demo.db", result.status.as_of)


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> DemoStore:
    """The bundled real activities, a pain diary around the newest run, two shoes."""
    return _fill(tmp_path_factory.mktemp("web") / "demo")


@pytest.fixture
def db(demo_db: DemoStore, tmp_path: Path) -> DemoStore:
    """A private copy of the demo store, for tests that write."""
    target = tmp_path / "copy.db"
    shutil.copy(demo_db.path, target)
    return DemoStore(target, demo_db.as_of)


def client_for(url: str, *, proof: bool = True, **kwargs: object) -> TestClient:
    """A client of a new app on ``url``. ``proof``: every request carries the header a
    script of the dashboard sends (``X-Backstride: 1``); without it a write needs the
    form's token (``token_of``)."""
    app = create_app(Settings(database_url=url, jobs="1"), **kwargs)  # type: ignore[arg-type]
    headers = {"x-backstride": "1"} if proof else {}
    return TestClient(app, base_url=BASE, raise_server_exceptions=False, headers=headers)


def token_of(client: TestClient) -> str:
    """The token the app renders into its forms."""
    token: str = client.app.state.csrf_token  # type: ignore[attr-defined]
    return token


@pytest.fixture(scope="session")
def ro_client(demo_db: DemoStore) -> Iterator[TestClient]:
    """A client on the session store: read-only tests only."""
    with client_for(demo_db.url) as c:
        yield c


@pytest.fixture
def client(db: DemoStore) -> Iterator[TestClient]:
    with client_for(db.url) as c:
        yield c


# The browser tests' fixtures (server, browser, page), for every module of this folder.
from tests.web.browser import browser, page, server  # noqa: E402, F401
