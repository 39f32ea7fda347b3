"""Whole-account export archives, built from the real files: counts, gear, RPE, names, twins,
hostile archives, resuming."""

from __future__ import annotations

import gzip
import io
import json
import shutil
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from backstride import service
from backstride.model import Gear
from backstride.store import Store, transaction
from tests.archives import (
    CZECH_HEADER,
    FIT,
    GPX,
    TCX,
    StravaRowSpec,
    build_garmin_archive,
    build_strava_archive,
    garmin_summary,
    start_of,
    strava_csv,
    strava_date,
)
from tests.ingest.test_bounds import gzip_of_zeros


def _count(store: Store, table: str = "activities") -> int:
    with transaction(store) as conn:
        return int(conn.execute(sa.text(f"select count(*) from {table}")).scalar_one())


def _by_name(store: Store) -> dict[str | None, object]:
    return {a.activity.name: a for a in service.list_activities(store)}


def test_strava_archive_imports_files_manual_entries_gear_and_rpe(
    store: Store, tmp_path: Path
) -> None:
    archive = build_strava_archive(tmp_path)
    report = service.import_paths(store, [archive.path])
    assert (report.imported, report.duplicates) == (5, 0)
    failed = {f.path.split(":", 1)[1]: f.error for f in report.failed}
    assert set(failed) == {"activities/444.fit.gz", "activities/555.fit.gz"}
    assert "missing from the archive" in failed["activities/444.fit.gz"]
    assert "line 8" in failed["activities/444.fit.gz"]  # row 9002 spans two lines

    items = {a.activity.name: a for a in service.list_activities(store)}
    assert set(items) == {
        "Morning Ride",
        'Tempo, with "strides"',
        "Easy jog",
        "Locus track",
        "Core and plank",
    }
    tempo = service.get_activity(store, items['Tempo, with "strides"'].id, with_streams=False)
    assert tempo.meta.rpe == 7
    assert tempo.meta.vendor_type == "Run"
    assert tempo.meta.external_id == "strava:9002"
    assert tempo.meta.description == "Felt fine.\nBack a bit stiff, after: 2/10"
    assert tempo.gear_name == "Ghost 15"
    assert tempo.gear_source == "archive"
    assert tempo.activity.source_format == "fit"
    assert items["Morning Ride"].gear_name == "Canyon Endurace"
    assert items["Morning Ride"].meta.rpe == 6

    manual = items["Core and plank"]
    assert manual.activity.source_format == "manual"
    assert (manual.activity.sport, manual.activity.sub_sport) == ("training", "strength_training")
    assert manual.activity.summary.elapsed_s == 1800
    assert manual.activity.start_at.isoformat() == "2026-03-03T18:30:00+00:00"
    assert manual.meta.rpe == 5

    shoes = {s.gear.name: s for s in service.list_shoes(store)}
    assert set(shoes) == {"Ghost 15", "Old Pegasus"}
    ghost = shoes["Ghost 15"]
    assert (ghost.gear.brand, ghost.activity_count) == ("Brooks", 2)
    runs_m = items['Tempo, with "strides"'].activity.summary.distance_m
    jog_m = items["Easy jog"].activity.summary.distance_m
    assert runs_m is not None
    assert jog_m is not None
    assert ghost.distance_m == pytest.approx(runs_m + jog_m)
    assert shoes["Old Pegasus"].activity_count == 0
    assert (ghost.gear.inspect_at_m, ghost.gear.replace_at_m) == (480_000.0, 800_000.0)


def test_strava_archive_twice_then_loose_files_stores_each_activity_once(
    store: Store, tmp_path: Path
) -> None:
    archive = build_strava_archive(tmp_path)
    first = service.import_paths(store, [archive.path])
    stored = _count(store)
    again = service.import_paths(store, [archive.path])
    # Issue 14: the manual (file-less) activity failed every re-import with IntegrityError.
    assert [f.error for f in again.failed] == [f.error for f in first.failed]
    assert not any("unexpected" in f.error for f in again.failed)
    assert (again.imported, again.duplicates) == (0, first.imported)
    loose = service.import_paths(store, list(archive.files.values()))
    assert loose.imported == 0
    assert loose.duplicates == len(archive.files)
    assert _count(store) == stored


def test_loose_file_first_then_archive_gets_the_archive_metadata(
    store: Store, tmp_path: Path
) -> None:
    run = FIT / "fit-parser-js__running-with-developer-data.fit"
    [first_id] = service.import_paths(store, [run]).activity_ids
    assert service.get_activity(store, first_id).meta.rpe is None
    service.import_paths(store, [build_strava_archive(tmp_path).path])
    merged = service.get_activity(store, first_id, with_streams=False)
    assert merged.activity.name == 'Tempo, with "strides"'
    assert (merged.meta.rpe, merged.gear_name) == (7, "Ghost 15")
    assert _count(store) == 5


