"""Build Strava- and Garmin-layout export archives from the real files, as the vendors lay
them out (shared/design/exports.md), including their pitfalls. No real export archive can be
published (they are full of personal data), so tests assemble them."""

from __future__ import annotations

import csv
import gzip
import io
import json
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from garmin_fit_sdk import Encoder, Profile

from backstride.ingest import read_activities
from tests.conftest import DATA

FIT = DATA / "fit"
GPX = DATA / "gpx"
TCX = DATA / "tcx"

#: The header of a current English export, display block then SI block (exports.md).
STRAVA_HEADER = [
    "Activity ID", "Activity Date", "Activity Name", "Activity Type", "Activity Description",
    "Elapsed Time", "Distance", "Max Heart Rate", "Relative Effort", "Commute",
    "Activity Private Note", "Activity Gear", "Filename", "Athlete Weight", "Bike Weight",
    "Elapsed Time", "Moving Time", "Distance", "Max Speed", "Average Speed", "Elevation Gain",
    "Elevation Loss", "Elevation Low", "Elevation High", "Max Grade", "Average Grade",
    "Average Positive Grade", "Average Negative Grade", "Max Cadence", "Average Cadence",
    "Max Heart Rate", "Average Heart Rate", "Max Watts", "Average Watts", "Calories",
    "Max Temperature", "Average Temperature", "Relative Effort", "Total Work",
    "Number of Runs", "Uphill Time", "Downhill Time", "Other Time", "Perceived Exertion",
    "Type", "Start Time", "Weighted Average Power", "Power Count",
    "Prefer Perceived Exertion", "Perceived Relative Effort", "Commute",
]  # fmt: skip

#: The first 35 columns of a Czech export, as seen in a third-party importer's fixture.
CZECH_HEADER = [
    "ID aktivity", "Datum aktivity", "Název aktivity", "Typ aktivity", "Popis aktivity",
    "Uplynulý čas", "Vzdálenost", "Maximální tepová frekvence", "Relativní úsilí",
    "Dojíždění", "Soukromá poznámka k aktivitě", "Vybavení na aktivitu", "Název souboru",
    "Hmotnost sportovce", "Hmotnost kola", "Uplynulý čas", "Aktivní čas", "Vzdálenost",
    "Maximální rychlost", "Průměrná rychlost", "Nastoupaná výška", "Naklesaná výška",
    "Nejnižší nadmořská výška", "Nejvyšší nadmořská výška", "Maximální sklon",
    "Průměrný sklon", "Průměrný pozitivní sklon", "Průměrný záporný sklon",
    "Maximální kadence", "Průměrná kadence", "Maximální tepová frekvence",
    "Průměrná tepová frekvence", "Maximální výkon ve wattech", "Průměrný výkon ve wattech",
    "Kalorie",
]  # fmt: skip


@dataclass
class StravaRowSpec:
    activity_id: str
    date: str
    name: str
    activity_type: str
    filename: str = ""
    gear: str = ""
    rpe: str = ""
    description: str = ""
    elapsed_s: str = ""
    distance_m: str = ""
    display_distance: str = ""


def strava_date(start: datetime) -> str:
    """Strava's English ``Activity Date``: ``Jul 5, 2024, 6:00:00 AM`` (UTC)."""
    hour = start.hour % 12 or 12
    ampm = "AM" if start.hour < 12 else "PM"
    return f"{start:%b} {start.day}, {start.year}, {hour}:{start:%M:%S} {ampm}"


def start_of(path: Path) -> datetime:
    data = path.read_bytes()
    data = gzip.decompress(data) if path.suffix == ".gz" else data
    return read_activities(data)[0].start_at


