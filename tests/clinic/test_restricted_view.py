"""The restricted view a clinician reads through (``Store.restricted``, store/restricted.py):
no activity that came only from Strava's API, nothing Strava's API added to the others, and
for a share of summaries no positions. On SQLite and PostgreSQL.

The strong check compares two databases: ``synced`` holds the runner's real FIT files and
their Strava syncs (a twin of a FIT run with Strava's title, notes, effort and shoe, a run
and a manual activity only Strava has, a diary entry on the Strava-only run); ``files``
holds the same files alone. Every service read the pages and the report use, run on the
restricted view of ``synced``, must equal the same read on ``files``: a read in store/ that
forgets the view (a new one included, as soon as a page's use case calls it) shows the
Strava runs, their distance or their names, and fails here.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sqlalchemy as sa

from backstride import service
from backstride.errors import NotFoundError, PermissionDeniedError
from backstride.model import Gear, StoredActivity
from backstride.service import accounts, charts, sharing
from backstride.service.sync_state import shows_strava_data
from backstride.store import Store, open_store, transaction
from backstride.store import pain as pain_rows
from backstride.store.athletes import get_or_create_athlete
from backstride.store.schema import form_summaries
from backstride.units import Channel
from backstride.views import activity_detail_view, activity_view, pain_view, shoe_view
from tests.clinic import strava
from tests.clinic.accounts import make_account
from tests.conftest import DATA, fresh_schemas

FILES = [
    DATA / "fit" / "workoutizer__run_with_coordinates.fit",  # 2020-12-10, 6.0 km, GPS
    DATA / "fit" / "fitparse__garmin-fenix-5-run.fit",  # 2017-06-11
]
AS_OF = date(2020, 12, 20)
ATHLETE = "anna"
#: What only Strava's API knows: none of it may reach a restricted view.
STRAVA_WORDS = ("Tempo with Sam", "left side tight", "Long run by the river", "Treadmill 5k",
                "Pegasus 40", "8123", "strava:")  # fmt: skip


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def two_urls(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """Two empty databases of one backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'synced.db'}", f"sqlite:///{tmp_path / 'files.db'}"
        return
    with fresh_schemas() as new:
        yield new(), new()


def _files_and_diary(store: Store, *, strava_run: int | None) -> dict[str, int]:
    """The runner's own data, the same in both databases (same order, so the same ids)."""
    make_account(store, ATHLETE)
    service.import_files(store, FILES, athlete=ATHLETE)
    by_day = {a.activity.local_date: a.id for a in service.list_activities(store, athlete=ATHLETE)}
    fit_run, old_run = by_day[date(2020, 12, 10)], by_day[date(2017, 6, 11)]
    service.add_shoe(store, Gear(name="Ghost 15", kind="shoe"), athlete=ATHLETE)
    service.assign_shoe(store, old_run, "Ghost 15", athlete=ATHLETE)
    with transaction(store) as conn:
        athlete_id = get_or_create_athlete(conn, ATHLETE).id
        for day, nrs, moment, linked in (
            (date(2020, 12, 10), 4, "after", fit_run),
            (date(2020, 12, 11), 2, "next_morning", None),
            (date(2020, 12, 12), 3, "after", strava_run),
        ):
            pain_rows.add_pain_entry(
                conn, athlete_id, day=day, nrs=nrs, moment=moment, activity_id=linked,  # type: ignore[arg-type]
                leg_symptoms="none", note=None,
            )  # fmt: skip
    return {"fit": fit_run, "old": old_run}


