"""Stored form summaries (form_summaries, migration 0006): the numbers a status view reads
are the ones form_summary computes from the streams, recomputed when outdated or replaced."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa
from alembic import command

from backstride import service
from backstride.analysis.form import FormSummary, FormTable, form_summary
from backstride.model import FormRow
from backstride.service import deriving, status
from backstride.store import Store, open_store, transaction
from backstride.store import activities as activity_rows
from backstride.store import form as form_rows
from backstride.store.athletes import get_or_create_athlete
from backstride.store.db import _alembic_config, create_engine, current_revision, head_revision
from tests.conftest import DATA, make_activity

#: Runs (and a triathlon) with steady running, running dynamics, NaN metrics, no steady
#: running at all, and FIT, TCX and GPX streams.
FILES = [
    DATA / "fit" / "fit-parser-js__running-with-developer-data.fit",
    DATA / "fit" / "fit-parser-js__triathlon_summary_first.fit",
    DATA / "fit" / "fitparse__activity-small-fenix2-run.fit",
    DATA / "fit" / "fitparse__developer-types-sample.fit",
    DATA / "fit" / "fitparse__compressed-speed-distance.fit",
    DATA / "fit" / "workoutizer__run_with_coordinates.fit",
    DATA / "fit" / "workoutizer__with_nones.fit",
    DATA / "tcx" / "sweatpy__3173437224.tcx.gz",
    DATA / "gpx" / "workoutizer__garmin_example.gpx",
]
TWIN_FIT = DATA / "fit" / "sweatpy__4801048867.fit"
TWIN_GPX = DATA / "gpx" / "sweatpy__4801048867_strava.gpx.gz"


def _fresh(store: Store, activity_id: int) -> FormSummary:
    with transaction(store) as conn:
        athlete_id = get_or_create_athlete(conn).id
        stored = activity_rows.get_activity(conn, athlete_id, activity_id, with_streams=True)
    return form_summary(stored.activity.streams)


def _assert_same(got: FormSummary, expected: FormSummary) -> None:
    """Bit for bit: every number (NaN where NaN) and both per-minute arrays."""
    for field in dataclasses.fields(FormSummary):
        a = np.asarray(getattr(got, field.name), np.float64)
        b = np.asarray(getattr(expected, field.name), np.float64)
        assert a.shape == b.shape, field.name
        assert np.array_equal(a.view(np.int64), b.view(np.int64)) or np.array_equal(
            a, b, equal_nan=True
        ), (field.name, a, b)


def _stored_rows(store: Store) -> dict[int, FormRow]:
    with transaction(store) as conn:
        ids = conn.execute(sa.text("select activity_id from form_summaries")).scalars().all()
        return form_rows.list_form_summaries(conn, list(ids))


def test_stored_summaries_equal_freshly_computed_ones_on_real_files(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = service.import_paths(store, FILES)
    assert not report.failed, report.failed
    ids = report.activity_ids
    fresh = {i: _fresh(store, i) for i in ids}
    assert sum(f.steady_s > 0 for f in fresh.values()) >= 6  # the files do have steady running

    first = status.form_summaries(store, ids)  # computed and stored
    assert set(first) == set(ids) == set(_stored_rows(store))
    # The second time nothing is computed: every summary comes back from the store.
    monkeypatch.setattr(status, "form_summary", _must_not_compute)
    second = status.form_summaries(store, ids)
    for i in ids:
        _assert_same(first[i], fresh[i])
        _assert_same(second[i], fresh[i])

    # The table the form rules read, as of each run's day, is the one built from freshly
    # computed summaries of the runs with cadence and steady running of the year before.
    items = service.list_activities(store)
    tables = 0
    for day in sorted({a.activity.local_date for a in items}):
        kept = [
            a
            for a in items
            if a.activity.sport == "running"
            and "cadence_spm" in a.channels
            and 0 <= (day - a.activity.local_date).days <= status.FORM_HISTORY_DAYS
            and fresh[a.id].steady_s > 0
        ]
        table = status.recent_form_table(store, 1, day)
        if not kept:
            assert table is None
            continue
        expected = FormTable.from_summaries(
            [a.activity.local_date.isoformat() for a in kept],
            [a.id for a in kept],
            [fresh[a.id] for a in kept],
        )
        assert table is not None
        for field in dataclasses.fields(FormTable):
            a, b = getattr(table, field.name), getattr(expected, field.name)
            assert np.array_equal(a, b, equal_nan=a.dtype.kind == "f"), field.name
        tables += 1
    assert tables >= 4


def _must_not_compute(*args: object, **kwargs: object) -> FormSummary:
    raise AssertionError("form_summary called for a run whose summary is stored")


def test_a_summary_of_another_version_is_recomputed_and_a_current_one_is_read(
    store: Store,
) -> None:
    [run] = service.import_paths(store, [FILES[2]]).activity_ids
    status.form_summaries(store, [run])
    expected = _fresh(store, run)
    with transaction(store) as conn:
        conn.execute(sa.text("update form_summaries set cadence_spm = 1.5"))
    # Same version: the stored number is what a view reads (nothing recomputed) ...
    assert status.form_summaries(store, [run])[run].cadence_spm == 1.5
    with transaction(store) as conn:
        conn.execute(
            sa.text("update form_summaries set version = :v"),
            {"v": status.FORM_SUMMARY_VERSION - 1},
        )
    # ... another version is computed again, and stored with the current version.
    _assert_same(status.form_summaries(store, [run])[run], expected)
    row = _stored_rows(store)[run]
    assert row.version == status.FORM_SUMMARY_VERSION
    assert row.numbers["cadence_spm"] == expected.cadence_spm


def test_a_run_replaced_by_its_richer_twin_gets_a_new_summary(store: Store) -> None:
    [activity] = service.import_paths(store, [TWIN_GPX]).activity_ids
    from_gpx = status.form_summaries(store, [activity])[activity]
    assert activity in _stored_rows(store)

    report = service.import_paths(store, [TWIN_FIT])  # richer: replaces the GPX's streams
    assert (report.imported, report.duplicates) == (0, 1)
    assert _stored_rows(store) == {}  # the summary went with the streams it came from

    from_fit = status.form_summaries(store, [activity])[activity]
    _assert_same(from_fit, _fresh(store, activity))
    assert from_fit.steady_s != from_gpx.steady_s
    assert _stored_rows(store)[activity].numbers["steady_s"] == from_fit.steady_s


def test_a_summary_of_streams_replaced_meanwhile_is_not_stored(store: Store) -> None:
    [activity] = service.import_paths(store, [TWIN_GPX]).activity_ids
    with transaction(store) as conn:
        [run] = form_rows.list_run_streams(conn, [activity])
    service.import_paths(store, [TWIN_FIT])  # a twin lands between reading and storing
    outdated = deriving.form_row(activity, form_summary(run.streams))
    with transaction(store) as conn:
        form_rows.upsert_form_summaries(conn, [(outdated, run.imported_at)])
    assert _stored_rows(store) == {}
    assert status.form_summaries(store, [activity])[activity].steady_s == (
        _fresh(store, activity).steady_s
    )


def test_deleting_an_activity_deletes_its_summary(store: Store) -> None:
    [run] = service.import_paths(store, [FILES[2]]).activity_ids
    status.form_summaries(store, [run])
    with transaction(store) as conn:
        conn.execute(sa.text("delete from activities where id = :id"), {"id": run})
    assert _stored_rows(store) == {}


def test_every_number_of_a_form_summary_has_a_column() -> None:
    numbers = {f.name for f in dataclasses.fields(FormSummary)} - {
        "chunk_speed_mps",
        "chunk_cadence_spm",
    }
    assert set(form_rows.FORM_NUMBERS) == numbers


def _contents(conn: sa.Connection, tables: tuple[str, ...]) -> dict[str, list[object]]:
    return {t: list(conn.execute(sa.text(f"select * from {t} order by 1")).all()) for t in tables}


def test_migration_0006_upgrades_a_0005_database_without_loss(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = create_engine(url)
    with engine.begin() as conn:
        command.upgrade(_alembic_config(conn), "0005")
    day = date(2026, 3, 2)
    with engine.begin() as conn:
        athlete = get_or_create_athlete(conn).id
        ids = [
            activity_rows.add_activity(
                conn,
                athlete,
                make_activity(start=f"2026-03-0{k}T07:00:00+00:00", seconds=1500),
                source_name=f"run{k}.fit",
                imported_at=datetime(2026, 3, 3, tzinfo=UTC),
            )
            for k in (1, 2)
        ]
        tables = ("activities", "laps", "streams", "athletes")
        before = _contents(conn, tables)
    assert current_revision(engine) == "0005"
    engine.dispose()

    with open_store(url) as store:  # SQLite upgrades itself on open
        assert current_revision(store.engine) == head_revision()  # upgraded to the newest
        with transaction(store) as conn:
            after = {
                t: conn.execute(sa.text(f"select * from {t} order by 1")).all() for t in tables
            }
        assert after == before
        form = service.get_form(store, as_of=day)
        assert [r["activity_id"] for r in form.to_json()["runs"]] == ids  # type: ignore[index]
        assert set(_stored_rows(store)) == set(ids)
