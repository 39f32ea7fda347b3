"""The store on SQLite and PostgreSQL: round trips, twins, migrations, dialect settings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from backstride.errors import ConfigError, NotFoundError
from backstride.model import Streams
from backstride.store import Store, open_store, transaction
from backstride.store import activities as rows
from backstride.store.athletes import get_or_create_athlete
from backstride.store.schema import metadata
from backstride.store.streams import decode_streams, encode_streams
from backstride.units import Channel
from tests.conftest import make_activity

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def _athlete(store: Store) -> int:
    with transaction(store) as conn:
        return get_or_create_athlete(conn).id


def test_default_athlete_is_created_once(store: Store) -> None:
    first = _athlete(store)
    assert _athlete(store) == first
    with transaction(store) as conn:
        assert conn.execute(sa.text("select count(*) from athletes")).scalar_one() == 1


def test_activity_round_trips_with_laps_and_streams(store: Store) -> None:
    athlete_id = _athlete(store)
    activity = make_activity(laps=3)
    with transaction(store) as conn:
        activity_id = rows.add_activity(
            conn, athlete_id, activity, source_name="run.fit", imported_at=NOW
        )
    with transaction(store) as conn:
        stored = rows.get_activity(conn, athlete_id, activity_id, with_streams=True)
    got = stored.activity
    assert got.start_at == activity.start_at
    assert got.start_at.tzinfo is not None
    assert got.local_date == activity.local_date
    assert got.summary == activity.summary
    assert got.laps == activity.laps
    assert stored.sample_count == 1801
    assert set(stored.channels) == {c.value for c in activity.streams.channels}
    for channel, values in activity.streams.channels.items():
        np.testing.assert_array_equal(got.streams.channels[channel], values)
    np.testing.assert_array_equal(got.streams.elapsed_s, activity.streams.elapsed_s)


def test_local_date_uses_the_files_utc_offset(store: Store) -> None:
    # 23:30 UTC on 1 March is 1 March... but 00:30 on 2 March in UTC+1.
    athlete_id = _athlete(store)
    late = make_activity(start="2026-03-01T23:30:00+00:00", utc_offset_s=3600)
    with transaction(store) as conn:
        rows.add_activity(conn, athlete_id, late, source_name="x.fit", imported_at=NOW)
        listed = rows.list_activities(conn, athlete_id)
    assert listed[0].activity.local_date.isoformat() == "2026-03-02"


def test_nan_summary_values_are_stored_as_null(store: Store) -> None:
    from dataclasses import replace

    athlete_id = _athlete(store)
    activity = make_activity()
    activity = replace(activity, summary=replace(activity.summary, avg_hr_bpm=float("nan")))
    with transaction(store) as conn:
        activity_id = rows.add_activity(
            conn, athlete_id, activity, source_name="x.fit", imported_at=NOW
        )
        assert rows.get_activity(conn, athlete_id, activity_id).activity.summary.avg_hr_bpm is None


def test_unknown_activity_id_is_not_found(store: Store) -> None:
    athlete_id = _athlete(store)
    with transaction(store) as conn, pytest.raises(NotFoundError, match="no activity with id 42"):
        rows.get_activity(conn, athlete_id, 42)


@pytest.mark.parametrize(
    ("start_shift_s", "sport", "speed_mps", "seconds", "is_twin"),
    [
        (0, "running", 3.0, 1800, True),
        (59, "running", 3.0, 1800, True),
        (-59, "walking", 3.0, 1800, True),  # same family (on foot)
        (61, "running", 3.0, 1800, False),
        (0, "cycling", 3.0, 1800, False),
        (0, "running", 3.0, 1880, True),  # distance and time 4.4% longer
        (0, "running", 3.0, 1920, False),  # distance and time 6.2% longer
        (0, "running", 3.0 * 1.3, 1800, True),  # GPS distance off, same elapsed time
        (0, "running", 3.0 * 1800 / 2000, 2000, True),  # same distance, 10% longer
    ],
)
def test_twin_needs_close_start_same_family_and_distance_or_time(
    store: Store, start_shift_s: int, sport: str, speed_mps: float, seconds: int, is_twin: bool
) -> None:
    athlete_id = _athlete(store)
    original = make_activity()
    with transaction(store) as conn:
        stored_id = rows.add_activity(
            conn, athlete_id, original, source_name="a.fit", imported_at=NOW
        )
    shifted = (original.start_at + timedelta(seconds=start_shift_s)).isoformat()
    other = make_activity(
        start=shifted, sport=sport, speed_mps=speed_mps, seconds=seconds, source_format="gpx"
    )
    with transaction(store) as conn:
        twin = rows.find_twin(conn, athlete_id, other)
        # An import asks with the part look-up, in one statement: the same answer.
        assert rows.find_part_or_twin(conn, athlete_id, "e" * 64, other) == (None, twin)
    assert (twin is not None and twin.activity_id == stored_id) is is_twin


def test_replace_keeps_the_id_and_swaps_laps_and_streams(store: Store) -> None:
    athlete_id = _athlete(store)
    poor = make_activity(source_format="gpx", with_hr=False, laps=1)
    rich = make_activity(source_format="fit", with_hr=True, laps=4)
    assert rich.richness > poor.richness
    with transaction(store) as conn:
        activity_id = rows.add_activity(
            conn, athlete_id, poor, source_name="a.gpx", imported_at=NOW
        )
        twin = rows.find_twin(conn, athlete_id, rich)
        assert twin is not None
        assert twin.stored_richness == poor.richness
        rows.replace_activity(conn, activity_id, rich, source_name="a.fit", imported_at=NOW)
    with transaction(store) as conn:
        stored = rows.get_activity(conn, athlete_id, activity_id, with_streams=True)
        assert rows.count_activities(conn, athlete_id) == 1
    assert stored.source_name == "a.fit"
    assert len(stored.activity.laps) == 4
    assert Channel.HEART_RATE_BPM in stored.activity.streams.channels


def test_deleting_an_activity_cascades_to_its_rows(store: Store) -> None:
    athlete_id = _athlete(store)
    with transaction(store) as conn:
        activity_id = rows.add_activity(
            conn, athlete_id, make_activity(laps=2), source_name="a.fit", imported_at=NOW
        )
        rows.add_source_part(
            conn,
            athlete_id,
            activity_id,
            sha256="ab" * 32,
            session_index=0,
            file_name="a.fit",
            imported_at=NOW,
        )
    with transaction(store) as conn:
        conn.execute(sa.text("delete from activities where id = :id"), {"id": activity_id})
    with transaction(store) as conn:
        for table in ("laps", "streams", "activity_sources"):
            assert conn.execute(sa.text(f"select count(*) from {table}")).scalar_one() == 0


def test_source_part_is_unique_per_file_and_session(store: Store) -> None:
    athlete_id = _athlete(store)
    with transaction(store) as conn:
        activity_id = rows.add_activity(
            conn, athlete_id, make_activity(), source_name="a.fit", imported_at=NOW
        )
        rows.add_source_part(
            conn,
            athlete_id,
            activity_id,
            sha256="cd" * 32,
            session_index=0,
            file_name="a.fit",
            imported_at=NOW,
        )
    with pytest.raises(sa.exc.IntegrityError), transaction(store) as conn:
        rows.add_source_part(
            conn,
            athlete_id,
            activity_id,
            sha256="cd" * 32,
            session_index=0,
            file_name="copy.fit",
            imported_at=NOW,
        )
    with transaction(store) as conn:
        assert rows.get_source_part(conn, athlete_id, "cd" * 32, 0) == activity_id
        assert rows.get_source_part(conn, athlete_id, "cd" * 32, 1) is None


def test_migrations_create_exactly_the_declared_schema(store: Store) -> None:
    inspector = sa.inspect(store.engine)
    for table in metadata.sorted_tables:
        migrated = {c["name"] for c in inspector.get_columns(table.name)}
        assert migrated == set(table.columns.keys()), table.name
    # procrastinate's own tables (migration 0011, PostgreSQL only) are not backstride's.
    tables = {t for t in inspector.get_table_names() if not t.startswith("procrastinate_")}
    assert tables == {*metadata.tables, "alembic_version"}


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: object) -> None:
    with open_store(f"sqlite:///{tmp_path}/w.db") as store:
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


class _Failed(Exception):
    pass


def _use_then_fail(url: str, opened: list[Store]) -> None:
    with open_store(url) as store:
        opened.append(store)
        with store.engine.connect() as conn:
            conn.exec_driver_sql("select 1")
        assert store.engine.pool.checkedin() == 1  # type: ignore[attr-defined]
        raise _Failed


def test_a_store_in_a_with_block_is_closed_on_the_way_out_even_after_an_error(
    tmp_path: object,
) -> None:
    # Issue 13: `with open_store(...) as store:` replaces try/finally store.close().
    opened: list[Store] = []
    with pytest.raises(_Failed):
        _use_then_fail(f"sqlite:///{tmp_path}/c.db", opened)
    assert opened[0].engine.pool.checkedin() == 0  # type: ignore[attr-defined]


@pytest.mark.postgres
def test_postgres_is_not_migrated_behind_the_operators_back(postgres_url: str) -> None:
    with pytest.raises(ConfigError, match="not up to date") as caught:
        open_store(postgres_url)
    assert caught.value.hint is not None
    assert "backstride db upgrade" in caught.value.hint
    open_store(postgres_url, upgrade_schema=True).close()
    open_store(postgres_url).close()  # now current: opens without upgrading


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a url", "not a valid URL"),
        ("mysql://u@h/db", "not supported"),
        ("postgresql+psycopg://nobody@127.0.0.1:1/none", "cannot open database"),
    ],
)
def test_unusable_database_urls_give_one_line_errors(url: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        open_store(url, upgrade_schema=False).close()
    assert "\n" not in caught.value.message


finite_or_nan = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False, width=64), st.just(float("nan"))
)


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(0, 50),
    data=st.data(),
    extra_name=st.text(min_size=1, max_size=20),
)
def test_stream_codec_round_trips_exactly(n: int, data: st.DataObject, extra_name: str) -> None:
    arrays = hnp.arrays(np.float64, n, elements=finite_or_nan)
    streams = Streams(
        elapsed_s=np.arange(n, dtype=np.float64),
        channels={Channel.HEART_RATE_BPM: data.draw(arrays), Channel.POWER_W: data.draw(arrays)},
        extra={extra_name: data.draw(arrays)},
    )
    back = decode_streams(encode_streams(streams))
    np.testing.assert_array_equal(back.elapsed_s, streams.elapsed_s)
    assert list(back.channels) == list(streams.channels)
    for channel in streams.channels:
        np.testing.assert_array_equal(back.channels[channel], streams.channels[channel])
    np.testing.assert_array_equal(back.extra[extra_name], streams.extra[extra_name])


def test_gear_names_are_every_kind_of_the_athlete_by_id(store: Store) -> None:
    from backstride.model import Gear
    from backstride.store import gear as gear_rows

    with transaction(store) as conn:
        me = get_or_create_athlete(conn, "me").id
        other = get_or_create_athlete(conn, "other").id
        shoe = gear_rows.upsert_gear(conn, me, Gear(name="Pegasus"))
        bike = gear_rows.upsert_gear(conn, me, Gear(name="Tarmac", kind="bike"))
        gear_rows.upsert_gear(conn, other, Gear(name="Ghost"))
        assert gear_rows.list_gear_names(conn, me) == {shoe: "Pegasus", bike: "Tarmac"}
