"""An import stores each run's form summary with the run (issue 15): the first view after it
computes nothing, and migration 0009 fills the summaries of runs stored before."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa
from alembic import command

from backstride import service
from backstride.analysis.form import FloatArray, FormSummary, form_summary
from backstride.config import Settings
from backstride.ingest import read_activities
from backstride.ingest.files import read_activity_file
from backstride.model import ImportReport, Streams
from backstride.service import deriving, pipeline, status
from backstride.service.decoding import Decoded
from backstride.service.storing import Source, import_hashed
from backstride.store import Store, open_store, transaction
from backstride.store import activities as activity_rows
from backstride.store import form as form_rows
from backstride.store.athletes import get_or_create_athlete
from backstride.store.db import _alembic_config, create_engine, current_revision, head_revision
from backstride.units import Channel
from tests.archives import build_strava_archive
from tests.conftest import DATA

#: Every real activity file of tests/data: runs with and without cadence, multisport files
#: with runs among other sports, FIT, GPX and TCX (and files that fail, as in real folders).
ALL_FILES = sorted(p for p in DATA.glob("*/*") if p.suffix not in (".toml", ".csv", ".md"))
#: A watch's run with cadence.
RUN = DATA / "fit" / "workoutizer__run_with_coordinates.fit"


def _must_not_compute(*args: object, **kwargs: object) -> FormSummary:
    raise AssertionError("a view computed a form summary the import should have stored")


def _runs_with_streams(store: Store) -> list[int]:
    with transaction(store) as conn:
        return list(
            conn.execute(
                sa.text(
                    "select a.id from activities a join streams s on s.activity_id = a.id "
                    "where a.sport = 'running' order by a.id"
                )
            ).scalars()
        )


def _stored_summaries(store: Store) -> dict[int, FormSummary]:
    with transaction(store) as conn:
        ids = conn.execute(sa.text("select activity_id from form_summaries")).scalars().all()
        rows = form_rows.list_form_summaries(conn, list(ids))
    assert all(r.version == deriving.FORM_SUMMARY_VERSION for r in rows.values())
    return {i: deriving.summary_of(r) for i, r in rows.items()}


def _fresh(store: Store, activity_id: int) -> FormSummary:
    with transaction(store) as conn:
        athlete_id = get_or_create_athlete(conn).id
        stored = activity_rows.get_activity(conn, athlete_id, activity_id, with_streams=True)
    return form_summary(stored.activity.streams)


def _assert_same(got: FormSummary, expected: FormSummary) -> None:
    for field in dataclasses.fields(FormSummary):
        a = np.asarray(getattr(got, field.name), np.float64)
        b = np.asarray(getattr(expected, field.name), np.float64)
        assert a.shape == b.shape, field.name
        assert np.array_equal(a, b, equal_nan=True), (field.name, a, b)


def _assert_nothing_left_to_compute(store: Store, monkeypatch: pytest.MonkeyPatch) -> int:
    """Every run with streams has its summary, equal to one computed now from its stored
    streams; the views (status, form) then run with the computation made to fail. Returns
    how many runs there are."""
    runs = _runs_with_streams(store)
    stored = _stored_summaries(store)
    assert set(stored) == set(runs)
    for run in runs:
        _assert_same(stored[run], _fresh(store, run))
    with monkeypatch.context() as patch:
        patch.setattr(status, "form_summary", _must_not_compute)
        with transaction(store) as conn:
            days = sorted({a.activity.local_date for a in activity_rows.list_activities(conn, 1)})
        for day in days:
            service.get_status(store, as_of=day)
            service.get_form(store, as_of=day)
    return len(runs)


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_fresh_import_of_real_files_leaves_nothing_for_the_first_view(
    store: Store, monkeypatch: pytest.MonkeyPatch, jobs: int
) -> None:
    monkeypatch.setattr(pipeline, "POOL_MIN_FILES", 1)  # --jobs 2 decodes in workers
    report = service.import_paths(store, ALL_FILES, jobs=jobs)
    assert report.imported >= 20, report
    assert _assert_nothing_left_to_compute(store, monkeypatch) >= 15


def test_a_fresh_import_of_an_archive_leaves_nothing_for_the_first_view(
    store: Store, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    archive = build_strava_archive(tmp_path)
    monkeypatch.setattr(pipeline, "POOL_MIN_FILES", 1)
    report = service.import_paths(store, [archive.path], jobs=2)
    assert report.imported >= 4, report
    assert _assert_nothing_left_to_compute(store, monkeypatch) >= 2


def test_a_run_replaced_by_its_richer_twin_has_the_summary_of_the_streams_kept(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A watch's run, then a richer record of it without cadence (more channels otherwise,
    as a GPS export): the stored cadence stays, and the summary is of the merged streams, not
    of the twin's own (whose cadence is missing) as its decoder derived it."""
    [run] = service.import_paths(store, [RUN]).activity_ids
    [watch] = read_activities(read_activity_file(RUN))
    kept: dict[Channel, FloatArray] = {
        c: v for c, v in watch.streams.channels.items() if c != Channel.CADENCE_SPM
    }
    absent = [c for c in (Channel.TEMPERATURE_C, Channel.POWER_W, Channel.STEP_LENGTH_M)
              if c not in watch.streams.channels]  # fmt: skip
    n = len(watch.streams)
    twin = dataclasses.replace(
        watch,
        streams=Streams(
            watch.streams.elapsed_s, {**kept, **{c: np.full(n, 18.0) for c in absent[:2]}}
        ),
    )
    assert twin.richness > watch.richness
    own = deriving.derive_forms([twin])
    assert own[0] is not None
    assert np.isnan(own[0].cadence_spm)
    report = ImportReport()
    import_hashed(
        store,
        1,
        "0" * 64,
        lambda: Decoded(activities=[twin], forms=own),
        Source("twin.gpx", "twin.gpx"),
        report,
    )
    assert (report.imported, report.duplicates) == (0, 1)
    assert _assert_nothing_left_to_compute(store, monkeypatch) == 1
    merged = _stored_summaries(store)[run]
    assert merged.cadence_spm == pytest.approx(_fresh(store, run).cadence_spm)
    assert np.isfinite(merged.cadence_spm)


