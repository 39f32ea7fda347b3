"""read_gpx over the real GPX files (catalogue.toml), and broken inputs made from them."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
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
from backstride.ingest.gpx import read_gpx
from backstride.ingest.tcx import read_tcx
from backstride.ingest.track import (
    cumulative_distance_m,
    haversine_m,
    moving_time_s,
    recording_breaks,
    total_ascent_m,
)
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

GPX = DATA / "gpx"
CATALOGUE = load_catalogue(GPX)
load = file_bytes


def gpx(name: str) -> bytes:
    return load(GPX / name)


def assert_valid(activity: Activity) -> None:
    """What every Activity from read_gpx must satisfy, whatever the input."""
    assert activity.source_format == "gpx"
    assert activity.start_at.tzinfo is not None
    elapsed = activity.streams.elapsed_s
    assert len(elapsed) > 0
    assert elapsed[0] == 0.0
    assert bool(np.all(np.diff(elapsed) >= 0))
    assert activity.summary.elapsed_s == pytest.approx(float(elapsed[-1]))


# -- the catalogue ----------------------------------------------------------------------


def test_catalogue_lists_every_gpx_file() -> None:
    assert_catalogue_lists_every_file(GPX, CATALOGUE)


@pytest.mark.parametrize("entry", CATALOGUE, ids=[e["name"] for e in CATALOGUE])
def test_read_gpx_gives_what_the_catalogue_says(entry: dict[str, Any]) -> None:
    activities = read_or_expect_error(entry, read_gpx, gpx(entry["name"]))
    if activities is None:
        return
    assert len(activities) == len(entry["activity"])
    for index, (activity, expected) in enumerate(zip(activities, entry["activity"], strict=True)):
        assert_valid(activity)
        assert activity.session_index == index
        assert activity.sport == expected["sport"]
        assert len(activity.streams) == expected["points"]
        assert sorted(activity.streams.channel_names) == sorted(expected["channels"])
        assert activity.name == expected["name"]
        assert_warnings(activity, expected.get("warnings", []))


# -- values against the device's own numbers ----------------------------------------------


def test_strava_gpx_totals_match_the_fr935_fit_session_of_the_same_ride() -> None:
    # fit/sweatpy__4801048867.fit, session message: total_distance 36322.85 m,
    # total_elapsed_time 5158.557 s, avg_heart_rate 130, max_heart_rate 160, total_ascent 79.
    (ride,) = read_gpx(gpx("sweatpy__4801048867_strava.gpx.gz"))
    assert ride.start_at == datetime(2020, 4, 18, 11, 10, 44, tzinfo=UTC)
    assert ride.summary.distance_m == pytest.approx(36322.85, rel=0.01)
    assert ride.summary.elapsed_s == pytest.approx(5158.557, abs=1.0)
    assert ride.summary.avg_hr_bpm == pytest.approx(130, abs=1.0)
    assert ride.summary.max_hr_bpm == 160
    assert ride.summary.total_ascent_m == pytest.approx(79, rel=0.15)
    # The FIT timer never stopped; the pause rule only drops the standing intervals.
    assert ride.summary.timer_s is not None
    assert 0.95 * 5158 < ride.summary.timer_s <= 5158


def test_gpx_and_tcx_exports_of_one_ride_agree() -> None:
    (from_gpx,) = read_gpx(gpx("sweatpy__activity_5039744860.gpx"))
    (from_tcx,) = read_tcx((DATA / "tcx" / "sweatpy__activity_5039744860.tcx").read_bytes())
    assert abs(from_gpx.start_at - from_tcx.start_at) <= timedelta(seconds=60)
    assert from_gpx.sport == from_tcx.sport == "cycling"
    # Leg by leg over the 1 s intervals, haversine on the GPX positions matches the Edge
    # 1000's own DistanceMeters.
    t_gpx, d_gpx = from_gpx.streams.elapsed_s, from_gpx.streams.channels[Channel.DISTANCE_M]
    t_tcx, d_tcx = from_tcx.streams.elapsed_s, from_tcx.streams.channels[Channel.DISTANCE_M]
    legs_gpx = dict(zip(t_gpx[1:], np.diff(d_gpx), strict=True))
    pairs = [
        (legs_gpx[t], leg)
        for t, dt, leg in zip(t_tcx[1:], np.diff(t_tcx), np.diff(d_tcx), strict=True)
        if dt == 1.0 and t in legs_gpx
    ]
    assert len(pairs) > 80
    ours, device = np.array(pairs).sum(axis=0)
    assert ours == pytest.approx(device, rel=0.02)
    # In a 32 s silence of this 1 s recording (53 s -> 85 s) the positions move 246 m while
    # the TCX distance grows 7.7 m: a recording break, so the totals agree within 5% (the
    # store counts the two files as one ride).
    assert from_gpx.summary.distance_m is not None
    assert from_tcx.summary.distance_m == pytest.approx(668.19, abs=0.01)
    assert from_gpx.summary.distance_m == pytest.approx(from_tcx.summary.distance_m, rel=0.05)
    assert from_gpx.summary.elapsed_s == from_tcx.summary.elapsed_s == 126.0


def test_running_cadence_is_converted_from_strides_to_steps() -> None:
    (run,) = read_gpx(gpx("workoutizer__garmin_example.gpx"))
    cadence = run.streams.channels[Channel.CADENCE_SPM]
    assert Channel.CADENCE_RPM not in run.streams.channels
    assert cadence[0] == 104.0  # <ns3:cad>52</ns3:cad>
    assert 140 < float(np.median(cadence[cadence > 0])) < 190
    assert run.summary.avg_cadence_spm is not None
    assert 140 < run.summary.avg_cadence_spm < 190


# -- GPX 1.0 and extensions --------------------------------------------------------------


def as_gpx_1_0(data: bytes, *, unwrap_extensions: bool) -> bytes:
    """A GPX 1.1 file rewritten as GPX 1.0, as devices write 1.0 with extensions."""
    text = data.decode()
    text = text.replace("http://www.topografix.com/GPX/1/1", "http://www.topografix.com/GPX/1/0")
    text = text.replace('version="1.1"', 'version="1.0"')
    if unwrap_extensions:
        # Schema-valid 1.0: foreign elements straight inside <trkpt>.
        text = re.sub(r"</?extensions>", "", text)
    return text.encode()


@pytest.mark.parametrize("unwrap", [False, True], ids=["extensions-element", "bare"])
def test_gpx_1_0_keeps_heart_rate_and_cadence(unwrap: bool) -> None:
    original = gpx("workoutizer__garmin_example.gpx")
    (v11,) = read_gpx(original)
    rewritten = as_gpx_1_0(original, unwrap_extensions=unwrap)
    assert b"GPX/1/0" in rewritten
    (v10,) = read_gpx(rewritten)
    for channel in (Channel.HEART_RATE_BPM, Channel.CADENCE_SPM, Channel.TEMPERATURE_C):
        np.testing.assert_array_equal(v10.streams.channels[channel], v11.streams.channels[channel])
    assert v10.summary == v11.summary


def test_power_and_suunto_heart_rate_are_read_in_any_namespace() -> None:
    text = gpx("sweatpy__activity_5039744860.gpx").decode()
    text = text.replace("<extensions>", "<extensions><power>250</power>")
    # Suunto's Cluetrust namespace instead of Garmin's.
    text = text.replace(
        "http://www.garmin.com/xmlschemas/TrackPointExtension/v1",
        "http://www.cluetrust.com/XML/GPXDATA/1/0",
    )
    (ride,) = read_gpx(text.encode())
    assert bool(np.all(ride.streams.channels[Channel.POWER_W] == 250))
    assert ride.summary.avg_power_w == 250
    assert ride.streams.channels[Channel.HEART_RATE_BPM][0] == 154


@pytest.mark.local_data
def test_suunto_movescount_gpxdata_heart_rate() -> None:
    path = local_file("gpx/goldencheetah__Move_2014_01_17_09_33_11.gpx")
    (move,) = read_gpx(path.read_bytes())
    assert len(move.streams) == 1405
    hr = move.streams.channels[Channel.HEART_RATE_BPM]
    assert hr[0] == 92
    assert 60 < float(np.nanmedian(hr)) < 200
    assert move.streams.has(Channel.TEMPERATURE_C)
    assert move.start_at == datetime(2014, 1, 17, 8, 33, 11, 150000, tzinfo=UTC)


@pytest.mark.local_data
def test_strava_gpx_with_metadata_only_is_empty() -> None:
    path = local_file("gpx/goldencheetah__MetadataOnly.gpx")
    with pytest.raises(EmptyActivityError, match="no track points"):
        read_gpx(path.read_bytes())


def test_strava_numeric_run_type_gives_a_run_with_steps() -> None:
    text = gpx("sweatpy__activity_5039744860.gpx").replace(
        b"<type>cycling</type>", b"<type>9</type>"
    )
    (run,) = read_gpx(text)
    assert run.sport == "running"
    assert run.streams.channels[Channel.CADENCE_SPM][0] == 180.0  # <ns3:cad>90</ns3:cad>


# -- times, order, tracks ------------------------------------------------------------------


def test_times_with_offsets_are_read_as_utc_and_the_offset_kept() -> None:
    original = gpx("gpxpy__track-with-empty-segment.gpx")
    (utc,) = read_gpx(original)
    (shifted,) = read_gpx(original.replace(b"Z</time>", b".250+02:00</time>"))
    assert shifted.start_at == utc.start_at - timedelta(hours=2) + timedelta(milliseconds=250)
    assert shifted.utc_offset_s == 7200
    assert utc.utc_offset_s is None
    np.testing.assert_array_equal(shifted.streams.elapsed_s, utc.streams.elapsed_s)


def test_points_out_of_order_are_sorted_with_a_warning() -> None:
    text = gpx("gpxpy__track-with-empty-segment.gpx").decode()
    points = re.findall(r"<trkpt.*?</trkpt>", text, re.S)
    shuffled = re.sub(
        r"<trkseg>\s*<trkpt.*</trkpt>\s*</trkseg>",
        lambda _: "<trkseg>" + "".join(reversed(points)) + "</trkseg>",
        text,
        flags=re.S,
    )
    assert len(points) == 9
    assert shuffled != text
    (ordered,) = read_gpx(text.encode())
    (recovered,) = read_gpx(shuffled.encode())
    np.testing.assert_array_equal(recovered.streams.elapsed_s, ordered.streams.elapsed_s)
    assert recovered.summary.distance_m == pytest.approx(ordered.summary.distance_m)
    assert any("out of time order" in w for w in recovered.warnings)


def test_tracks_hours_apart_are_separate_activities() -> None:
    text = gpx("gpxpy__track-with-empty-segment.gpx").decode()
    trk = re.search(r"<trk>.*</trk>", text, re.S)
    assert trk is not None
    later = trk.group(0).replace("2013-07-06T17:", "2013-07-06T21:")
    (one,) = read_gpx(text.encode())
    two = read_gpx(text.replace(trk.group(0), later + trk.group(0)).encode())
    assert [a.start_at.hour for a in two] == [17, 21]
    assert [a.session_index for a in two] == [0, 1]
    assert two[0].summary == one.summary


def test_overlapping_tracks_are_separate_activities() -> None:
    text = gpx("gpxpy__track-with-empty-segment.gpx").decode()
    trk = re.search(r"<trk>.*</trk>", text, re.S)
    assert trk is not None
    assert len(read_gpx(text.replace(trk.group(0), trk.group(0) * 2).encode())) == 2


def test_a_track_without_times_is_not_an_activity() -> None:
    text = re.sub(rb"<time>[^<]*</time>", b"", gpx("workoutizer__garmin_example.gpx"))
    with pytest.raises(EmptyActivityError, match="no timed track points"):
        read_gpx(text)


# -- byte-level quirks and hostile input ---------------------------------------------------


@pytest.mark.parametrize(
    "prefix",
    [b"\n\n   ", b"\xef\xbb\xbf", b"\xef\xbb\xbf\r\n", b"\n\xef\xbb\xbf"],
    ids=["strava-blank-lines", "bom", "bom-newline", "newline-bom"],
)
def test_leading_whitespace_and_byte_order_mark_are_accepted(prefix: bytes) -> None:
    original = gpx("sweatpy__activity_5039744860.gpx")
    assert original.startswith(b"<?xml")
    (plain,) = read_gpx(original)
    (padded,) = read_gpx(prefix + original)
    assert padded.summary == plain.summary


def test_utf16_gpx_reads_like_its_utf8_original() -> None:
    original = gpx("sweatpy__activity_5039744860.gpx")
    utf16 = original.decode().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    assert utf16.startswith(b"\xff\xfe")
    (plain,) = read_gpx(original)
    (wide,) = read_gpx(utf16)
    assert wide.summary == plain.summary


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE gpx [
 <!ENTITY a "lollollollollollollollollollol">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
 <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
 <!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
 <!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;">
 <!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;">
 <!ENTITY i "&h;&h;&h;&h;&h;&h;&h;&h;&h;&h;">
]>
<gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1"><trk><name>&i;</name><trkseg>
<trkpt lat="1" lon="1"><time>2020-01-01T00:00:00Z</time></trkpt>
<trkpt lat="1" lon="1.001"><time>2020-01-01T00:00:10Z</time></trkpt>
</trkseg></trk></gpx>
"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE gpx [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1"><trk><name>&secret;</name>
<trkseg><trkpt lat="1" lon="1"><time>2020-01-01T00:00:00Z</time></trkpt></trkseg></trk></gpx>
"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE gpx SYSTEM "http://127.0.0.1:9/gpx.dtd">
<gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1"/>
"""