def test_unpacked_strava_folder_imports_like_the_zip(store: Store, tmp_path: Path) -> None:
    archive = build_strava_archive(tmp_path)
    folder = tmp_path / "unpacked"
    with zipfile.ZipFile(archive.path) as z:
        z.extractall(folder)
    report = service.import_paths(store, [folder])
    assert (report.imported, len(report.failed)) == (5, 2)


def test_localised_czech_csv_with_decimal_commas(store: Store, tmp_path: Path) -> None:
    run = FIT / "workoutizer__run_with_coordinates.fit"
    start = start_of(run)
    rows = [
        StravaRowSpec("77", f"{start:%d.%m.%Y, %H:%M:%S}", "Ranní běh", "Run",
                      "activities/1.fit", gear="Boty", rpe="4"),
        StravaRowSpec("78", "02.03.2026, 17:00:00", "Ruční zápis", "Run",
                      elapsed_s="3600,0", distance_m="10000,5", display_distance="10,00"),
    ]  # fmt: skip
    path = tmp_path / "cz.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("activities.csv", strava_csv(rows, header=CZECH_HEADER))
        z.writestr("activities/1.fit", run.read_bytes())
    report = service.import_paths(store, [path])
    assert (report.imported, report.failed) == (2, [])
    items = _by_name(store)
    manual = items["Ruční zápis"]
    assert manual.activity.summary.distance_m == pytest.approx(10000.5)  # type: ignore[attr-defined]
    assert manual.activity.summary.elapsed_s == 3600  # type: ignore[attr-defined]
    assert items["Ranní běh"].gear_name == "Boty"  # type: ignore[attr-defined]