def strava_csv(rows: list[StravaRowSpec], *, header: list[str] = STRAVA_HEADER) -> bytes:
    """activities.csv with a BOM, by position (the duplicated names make dicts useless)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for r in rows:
        values = {
            0: r.activity_id, 1: r.date, 2: r.name, 3: r.activity_type, 4: r.description,
            5: r.elapsed_s, 6: r.display_distance, 11: r.gear, 12: r.filename,
            15: r.elapsed_s, 17: r.distance_m, 43: r.rpe,
        }  # fmt: skip
        cells = [values.get(i, "") for i in range(len(header))]
        writer.writerow(cells)
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")


@dataclass
class StravaArchive:
    """The standard Strava test archive and what importing it must give."""

    path: Path
    files: dict[str, Path] = field(default_factory=dict)
    """Archive member -> the real file it was made from."""


def build_strava_archive(folder: Path, *, name: str = "export_12345.zip") -> StravaArchive:
    ride = FIT / "sweatpy__4801048867.fit"
    run = FIT / "fit-parser-js__running-with-developer-data.fit"
    walk_tcx = TCX / "sweatpy__3173437224.tcx.gz"
    gpx = GPX / "workoutizer__example.gpx"
    rows = [
        # Activity ids deliberately differ from the numbers in the file names (exports.md).
        StravaRowSpec("9001", strava_date(start_of(ride)), "Morning Ride", "Ride",
                      "activities/4801048867.fit.gz", gear="Canyon Endurace", rpe="6"),
        StravaRowSpec("9002", strava_date(start_of(run)), "Tempo, with \"strides\"", "Run",
                      "activities/111.fit.gz", gear="Ghost 15", rpe="7",
                      description="Felt fine.\nBack a bit stiff, after: 2/10"),
        StravaRowSpec("9003", strava_date(start_of(walk_tcx)), "Easy jog", "Run",
                      "activities/222.tcx.gz", gear="Ghost 15"),
        StravaRowSpec("9004", strava_date(start_of(gpx)), "Locus track", "Hike",
                      "activities/333.gpx"),
        StravaRowSpec("9005", "Mar 3, 2026, 6:30:00 PM", "Core and plank", "Weight Training",
                      elapsed_s="1800", rpe="5"),
        StravaRowSpec("9006", "Mar 4, 2026, 7:00:00 AM", "Lost file", "Run",
                      "activities/444.fit.gz"),
        StravaRowSpec("9007", "Mar 5, 2026, 7:00:00 AM", "Broken file", "Run",
                      "activities/555.fit.gz"),
    ]  # fmt: skip
    # Strava writes spaces before <?xml in its TCX exports.
    tcx_bytes = gzip.compress(b"    \n" + gzip.decompress(walk_tcx.read_bytes()))
    members = {
        "activities.csv": strava_csv(rows),
        "activities/4801048867.fit.gz": gzip.compress(ride.read_bytes()),
        "activities/111.fit.gz": gzip.compress(run.read_bytes()),
        "activities/222.tcx.gz": tcx_bytes,
        "activities/333.gpx": gpx.read_bytes(),
        "activities/555.fit.gz": gzip.compress(b"\x0e\x10" + bytes(30)),
        "shoes.csv": b"Shoe Name,Shoe Brand,Shoe Model,Shoe Default Sport Types\n"
        b"Ghost 15,Brooks,Ghost 15,Run\nOld Pegasus,Nike,Pegasus 38,\n",
        "bikes.csv": b"Bike Name,Bike Brand,Bike Model\nCanyon Endurace,Canyon,Endurace CF\n",
        "profile.csv": b"Athlete ID,Email Address\n12345,runner@example.org\n",
        "media/": b"",
    }
    path = folder / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, data in members.items():
            if member.endswith("/"):
                archive.writestr(zipfile.ZipInfo(member), b"")
            else:
                archive.writestr(member, data)
    return StravaArchive(
        path,
        {
            "activities/4801048867.fit.gz": ride,
            "activities/111.fit.gz": run,
            "activities/222.tcx.gz": walk_tcx,
            "activities/333.gpx": gpx,
        },
    )


def monitoring_fit() -> bytes:
    """A FIT file that is not an activity, as watches leave next to activities."""
    encoder = Encoder()
    encoder.write_mesg(
        {
            "mesg_num": Profile["mesg_num"]["FILE_ID"],
            "type": "monitoring_b",
            "manufacturer": "garmin",
        }
    )
    return encoder.close()


def garmin_summary(
    start: datetime, activity_id: int, name: str, type_key: str
) -> dict[str, object]:
    millis = int(start.timestamp() * 1000)
    return {
        "activityId": activity_id,
        "name": name,
        "activityType": type_key,
        "sportType": type_key.upper(),
        "beginTimestamp": millis,
        "startTimeGmt": millis,
        "duration": 1_000_000.0,
        "distance": 123456.0,  # undocumented units (exports.md): never used
        "splits": [{"type": "INTERVAL_ACTIVE", "distance": 1.0}],
    }


def build_garmin_archive(folder: Path, *, name: str = "garmin-export.zip") -> Path:
    """A Garmin Connect export: summaries JSON and nested UploadedFiles zips."""
    run = FIT / "fit-parser-js__running-with-developer-data.fit"
    triathlon = FIT / "fit-parser-js__triathlon_summary_first.fit"
    small = FIT / "fitparse__activity-small-fenix2-run.fit"
    summaries = [
        garmin_summary(start_of(run), 2001, "Lunch run with Stryd", "running"),
        garmin_summary(start_of(small), 2002, "Fenix 2 test run", "running"),
        garmin_summary(
            datetime(2021, 1, 1, 8, 0, tzinfo=UTC), 2003, "Summary without a file", "cycling"
        ),
    ]
    part1 = io.BytesIO()
    with zipfile.ZipFile(part1, "w", zipfile.ZIP_DEFLATED) as nested:
        nested.writestr("14211916346_ACTIVITY.fit", run.read_bytes())
        nested.writestr("14211916347_ACTIVITY.fit", triathlon.read_bytes())
        nested.writestr("14211916348_MONITORING.fit", monitoring_fit())
    part2 = io.BytesIO()
    with zipfile.ZipFile(part2, "w", zipfile.ZIP_STORED) as nested:
        nested.writestr("14211916349_ACTIVITY.fit", small.read_bytes())
    base = "DI_CONNECT"
    path = folder / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            f"{base}/DI-Connect-Fitness/runner@example.org_0_summarizedActivities.json",
            json.dumps([{"summarizedActivitiesExport": summaries}]),
        )
        archive.writestr(
            f"{base}/DI-Connect-Uploaded-Files/UploadedFiles_0-_Part1.zip", part1.getvalue()
        )
        archive.writestr(
            f"{base}/DI-Connect-Uploaded-Files/UploadedFiles_0-_Part2.zip", part2.getvalue()
        )
        archive.writestr(
            f"{base}/DI-Connect-Fitness/runner@example.org_gear.json",
            json.dumps(
                {
                    "gearDTOS": [
                        {"displayName": "Pegasus 40", "gearTypeName": "Shoes",
                         "gearStatusName": "active", "dateBegin": "2023-05-01T00:00:00.0"},
                        {"displayName": "Old Kayano", "gearTypeName": "Shoes",
                         "gearStatusName": "retired", "dateBegin": 1577836800000},
                        {"displayName": "Tacx", "gearTypeName": "Other"},
                    ]
                }
            ),
        )  # fmt: skip
        archive.writestr(f"{base}/DI-Connect-User/user_profile.json", "{}")
        archive.writestr(f"{base}/DI-Connect-Wellness/sleepData.json", "[]")
    return path
