"""Strava and intervals.icu sync end to end against local fake servers (``fakes.py``, whose
docstring cites the API references the payloads follow), on SQLite and PostgreSQL.

Time is simulated: the fake clock advances when the sync waits for a rate-limit window,
so a backfill across 15-minute and daily windows runs in seconds.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from pytest_httpserver import HTTPServer
from typer.testing import CliRunner

from backstride import service
from backstride.cli.app import app
from backstride.config import Settings
from backstride.errors import NotFoundError
from backstride.service import sync as syncing
from backstride.store import Store, open_store, transaction
from backstride.store import sync as sync_rows
from backstride.sync.errors import AccessError
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

RUN_FIT = DATA / "fit" / "workoutizer__run_with_coordinates.fit"
START = datetime(2026, 12, 7, 20, 0, tzinfo=UTC)


class Counting:
    """A progress that counts, and can stop the sync after ``stop_after`` activities (as
    Ctrl-C would)."""

    def __init__(self, stop_after: int | None = None) -> None:
        self.done = 0
        self.total = 0
        self.paused: list[str] = []
        self.stop_after = stop_after

    def add_total(self, count: int) -> None:
        self.total += count

    def advance(self, label: str) -> None:
        self.done += 1
        if self.stop_after is not None and self.done >= self.stop_after:
            raise KeyboardInterrupt

    def pause(self, message: str) -> None:
        self.paused.append(message)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        strava_client_id=str(CLIENT_ID),
        strava_client_secret=CLIENT_SECRET,
    )


@pytest.fixture
def opened(settings: Settings) -> Iterator[Store]:
    with open_store(settings.database_url, upgrade_schema=True) as store:
        yield store


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def fake(httpserver: HTTPServer, clock: FakeClock) -> FakeStrava:
    return FakeStrava(httpserver, clock)


def connect(store: Store, settings: Settings, fake: FakeStrava) -> None:
    """The loopback flow: the 'browser' follows the authorization URL's redirect_uri with
    the code, the scope granted and the state, as Strava's authorization page does."""

    def browser(url: str) -> None:
        query = parse_qs(urlsplit(url).query)
        assert query["client_id"] == [str(CLIENT_ID)]
        assert query["scope"] == ["read,activity:read_all,profile:read_all"]
        assert query["response_type"] == ["code"]
        back = query["redirect_uri"][0]
        assert back.startswith("http://127.0.0.1:")

        def follow() -> None:
            requests.get(
                back,
                params={
                    "state": query["state"][0],
                    "code": GOOD_CODE,
                    "scope": "read,activity:read_all,profile:read_all",
                },
                timeout=10,
            )

        threading.Thread(target=follow).start()

    status = syncing.connect_strava_in_browser(
        store, settings, open_url=browser, timeout_s=10, session=fake.session()
    )
    assert status.to_json()["athlete"] == str(fixture("strava_oauth_token.json")["athlete"]["id"])


def sync(
    store: Store, settings: Settings, fake: FakeStrava, **kwargs: object
) -> syncing.SyncReport:
    return syncing.sync_strava(
        store,
        settings,
        clock=fake.clock,
        session=fake.session(),
        **kwargs,  # type: ignore[arg-type]
    )


def stored_count(store: Store) -> int:
    return len(service.list_activities(store))


