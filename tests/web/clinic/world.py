"""One clinic, built once per test module, for the authorization matrix and the security
tests (issue 17): accounts of every role, a real FIT import, a pain diary entry and a
clinician's note per athlete, shares (one revoked), and a signed-in browser per account.

The people:

- ``ana`` (athlete): the athlete who acts; shares with nobody.
- ``sam`` (athlete): shares everything with ``cleo``; had shared with ``rex``, then revoked.
- ``ben`` (athlete): shares with ``spare`` only.
- ``cleo`` (clinician with a share: sam's), ``nina`` (clinician without any share),
  ``rex`` (clinician whose share sam revoked), ``root`` (admin); ``spare`` (a clinician
  ben shares with, whom the write cells share with, disable and enable: nobody acts as it).

Each athlete's data carries markers no other athlete's has: (0) the pain note's words, (1)
the activity's day, (2) the report PDF's bytes, and for sam (3) cleo's note: a page about
one athlete must show none of another's.
"""

from __future__ import annotations

import re
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI

from backstride import service
from backstride.config import Settings
from backstride.model import Account
from backstride.service import accounts, notes, sharing
from backstride.service.clock import local_today
from backstride.store import Store, open_store
from backstride.web import create_app
from backstride.web.sessions import COOKIE
from tests.conftest import fresh_schemas
from tests.web.clinic.conftest import BASE, HOST, PASSWORD, TOKEN, sign_in

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

DATA = Path(__file__).resolve().parents[2] / "data" / "activities" / "fit"
#: One real device file per athlete (small runs, each on a day of its own).
FILES = {
    "ana": DATA / "fitparse__activity-small-fenix2-run.fit",
    "sam": DATA / "fitparse__2013-02-06-12-11-14.fit",
    "ben": DATA / "fit-parser-js__running-with-developer-data.fit",
}
ATHLETES = ("ana", "sam", "ben")
CLINICIANS = ("cleo", "nina", "rex", "spare")
#: The day every diary entry and note is made on (inside any page's default window: today).
TODAY = local_today()


@pytest.fixture(scope="module")
def module_postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL schema for the whole module (the world is built once)."""
    with fresh_schemas() as new:
        yield new()


@dataclass
class Browser:
    """A signed-in test client and the session's CSRF token."""

    client: TestClient
    token: str


@dataclass
class World:
    app: FastAPI
    store: Store
    url: str
    accounts: dict[str, Account] = field(default_factory=dict)
    activity: dict[str, int] = field(default_factory=dict)  # athlete -> an activity id
    markers: dict[str, tuple[str, ...]] = field(default_factory=dict)  # athlete -> markers
    share: dict[str, int] = field(default_factory=dict)  # "sam->cleo" -> share id
    note: dict[str, int] = field(default_factory=dict)  # athlete -> a note id on them
    job: dict[str, int] = field(default_factory=dict)  # athlete -> an import job of theirs
    report: dict[str, int] = field(default_factory=dict)  # athlete -> a finished report job
    link: str = ""  # a working one-time link (nina's reset link)
    browsers: dict[str, Browser] = field(default_factory=dict)

    def id_of(self, name: str) -> int:
        return int(self.accounts[name].id)

    def anonymous(self, address: str = "testclient") -> TestClient:
        """A new browser, not signed in, at ``address`` (the throttles count per address)."""
        return TestClient(
            self.app, base_url=BASE, raise_server_exceptions=False, client=(address, 50000)
        )

    def sign_in(self, name: str) -> Browser:
        """A new browser signed in as ``name`` (a session of its own)."""
        client = self.anonymous()
        response: Any = sign_in(client, name, PASSWORD)
        assert response.status_code == 303, (name, response.status_code, response.text[:300])
        return Browser(client, session_token(client))

    def session(self, name: str, address: str = "testclient") -> Browser:
        """A new browser with a new session of ``name``, started in the store (as a sign-in
        does, without the password's hashing: for cells that end their session)."""
        client = self.anonymous(address)
        new = accounts.start_session(self.store, self.accounts[name])
        client.cookies.set(COOKIE, new.token, domain=HOST)
        return Browser(client, session_token(client))

    def browser(self, name: str) -> Browser:
        """The module's browser of ``name`` (signed in once)."""
        if name not in self.browsers:
            self.browsers[name] = self.sign_in(name)
        return self.browsers[name]

    def others_markers(self, athlete: str | None) -> list[str]:
        """Every marker of the athletes other than ``athlete`` (all of them for None)."""
        return [m for a, ms in self.markers.items() if a != athlete for m in ms]


