"""An import batch's writes (``store.batch``; on PostgreSQL held and written with COPY at the
commit, ``store.deferred``): values come back exactly as an INSERT stores them, a failing
file takes only its own rows, and a refused COPY fails the whole batch."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import numpy as np
import pytest
import sqlalchemy as sa

from backstride.errors import StorageError
from backstride.model import FormRow, Lap
from backstride.store import Connection, Store, transaction
from backstride.store import activities as rows
from backstride.store import form as form_rows
from backstride.store.athletes import get_or_create_athlete
from backstride.store.batch import ImportBatch
from backstride.store.deferred import deferred_of
from backstride.store.form import FORM_NUMBERS
from backstride.store.schema import activity_sources, laps, source_files, streams
from tests.conftest import make_activity

NewBatch = Callable[[Store, int], ImportBatch]
#: The rows of two stored runs of ``_store_run`` (three laps each).
TWO_RUNS = {
    "activities": 2,
    "laps": 6,
    "streams": 2,
    "form_summaries": 2,
    "activity_sources": 2,
    "source_files": 2,
}
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
#: Everything COPY's text escaping would have to get right (the binary COPY needs none):
#: tab, newline, carriage return, backslash, the end-of-data marker, a control byte, UTF-8.
AWKWARD = "a\tb\nc\r\\d\\.\x01é"
#: A blob with zero bytes, every byte value and the end-of-data marker.
BLOB = bytes(range(256)) * 3 + b"\\.\n\x00\x00\\N"


@pytest.fixture
def new_batch() -> Iterator[NewBatch]:
    """Makes import batches, each rolled back at the end unless committed: a failed assertion
    leaves no transaction open (it would hold the locks the test's schema is dropped with)."""
    made: list[ImportBatch] = []

    def new(store: Store, athlete_id: int) -> ImportBatch:
        made.append(ImportBatch(store, athlete_id))
        return made[-1]

    yield new
    for batch in made:
        batch.rollback()


def _athlete(store: Store) -> int:
    with transaction(store) as conn:
        return get_or_create_athlete(conn).id


@pytest.fixture
def pg_store(postgres_url: str) -> Iterator[Store]:
    """A PostgreSQL store (the tests of what COPY refuses; the others run on both)."""
    from backstride.store import open_store

    with open_store(postgres_url, upgrade_schema=True) as store:
        yield store


def _begun(store: Store, new_batch: NewBatch) -> tuple[int, ImportBatch]:
    """The athlete and a new batch whose first file, a run on 2026-03-01, is stored."""
    athlete_id = _athlete(store)
    batch = new_batch(store, athlete_id)
    with batch.part() as conn:
        _store_run(conn, athlete_id, start="2026-03-01T07:00:00+00:00", sha256="a" * 64)
    return athlete_id, batch


def _store_run(
    conn: Connection, athlete_id: int, *, start: str, sha256: str, blob: bytes | None = None
) -> int:
    """One run as an import stores it: the activity, its laps and streams, its form summary,
    its source part and the file's mark."""
    activity = make_activity(start=start, laps=3)
    activity_id = rows.add_activity(
        conn, athlete_id, activity, source_name="run.fit", imported_at=NOW, streams_blob=blob
    )
    form_rows.add_form_summaries(conn, [_form(activity_id)])
    rows.add_source_part(
        conn, athlete_id, activity_id, sha256=sha256, session_index=0,
        file_name="run.fit", imported_at=NOW,
    )  # fmt: skip
    rows.add_source_file(
        conn, athlete_id, sha256=sha256, file_name="run.fit", activity_count=1, imported_at=NOW
    )
    return activity_id


def _failing_part(batch: ImportBatch, work: Callable[[Connection], object]) -> None:
    """A file whose statements are ``work`` and which then fails."""
    with batch.part() as conn:
        work(conn)
        raise ValueError("bad file")


def _form(activity_id: int) -> FormRow:
    numbers = {name: 1.5 + i for i, name in enumerate(FORM_NUMBERS)}
    numbers.update(speed_mps=math.nan, cadence_spm=math.inf, power_w=-math.inf)
    return FormRow(
        activity_id=activity_id,
        version=7,
        numbers=numbers,
        chunk_speed_mps=np.array([3.25, math.nan, math.inf, 5e-324, 0.1 + 0.2]),
        chunk_cadence_spm=np.array([], dtype=np.float64),
    )


def _counts(store: Store) -> dict[str, int]:
    with transaction(store) as conn:
        return {
            name: conn.execute(sa.text(f"select count(*) from {name}")).scalar_one()
            for name in ("activities", "laps", "streams", "form_summaries", "activity_sources",
                         "source_files")
        }  # fmt: skip


def _runs_stored(store: Store, athlete_id: int) -> list[tuple[datetime, int, int, str]]:
    """(start, laps, stream bytes, source sha) of every stored run, by start."""
    with transaction(store) as conn:
        found = []
        for stored in rows.list_activities(conn, athlete_id):
            full = rows.get_activity(conn, athlete_id, stored.id, with_streams=True)
            blob = conn.execute(
                sa.select(streams.c.data).where(streams.c.activity_id == stored.id)
            ).scalar_one()
            sha = conn.execute(
                sa.select(activity_sources.c.sha256).where(
                    activity_sources.c.activity_id == stored.id
                )
            ).scalar_one()
            assert form_rows.list_form_summaries(conn, [stored.id])[stored.id].version == 7
            found.append((stored.activity.start_at, len(full.activity.laps), len(blob), sha))
        return found


def test_values_come_back_exactly_as_given(store: Store, new_batch: NewBatch) -> None:
    athlete_id = _athlete(store)
    start = datetime(2026, 3, 1, 7, 0, tzinfo=timezone(timedelta(hours=5, minutes=30)))
    odd_laps = (
        Lap(
            start_at=start,
            elapsed_s=0.1 + 0.2,  # not a short decimal: a text round trip would need 17 digits
            timer_s=5e-324,  # the smallest subnormal
            distance_m=math.nan,  # NaN and inf are stored as NULL (store.activities._finite)
            avg_speed_mps=math.inf,
            avg_hr_bpm=None,
            max_hr_bpm=1e308,
            avg_cadence_spm=-2.5,
            avg_power_w=123456789.123456789,
            intensity=AWKWARD,
        ),
        Lap(start_at=start + timedelta(microseconds=1), elapsed_s=60.0, intensity=None),
    )
    # The activity's start is UTC by the model's rule; a lap's may come with any offset.
    activity = replace(make_activity(start="2026-03-01T01:30:00+00:00"), laps=odd_laps)
    batch = new_batch(store, athlete_id)
    with batch.part() as conn:
        activity_id = rows.add_activity(
            conn, athlete_id, activity, source_name="x.fit", imported_at=NOW, streams_blob=BLOB
        )
        form_rows.add_form_summaries(conn, [_form(activity_id)])
        rows.add_source_part(
            conn, athlete_id, activity_id, sha256="f" * 64, session_index=3,
            file_name=AWKWARD, imported_at=start,
        )  # fmt: skip
        rows.add_source_file(
            conn, athlete_id, sha256="f" * 64, file_name=AWKWARD, activity_count=1,
            imported_at=start,
        )  # fmt: skip
    batch.commit()

    with transaction(store) as conn:
        stored = rows.get_activity(conn, athlete_id, activity_id).activity
        lap_rows = conn.execute(sa.select(laps).order_by(laps.c.lap_index)).all()
        blob = conn.execute(sa.select(streams.c.codec, streams.c.data)).one()
        form = form_rows.list_form_summaries(conn, [activity_id])[activity_id]
        source = conn.execute(sa.select(activity_sources)).one()
        mark = conn.execute(sa.select(source_files)).one()
    first = stored.laps[0]
    assert first.start_at == datetime(2026, 3, 1, 1, 30, tzinfo=UTC)  # the instant, in UTC
    assert first.start_at.utcoffset() == timedelta(0)
    assert (first.elapsed_s, first.timer_s) == (0.30000000000000004, 5e-324)
    assert (first.distance_m, first.avg_speed_mps, first.avg_hr_bpm) == (None, None, None)
    assert (first.max_hr_bpm, first.avg_cadence_spm) == (1e308, -2.5)
    assert first.avg_power_w == 123456789.12345679
    assert first.intensity == AWKWARD
    assert stored.laps[1].start_at == datetime(2026, 3, 1, 1, 30, 0, 1, tzinfo=UTC)
    assert stored.laps[1].intensity is None
    assert [r.lap_index for r in lap_rows] == [0, 1]
    assert (blob.codec, bytes(blob.data)) == ("f64-zstd-1", BLOB)
    assert form.version == 7
    assert math.isnan(form.numbers["speed_mps"])  # NaN is stored as NULL
    assert (form.numbers["cadence_spm"], form.numbers["power_w"]) == (math.inf, -math.inf)
    assert form.numbers["steady_s"] == 1.5
    assert form.chunk_speed_mps.tobytes() == _form(0).chunk_speed_mps.tobytes()
    assert len(form.chunk_cadence_spm) == 0
    assert (source.activity_id, source.session_index, source.file_name) == (
        activity_id,
        3,
        AWKWARD,
    )
    assert source.imported_at == start
    assert (mark.file_name, mark.activity_count, mark.imported_at) == (AWKWARD, 1, start)


def test_a_failing_file_takes_only_its_own_rows(store: Store, new_batch: NewBatch) -> None:
    athlete_id = _athlete(store)
    batch = new_batch(store, athlete_id)
    with batch.part() as conn:
        _store_run(conn, athlete_id, start="2026-03-01T07:00:00+00:00", sha256="a" * 64)

    def bad_file(conn: Connection) -> None:
        _store_run(conn, athlete_id, start="2026-03-02T07:00:00+00:00", sha256="b" * 64)

    with pytest.raises(ValueError, match="bad file"):
        _failing_part(batch, bad_file)
    with batch.part() as conn:
        _store_run(conn, athlete_id, start="2026-03-03T07:00:00+00:00", sha256="c" * 64)
    assert _counts(store)["activities"] == 0  # nothing is stored before the commit
    batch.commit()
    stored = _runs_stored(store, athlete_id)
    assert [(s.day, n, sha[0]) for s, n, _, sha in stored] == [(1, 3, "a"), (3, 3, "c")]
    assert _counts(store) == TWO_RUNS


def test_a_failing_file_that_read_held_rows_keeps_the_earlier_files(
    store: Store, new_batch: NewBatch
) -> None:
    # The second file's look-up of the first file's part writes the held rows inside the
    # second file's savepoint; its failure rolls that back, and the rows must be held again.
    athlete_id = _athlete(store)
    batch = new_batch(store, athlete_id)
    with batch.part() as conn:
        first = _store_run(conn, athlete_id, start="2026-03-01T07:00:00+00:00", sha256="a" * 64)

    def bad_file(conn: Connection) -> None:
        _store_run(conn, athlete_id, start="2026-03-02T07:00:00+00:00", sha256="b" * 64)
        assert rows.get_source_part(conn, athlete_id, "a" * 64, 0) == first
        assert rows.get_source_file(conn, athlete_id, "a" * 64) == 1

    with pytest.raises(ValueError, match="bad file"):
        _failing_part(batch, bad_file)
    with batch.part() as conn:
        assert rows.get_source_part(conn, athlete_id, "a" * 64, 0) == first
        assert rows.get_source_part(conn, athlete_id, "b" * 64, 0) is None
    batch.commit()
    assert [(s.day, n, sha[0]) for s, n, _, sha in _runs_stored(store, athlete_id)] == [(1, 3, "a")]
    assert _counts(store)["laps"] == 3


def test_a_file_that_reads_its_own_held_part_finds_it_once(
    store: Store, new_batch: NewBatch
) -> None:
    athlete_id = _athlete(store)
    batch = new_batch(store, athlete_id)
    with batch.part() as conn:
        first = _store_run(conn, athlete_id, start="2026-03-01T07:00:00+00:00", sha256="a" * 64)
        assert rows.list_source_activities(conn, athlete_id, "a" * 64) == [first]
        _store_run(conn, athlete_id, start="2026-03-02T07:00:00+00:00", sha256="b" * 64)
    batch.commit()
    assert _counts(store) == TWO_RUNS


@pytest.mark.postgres
def test_a_refused_copy_fails_the_whole_batch(pg_store: Store, new_batch: NewBatch) -> None:
    athlete_id, batch = _begun(pg_store, new_batch)
    with batch.part() as conn:
        held = deferred_of(conn)
        assert held is not None
        assert len(held) == 7  # 3 laps, streams, summary, part, file
        # A lap of no activity: the foreign key refuses the COPY at the commit.
        held.add(laps, [{"activity_id": 999_999, "lap_index": 0, "start_at": NOW,
                         "elapsed_s": 1.0}])  # fmt: skip
    with pytest.raises(StorageError, match="not stored, the database refused the write"):
        batch.commit()
    assert batch.broken is not None
    batch.rollback()
    assert _counts(pg_store)["activities"] == 0
    # The store takes the next batch as ever.
    again = new_batch(pg_store, athlete_id)
    with again.part() as conn:
        _store_run(conn, athlete_id, start="2026-03-01T07:00:00+00:00", sha256="a" * 64)
    again.commit()
    assert _counts(pg_store)["laps"] == 3


@pytest.mark.postgres
def test_a_copy_refused_during_a_file_breaks_the_batch(
    pg_store: Store, new_batch: NewBatch
) -> None:
    athlete_id = _athlete(pg_store)
    batch = new_batch(pg_store, athlete_id)
    with batch.part() as conn:
        _store_run(conn, athlete_id, start="2026-03-01T07:00:00+00:00", sha256="a" * 64)
        held = deferred_of(conn)
        assert held is not None
        held.add(laps, [{"activity_id": 999_999, "lap_index": 0, "start_at": NOW,
                         "elapsed_s": 1.0}])  # fmt: skip
    with pytest.raises(StorageError) as refused:
        # The look-up writes the held rows first.
        _failing_part(batch, lambda conn: rows.get_source_part(conn, athlete_id, "a" * 64, 0))
    assert batch.broken is refused.value
    with pytest.raises(StorageError):  # every later file fails at once
        _failing_part(batch, lambda conn: None)
    batch.rollback()
    assert _counts(pg_store)["activities"] == 0


@pytest.mark.postgres
def test_a_value_the_table_refuses_fails_its_own_file_only(
    pg_store: Store, new_batch: NewBatch
) -> None:
    # A TCX lap's intensity is the file's own word, and laps.intensity is varchar(32); a
    # summary without its steady time is NULL where the table takes none. Each file fails
    # when its rows are held, as its INSERT did, not the whole batch at the COPY.
    athlete_id, batch = _begun(pg_store, new_batch)
    long_word = replace(
        make_activity(start="2026-03-02T07:00:00+00:00"),
        laps=(Lap(start_at=NOW, elapsed_s=1.0, intensity="x" * 33),),
    )
    with pytest.raises(ValueError, match=r"too long for type character varying\(32\)"):
        _failing_part(
            batch,
            lambda conn: rows.add_activity(
                conn, athlete_id, long_word, source_name="x.tcx", imported_at=NOW
            ),
        )

    def no_steady_time(conn: Connection) -> None:
        activity_id = rows.add_activity(
            conn, athlete_id, make_activity(start="2026-03-03T07:00:00+00:00"),
            source_name="y.fit", imported_at=NOW,
        )  # fmt: skip
        form = _form(activity_id)
        form_rows.add_form_summaries(
            conn, [replace(form, numbers={**form.numbers, "steady_s": math.nan})]
        )

    with pytest.raises(ValueError, match='null value in column "steady_s"'):
        _failing_part(batch, no_steady_time)
    with batch.part() as conn:
        _store_run(conn, athlete_id, start="2026-03-04T07:00:00+00:00", sha256="d" * 64)
    batch.commit()
    assert [(s.day, n, sha[0]) for s, n, _, sha in _runs_stored(pg_store, athlete_id)] == [
        (1, 3, "a"),
        (4, 3, "d"),
    ]


def test_part_or_twin_answers_as_the_two_look_ups_do(store: Store, new_batch: NewBatch) -> None:
    athlete_id = _athlete(store)
    batch = new_batch(store, athlete_id)
    with batch.part() as conn:
        first = _store_run(conn, athlete_id, start="2026-03-01T07:00:00+00:00", sha256="a" * 64)
        # A ride 30 s later (another sport family), and the same run from a GPX 20 s later.
        ride = make_activity(start="2026-03-01T07:00:30+00:00", sport="cycling")
        rows.add_activity(conn, athlete_id, ride, source_name="r.fit", imported_at=NOW)
        same_run = make_activity(start="2026-03-01T07:00:20+00:00", source_format="gpx")
        new_run = make_activity(start="2026-03-01T09:00:00+00:00")

        # The part is stored (the file seen before): its activity, no twin asked for.
        assert rows.find_part_or_twin(conn, athlete_id, "a" * 64, same_run) == (first, None)
        # Another file's part: no part, the twin find_twin finds (the run, not the ride).
        part, twin = rows.find_part_or_twin(conn, athlete_id, "b" * 64, same_run)
        assert part is None
        assert twin == rows.find_twin(conn, athlete_id, same_run)
        assert twin is not None
        assert twin.activity_id == first
        assert twin.reason == "twin: start within 60 s, same sport family, distance within 5 %"
        # Nothing stored near its start: a new activity.
        assert rows.find_part_or_twin(conn, athlete_id, "c" * 64, new_run) == (None, None)
        # Another session of the stored file is not the stored part.
        second_session = replace(new_run, session_index=1)
        assert rows.find_part_or_twin(conn, athlete_id, "a" * 64, second_session) == (None, None)
    batch.commit()