def test_backfill_across_rate_limit_windows_interrupted_resumed_then_incremental(
    opened: Store, settings: Settings, fake: FakeStrava, clock: FakeClock
) -> None:
    for i in range(500):
        fake.add_run(
            1000 + i,
            datetime(2025, 1, 1, 6, 0, tzinfo=UTC) + timedelta(days=i),
            distance_m=5000.0 + i,
            gear_id="g111" if i % 2 else None,
        )
    fake.gear["g111"] = {**fixture("strava_gear.json"), "id": "g111", "name": "Pegasus 40",
                         "brand_name": "Nike", "model_name": "Pegasus 40"}  # fmt: skip
    connect(opened, settings, fake)

    # Interrupted after 120 activities (Ctrl-C): what was stored stays, and is known.
    stopping = Counting(stop_after=120)
    with pytest.raises(KeyboardInterrupt):
        sync(opened, settings, fake, progress=stopping)
    assert stored_count(opened) == 120

    progress = Counting()
    report = sync(opened, settings, fake, progress=progress)
    assert (report.new, report.edited, report.deleted) == (380, 0, 0)
    assert report.unchanged == 120
    assert stored_count(opened) == 500
    # every activity's detail and streams fetched once over both runs
    assert fake.requests_to(r"/api/v3/activities/\d+") == 500
    assert fake.requests_to(r"/api/v3/activities/\d+/streams") == 500
    assert fake.requests_to(r"/api/v3/gear/\w+") == 1
    # The limits were read from the headers and obeyed: waits for 15-minute windows and
    # for the next day, simulated (the clock moved by what was slept), no 429 needed.
    assert any("15-minute limit of 100" in p for p in progress.paused)
    assert any("daily limit of 1000" in p for p in stopping.paused + progress.paused)
    assert fake.refused_429 == 0
    assert clock.now() - START == timedelta(seconds=sum(clock.slept))
    assert clock.now() >= datetime(2026, 12, 8, tzinfo=UTC)

    # The shoe came with its Strava name, brand and model; odd runs wear it.
    shoes = {s.gear.name: s for s in service.list_shoes(opened)}
    assert shoes["Pegasus 40"].gear.brand == "Nike"
    assert shoes["Pegasus 40"].activity_count == 250

    # Incremental: 3 new, 1 edited, 1 deleted; nothing else fetched again.
    before = len(fake.served)
    for i in range(3):
        fake.add_run(5000 + i, datetime(2026, 12, 1 + i, 6, 0, tzinfo=UTC), distance_m=8000.0)
    fake.edit(1010, name="Hills with Anna, back fine", perceived_exertion=7,
              description="no pain after")  # fmt: skip
    del fake.activities[1020]
    report = sync(opened, settings, fake, progress=Counting())
    assert (report.new, report.edited, report.deleted) == (3, 1, 1)
    assert len(fake.served) - before == 3 + 4 * 2  # list pages, then detail+streams each
    runs = {a.meta.external_id: a for a in service.list_activities(opened)}
    assert len(runs) == 502
    assert "strava:1020" not in runs
    edited = runs["strava:1010"]
    assert edited.activity.name == "Hills with Anna, back fine"
    assert (edited.meta.rpe, edited.meta.description) == (7, "no pain after")

    # Nothing changed: one listing, nothing fetched.
    before = len(fake.served)
    report = sync(opened, settings, fake)
    assert (report.new, report.edited, report.deleted, report.unchanged) == (0, 0, 0, 502)
    assert len(fake.served) - before == 3


def test_a_429_waits_for_the_next_window_and_retries(
    opened: Store, settings: Settings, fake: FakeStrava, clock: FakeClock
) -> None:
    fake.add_run(1, datetime(2026, 11, 1, 6, 0, tzinfo=UTC))
    connect(opened, settings, fake)
    fake.extra_429 = {2}  # the detail request of the only activity
    report = sync(opened, settings, fake)
    assert report.new == 1
    assert fake.refused_429 == 1
    assert report.pauses
    assert "too many requests" in report.pauses[0]
    assert clock.now() == datetime(2026, 12, 7, 20, 15, tzinfo=UTC)


def test_strava_run_and_its_fit_file_are_one_activity_either_order(
    opened: Store, settings: Settings, fake: FakeStrava, tmp_path: object
) -> None:
    fit = service.import_paths(opened, [RUN_FIT])
    assert fit.imported == 1
    # The same run as Strava has it (the watch uploaded it): start, time and distance of
    # the FIT's session, the runner's title, notes, effort and shoe added on Strava.
    fake.add_run(
        777,
        datetime(2020, 12, 10, 6, 27, 5, tzinfo=UTC),
        seconds=1953,
        distance_m=6001.9,
        name="Easy with Sam",
        description="back ok",
        rpe=4,
        gear_id="g9",
        samples=300,
    )
    fake.gear["g9"] = {**fixture("strava_gear.json"), "id": "g9", "name": "Kinvara 14"}
    connect(opened, settings, fake)
    report = sync(opened, settings, fake)
    assert report.new == 1
    assert report.imports.imported == 0
    assert report.imports.duplicates == 1
    [run] = service.list_activities(opened)
    assert run.activity.source_format == "fit"  # the watch file is the richer record
    assert run.activity.name == "Easy with Sam"
    assert (run.meta.rpe, run.meta.description, run.gear_name) == (4, "back ok", "Kinvara 14")
    assert "temperature_c" in run.channels


def test_strava_first_then_the_fit_file_keeps_one_activity(
    opened: Store, settings: Settings, fake: FakeStrava
) -> None:
    fake.add_run(777, datetime(2020, 12, 10, 6, 27, 5, tzinfo=UTC), seconds=1953,
                 distance_m=6001.9, name="Easy with Sam", samples=300)  # fmt: skip
    connect(opened, settings, fake)
    sync(opened, settings, fake)
    [first] = service.list_activities(opened)
    assert first.activity.source_format == "strava"
    # cadence arrives in steps per minute (Strava's 85 per foot)
    shown = service.get_activity(opened, first.id, with_streams=True)
    assert shown.activity.streams.channels["cadence_spm"][0] == 170.0  # type: ignore[index]
    fit = service.import_paths(opened, [RUN_FIT])
    assert fit.duplicates == 1
    [run] = service.list_activities(opened)
    assert run.id == first.id
    assert run.activity.source_format == "fit"
    assert run.activity.name == "Easy with Sam"
    # Deleted on Strava later: the watch file still holds the run, so it stays.
    del fake.activities[777]
    assert sync(opened, settings, fake).deleted == 1
    [kept] = service.list_activities(opened)
    assert kept.id == run.id
    assert kept.meta.external_id is None