@pytest.fixture
def stores(two_urls: tuple[str, str]) -> Iterator[tuple[Store, Store, dict[str, int]]]:
    synced_url, files_url = two_urls
    with (
        open_store(synced_url, upgrade_schema=True) as synced,
        open_store(files_url, upgrade_schema=True) as files,
    ):
        ids = _files_and_diary(files, strava_run=None)
        # The synced database: the same files first, then Strava.
        make_account(synced, ATHLETE)
        service.import_files(synced, FILES, athlete=ATHLETE)
        strava.connect(synced, ATHLETE)
        service.add_shoe(synced, Gear(name="Ghost 15", kind="shoe"), athlete=ATHLETE)
        service.assign_shoe(synced, ids["old"], "Ghost 15", athlete=ATHLETE)
        twin = strava.synced(
            synced, ATHLETE, 1001, start=datetime(2020, 12, 10, 6, 27, 20, tzinfo=UTC),
            seconds=1950, distance_m=6010.0, name="Tempo with Sam", description="left side tight",
            rpe=7, gear=("g111", "Pegasus 40"), channels=("heartrate",),
        )  # fmt: skip
        assert twin == [ids["fit"]]  # the FIT is richer: its record stays, Strava's meta on it
        only = strava.synced(
            synced, ATHLETE, 1002, start=datetime(2020, 12, 12, 7, 0, tzinfo=UTC),
            seconds=2400, distance_m=8123.4, name="Long run by the river", rpe=5,
            gear=("g111", "Pegasus 40"),
        )  # fmt: skip
        manual = strava.synced(
            synced, ATHLETE, 1003, start=datetime(2020, 12, 14, 18, 0, tzinfo=UTC),
            seconds=1800, distance_m=5000.0, name="Treadmill 5k", manual=True,
        )  # fmt: skip
        with transaction(synced) as conn:
            athlete_id = get_or_create_athlete(conn, ATHLETE).id
            for day, nrs, moment, linked in (
                (date(2020, 12, 10), 4, "after", ids["fit"]),
                (date(2020, 12, 11), 2, "next_morning", None),
                (date(2020, 12, 12), 3, "after", only[0]),
            ):
                pain_rows.add_pain_entry(
                    conn, athlete_id, day=day, nrs=nrs, moment=moment, activity_id=linked,
                    leg_symptoms="none", note=None,
                )  # fmt: skip
        yield synced, files, {**ids, "strava": only[0], "manual": manual[0]}


def _activity_json(stored: StoredActivity) -> dict[str, Any]:
    view = activity_detail_view(stored)
    view["streams"] = {
        c.value: round(float(np.nansum(v)), 3) for c, v in stored.activity.streams.channels.items()
    }
    return view


def reads(store: Store, ids: list[int]) -> dict[str, Callable[[], Any]]:
    """Every service read the pages, the API and the report make, as JSON."""
    a = ATHLETE
    start, end = date(2020, 11, 2), AS_OF
    return {
        "activities": lambda: [activity_view(x) for x in service.list_activities(store, athlete=a)],
        "activity": lambda: [_activity_json(service.get_activity(store, i, athlete=a))
                             for i in ids],
        "status": lambda: service.get_status(store, as_of=AS_OF, athlete=a).to_json(),
        "form": lambda: service.get_form(store, as_of=AS_OF, athlete=a).to_json(),
        "load": lambda: service.get_load(store, weeks=8, as_of=AS_OF, athlete=a).to_json(),
        "load_chart": lambda: charts.load_chart(store, weeks=8, as_of=AS_OF, athlete=a).to_json(),
        "pain": lambda: service.pain_overview(store, weeks=8, today=AS_OF, athlete=a).to_json(),
        "associations": lambda: service.pain_associations(store, today=AS_OF, athlete=a).to_json(),
        "diary": lambda: [pain_view(p) for p in service.list_pain(store, today=AS_OF, athlete=a)],
        "shoes": lambda: [shoe_view(s) for s in service.list_shoes(store, as_of=AS_OF, athlete=a)],
        "plan": lambda: service.get_plan(store, as_of=AS_OF, save=False, athlete=a).to_json(),
        "review": lambda: service.review(store, as_of=AS_OF, athlete=a).to_json(),
        "marks": lambda: service.session_marks(store, start=start, end=end, athlete=a).to_json(),
        "red_flags": lambda: [f.to_json() for f in service.active_red_flags(store, as_of=AS_OF,
                                                                             athlete=a)],
        "report_period": lambda: [str(x) for x in service.report_period(store, today=AS_OF,
                                                                          athlete=a)],
        "report": lambda: service.build_report(store, start=start, end=end, athlete=a,
                                               created=AS_OF).to_json(),
        "strava_shown": lambda: shows_strava_data(store, athlete=a),
    }  # fmt: skip


