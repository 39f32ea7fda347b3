"""The dashboard's Sync page and /api/sync against the local fake Strava and intervals.icu
(tests/sync/fakes.py cites the references): connect with Strava through the browser's
round trip, sync now with its progress, errors in words, disconnect, the CSRF guard on
every write, and Strava's attribution on the pages that show its data."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from pytest_httpserver import HTTPServer

from backstride.config import Settings
from backstride.web import create_app
from tests.conftest import DATA
from tests.sync.fakes import (
    CLIENT_ID,
    CLIENT_SECRET,
    GOOD_CODE,
    FakeClock,
    FakeIntervals,
    FakeStrava,
    fixture,
)
from tests.web.conftest import BASE, TestClient


@pytest.fixture
def fake(httpserver: HTTPServer) -> FakeStrava:
    return FakeStrava(httpserver, FakeClock(datetime(2026, 12, 7, 20, 0, tzinfo=UTC)))


@pytest.fixture
def client(tmp_path: Path, fake: FakeStrava) -> Iterator[TestClient]:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'web.db'}",
        jobs="1",
        strava_client_id=str(CLIENT_ID),
        strava_client_secret=CLIENT_SECRET,
    )
    app = create_app(settings)
    app.state.syncs.options.update(session=fake.session(), clock=fake.clock)
    with TestClient(app, base_url=BASE, raise_server_exceptions=False) as c:
        yield c


def token(client: TestClient) -> str:
    value: str = client.app.state.csrf_token  # type: ignore[attr-defined]
    return value


def wait_done(client: TestClient, service: str) -> dict[str, object]:
    for _ in range(400):
        data = client.get("/api/sync").json()
        [found] = [s for s in data["services"] if s["service"] == service]
        if found["sync"] and not found["sync"]["running"]:
            return found  # type: ignore[no-any-return]
        time.sleep(0.05)
    raise AssertionError("the sync did not finish")


def test_connect_sync_attribution_disconnect(client: TestClient, fake: FakeStrava) -> None:
    fake.add_run(4242, datetime(2026, 11, 1, 6, 0, tzinfo=UTC), name="Easy with Sam")
    page = client.get("/sync")
    assert page.status_code == 200
    assert "Connect with Strava" in page.text
    assert "Powered by Strava" not in page.text  # no Strava data yet

    # Writes need the form's token (or the script's header).
    assert client.post("/sync/strava/connect", follow_redirects=False).status_code == 403
    assert client.post("/api/sync/strava").status_code == 403

    sent = client.post(
        "/sync/strava/connect", data={"csrf_token": token(client)}, follow_redirects=False
    )
    assert sent.status_code == 303
    target = urlsplit(sent.headers["location"])
    assert (target.scheme, target.netloc, target.path) == (
        "https",
        "www.strava.com",
        "/oauth/authorize",
    )
    query = parse_qs(target.query)
    assert query["redirect_uri"] == [f"{BASE}/sync"]
    state = query["state"][0]
    # A forged answer (a state this dashboard did not issue) connects nothing.
    forged = client.get("/sync", params={"state": "forged", "code": GOOD_CODE, "scope": "read"})
    assert "was not for a request of this dashboard" in forged.text
    # Strava sends the browser back with the code.
    back = client.get(
        "/sync",
        params={"state": state, "code": GOOD_CODE, "scope": "read,activity:read_all"},
        follow_redirects=False,
    )
    assert back.status_code == 303
    page = client.get(back.headers["location"])
    assert "Connected as Marianne Teutenberg" in page.text
    assert "Last sync: never" in page.text

    started = client.post("/api/sync/strava", headers={"X-Backstride": "1"})
    assert started.status_code == 202
    done = wait_done(client, "strava")
    assert done["sync"]["result"]["new"] == 1  # type: ignore[index]
    assert done["last_sync_at"] is not None
    body = client.get("/api/sync").json()
    assert next(iter(body)) == "red_flags" or "services" in body
    assert "access_token" not in client.get("/api/sync").text

    activities = client.get("/api/activities").json()
    run_id = (
        activities["activities"][0]["id"] if isinstance(activities, dict) else activities[0]["id"]
    )
    shown = client.get(f"/activities/{run_id}")
    assert "Powered by Strava" in shown.text
    assert 'href="https://www.strava.com/activities/4242"' in shown.text
    assert "View on Strava" in shown.text

    # Revoked on Strava: the next sync says so in words on the page.
    fake.revoked = True
    client.post("/sync/strava/run", data={"csrf_token": token(client)})
    wait_done(client, "strava")
    page = client.get("/sync")
    assert "Strava access was revoked or has expired" in page.text
    assert "strava connect" in page.text

    gone = client.post(
        "/sync/strava/disconnect", data={"csrf_token": token(client)}, follow_redirects=False
    )
    assert gone.status_code == 303
    page = client.get("/sync")
    assert "Connect with Strava" in page.text
    assert "Powered by Strava" in page.text  # the synced run stays, and so its attribution


def test_intervals_connect_form_and_errors_in_words(
    client: TestClient, httpserver: HTTPServer
) -> None:
    icu = FakeIntervals(httpserver)
    icu.listing = [a for a in fixture("intervals_activities.json") if a["id"] == "i1001"]
    icu.files["i1001"] = (DATA / "fit" / "workoutizer__run_with_coordinates.fit").read_bytes()
    client.app.state.syncs.options["intervals_base_url"] = icu.base_url  # type: ignore[attr-defined]
    wrong = client.post(
        "/sync/intervals/connect",
        data={"csrf_token": token(client), "athlete_id": "i42", "api_key": "nope"},
    )
    assert wrong.status_code == 400
    assert "intervals.icu refused the athlete id or API key" in wrong.text
    ok = client.post(
        "/api/sync/intervals/connect",
        json={"athlete_id": "i42", "api_key": icu.api_key},
        headers={"X-Backstride": "1"},
    )
    assert ok.status_code == 201
    assert ok.json()["connected"] is True
    assert icu.api_key not in ok.text
    client.post("/api/sync/intervals", headers={"X-Backstride": "1"})
    assert wait_done(client, "intervals")["sync"]["result"]["new"] == 1  # type: ignore[index]
    assert (
        client.post("/api/sync/intervals/disconnect", headers={"X-Backstride": "1"}).json()[
            "disconnected"
        ]
        is True
    )