def test_manual_activity_is_a_summary(opened: Store, settings: Settings, fake: FakeStrava) -> None:
    fake.add_run(9, datetime(2026, 10, 1, 17, 0, tzinfo=UTC), manual=True, name="Treadmill")
    connect(opened, settings, fake)
    sync(opened, settings, fake)
    [run] = service.list_activities(opened)
    assert run.activity.source_format == "manual"
    assert run.sample_count == 0
    assert fake.requests_to(r"/api/v3/activities/\d+/streams") == 0


def test_expired_token_is_refreshed_and_stored(
    opened: Store, settings: Settings, fake: FakeStrava, clock: FakeClock
) -> None:
    fake.add_run(1, datetime(2026, 11, 1, 6, 0, tzinfo=UTC))
    connect(opened, settings, fake)
    clock.at += timedelta(hours=7)  # past the six hours of the access token
    assert sync(opened, settings, fake).new == 1
    assert fake.refreshes == 1
    with transaction(opened) as conn:
        stored = sync_rows.list_connections(conn, 1)[0].credentials
    assert stored["refresh_token"] == fake.refresh_token
    # A token the server dropped early (401) is refreshed once, then the request retried.
    fake.access_token = "dropped"
    fake.add_run(2, datetime(2026, 11, 2, 6, 0, tzinfo=UTC))
    assert sync(opened, settings, fake).new == 1
    assert fake.refreshes == 2


def test_revoked_access_says_what_to_do_in_one_line(
    opened: Store, settings: Settings, fake: FakeStrava
) -> None:
    fake.add_run(1, datetime(2026, 11, 1, 6, 0, tzinfo=UTC))
    connect(opened, settings, fake)
    fake.revoked = True
    with pytest.raises(AccessError) as raised:
        sync(opened, settings, fake)
    assert "revoked or has expired" in raised.value.message
    assert "backstride strava connect" in (raised.value.hint or "")
    [status] = [s for s in syncing.connection_status(opened) if s.service == "strava"]
    assert "revoked" in (status.connection.last_error or "")  # type: ignore[union-attr]


def test_cli_sync_without_connection_is_one_line(opened: Store, database_url: str) -> None:
    result = CliRunner().invoke(app, ["--db", database_url, "sync", "strava", "--json"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "Strava is not connected" in result.output
    result = CliRunner().invoke(app, ["--db", database_url, "sync", "garmin"])
    assert result.exit_code == 1
    assert "unknown service" in result.output


def test_disconnect_keeps_the_activities(
    opened: Store, settings: Settings, fake: FakeStrava
) -> None:
    fake.add_run(1, datetime(2026, 11, 1, 6, 0, tzinfo=UTC))
    connect(opened, settings, fake)
    sync(opened, settings, fake)
    assert syncing.disconnect(opened, "strava") is True
    assert stored_count(opened) == 1
    with pytest.raises(NotFoundError):
        sync(opened, settings, fake)


# -- intervals.icu ---------------------------------------------------------------------------


def test_intervals_files_go_through_the_file_import(opened: Store, httpserver: HTTPServer) -> None:
    fake = FakeIntervals(httpserver)
    fake.listing = fixture("intervals_activities.json")
    fake.files["i1001"] = RUN_FIT.read_bytes()
    fake.files["i1002"] = (
        DATA / "fit" / "fitparse__2019-02-17-062644-ELEMNT-297E-195-0.fit"
    ).read_bytes()
    with pytest.raises(AccessError):
        syncing.connect_intervals(opened, athlete_id="i42", api_key="wrong", base_url=fake.base_url)
    syncing.connect_intervals(
        opened, athlete_id="i42", api_key=fake.api_key, base_url=fake.base_url
    )
    report = syncing.sync_intervals(opened, base_url=fake.base_url)
    assert (report.new, report.unavailable) == (2, 1)
    assert report.imports.imported == 2
    runs = {a.meta.external_id: a for a in service.list_activities(opened)}
    run = runs["intervals:i1001"]
    assert (run.meta.rpe, run.gear_name) == (4, "Pegasus 37")
    # The same file as a loose import: the same bytes, stored once.
    assert service.import_paths(opened, [RUN_FIT]).duplicates == 1
    # Again: nothing new, nothing downloaded; a deletion there is one here.
    fake.listing = [a for a in fake.listing if a["id"] != "i1002"]
    before = len(fake.served)
    report = syncing.sync_intervals(opened, base_url=fake.base_url)
    assert (report.new, report.deleted, report.unchanged) == (0, 1, 1)
    assert len(fake.served) - before == 1
    assert len(service.list_activities(opened)) == 1