def _text(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def test_restricted_view_equals_the_files_alone(
    stores: tuple[Store, Store, dict[str, int]],
) -> None:
    synced, files, ids = stores
    view = synced.restricted(hide_strava_api=True, positions=True)
    shown = [ids["old"], ids["fit"]]
    full = {name: read() for name, read in reads(synced, shown).items()}
    assert "Long run by the river" in _text(full)  # the full store has it all
    for name, read in reads(view, shown).items():
        got, want = read(), reads(files, shown)[name]()
        assert _text(got) == _text(want), name
        for word in STRAVA_WORDS:
            assert word not in _text(got), (name, word)
    for hidden in (ids["strava"], ids["manual"]):
        with pytest.raises(NotFoundError, match=f"no activity with id {hidden}"):
            service.get_activity(view, hidden, athlete=ATHLETE)


def test_twin_keeps_the_files_data_without_stravas_fields(
    stores: tuple[Store, Store, dict[str, int]],
) -> None:
    synced, _, ids = stores
    own = service.get_activity(synced, ids["fit"], athlete=ATHLETE, with_streams=False)
    assert (own.activity.name, own.meta.description, own.meta.rpe) == (
        "Tempo with Sam", "left side tight", 7,
    )  # fmt: skip
    assert (own.gear_name, own.gear_source, own.meta.external_id) == (
        "Pegasus 40", "archive", "strava:1001",
    )  # fmt: skip
    assert own.sources == ("workoutizer__run_with_coordinates.fit", "strava:1001")
    shown = service.get_activity(synced.restricted(), ids["fit"], athlete=ATHLETE)
    assert (shown.activity.name, shown.meta.description, shown.meta.private_note) == (None,) * 3
    assert (shown.meta.rpe, shown.meta.vendor_type, shown.meta.external_id) == (None,) * 3
    assert (shown.gear_id, shown.gear_name, shown.gear_source) == (None,) * 3
    assert shown.sources == ("workoutizer__run_with_coordinates.fit",)
    assert shown.activity.summary == own.activity.summary  # the watch's numbers stay
    assert shown.activity.source_format == "fit"


def test_summaries_drop_positions_everywhere(
    stores: tuple[Store, Store, dict[str, int]],
) -> None:
    synced, _, ids = stores
    full = service.get_activity(synced.restricted(), ids["fit"], athlete=ATHLETE)
    assert full.activity.streams.has(Channel.LATITUDE_DEG)
    summaries = synced.restricted(hide_strava_api=True, positions=False)
    kept = service.get_activity(summaries, ids["fit"], athlete=ATHLETE)
    assert "latitude_deg" not in kept.channels
    assert "longitude_deg" not in kept.channels
    assert not kept.activity.streams.has(Channel.LATITUDE_DEG)
    assert not kept.activity.streams.has(Channel.LONGITUDE_DEG)
    # Everything else of the streams stays, sample for sample.
    for channel, values in full.activity.streams.channels.items():
        if channel.value not in ("latitude_deg", "longitude_deg"):
            np.testing.assert_array_equal(kept.activity.streams.channels[channel], values)
    listed = service.list_activities(summaries, athlete=ATHLETE)
    assert all("latitude_deg" not in a.channels for a in listed)
    # Without Strava hidden (not what a share gives, but the view composes): positions only.
    no_gps = synced.restricted(hide_strava_api=False, positions=False)
    assert len(service.list_activities(no_gps, athlete=ATHLETE)) == 4
    assert no_gps.restricted(positions=True).view.positions is False  # views only narrow


def test_a_restricted_view_is_read_only(stores: tuple[Store, Store, dict[str, int]]) -> None:
    synced, _, ids = stores
    view = synced.restricted()
    with pytest.raises(PermissionDeniedError):
        service.get_plan(view, as_of=AS_OF, athlete=ATHLETE)  # would save a plan
    with pytest.raises(PermissionDeniedError):
        service.log_pain(view, 3, day=AS_OF, today=AS_OF, athlete=ATHLETE)
    report = service.import_files(view, FILES[:1], athlete=ATHLETE)
    assert report.imported == 0
    assert [f.error for f in report.failed] == ["a restricted view of a store cannot import"]
    # The one write a view makes: the form summaries it derives when none are stored (the
    # same numbers for every view: form needs no positions, and hidden runs are not read).
    with transaction(synced) as conn:
        conn.execute(sa.delete(form_summaries))
    summaries = synced.restricted(hide_strava_api=True, positions=False)
    form = service.get_form(summaries, as_of=AS_OF, athlete=ATHLETE).to_json()
    with transaction(synced) as conn:
        stored = conn.execute(sa.select(form_summaries.c.activity_id)).scalars().all()
    assert stored == [ids["fit"]]  # the run of the year before AS_OF the view shows
    assert form == service.get_form(synced.restricted(), as_of=AS_OF, athlete=ATHLETE).to_json()
    # Its pool is the base store's: closing the view leaves the base store working.
    view.close()
    assert len(service.list_activities(synced, athlete=ATHLETE)) == 4


def test_a_store_makes_each_view_once(store: Store) -> None:
    """Every clinician request asks for a view (``sharing.Access.store``): the base store
    makes each one once, with one write-refusing listener, and hands out the same one."""
    make_account(store, ATHLETE)
    view = store.restricted()
    assert store.restricted(hide_strava_api=True, positions=True) is view
    summaries = store.restricted(hide_strava_api=True, positions=False)
    assert summaries is not view
    assert (summaries.view.hide_strava_api, summaries.view.positions) == (True, False)
    # A view of a view is the base store's view (not an option engine on an option engine).
    assert view.restricted(positions=False) is summaries
    assert summaries.restricted(positions=True) is summaries
    assert store.restricted(hide_strava_api=False, positions=False).restricted() is summaries
    for _ in range(50):
        assert store.restricted(positions=False) is summaries
    for made in (view, summaries):
        assert made.base is store
        assert len(made.engine.dispatch.before_cursor_execute) == 1  # _refuse_writes, once
    # Closing a view closes nothing; closing the base store forgets its views.
    summaries.close()
    assert store.restricted(positions=False) is summaries
    store.close()
    assert store.restricted() is not view
    assert service.list_activities(store.restricted(), athlete=ATHLETE) == []


def test_threads_asking_at_once_get_one_view(store: Store) -> None:
    """The web server answers from a thread pool: the first requests of a clinician's
    view may come at the same moment, and must still share one view."""
    threads = 8
    start = threading.Barrier(threads)

    def ask(_: int) -> Store:
        start.wait(timeout=10)
        return store.restricted(hide_strava_api=True, positions=False)

    with ThreadPoolExecutor(threads) as pool:
        made = list(pool.map(ask, range(threads)))
    assert {id(v) for v in made} == {id(made[0])}
    assert made[0] is store.restricted(positions=False)


def test_the_runner_is_told_what_clinicians_do_not_see(
    stores: tuple[Store, Store, dict[str, int]],
) -> None:
    synced, files, _ = stores
    for store, counts in ((synced, (2, 1)), (files, (0, 0))):
        anna = accounts.get_account(store, ATHLETE)
        withheld = sharing.strava_withheld(store, anna)
        assert (withheld.hidden_activities, withheld.activities_without_strava_fields) == counts
    assert withheld.words is None
    assert sharing.StravaWithheld(2, 1).words == (
        "Clinicians do not see 2 activities synced only from Strava or the titles, notes, "
        "perceived effort and shoes Strava added to 1 other activity: Strava's API Agreement "
        "lets Strava data be shown to you only. Your own files (watch FIT files, "
        "intervals.icu, export archives) are shared."
    )
