"""Crafted bombs against the resource bounds (ingest/limits.py, docs/importing.md).

Each import runs in a subprocess (the real CLI, on a fresh SQLite file) that reports its own
peak memory and the wall time of the import: every bomb is refused with one line within
IMPORT_MEMORY_MB and IMPORT_SECONDS. Where a bomb at full scale would be slow to build, a
limit is lowered in the subprocess and a small file crosses it.
"""

from __future__ import annotations

import gzip
import json
import struct
import subprocess
import sys
import time
import zipfile
import zlib
from pathlib import Path

import pytest

from backstride.ingest import limits, read_activities
from backstride.ingest.fitcol.crc import fit_crc
from tests.archives import FIT, TCX, StravaRowSpec, start_of, strava_csv, strava_date

#: An import's peak memory, whatever the input (the issue's bound).
IMPORT_MEMORY_MB = 500
#: Wall time of one refused import in the subprocess (start-up and database creation excluded).
IMPORT_SECONDS = 10.0

_CHILD = """
import json, resource, sys, time
from backstride.ingest import limits
for name, value in json.loads(sys.argv[1]).items():
    setattr(limits, name, value)
from backstride.cli.app import app
# Imported before the clock starts, as they were before commands and migrations became lazy
# (issue 15): the command's module, and Alembic (a new store is migrated).
import alembic.command, alembic.config, alembic.runtime.migration, alembic.script
import backstride.cli.imports
started = time.perf_counter()
try:
    app(sys.argv[2:])
except SystemExit as e:
    code = e.code
took = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
try:  # ru_maxrss survives exec (it may be the forking test process's); VmHWM is this image's
    with open("/proc/self/status") as status:
        hwm = [line.split()[1] for line in status if line.startswith("VmHWM:")]
    peak = int(hwm[0]) / 1024
except (OSError, IndexError):
    pass
print("BOUNDS " + json.dumps({"code": code, "seconds": took, "peak_mb": peak}), file=sys.stderr)
"""


def run_import(
    tmp_path: Path, *paths: Path, lowered: dict[str, int] | None = None
) -> tuple[dict[str, object], dict[str, float]]:
    """``backstride import --json PATHS`` in a subprocess: its report and its measurements."""
    db = f"sqlite:///{tmp_path / 'bounds.db'}"
    args = [json.dumps(lowered or {}), "--db", db, "import", "--jobs", "1", "--json"]
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, *args, *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    wall = time.perf_counter() - started
    [line] = [x for x in done.stderr.splitlines() if x.startswith("BOUNDS ")]
    measured = json.loads(line.removeprefix("BOUNDS "))
    measured["wall"] = wall
    report = json.loads(done.stdout)
    assert measured["peak_mb"] < IMPORT_MEMORY_MB, measured
    assert measured["seconds"] < IMPORT_SECONDS, measured
    return report, measured


def one_failure(report: dict[str, object], needle: str) -> str:
    failed = report["failed"]
    assert isinstance(failed, list)
    [failure] = failed
    error = str(failure["error"])
    assert needle in error, error
    assert "\n" not in error
    assert "unexpected error" not in error
    return error


def gzip_of_zeros(path: Path, megabytes: int) -> Path:
    """A gzip file of ``megabytes`` MB of zeros, written a megabyte at a time."""
    packer = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    block = bytes(1 << 20)
    with path.open("wb") as out:
        for _ in range(megabytes):
            out.write(packer.compress(block))
        out.write(packer.flush())
    return path


def chained_fit(parts: int, definitions: int = 0) -> bytes:
    """``parts`` chained FIT files, each of ``definitions`` record definitions and no data."""
    body = b"".join(
        bytes([0x40 | (i % 16), 0, 0]) + struct.pack("<H", 20) + bytes([1, 253, 4, 0x86])
        for i in range(definitions)
    )
    header = bytes([12, 0x20]) + struct.pack("<H", 2100) + struct.pack("<I", len(body)) + b".FIT"
    return (header + body + struct.pack("<H", fit_crc(header + body))) * parts