def _old_store_with_runs(url: str) -> list[int]:
    """A store at revision 0007 holding the real runs' activities with their streams and no
    form summary (what imports before issue 15 left)."""
    engine = create_engine(url)
    with engine.begin() as conn:
        command.upgrade(_alembic_config(conn), "0007")
    ids = []
    with engine.begin() as conn:
        athlete = get_or_create_athlete(conn).id
        for path in ALL_FILES:
            try:
                activities = read_activities(read_activity_file(path))
            except Exception:
                continue
            for activity in activities:
                ids.append(
                    activity_rows.add_activity(
                        conn,
                        athlete,
                        activity,
                        source_name=path.name,
                        imported_at=datetime(2026, 3, 3, tzinfo=UTC),
                    )
                )
    assert current_revision(engine) == "0007"
    engine.dispose()
    return ids


class _Recorder:
    def __init__(self) -> None:
        self.total = 0
        self.done = 0

    def add_total(self, count: int) -> None:
        self.total += count

    def advance(self, label: str) -> None:
        self.done += 1


def test_the_migration_fills_the_summaries_of_an_old_store_once(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _old_store_with_runs(database_url)
    progress = _Recorder()
    settings = Settings(database_url=database_url)
    service.upgrade_database(settings, progress=progress)
    with open_store(database_url) as store:
        assert current_revision(store.engine) == head_revision()
        runs = len(_runs_with_streams(store))
        assert runs >= 15
        assert progress.total == progress.done == runs
        _assert_nothing_left_to_compute(store, monkeypatch)


def test_the_automatic_upgrade_of_a_sqlite_store_at_open_fills_them_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    _old_store_with_runs(url)
    progress = _Recorder()
    with service.open_database(Settings(database_url=url), progress=progress) as store:
        assert current_revision(store.engine) == head_revision()
        assert progress.total == progress.done == len(_runs_with_streams(store)) >= 15
        _assert_nothing_left_to_compute(store, monkeypatch)
    # Once: opening again finds nothing to do.
    again = _Recorder()
    service.open_database(Settings(database_url=url), progress=again).close()
    assert again.total == 0


def test_the_migration_redoes_summaries_of_another_version(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    [run, *_] = _old_store_with_runs(url)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "insert into form_summaries (activity_id, version, steady_s, chunk_speed_mps, "
                "chunk_cadence_spm) select s.activity_id, :v, -1, x'', x'' from streams s "
                "join activities a on a.id = s.activity_id where a.sport = 'running'"
            ),
            {"v": deriving.FORM_SUMMARY_VERSION - 1},
        )
    engine.dispose()
    with service.open_database(Settings(database_url=url)) as store:
        stored = _stored_summaries(store)  # every one of the current version
        assert set(stored) == set(_runs_with_streams(store))
        _assert_same(stored[run], _fresh(store, run))