def session_token(client: TestClient) -> str:
    """The session's CSRF token, as the account page renders it into its forms."""
    page = client.get("/account")
    found = TOKEN.search(page.text)
    assert found, (page.status_code, page.text[:300])
    return found.group(1)


def build_world(url: str) -> World:
    """The clinic of the module's docstring, on a fresh schema at ``url``."""
    store = open_store(url, upgrade_schema=True)
    settings = Settings(database_url=url, jobs="1")
    app = create_app(settings, clinic=True, allowed_hosts=frozenset({HOST}))
    # The intervals.icu connection check goes to a closed port of this machine, never out.
    app.state.syncs.options["intervals_base_url"] = "http://127.0.0.1:9"
    world = World(app, store, url)
    for name in ATHLETES:
        world.accounts[name] = accounts.create_account(store, name, "athlete", password=PASSWORD)
    for name in CLINICIANS:
        world.accounts[name] = accounts.create_account(
            store, name, "clinician", password=PASSWORD, display_name=f"Dr {name.title()}"
        )
    world.accounts["root"] = accounts.create_account(store, "root", "admin", password=PASSWORD)
    for name in ATHLETES:
        service.import_files(store, [FILES[name]], athlete=name)
        [first, *_] = service.list_activities(store, athlete=name)
        world.activity[name] = int(first.id)
        note = f"diary-of-{name}-{uuid.uuid4().hex[:8]}"
        service.log_pain(store, 2, moment="next_morning", day=TODAY, note=note, athlete=name)
        start = first.activity.local_date.isoformat()
        world.markers[name] = (note, start)
    starts = [world.markers[a][1] for a in ATHLETES]
    assert len(set(starts)) == len(starts), starts  # each athlete's run on a day of its own
    sam, cleo = world.accounts["sam"], world.accounts["cleo"]
    world.share["sam->cleo"] = int(sharing.share_with(store, sam, "cleo", "all").id)
    revoked = sharing.share_with(store, sam, "rex", "all")
    world.share["sam->rex"] = int(revoked.id)
    sharing.revoke_share(store, sam, int(revoked.id))
    # ben shares with spare only: a share id of another athlete, for the IDOR cells.
    world.share["ben->spare"] = int(
        sharing.share_with(store, world.accounts["ben"], "spare", "all").id
    )
    # A note on sam by cleo (sam's only); ben and ana have none (no clinician of theirs).
    added = notes.add_note(store, sharing.access(store, cleo, int(sam.id)), TODAY, "note-on-sam")
    world.note["sam"] = int(added.id)
    world.link = accounts.issue_link(store, "nina", "reset", by=None)
    # A queued import job per athlete (no worker runs here: its state is what is read).
    from backstride.service import jobs

    for name in ATHLETES:
        with FILES[name].open("rb") as fit:
            world.job[name] = jobs.create_import_job(store, athlete=name, files=[(fit.name, fit)])
    # A finished report job (a PDF) of ana's and ben's own, and one cleo asked for on sam
    # (a clinician is given only the report jobs they asked for).
    for name in ("ana", "ben"):
        world.report[name] = jobs.create_report_job(store, athlete=name)
    world.report["sam"] = jobs.create_report_job(store, athlete="sam", requested_by=int(cleo.id))
    for name, job_id in world.report.items():
        finish_job(url, job_id, f"%PDF report of {name}".encode())
        world.markers[name] = (*world.markers[name], f"%PDF report of {name}")
    world.markers["sam"] = (*world.markers["sam"], "note-on-sam")
    return world


def finish_job(url: str, job_id: int, output: bytes) -> None:
    """What a worker leaves when a report is rendered: the job done, the PDF its output."""
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(
                sa.text(
                    "UPDATE jobs SET state = 'done', output = :output, "
                    "output_type = 'application/pdf' WHERE id = :id"
                ),
                {"output": output, "id": job_id},
            )
    finally:
        engine.dispose()


def close_world(world: World) -> None:
    world.app.state.results.close()
    world.app.state.store.close()
    world.store.close()


@pytest.fixture(scope="module")
def world(module_postgres_url: str) -> Iterator[World]:
    built = build_world(module_postgres_url)
    try:
        yield built
    finally:
        close_world(built)


def holds_any(text: str, markers: list[str]) -> list[str]:
    """The markers ``text`` holds (none, for a page about nobody else)."""
    return [m for m in markers if re.search(re.escape(m), text)]