def gpx_of(points: int) -> bytes:
    point = (
        '<trkpt lat="47.1" lon="8.5"><ele>400.0</ele>'
        "<time>2024-01-01T{:02d}:{:02d}:{:02d}Z</time></trkpt>\n"
    )
    body = "".join(point.format(i // 3600 % 24, i // 60 % 60, i % 60) for i in range(points))
    return (
        '<?xml version="1.0"?><gpx version="1.1" creator="t" '
        'xmlns="http://www.topografix.com/GPX/1/1"><trk><type>running</type><trkseg>'
        f"{body}</trkseg></trk></gpx>"
    ).encode()


def test_gzip_bomb_as_a_loose_file_is_refused_without_inflating_it(tmp_path: Path) -> None:
    # 1 GB of zeros in 1 MB: the old 512 MB cap inflated half of it, then decoded that.
    bomb = gzip_of_zeros(tmp_path / "run.fit.gz", 1024)
    assert bomb.stat().st_size < 2 << 20
    report, measured = run_import(tmp_path, bomb)
    one_failure(report, "decompression bomb")
    assert measured["peak_mb"] < 150, measured


def test_gzip_over_the_size_limit_is_refused_at_it(tmp_path: Path) -> None:
    # Honest compression (GPX-like, about 10 times), just too big: caught by size, not ratio.
    path = tmp_path / "long.gpx.gz"
    path.write_bytes(gzip.compress(gpx_of(20_000)))
    assert path.stat().st_size < 1 << 20
    report, _ = run_import(tmp_path, path, lowered={"MAX_ACTIVITY_BYTES": 1 << 20})
    one_failure(report, "larger than 1 MB once decompressed")


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "big.fit"
    path.write_bytes((FIT / "fitparse__garmin-fenix-5-run.fit").read_bytes() + bytes(2 << 20))
    report, _ = run_import(tmp_path, path, lowered={"MAX_ACTIVITY_BYTES": 1 << 20})
    one_failure(report, "over the 1 MB limit for an activity file")


def test_gpx_with_too_many_tags_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "long.gpx"
    path.write_bytes(gpx_of(2_000))
    report, _ = run_import(tmp_path, path, lowered={"MAX_XML_TAGS": 10_000})
    one_failure(report, "over the limit of 10000 for an activity file; refused before parsing")


def test_gpx_and_tcx_with_too_many_points_are_refused(tmp_path: Path) -> None:
    gpx = tmp_path / "long.gpx"
    gpx.write_bytes(gpx_of(1_001))
    tcx = tmp_path / "walk.tcx.gz"
    tcx.write_bytes((TCX / "sweatpy__3173437224.tcx.gz").read_bytes())
    points = gzip.decompress(tcx.read_bytes()).count(b"<Trackpoint>")
    assert points > 1_000
    report, _ = run_import(tmp_path, gpx, tcx, lowered={"MAX_TRACK_POINTS": 1_000})
    failed = report["failed"]
    assert isinstance(failed, list)
    assert [f["error"] for f in failed] == [
        f"TCX has {points} track points, over the limit of 1000 for an activity file",
        "GPX has 1001 track points, over the limit of 1000 for an activity file",
    ] or [f["error"] for f in failed] == [
        "GPX has 1001 track points, over the limit of 1000 for an activity file",
        f"TCX has {points} track points, over the limit of 1000 for an activity file",
    ]


def test_gpx_at_the_point_limit_is_read() -> None:
    [activity] = read_activities(gpx_of(2_000))
    assert activity.start_at.year == 2024


def test_chained_fit_headers_cost_little_and_stop_at_the_limit(tmp_path: Path) -> None:
    # Half a megabyte of empty chained FIT files: 37,000 headers, ~3 s of CPU before.
    path = tmp_path / "chained.fit"
    path.write_bytes(chained_fit(37_000))
    report, measured = run_import(tmp_path, path)
    one_failure(report, f"more than {limits.MAX_FIT_PARTS} chained FIT files")
    assert measured["seconds"] < 3.0, measured


def test_fit_of_definitions_alone_stops_early(tmp_path: Path) -> None:
    # 2.7 MB of definitions without data: walked, each costs a log entry and a look-up.
    path = tmp_path / "definitions.fit"
    path.write_bytes(chained_fit(1, definitions=300_000))
    report, measured = run_import(tmp_path, path)
    one_failure(report, "definition messages for fewer data messages")
    assert measured["seconds"] < 3.0, measured


def test_chained_headers_cost_microseconds_each() -> None:
    data = chained_fit(limits.MAX_FIT_PARTS)
    started = time.perf_counter()
    with pytest.raises(Exception, match="no records"):
        read_activities(data)
    assert (time.perf_counter() - started) / limits.MAX_FIT_PARTS < 50e-6


def _strava_zip(path: Path, rows: list[StravaRowSpec], members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("activities.csv", strava_csv(rows))
        for name, data in members.items():
            # A gzip member is stored as Strava stores it: the zip's ratio is then 1.
            archive.writestr(name, data, compress_type=zipfile.ZIP_STORED)
    return path


def test_bombs_inside_an_archive_fail_alone_and_the_rest_imports(tmp_path: Path) -> None:
    run = FIT / "fit-parser-js__running-with-developer-data.fit"
    bomb = gzip_of_zeros(tmp_path / "bomb.gz", 1024).read_bytes()
    date = strava_date(start_of(run))
    rows = [
        StravaRowSpec("1", date, "Good run", "Run", "activities/1.fit.gz"),
        StravaRowSpec("2", "Mar 4, 2026, 7:00:00 AM", "Bomb", "Run", "activities/2.fit.gz"),
        StravaRowSpec("3", "Mar 5, 2026, 7:00:00 AM", "Chatty", "Run", description="x" * 200_000),
        StravaRowSpec("4", "Mar 6, 2026, 7:00:00 AM", "Manual", "Run", elapsed_s="1800"),
    ]
    archive = _strava_zip(
        tmp_path / "export.zip",
        rows,
        {"activities/1.fit.gz": gzip.compress(run.read_bytes()), "activities/2.fit.gz": bomb},
    )
    report, _ = run_import(tmp_path, archive)
    assert report["imported"] == 2
    failed = report["failed"]
    assert isinstance(failed, list)
    errors = {f["path"]: f["error"] for f in failed}
    assert errors == {
        "export.zip:activities/2.fit.gz": errors["export.zip:activities/2.fit.gz"],
        "export.zip:activities.csv line 4": "activities.csv line 4: a row longer than "
        f"{limits.MAX_CSV_ROW_CHARS} characters",
    }
    assert "decompression bomb" in errors["export.zip:activities/2.fit.gz"]


def test_deeply_nested_garmin_json_fails_alone(tmp_path: Path) -> None:
    run = FIT / "fit-parser-js__running-with-developer-data.fit"
    nested = '[{"summarizedActivitiesExport": [' + "[" * 100_000 + "]" * 100_000 + "]}]"
    archive = tmp_path / "garmin.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("DI_CONNECT/DI-Connect-Fitness/me_0_summarizedActivities.json", nested)
        z.writestr("DI_CONNECT/DI-Connect-Fitness/me_gear.json", '{"gearDTOS": ' * 5000)
        part = tmp_path / "part.zip"
        with zipfile.ZipFile(part, "w") as inner:
            inner.writestr("1_ACTIVITY.fit", run.read_bytes())
        z.write(part, "DI_CONNECT/DI-Connect-Uploaded-Files/UploadedFiles_0-_Part1.zip")
    report, _ = run_import(tmp_path, archive)
    assert report["imported"] == 1
    failed = report["failed"]
    assert isinstance(failed, list)
    assert sorted(f["error"] for f in failed) == [
        "gear JSON is nested too deeply to read (a crafted file: real exports nest 3 deep)",
        "summarizedActivities JSON is nested too deeply to read (a crafted file: real "
        "exports nest 3 deep)",
    ]


def records_fit(records: int) -> bytes:
    """An activity FIT of ``records`` one-second records (time, heart rate, distance, speed,
    cadence) under one definition: the walk's bulk steps take most of them."""
    body = bytes([0x40, 0, 0, 0, 0, 1, 0, 1, 0x00, 0x00, 4])  # file_id: activity
    body += bytes([0x41, 0, 0]) + struct.pack("<H", 20)
    body += bytes([5, 253, 4, 0x86, 3, 1, 2, 5, 4, 0x86, 6, 2, 0x84, 4, 1, 2])
    body += b"".join(
        bytes([0x01]) + struct.pack("<IBIHB", 1_000_000_000 + i, 140, i * 300, 3000, 85)
        for i in range(records)
    )
    header = bytes([12, 0x20]) + struct.pack("<H", 2100) + struct.pack("<I", len(body)) + b".FIT"
    return header + body + struct.pack("<H", fit_crc(header + body))


def test_fit_past_the_message_limit_keeps_what_came_before(tmp_path: Path) -> None:
    path = tmp_path / "run.fit"
    path.write_bytes(records_fit(5_000))
    report, _ = run_import(tmp_path, path, lowered={"MAX_FIT_MESSAGES": 1_000})
    assert report["imported"] == 1
    warnings = report["warnings"]
    assert isinstance(warnings, list)
    assert any("more than 1000 data messages" in w["warning"] for w in warnings), warnings


@pytest.mark.parametrize("limit", [100, 1_000, 3_000])
def test_bulk_steps_stop_at_the_message_limit(monkeypatch: pytest.MonkeyPatch, limit: int) -> None:
    from backstride.ingest.fitcol.walk import walk

    data = records_fit(5_000)
    assert len(walk(data).positions) == 5_001
    monkeypatch.setattr(limits, "MAX_FIT_MESSAGES", limit)
    walked = walk(data)
    assert walked.damage is not None
    assert f"more than {limit} data messages" in walked.damage.detail
    assert limit < len(walked.positions) <= limit + 8


def test_index_files_with_too_many_rows_are_refused(tmp_path: Path) -> None:
    rows = [
        StravaRowSpec(str(i), "Mar 4, 2026, 7:00:00 AM", "Manual", "Run", elapsed_s="60")
        for i in range(30)
    ]
    strava = _strava_zip(tmp_path / "export.zip", rows, {})
    summaries = [{"beginTimestamp": 1_600_000_000_000 + i, "name": "x"} for i in range(30)]
    garmin = tmp_path / "garmin.zip"
    with zipfile.ZipFile(garmin, "w") as z:
        z.writestr(
            "DI_CONNECT/DI-Connect-Fitness/me_0_summarizedActivities.json", json.dumps(summaries)
        )
    report, _ = run_import(tmp_path, strava, garmin, lowered={"MAX_INDEX_ROWS": 20})
    failed = report["failed"]
    assert isinstance(failed, list)
    assert [f["error"] for f in failed] == [
        "activities.csv has more than 20 rows (line 22), past the limit for an export",
        "summarizedActivities JSON holds more than 20 activities, past the limit for an export",
    ]


def layouts_fit(layouts: int) -> bytes:
    """An activity FIT of ``layouts`` distinct 255-field record layouts, one message each."""
    parts = [bytes([0x40, 0, 0, 0, 0, 1, 0, 1, 0x00, 0x00, 4])]
    rest = b"".join(bytes([100 + k % 150, 1, 2]) for k in range(253))
    for i in range(layouts):
        fields = bytes([i % 256, 1, 0, 2 + i // 256 % 200, 1, 2]) + rest
        parts.append(bytes([0x41, 0, 0]) + struct.pack("<H", 20) + bytes([255]) + fields)
        parts.append(bytes([0x01]) + bytes(255))
    body = b"".join(parts)
    header = bytes([12, 0x20]) + struct.pack("<H", 2100) + struct.pack("<I", len(body)) + b".FIT"
    return header + body + struct.pack("<H", fit_crc(header + body))


def test_fit_of_many_layouts_stops_at_the_limit(tmp_path: Path) -> None:
    # 8,000 one-message layouts (7 MB) took 19 s and 700 MB before the limit.
    path = tmp_path / "layouts.fit"
    path.write_bytes(layouts_fit(8_000))
    report, measured = run_import(tmp_path, path)
    assert report["failed"] == []
    warnings = report["warnings"]
    assert isinstance(warnings, list)
    needle = f"more than {limits.MAX_FIT_LAYOUTS} message layouts); kept the 3 records"
    assert any(needle in w["warning"] for w in warnings), warnings
    assert measured["seconds"] < 5.0, measured
    assert measured["peak_mb"] < 300, measured
