"""read_tcx over the real TCX files (catalogue.toml), and broken inputs made from them."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backstride.errors import (
    BackstrideError,
    CorruptFileError,
    EmptyActivityError,
    UnsupportedFormatError,
)
from backstride.ingest.tcx import read_tcx
from backstride.model import Activity
from backstride.units import Channel
from tests.conftest import DATA, local_file
from tests.ingest.catalogue import (
    assert_catalogue_lists_every_file,
    assert_warnings,
    file_bytes,
    load_catalogue,
    read_or_expect_error,
)

TCX = DATA / "tcx"
CATALOGUE = load_catalogue(TCX)
load = file_bytes


def tcx(name: str) -> bytes:
    return load(TCX / name)


def assert_valid(activity: Activity) -> None:
    """What every Activity from read_tcx must satisfy, whatever the input."""
    assert activity.source_format == "tcx"
    assert activity.start_at.tzinfo is not None
    elapsed = activity.streams.elapsed_s
    assert bool(np.all(elapsed >= 0))
    assert bool(np.all(np.diff(elapsed) >= 0))
    assert activity.summary.elapsed_s >= (float(elapsed[-1]) if len(elapsed) else 0.0)
    for lap in activity.laps:
        assert lap.start_at >= activity.start_at


# -- the catalogue ----------------------------------------------------------------------


def test_catalogue_lists_every_tcx_file() -> None:
    assert_catalogue_lists_every_file(TCX, CATALOGUE)


@pytest.mark.parametrize("entry", CATALOGUE, ids=[e["name"] for e in CATALOGUE])
def test_read_tcx_gives_what_the_catalogue_says(entry: dict[str, Any]) -> None:
    activities = read_or_expect_error(entry, read_tcx, tcx(entry["name"]))
    if activities is None:
        return
    assert len(activities) == len(entry["activity"])
    for index, (activity, expected) in enumerate(zip(activities, entry["activity"], strict=True)):
        assert_valid(activity)
        assert activity.session_index == index
        assert activity.sport == expected["sport"]
        assert len(activity.streams) == expected["points"]
        assert len(activity.laps) == expected["laps"]
        assert sorted(activity.streams.channel_names) == sorted(expected["channels"])
        assert activity.device == expected["device"]
        assert_warnings(activity, expected.get("warnings", []))


# -- totals and laps -----------------------------------------------------------------------


def test_forerunner_run_totals_are_the_lap_sums_and_match_the_samples() -> None:
    (run,) = read_tcx(tcx("tcxparser__test.tcx"))
    # Three laps: TotalTimeSeconds 608.47 + 714.8 + 669.51, DistanceMeters 1609.344 x 2
    # + 1470.555.
    assert run.summary.timer_s == pytest.approx(1992.78)
    assert run.summary.distance_m == pytest.approx(4689.2427)
    distance = run.streams.channels[Channel.DISTANCE_M]
    assert distance[np.isfinite(distance)][-1] == pytest.approx(run.summary.distance_m, rel=0.01)
    assert run.streams.elapsed_s[-1] == pytest.approx(run.summary.timer_s, rel=0.01)
    assert run.summary.avg_speed_mps == pytest.approx(4689.2427 / 1992.78)
    assert run.summary.max_hr_bpm == 189
    # Time-weighted lap averages: (139*608.47 + 172*714.8 + 167*669.51) / 1992.78.
    assert run.summary.avg_hr_bpm == pytest.approx(
        (139 * 608.47 + 172 * 714.8 + 167 * 669.51) / 1992.78
    )
    assert run.summary.calories_kcal == 379
    assert run.start_at == datetime(2012, 12, 26, 21, 29, 53, tzinfo=UTC)
    first = run.laps[0]
    assert first.start_at == run.start_at
    assert first.timer_s == 608.47
    assert first.distance_m == pytest.approx(1609.344)
    assert first.avg_hr_bpm == 139
    assert first.max_hr_bpm == 189
    assert first.intensity == "active"
    assert first.elapsed_s == (run.laps[1].start_at - first.start_at).total_seconds()
    assert run.name == "Aerobics"


def test_cross_country_ski_run_cadence_becomes_steps_per_minute() -> None:
    data = tcx("tcxreader__cross-country-skiing_activity_1.tcx")
    (ski,) = read_tcx(data)
    assert ski.sport == "generic"  # Sport="Other": TCX does not say which
    cadence = ski.streams.channels[Channel.CADENCE_SPM]
    raw = [float(v) for v in re.findall(rb"<ns3:RunCadence>(\d+)<", data)]
    np.testing.assert_array_equal(cadence, np.array(raw) * 2)
    moving = cadence[cadence > 0]
    assert moving.min() >= 30
    assert moving.max() <= 200
    assert 80 < float(np.median(moving)) < 130
    # <ns3:AvgRunCadence> 38 and 39 strides/min.
    assert [lap.avg_cadence_spm for lap in ski.laps] == [76.0, 78.0]
    # The barometric altimeter settles by 1000 m in its first seconds; that is no climb.
    assert ski.summary.total_ascent_m is not None
    assert ski.summary.total_ascent_m < 200


def test_polar_running_cadence_is_read_as_steps_per_minute() -> None:
    (run,) = read_tcx(tcx("sweatpy__3173437224.tcx.gz"))
    cadence = run.streams.channels[Channel.CADENCE_SPM]
    assert Channel.CADENCE_RPM not in run.streams.channels
    moving = cadence[cadence > 0]
    # A walk-paced "run" (4.5 km in 58 min of timer time): about 126 steps/min, and at most
    # 190 (Polar's 95 strides/min). Read as rpm it would be 63, no human gait.
    assert 110 < float(np.median(moving)) < 140
    assert moving.max() == 190
    assert [lap.avg_cadence_spm for lap in run.laps] == [120.0, 120.0]
    assert run.summary.avg_cadence_spm == 120.0
    # The 398 s pause between two <Track> elements is elapsed, not timer, time.
    assert run.summary.timer_s == 3510.0
    assert run.summary.elapsed_s == pytest.approx(3903.7, abs=0.1)


@pytest.mark.local_data
def test_garmin_10k_race_is_ten_kilometres() -> None:
    path = local_file("tcx/goldencheetah__10kUNLP2014-Garmin15.tcx")
    (race,) = read_tcx(path.read_bytes())
    assert race.sport == "running"
    assert race.device == "Forerunner 15"
    assert race.summary.distance_m == pytest.approx(10_000, rel=0.01)
    assert len(race.laps) == 11
    assert race.summary.timer_s is not None
    assert 35 * 60 < race.summary.timer_s < 40 * 60
    assert race.streams.has(Channel.SPEED_MPS)


def test_lap_cadence_that_disagrees_with_the_samples_is_warned_about() -> None:
    edited = tcx("sweatpy__3173437224.tcx.gz").replace(
        b"<Cadence>60</Cadence>", b"<Cadence>90</Cadence>"
    )
    (run,) = read_tcx(edited)
    assert run.summary.avg_cadence_spm == 180.0
    assert any("lap average cadence 180 spm differs" in w for w in run.warnings)


# -- structure -----------------------------------------------------------------------------


def activity_element(name: str) -> bytes:
    match = re.search(rb"<Activity .*</Activity>", tcx(name), re.S)
    assert match is not None
    return match.group(0)


def test_multisport_session_gives_one_activity_per_sport_and_skips_transitions() -> None:
    run, ride = activity_element("tcxparser__test.tcx"), activity_element("stravalib__sample.tcx")
    transition = (
        b'<Lap StartTime="2012-12-26T22:10:00Z"><TotalTimeSeconds>60</TotalTimeSeconds></Lap>'
    )
    document = (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"'
        b' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><Activities><MultiSportSession>'
        b"<Id>2012-12-26T21:29:53Z</Id><FirstSport>" + run + b"</FirstSport>"
        b"<NextSport><Transition>" + transition + b"</Transition>" + ride + b"</NextSport>"
        b"</MultiSportSession></Activities></TrainingCenterDatabase>"
    )
    activities = read_tcx(document)
    assert [a.sport for a in activities] == ["running", "cycling"]
    assert [a.session_index for a in activities] == [0, 1]
    assert [len(a.laps) for a in activities] == [3, 2]
    assert activities[0].summary == read_tcx(tcx("tcxparser__test.tcx"))[0].summary


def test_indoor_trackpoints_without_position_keep_the_device_distance() -> None:
    indoor = re.sub(rb"<Position>.*?</Position>", b"", tcx("tcxparser__test.tcx"), flags=re.S)
    (run,) = read_tcx(indoor)
    assert not run.streams.has(Channel.LATITUDE_DEG)
    assert run.streams.has(Channel.DISTANCE_M)
    assert run.summary == read_tcx(tcx("tcxparser__test.tcx"))[0].summary


def test_without_device_distance_the_positions_give_it() -> None:
    data = re.sub(rb"<DistanceMeters>[^<]*</DistanceMeters>", b"", tcx("tcxparser__test.tcx"))
    (run,) = read_tcx(data)
    # Lap sums gone too: the haversine distance over the positions, within 2% of the watch's.
    assert run.summary.distance_m == pytest.approx(4689.24, rel=0.02)
    assert run.summary.timer_s == pytest.approx(1992.78)


def test_trackpoints_out_of_order_are_sorted_with_a_warning() -> None:
    text = tcx("tcxparser__no_hr.tcx").decode()
    points = re.findall(r"<Trackpoint>.*?</Trackpoint>", text, re.S)
    shuffled = (
        text.replace(points[10], "@@").replace(points[20], points[10]).replace("@@", points[20])
    )
    (ordered,) = read_tcx(text.encode())
    (recovered,) = read_tcx(shuffled.encode())
    np.testing.assert_array_equal(recovered.streams.elapsed_s, ordered.streams.elapsed_s)
    assert any("out of time order" in w for w in recovered.warnings)


@pytest.mark.parametrize(
    "body",
    [
        b"<Courses><Course><Name>Loop</Name></Course></Courses>",
        b"<Activities/>",
        b'<Activities><Activity Sport="Running"><Id>junk</Id></Activity></Activities>',
        b"",
    ],
    ids=["course", "no-activity", "activity-without-laps", "nothing"],
)
def test_tcx_without_a_recorded_activity_is_empty(body: bytes) -> None:
    document = (
        b'<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2">'
        + body
        + b"</TrainingCenterDatabase>"
    )
    with pytest.raises(EmptyActivityError, match="TCX"):
        read_tcx(document)


# -- hostile and broken input --------------------------------------------------------------


def test_billion_laughs_tcx_is_refused() -> None:
    document = b"""<?xml version="1.0"?>