@pytest.mark.parametrize(
    "data",
    [
        BILLION_LAUGHS,
        EXTERNAL_ENTITY,
        EXTERNAL_DTD,
        # UTF-16 hides <!DOCTYPE from a byte search; the parsed tree still shows it.
        BILLION_LAUGHS.replace(b'version="1.0"?>', b'version="1.0" encoding="UTF-16"?>')
        .decode()
        .encode("utf-16"),
    ],
    ids=["billion-laughs", "external-entity", "external-dtd", "utf16-billion-laughs"],
)
def test_documents_with_a_dtd_are_refused(data: bytes) -> None:
    with pytest.raises(CorruptFileError, match="DTD") as caught:
        read_gpx(data)
    assert "root:" not in caught.value.message
    assert "lollol" not in caught.value.message


def test_truncated_gpx_is_corrupt() -> None:
    data = gpx("workoutizer__garmin_example.gpx")
    with pytest.raises(CorruptFileError, match=r"^malformed GPX: .*") as caught:
        read_gpx(data[: len(data) // 2])
    assert "\n" not in caught.value.message
    assert isinstance(caught.value.__cause__, Exception)


@pytest.mark.parametrize(
    "data",
    [
        (DATA / "fit" / "fitparse__garmin-fenix-5-run.fit").read_bytes(),
        bytes(range(256)) * 4,
        b"",
        b"   \n",
        b"<html><body><p>Not found</p></body></html>",
        b"<html><body><p>unclosed</body>",
        (DATA / "tcx" / "tcxparser__test.tcx").read_bytes(),
    ],
    ids=["fit", "random-bytes", "empty", "blank", "html", "broken-html", "tcx"],
)
def test_bytes_that_are_not_gpx_are_unsupported(data: bytes) -> None:
    with pytest.raises(UnsupportedFormatError):
        read_gpx(data)


SMALL = gpx("gpxpy__track-with-empty-segment.gpx")


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    cut=st.integers(min_value=0, max_value=len(SMALL)),
    flips=st.lists(st.tuples(st.integers(0, len(SMALL) - 1), st.integers(0, 255)), max_size=4),
)
def test_damaged_gpx_raises_a_backstride_error_or_reads(
    cut: int, flips: list[tuple[int, int]]
) -> None:
    data = bytearray(SMALL)
    for position, value in flips:
        data[position] = value
    try:
        activities = read_gpx(bytes(data[:cut] if cut < len(data) else data))
    except BackstrideError:
        return
    for activity in activities:
        assert_valid(activity)


# -- the track rules, on numbers checkable by hand ------------------------------------------


def test_haversine_gives_one_degree_of_latitude_as_111_km() -> None:
    assert haversine_m(0.0, 0.0, 1.0, 0.0) == pytest.approx(111_195, abs=1)
    assert haversine_m(60.0, 0.0, 60.0, 1.0) == pytest.approx(111_195 / 2, rel=1e-3)


def test_distance_skips_a_missing_fix_and_a_segment_break() -> None:
    lat = np.array([0.0, np.nan, 0.001, 0.002])
    lon = np.zeros(4)
    leg = 111.195
    np.testing.assert_allclose(
        cumulative_distance_m(lat, lon), [0, np.nan, leg, 2 * leg], rtol=1e-4
    )
    breaks = np.array([False, False, True])
    np.testing.assert_allclose(
        cumulative_distance_m(lat, lon, breaks=breaks), [0, np.nan, leg, leg], rtol=1e-4
    )


def test_a_long_silence_in_a_dense_recording_is_a_break_but_not_in_a_sparse_log() -> None:
    one_hz = np.array([0.0, 1, 2, 3, 4, 36, 37])
    same_segment = np.zeros(7)
    assert recording_breaks(one_hz, same_segment).tolist() == [0, 0, 0, 0, 1, 0]
    sparse = np.array([0.0, 11, 22, 33, 110, 121, 300])
    assert recording_breaks(sparse, np.zeros(7)).tolist() == [0, 0, 0, 0, 0, 1]
    two_segments = np.array([0.0, 0, 0, 1, 1, 1, 1])
    assert recording_breaks(np.arange(7.0), two_segments).tolist() == [0, 0, 1, 0, 0, 0]


def test_moving_time_drops_standing_and_breaks_but_not_slow_long_intervals() -> None:
    elapsed = np.array([0.0, 10, 20, 80, 90, 100])
    distance = np.array([0.0, 30, 31, 91, 121, 151])  # 3, 0.1, 1, 3, 3 m/s
    assert moving_time_s(elapsed, distance) == 10 + 60 + 10 + 10
    breaks = np.array([False, False, False, True, False])
    assert moving_time_s(elapsed, distance, breaks=breaks) == 10 + 60 + 10


def test_ascent_ignores_jitter_and_settling_but_counts_a_climb() -> None:
    elapsed = np.arange(200.0)
    jitter = np.tile([0.0, 1.5, 0.0, -1.5], 50)
    assert total_ascent_m(elapsed, 100 + jitter) == 0.0
    climb = np.linspace(0, 50, 200)
    assert total_ascent_m(elapsed, 100 + climb + jitter) == pytest.approx(50, abs=4)
    settling = np.concatenate(([100.0], np.full(199, 700.0)))
    assert total_ascent_m(elapsed, settling) == 0.0


def test_summary_time_weights_heart_rate_over_irregular_samples() -> None:
    # Smart recording: 100 bpm for 8 s in two samples, then 150 bpm over ten 1 s samples.
    text = gpx("gpxpy__track-with-empty-segment.gpx").decode()
    times = [0, 8, *range(9, 19)]
    hr = [100, 100, *[150] * 10]
    base = datetime(2020, 1, 1, tzinfo=UTC)
    points = "".join(
        f'<trkpt lat="50" lon="{6 + i * 1e-4}"><time>{(base + timedelta(seconds=t)).isoformat()}'
        f"</time><extensions><hr>{h}</hr></extensions></trkpt>"
        for i, (t, h) in enumerate(zip(times, hr, strict=True))
    )
    made = re.sub(r"<trkseg>.*</trkseg>", f"<trkseg>{points}</trkseg>", text, flags=re.S)
    (activity,) = read_gpx(made.encode())
    # Weights: 4, 4.5, then 1 each (0.5 for the last): (100*8.5 + 150*9.5) / 18.
    assert activity.summary.avg_hr_bpm == pytest.approx((100 * 8.5 + 150 * 9.5) / 18)