def test_csv_without_a_filename_column_is_refused_naming_it(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "odd.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("activities.csv", "Activity ID,Activity Date,Activity Type\n1,x,Run\n")
    report = service.import_paths(store, [path])
    [failure] = report.failed
    assert "no 'Filename' column" in failure.error
    assert _count(store) == 0


def test_garmin_archive_links_summaries_by_start_time_and_skips_monitoring(
    store: Store, tmp_path: Path
) -> None:
    report = service.import_paths(store, [build_garmin_archive(tmp_path)])
    assert (report.imported, report.skipped, report.failed) == (5, 1, [])
    names = [a.activity.name for a in service.list_activities(store)]
    assert "Lunch run with Stryd" in names
    assert "Fenix 2 test run" in names
    assert "Summary without a file" not in names
    stryd = next(
        a for a in service.list_activities(store) if a.activity.name == "Lunch run with Stryd"
    )
    assert stryd.meta.vendor_type == "running"
    assert stryd.meta.external_id == "garmin:2001"
    shoes = {s.gear.name: s.gear for s in service.list_shoes(store)}
    assert set(shoes) == {"Pegasus 40", "Old Kayano"}
    assert shoes["Old Kayano"].retired
    assert str(shoes["Pegasus 40"].start_date) == "2023-05-01"
    assert str(shoes["Old Kayano"].start_date) == "2020-01-01"
    again = service.import_paths(store, [build_garmin_archive(tmp_path, name="again.zip")])
    assert (again.imported, again.duplicates, again.skipped) == (0, 5, 0)


@pytest.mark.parametrize("garmin_first", [True, False], ids=["garmin-first", "strava-first"])
def test_both_archives_then_loose_files_store_each_activity_once(
    store: Store, tmp_path: Path, garmin_first: bool
) -> None:
    strava = build_strava_archive(tmp_path).path
    garmin = build_garmin_archive(tmp_path)
    order = [garmin, strava] if garmin_first else [strava, garmin]
    for path in order:
        service.import_paths(store, [path])
    # 5 from Strava, 5 from Garmin, one run in both.
    assert _count(store) == 9
    loose = [
        FIT / "sweatpy__4801048867.fit",
        FIT / "fit-parser-js__running-with-developer-data.fit",
        FIT / "fit-parser-js__triathlon_summary_first.fit",
        FIT / "fitparse__activity-small-fenix2-run.fit",
        TCX / "sweatpy__3173437224.tcx.gz",
        GPX / "workoutizer__example.gpx",
    ]
    report = service.import_paths(store, loose)
    assert report.imported == 0
    assert _count(store) == 9
    shared = next(
        a for a in service.list_activities(store) if a.activity.device == "garmin fenix5x"
    )
    # Both archives' metadata merged onto the one activity; the later archive's name wins.
    assert shared.meta.rpe == 7
    assert shared.gear_name == "Ghost 15"
    expected = 'Tempo, with "strides"' if garmin_first else "Lunch run with Stryd"
    assert shared.activity.name == expected


@pytest.mark.parametrize(
    ("member", "reason"),
    [
        ("../../evil.fit", "zip-slip"),
        ("/etc/evil.fit", "absolute"),
    ],
)
def test_hostile_archive_is_refused_whole_and_stores_nothing(
    store: Store, tmp_path: Path, member: str, reason: str
) -> None:
    good = build_strava_archive(tmp_path)
    hostile = tmp_path / "hostile.zip"
    shutil.copy(good.path, hostile)
    with zipfile.ZipFile(hostile, "a") as z:
        z.writestr(zipfile.ZipInfo(member), (FIT / "fitparse__garmin-fenix-5-run.fit").read_bytes())
    report = service.import_paths(store, [hostile])
    [failure] = report.failed
    assert failure.path == str(hostile)
    assert member.lstrip("/").split("/")[-1] in failure.error or member in failure.error
    assert "\n" not in failure.error
    assert (report.imported, _count(store), _count(store, "gear")) == (0, 0, 0)


def test_zip_bomb_is_refused_whole(store: Store, tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("activities/1.fit", (FIT / "fitparse__garmin-fenix-5-run.fit").read_bytes())
        z.writestr("activities/2.gpx", b"\0" * 60_000_000)
    report = service.import_paths(store, [bomb])
    [failure] = report.failed
    assert "activities/2.gpx" in failure.error
    assert _count(store) == 0


def test_default_shoe_goes_to_runs_without_one(store: Store, tmp_path: Path) -> None:
    service.add_shoe(store, Gear(name="Clifton 9", brand="Hoka"))
    service.import_paths(store, [FIT / "workoutizer__run_with_coordinates.fit"])
    assigned = service.set_default_shoe(store, "Clifton 9", sport="run")
    assert assigned == 1
    service.import_paths(store, [FIT / "fitparse__activity-small-fenix2-run.fit"])
    [clifton] = [s for s in service.list_shoes(store) if s.gear.name == "Clifton 9"]
    assert clifton.activity_count == 2
    assert clifton.default_for == ("running",)
    sources = {a.gear_source for a in service.list_activities(store)}
    assert sources == {"default"}


def test_gzip_member_of_loose_file_and_strava_copy_are_twins(store: Store, tmp_path: Path) -> None:
    ride = FIT / "sweatpy__4801048867.fit"
    copy = tmp_path / "4801048867.fit.gz"
    copy.write_bytes(gzip.compress(ride.read_bytes()))
    assert service.import_paths(store, [copy]).imported == 1
    assert service.import_paths(store, [ride]).duplicates == 1


def _strava_zip(path: Path, rows: list[StravaRowSpec], members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("activities.csv", strava_csv(rows))
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_nul_characters_in_export_text_are_removed_with_a_warning(
    store: Store, tmp_path: Path
) -> None:
    # PostgreSQL refuses NUL in text: it once failed the whole import run.
    run = FIT / "fit-parser-js__running-with-developer-data.fit"
    rows = [
        StravaRowSpec("1", strava_date(start_of(run)), "Tempo\x00 run", "Run",
                      "activities/1.fit", gear="Ghost\x00 15", description="ok\x00"),
        StravaRowSpec("2", "Mar 4, 2026, 7:00:00 AM", "Manual\x00", "Run", elapsed_s="1800"),
    ]  # fmt: skip
    shoes = b"Shoe Name,Shoe Brand\nGhost\x00 15,Bro\x00oks\n"
    archive = _strava_zip(
        tmp_path / "export.zip", rows, {"activities/1.fit": run.read_bytes(), "shoes.csv": shoes}
    )
    report = service.import_paths(store, [archive])
    assert report.failed == []
    assert report.imported == 2
    assert len([w for w in report.warnings if "NUL characters removed" in w.warning]) == 2
    items = _by_name(store)
    assert set(items) == {"Tempo run", "Manual"}
    tempo = service.get_activity(store, items["Tempo run"].id, with_streams=False)  # type: ignore[attr-defined]
    assert tempo.meta.description == "ok"
    assert tempo.gear_name == "Ghost 15"
    assert {(s.gear.name, s.gear.brand) for s in service.list_shoes(store)} == {
        ("Ghost 15", "Brooks")
    }


def test_oversized_csv_row_and_broken_gear_csv_fail_alone(store: Store, tmp_path: Path) -> None:
    run = FIT / "fit-parser-js__running-with-developer-data.fit"
    rows = [
        StravaRowSpec("1", strava_date(start_of(run)), "Good", "Run", "activities/1.fit"),
        StravaRowSpec("2", "Mar 4, 2026, 7:00:00 AM", "Long", "Run", description="é" * 140_000),
        StravaRowSpec("3", "Mar 5, 2026, 7:00:00 AM", "Manual", "Run", elapsed_s="1800"),
    ]
    # A quoted field that never ends: the rest of the file is one runaway row.
    shoes = b'Shoe Name,Shoe Brand\n"Ghost 15,Brooks\n' + b"x" * 200_000 + b"\n"
    archive = _strava_zip(
        tmp_path / "export.zip", rows, {"activities/1.fit": run.read_bytes(), "shoes.csv": shoes}
    )
    report = service.import_paths(store, [archive])
    assert report.imported == 2
    assert {f.path: f.error for f in report.failed} == {
        "export.zip:activities.csv line 3": "activities.csv line 3: a row longer than "
        "131072 characters",
        "export.zip:shoes.csv": "shoes.csv line 2: a row longer than 131072 characters",
    }
    assert set(_by_name(store)) == {"Good", "Manual"}


def test_gzip_bomb_in_a_stored_member_fails_alone(store: Store, tmp_path: Path) -> None:
    # Stored, the member's zip ratio is 1: only the gzip's own check can see the bomb.
    run = FIT / "fit-parser-js__running-with-developer-data.fit"
    rows = [
        StravaRowSpec("1", strava_date(start_of(run)), "Good", "Run", "activities/1.fit.gz"),
        StravaRowSpec("2", "Mar 4, 2026, 7:00:00 AM", "Bomb", "Run", "activities/2.fit.gz"),
    ]
    bomb = gzip_of_zeros(tmp_path / "bomb.gz", 300).read_bytes()
    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("activities.csv", strava_csv(rows))
        archive.writestr("activities/1.fit.gz", gzip.compress(run.read_bytes()))
        archive.writestr("activities/2.fit.gz", bomb)
    report = service.import_paths(store, [path])
    assert report.imported == 1
    [failure] = report.failed
    assert failure.path == "export.zip:activities/2.fit.gz"
    assert "decompression bomb" in failure.error


def test_nul_characters_in_garmin_json_are_removed(store: Store, tmp_path: Path) -> None:
    run = FIT / "fit-parser-js__running-with-developer-data.fit"
    summary = garmin_summary(start_of(run), 7, "Lunch\x00 run", "running\x00")
    summary["activityId"] = "7\x00"
    path = tmp_path / "garmin.zip"
    part = io.BytesIO()
    with zipfile.ZipFile(part, "w") as nested:
        nested.writestr("1_ACTIVITY.fit", run.read_bytes())
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(
            "DI_CONNECT/DI-Connect-Fitness/me_0_summarizedActivities.json", json.dumps([summary])
        )
        archive.writestr(
            "DI_CONNECT/DI-Connect-Fitness/me_gear.json",
            json.dumps({"gearDTOS": [{"displayName": "Peg\x00asus", "gearTypeName": "Shoes"}]}),
        )
        archive.writestr(
            "DI_CONNECT/DI-Connect-Uploaded-Files/UploadedFiles_0-_Part1.zip", part.getvalue()
        )
    report = service.import_paths(store, [path])
    assert report.failed == []
    [item] = service.list_activities(store)
    assert item.activity.name == "Lunch run"
    assert item.meta.vendor_type == "running"
    assert item.meta.external_id == "garmin:7"
    assert [s.gear.name for s in service.list_shoes(store)] == ["Pegasus"]


def test_a_strava_description_is_shown_by_show_and_the_activity_page(
    store: Store, tmp_path: Path
) -> None:
    """Issue 14: Strava descriptions were stored but shown nowhere. They are in `show` and on
    the activity page (never in the clinician report)."""
    from typer.testing import CliRunner

    from backstride.cli.app import app
    from tests.web.conftest import client_for

    service.import_paths(store, [build_strava_archive(tmp_path).path])
    described = next(a for a in service.list_activities(store) if a.meta.description)
    assert described.meta.description == "Felt fine.\nBack a bit stiff, after: 2/10"
    url = store.engine.url.render_as_string(hide_password=False)
    shown = CliRunner().invoke(app, ["--db", url, "show", str(described.id)])
    assert "Back a bit stiff, after: 2/10" in shown.stdout
    with client_for(url) as client:
        page = client.get(f"/activities/{described.id}").text
    assert "Back a bit stiff, after: 2/10" in page