<!DOCTYPE TrainingCenterDatabase [
 <!ENTITY a "lollollollollollollollollollol">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
 <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
 <!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
 <!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;">
]>
<TrainingCenterDatabase><Activities><Activity Sport="Running"><Notes>&g;</Notes>
<Lap StartTime="2020-01-01T00:00:00Z"><TotalTimeSeconds>1</TotalTimeSeconds></Lap>
</Activity></Activities></TrainingCenterDatabase>
"""
    with pytest.raises(CorruptFileError, match="DTD"):
        read_tcx(document)


def test_truncated_tcx_is_corrupt() -> None:
    data = tcx("tcxparser__test.tcx")
    with pytest.raises(CorruptFileError, match=r"^malformed TCX: "):
        read_tcx(data[: len(data) // 2])


def test_strava_style_blank_lines_before_the_declaration_are_accepted() -> None:
    (plain,) = read_tcx(tcx("tcxparser__test.tcx"))
    (padded,) = read_tcx(b"\n  \n\xef\xbb\xbf" + tcx("tcxparser__test.tcx"))
    assert padded.summary == plain.summary


@pytest.mark.parametrize(
    "data",
    [
        (DATA / "fit" / "fitparse__garmin-fenix-5-run.fit").read_bytes(),
        bytes(range(255, -1, -1)) * 4,
        b"",
        (DATA / "gpx" / "sweatpy__activity_5039744860.gpx").read_bytes(),
    ],
    ids=["fit", "random-bytes", "empty", "gpx"],
)
def test_bytes_that_are_not_tcx_are_unsupported(data: bytes) -> None:
    with pytest.raises(UnsupportedFormatError):
        read_tcx(data)


def small_tcx() -> bytes:
    """The first five trackpoints of a real run, with its laps, as a small real-shaped file."""
    text = tcx("tcxparser__test.tcx").decode()
    track = re.search(r"<Track>.*?</Track>", text, re.S)
    assert track is not None
    points = re.findall(r"<Trackpoint>.*?</Trackpoint>", track.group(0), re.S)[:5]
    first_lap = text[: track.start()] + "<Track>" + "".join(points) + "</Track>"
    return (first_lap + "</Lap></Activity></Activities></TrainingCenterDatabase>").encode()


SMALL = small_tcx()


def test_the_small_file_for_the_property_test_reads() -> None:
    (run,) = read_tcx(SMALL)
    assert len(run.streams) == 5
    assert len(run.laps) == 1


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    cut=st.integers(min_value=0, max_value=len(SMALL)),
    flips=st.lists(st.tuples(st.integers(0, len(SMALL) - 1), st.integers(0, 255)), max_size=4),
)
def test_damaged_tcx_raises_a_backstride_error_or_reads(
    cut: int, flips: list[tuple[int, int]]
) -> None:
    data = bytearray(SMALL)
    for position, value in flips:
        data[position] = value
    try:
        activities = read_tcx(bytes(data[:cut]))
    except BackstrideError:
        return
    for activity in activities:
        assert_valid(activity)
