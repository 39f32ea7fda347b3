"""Peak memory of importing a Strava-layout archive, for archives of different sizes.

Builds archives of N activities (default 100 and 400) and imports each into a fresh SQLite
store in a child process under ``/usr/bin/time -v``, reporting wall time and peak RSS. If
memory does not grow with the archive, the two peaks are about equal.

The activities are GPX tracks written the way Strava exports them (``.gpx.gz`` members,
``gpxtpx`` heart rate and cadence, 1 Hz, 30 minutes each), each on its own day so none is
a duplicate of another. Synthetic on purpose: the point is the archive's size, not the
content, and the real test files are too few to make hundreds of distinct activities.

Usage: python benchmarks/archive_memory.py [--sizes 100 400] [--keep DIR]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import math
import re
import subprocess
import sys
import tempfile
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

POINT = (
    '<trkpt lat="{lat:.7f}" lon="{lon:.7f}"><ele>{ele:.1f}</ele><time>{time}</time>'
    "<extensions><gpxtpx:TrackPointExtension><gpxtpx:hr>{hr}</gpxtpx:hr>"
    "<gpxtpx:cad>{cad}</gpxtpx:cad></gpxtpx:TrackPointExtension></extensions></trkpt>\n"
)
HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<gpx creator="StravaGPX" version="1.1" '
    'xmlns="http://www.topografix.com/GPX/1/1" '
    'xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1">\n'
    "<trk><name>Run {n}</name><type>running</type><trkseg>\n"
)


def gpx_run(n: int, start: datetime, seconds: int = 1800) -> bytes:
    """A 30-minute loop at ~3 m/s with heart rate and cadence, as Strava writes GPX."""
    out = io.StringIO()
    out.write(HEAD.format(n=n))
    radius_deg = 0.01
    for t in range(seconds):
        angle = 2 * math.pi * t / 900
        out.write(
            POINT.format(
                lat=51.5 + radius_deg * math.sin(angle),
                lon=-0.1 + radius_deg * math.cos(angle),
                ele=30 + 5 * math.sin(angle * 3),
                time=(start + timedelta(seconds=t)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                hr=130 + (t * 7 + n) % 30,
                cad=84 + t % 5,
            )
        )
    out.write("</trkseg></trk></gpx>\n")
    return out.getvalue().encode()


def build(path: Path, count: int) -> int:
    """A Strava-layout zip of ``count`` runs; returns its size in bytes."""
    first = datetime(2020, 1, 1, 7, 0, tzinfo=UTC)
    rows = io.StringIO()
    writer = csv.writer(rows)
    writer.writerow(["Activity ID", "Activity Date", "Activity Name", "Activity Type",
                     "Activity Gear", "Filename", "Perceived Exertion"])  # fmt: skip
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        for n in range(count):
            start = first + timedelta(days=n)
            name = f"activities/{1000 + n}.gpx.gz"
            archive.writestr(name, gzip.compress(gpx_run(n, start), compresslevel=6))
            date = f"{start:%b} {start.day}, {start.year}, 7:00:00 AM"
            writer.writerow([str(n), date, f"Run {n}", "Run", "Ghost 15", name, "5"])
        archive.writestr("activities.csv", rows.getvalue())
    return path.stat().st_size


def measure(archive: Path, db: Path) -> dict[str, str]:
    command = [
        "/usr/bin/time", "-v", sys.executable, "-m", "backstride",
        "--db", f"sqlite:///{db}", "import", "--json", str(archive),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"import failed ({done.returncode}): {done.stderr[-2000:]}")
    stats = dict(
        (m.group(1).strip(), m.group(2).strip())
        for m in re.finditer(r"^\s*(.+?): (.+)$", done.stderr, re.MULTILINE)
    )
    imported = re.search(r'"imported": (\d+)', done.stdout)
    return {
        "imported": imported.group(1) if imported else "?",
        "wall": stats.get("Elapsed (wall clock) time (h:mm:ss or m:ss)", "?"),
        "peak_rss_mb": f"{int(stats['Maximum resident set size (kbytes)']) / 1024:.0f}",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 400])
    parser.add_argument("--keep", type=Path, help="build the archives here and keep them")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="backstride-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    print("| activities | archive MB | imported | wall time | peak RSS MB |")  # noqa: T201
    print("|---:|---:|---:|---:|---:|")  # noqa: T201
    for size in args.sizes:
        archive = folder / f"strava_{size}.zip"
        megabytes = build(archive, size) / 1e6
        db = folder / f"bench_{size}.db"
        db.unlink(missing_ok=True)
        result = measure(archive, db)
        print(  # noqa: T201
            f"| {size} | {megabytes:.1f} | {result['imported']} | {result['wall']} "
            f"| {result['peak_rss_mb']} |"
        )


if __name__ == "__main__":
    main()
