"""Import use cases over the real files: idempotency, twins, failures, interrupted imports."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from backstride import service
from backstride.store import Store, transaction
from tests.conftest import DATA, LOCAL_DATA

FIT = DATA / "fit"
GPX = DATA / "gpx"
TCX = DATA / "tcx"


def _count(store: Store, table: str) -> int:
    with transaction(store) as conn:
        return int(conn.execute(sa.text(f"select count(*) from {table}")).scalar_one())


def test_importing_a_folder_twice_adds_nothing_the_second_time(store: Store) -> None:
    first = service.import_paths(store, [DATA])
    assert first.imported > 20
    assert all("unexpected error" not in f.error for f in first.failed), first.failed
    rows_before = {t: _count(store, t) for t in ("activities", "laps", "streams")}
    second = service.import_paths(store, [DATA])
    assert second.imported == 0
    assert second.activity_ids == []
    assert second.duplicates == first.imported + first.duplicates
    assert [f.path for f in second.failed] == [f.path for f in first.failed]
    assert {t: _count(store, t) for t in rows_before} == rows_before


def test_every_failure_is_one_line_naming_the_file(store: Store) -> None:
    report = service.import_paths(store, [DATA])
    for failure in report.failed:
        assert Path(failure.path).exists()
        assert failure.error
        assert "\n" not in failure.error
        assert "Traceback" not in failure.error
    # Only files holding no timed track can fail among the permissive files.
    assert {Path(f.path).name for f in report.failed} == {
        "gpxpy__gpx_with_garmin_extension.gpx",
        "gpxpy__unicode_with_bom.gpx",
    }


@pytest.mark.parametrize("fit_first", [True, False], ids=["fit-first", "gpx-first"])
def test_a_fit_and_its_strava_gpx_become_one_activity_keeping_the_fit(
    store: Store, fit_first: bool
) -> None:
    fit, gpx = FIT / "sweatpy__4801048867.fit", GPX / "sweatpy__4801048867_strava.gpx.gz"
    order = [fit, gpx] if fit_first else [gpx, fit]
    first = service.import_paths(store, [order[0]])
    second = service.import_paths(store, [order[1]])
    assert (first.imported, second.imported, second.duplicates) == (1, 0, 1)
    [stored] = service.list_activities(store)
    assert stored.activity.source_format == "fit"
    detail = service.get_activity(store, stored.id)
    assert sorted(detail.sources) == sorted(p.name for p in order)
    assert stored.id == first.activity_ids[0]  # the id survives a replacement


def test_gpx_and_tcx_exports_of_one_ride_become_one_activity(store: Store) -> None:
    report = service.import_paths(
        store, [GPX / "sweatpy__activity_5039744860.gpx", TCX / "sweatpy__activity_5039744860.tcx"]
    )
    assert (report.imported, report.duplicates) == (1, 1)
    [stored] = service.list_activities(store)
    assert stored.activity.source_format == "tcx"  # laps and more channels than the GPX


def test_a_renamed_copy_is_a_duplicate_by_content(store: Store, tmp_path: Path) -> None:
    original = FIT / "workoutizer__run_with_coordinates.fit"
    copy = tmp_path / "renamed.fit.gz"
    copy.write_bytes(gzip.compress(original.read_bytes()))
    assert service.import_paths(store, [original]).imported == 1
    again = service.import_paths(store, [copy])
    assert (again.imported, again.duplicates) == (0, 1)


def test_multisport_file_gives_one_activity_per_sport_without_transitions(store: Store) -> None:
    report = service.import_paths(store, [FIT / "fit-parser-js__triathlon_summary_first.fit"])
    sports = [a.activity.sport for a in service.list_activities(store)]
    assert report.imported == 3
    assert sports == ["swimming", "cycling", "running"]


def test_a_bad_file_fails_alone_and_stores_nothing(store: Store, tmp_path: Path) -> None:
    good = FIT / "fitparse__garmin-fenix-5-run.fit"
    bad = tmp_path / "broken.fit"
    bad.write_bytes(b"this is not a watch file")
    report = service.import_paths(store, [bad, good])
    assert report.imported == 1
    assert [(Path(f.path).name, f.error) for f in report.failed] == [
        ("broken.fit", "not a FIT, GPX or TCX file (unrecognised content)")
    ]
    assert _count(store, "activities") == 1
    assert _count(store, "source_files") == 1


def test_folders_are_searched_recursively_for_activity_names(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    shutil.copy(FIT / "fitparse__garmin-fenix-5-run.fit", tmp_path / "a" / "b" / "RUN.FIT")
    shutil.copy(GPX / "workoutizer__example.gpx", tmp_path / "a" / "x.gpx")
    (tmp_path / "a" / "notes.txt").write_text("not an activity")
    (tmp_path / ".hidden").mkdir()
    shutil.copy(GPX / "workoutizer__example.gpx", tmp_path / ".hidden" / "y.gpx")
    names = [p.name for p in service.list_import_files([tmp_path])]
    assert names == ["RUN.FIT", "x.gpx"]


@pytest.mark.local_data
def test_every_local_file_imports_or_fails_with_a_reason(store: Store) -> None:
    if not LOCAL_DATA.is_dir():
        pytest.skip(f"local-only test data not present: {LOCAL_DATA} (see tests/README.md)")
    report = service.import_paths(store, [LOCAL_DATA])
    assert all("unexpected error" not in f.error for f in report.failed), report.failed
    failed = {Path(f.path).name for f in report.failed}
    assert failed <= {
        "fitparse__activity-settings-corruptheader.fit",
        "goldencheetah__MetadataOnly.gpx",
    }
    assert "goldencheetah__MetadataOnly.gpx" in failed
    warned = {Path(w.path).name for w in report.warnings}
    assert {"fitparse__activity-filecrc.fit", "fitparse__activity-unexpected-eof.fit"} <= warned
    # The GoldenCheetah 10 km race exists as FIT and TCX: stored once.
    tens = [
        a
        for a in service.list_activities(store)
        if a.source_name.startswith("goldencheetah__10kUNLP2014")
    ]
    assert len(tens) == 1
