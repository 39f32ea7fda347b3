"""The FIT reader over real files: the catalogue, independent decoders, damaged inputs.

Reference values come from outside backstride: python-fitparse's published ``*-records.csv``
files, and Garmin's own decoder (garmin-fit-sdk) for every file it can read.
"""

from __future__ import annotations

import csv
import functools
import io
import random
import warnings
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import fitdecode
import numpy as np
import pytest
from garmin_fit_sdk import Decoder, Encoder, Profile, Stream
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backstride.errors import (
    BackstrideError,
    CorruptFileError,
    EmptyActivityError,
    UnsupportedFormatError,
)
from backstride.ingest import fit_fields
from backstride.ingest.fit import read_fit
from backstride.model import Activity
from backstride.units import Channel
from tests.conftest import DATA, local_file, local_files
from tests.ingest.catalogue import file_bytes, load_catalogue

FIT_DIR = DATA / "fit"
CATALOGUE = load_catalogue(FIT_DIR)
REPO_FILES = sorted(FIT_DIR.glob("*.fit"))
ALL_FILES = [pytest.param(p, id=p.name) for p in REPO_FILES] + [
    pytest.param(p, id=f"local/{p.name}", marks=pytest.mark.local_data)
    for p in local_files("fit/*.fit*")
]


@functools.cache
def read_path_outcome(path: Path) -> list[Activity] | BackstrideError:
    """read_fit on a file, once per test session (the 3 MB local file takes seconds)."""
    return outcome(file_bytes(path))


def read_path(path: Path) -> list[Activity]:
    result = read_path_outcome(path)
    if isinstance(result, BackstrideError):
        raise result
    return result


@functools.cache
def garmin_sdk(path: Path) -> tuple[dict[str, Any], bool]:
    """Garmin's decoder on a file: its messages, and whether it read the file without error."""
    stream = Stream.from_byte_array(bytearray(file_bytes(path)))
    messages, errors = Decoder(stream).read(merge_heart_rates=False)
    return messages, not errors


def reference_sessions(path: Path) -> list[dict[str, Any]]:
    """The file's non-transition session messages in start order, as another decoder reads them.

    Garmin's SDK where it can; fitdecode's default reader for compressed timestamps and bad
    CRCs, which the SDK refuses.
    """
    messages, ok = garmin_sdk(path)
    sessions = messages.get("session_mesgs", []) if ok else []
    if not ok:
        with fitdecode.FitReader(
            io.BytesIO(file_bytes(path)), check_crc=fitdecode.CrcCheck.DISABLED
        ) as reader:
            try:
                for frame in reader:
                    if isinstance(frame, fitdecode.FitDataMessage) and frame.name == "session":
                        sessions.append({f.name: f.value for f in frame.fields})
            except fitdecode.FitError:
                pass  # damaged: what came before the damage is the reference
    kept = [s for s in sessions if s.get("sport") != "transition"]
    return sorted(kept, key=lambda s: _seconds(s.get("start_time")))


def _seconds(value: Any) -> float:
    return value.timestamp() if isinstance(value, datetime) else float(value or 0)


def assert_close(actual: float | None, expected: float | None, what: str, rel: float) -> None:
    if expected is None:
        return
    assert actual is not None, f"{what}: missing, file says {expected}"
    assert actual == pytest.approx(expected, rel=rel, abs=1e-6), what


def outcome(data: bytes) -> list[Activity] | BackstrideError:
    """read_fit's activities, or the BackstrideError it raised (anything else propagates)."""
    try:
        return read_fit(data)
    except BackstrideError as e:
        return e


def assert_valid_outcome(result: list[Activity] | BackstrideError) -> None:
    """Activities that satisfy :func:`assert_valid`, or an error with a one-line message."""
    if isinstance(result, BackstrideError):
        assert result.message
        assert "\n" not in result.message
    else:
        assert_valid(result)


def assert_valid(activities: list[Activity]) -> None:
    """What any result of read_fit must satisfy, however damaged its input."""
    assert activities
    for index, activity in enumerate(activities):
        assert activity.source_format == "fit"
        assert activity.session_index == index
        assert activity.sport != "transition"
        elapsed = activity.streams.elapsed_s
        assert elapsed.dtype == np.float64
        assert np.all(np.diff(elapsed) >= 0)
        for values in [*activity.streams.channels.values(), *activity.streams.extra.values()]:
            assert values.dtype == np.float64
            assert len(values) == len(elapsed)
        assert all("\n" not in w for w in activity.warnings)


# --- the catalogue --------------------------------------------------------------------------


def test_catalogue_lists_every_fit_file_in_the_folder() -> None:
    assert sorted(entry["name"] for entry in CATALOGUE) == [p.name for p in REPO_FILES]


@pytest.mark.parametrize("entry", CATALOGUE, ids=[e["name"] for e in CATALOGUE])
def test_fit_file_reads_as_its_catalogue_entry_says(entry: dict[str, Any]) -> None:
    activities = read_path(FIT_DIR / entry["name"])
    assert_valid(activities)
    expected = entry["activity"]
    assert [a.sport for a in activities] == [e["sport"] for e in expected]
    for activity, want in zip(activities, expected, strict=True):
        assert activity.sub_sport == want.get("sub_sport")
        assert activity.device == entry["device"]
        assert len(activity.streams) == want["records"]
        assert len(activity.laps) == want["laps"]
        present = [str(c) for c in activity.streams.channels if activity.streams.has(c)]
        assert sorted(present) == sorted(want["channels"])
        assert sorted(activity.streams.extra) == sorted(want.get("extra", []))
        wanted_warnings = want.get("warnings", [])
        assert len(activity.warnings) >= len(wanted_warnings)
        for fragment in wanted_warnings:
            assert any(fragment in w for w in activity.warnings), fragment
        if not wanted_warnings:
            assert activity.warnings == ()
        assert activity.start_at.tzinfo is not None


# --- every file: the file's own summary, or a clean error ------------------------------------


@pytest.mark.parametrize("path", ALL_FILES)
def test_summary_matches_the_files_own_session_or_a_one_line_error(path: Path) -> None:
    activities = read_path_outcome(path)
    assert_valid_outcome(activities)
    if isinstance(activities, BackstrideError):
        return
    sessions = reference_sessions(path)
    if not sessions:  # truncated before the summary: computed, and said so
        assert all(any("computed from records" in w for w in a.warnings) for a in activities)
        return
    assert len(activities) == len(sessions)
    for activity, session in zip(activities, sessions, strict=True):
        summary = activity.summary
        elapsed = session.get("total_elapsed_time")
        if any("taken from the samples" in w for w in activity.warnings):
            # An elapsed time shorter than the timer and the records cannot be right.
            assert elapsed is not None
            assert elapsed < session["total_timer_time"]
            elapsed = float(activity.streams.elapsed_s[-1])
        assert_close(summary.elapsed_s, elapsed, "elapsed", 0.01)
        assert_close(summary.timer_s, session.get("total_timer_time"), "timer", 0.01)
        assert_close(summary.distance_m, session.get("total_distance"), "distance", 0.01)
        assert_close(summary.avg_hr_bpm, session.get("avg_heart_rate"), "avg HR", 0.01)
        foot = Channel.CADENCE_SPM in activity.streams.channels
        if foot and session.get("avg_cadence") is not None:
            steps = 2 * (session["avg_cadence"] + (session.get("avg_fractional_cadence") or 0))
            assert_close(summary.avg_cadence_spm, steps, "avg cadence (steps/min)", 0.01)
        elif not foot:
            assert summary.avg_cadence_spm is None  # rpm is not a step cadence


# --- python-fitparse's published per-record values -------------------------------------------

PDT = timezone(timedelta(hours=-7))
CSV_CASES = [
    "fitparse__garmin-fenix-5-run",
    "fitparse__garmin-fenix-5-walk",
    "fitparse__garmin-fenix-5-bike",
]


def _csv_number(text: str) -> float:
    return np.nan if text.strip() in ("", "null", "None") else float(text)


@pytest.mark.parametrize("name", CSV_CASES)
def test_fenix5_streams_match_python_fitparse_records_csv(name: str) -> None:
    [activity] = read_path(FIT_DIR / f"{name}.fit")
    with (FIT_DIR / f"{name}-records.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == len(activity.streams)
    when = [
        datetime.strptime(r["timestamp"].replace(" PDT", ""), "%a %b %d %H:%M:%S %Y")
        .replace(tzinfo=PDT)
        .astimezone(UTC)
        for r in rows
    ]
    start = activity.start_at
    np.testing.assert_array_equal(
        activity.streams.elapsed_s, [(t - start).total_seconds() for t in when]
    )
    ch = activity.streams.channels

    def column(key: str) -> np.ndarray:
        return np.array([_csv_number(r[key]) for r in rows])

    semicircle = 180 / 2**31
    expected = {
        Channel.HEART_RATE_BPM: column("heart_rate"),
        Channel.SPEED_MPS: column("speed"),
        Channel.DISTANCE_M: column("distance"),
        Channel.LATITUDE_DEG: column("position_lat") * semicircle,
        Channel.LONGITUDE_DEG: column("position_long") * semicircle,
        Channel.ALTITUDE_M: column("altitude"),
        Channel.TEMPERATURE_C: column("temperature"),
    }
    for channel, values in expected.items():
        np.testing.assert_allclose(ch[channel], values, rtol=1e-9, atol=1e-9, err_msg=channel)
    strides = column("cadence")
    if np.isfinite(strides).any():
        # The CSV has whole strides/min; ours adds fractional_cadence and counts steps.
        halves = ch[Channel.CADENCE_SPM] / 2 - strides
        assert np.all((halves >= 0) & (halves < 1))
    else:
        assert Channel.CADENCE_SPM not in ch
        assert Channel.CADENCE_RPM not in ch


def test_compressed_speed_distance_matches_python_fitparse_records_csv() -> None:
    """Compressed-timestamp headers and the packed speed/distance field, expanded."""
    [activity] = read_path(FIT_DIR / "fitparse__compressed-speed-distance.fit")
    with (FIT_DIR / "fitparse__compressed-speed-distance-records.csv").open(newline="") as f:
        rows = [{k.strip(): v for k, v in r.items()} for r in csv.DictReader(f)]
    stamps = np.array([float(r["Timestamp"]) for r in rows])
    elapsed = activity.streams.elapsed_s
    # The CSV leaves out the one record that has no speed and no distance.
    ch = activity.streams.channels
    kept = np.isfinite(ch[Channel.DISTANCE_M])
    assert kept.sum() == len(rows)
    np.testing.assert_array_equal(elapsed[kept] - elapsed[kept][0], stamps - stamps[0])
    assert elapsed[kept][0] == 5.0  # first CSV record 17217869, session start 17217864

    def column(key: str) -> np.ndarray:
        return np.array([_csv_number(r[key]) for r in rows])

    np.testing.assert_allclose(ch[Channel.HEART_RATE_BPM][kept], column("Heart Rate [bpm]"))
    np.testing.assert_allclose(ch[Channel.SPEED_MPS][kept], column("Speed [m/s]"), rtol=1e-9)
    np.testing.assert_allclose(ch[Channel.DISTANCE_M][kept], column("Distance [m]"), rtol=1e-9)
    # FR70 running cadence: strides/min in the file, steps/min here.
    np.testing.assert_allclose(ch[Channel.CADENCE_SPM][kept], 2 * column("Cadence [rpm]"))


# --- Garmin's own decoder ----------------------------------------------------------------------


def _sdk_array(records: list[dict[str, Any]], *keys: str) -> np.ndarray:
    def pick(r: dict[str, Any]) -> float:
        for key in keys:
            if r.get(key) is not None:
                value = r[key]
                return float(value[0] if isinstance(value, list) else value)
        return np.nan

    return np.array([pick(r) for r in records], dtype=np.float64)


@pytest.mark.parametrize("path", ALL_FILES)
def test_records_match_garmin_fit_sdk(path: Path) -> None:
    messages, ok = garmin_sdk(path)
    if not ok:
        pytest.skip("garmin-fit-sdk cannot read this file (compressed timestamps, CRC ...)")
    activities = read_path(path)
    records = sorted(messages.get("record_mesgs", []), key=lambda r: r["timestamp"])
    times = np.array([r["timestamp"].timestamp() for r in records])
    covered = np.zeros(len(records), dtype=bool)
    for activity in activities:
        ours = activity.start_at.timestamp() + activity.streams.elapsed_s
        lo = int(np.searchsorted(times, ours[0], side="left"))
        hi = lo + len(ours)
        np.testing.assert_array_equal(ours, times[lo:hi])
        covered[lo:hi] = True
        window = records[lo:hi]
        ch = activity.streams.channels
        checks = {
            Channel.HEART_RATE_BPM: _sdk_array(window, "heart_rate"),
            Channel.DISTANCE_M: _sdk_array(window, "distance"),
            Channel.SPEED_MPS: _sdk_array(window, "enhanced_speed", "speed"),
        }
        strides = _sdk_array(window, "cadence") + np.nan_to_num(
            _sdk_array(window, "fractional_cadence")
        )
        if Channel.CADENCE_SPM in ch:
            checks[Channel.CADENCE_SPM] = 2 * strides
        elif Channel.CADENCE_RPM in ch:
            checks[Channel.CADENCE_RPM] = strides
        for channel, expected in checks.items():
            if channel in ch or np.isfinite(expected).any():
                np.testing.assert_allclose(ch[channel], expected, rtol=1e-6, err_msg=channel)
    # Whatever no activity holds lies in a multisport transition.
    transitions = [
        (s["start_time"].timestamp(), s["start_time"].timestamp() + s["total_elapsed_time"])
        for s in messages.get("session_mesgs", [])
        if s.get("sport") == "transition"
    ]
    for t in times[~covered]:
        assert any(start - 1 <= t <= end + 1 for start, end in transitions), t


@pytest.mark.parametrize(
    "path", [pytest.param(p, id=p.name) for p in REPO_FILES if p.stat().st_size < 300_000]
)
def test_laps_match_garmin_fit_sdk(path: Path) -> None:
    messages, ok = garmin_sdk(path)
    if not ok:
        pytest.skip("garmin-fit-sdk cannot read this file")
    activities = read_path(path)
    sessions = sorted(messages["session_mesgs"], key=lambda m: m["start_time"])

    def in_transition(lap: dict[str, Any]) -> bool:
        """Whether the session the lap starts in (the last one begun by then) is one."""
        begun = [s for s in sessions if s["start_time"] <= lap["start_time"]] or sessions[:1]
        return begun[-1].get("sport") == "transition"

    laps = [lap for lap in messages.get("lap_mesgs", []) if not in_transition(lap)]
    ours = [lap for activity in activities for lap in activity.laps]
    assert len(ours) == len(laps)
    for lap, sdk in zip(ours, sorted(laps, key=lambda m: m["start_time"]), strict=True):
        assert lap.start_at == sdk["start_time"]
        assert_close(lap.elapsed_s, sdk.get("total_elapsed_time"), "lap elapsed", 1e-6)
        assert_close(lap.distance_m, sdk.get("total_distance"), "lap distance", 1e-6)
    for activity in activities:
        for lap in activity.laps:
            assert lap.start_at >= activity.start_at


# --- multisport and chained files ---------------------------------------------------------------


def test_summary_first_triathlon_gives_swim_bike_run_without_transitions() -> None:
    activities = read_path(FIT_DIR / "fit-parser-js__triathlon_summary_first.fit")
    assert [(a.sport, a.sub_sport) for a in activities] == [
        ("swimming", "open_water"),
        ("cycling", "generic"),
        ("running", "generic"),
    ]
    starts = [a.start_at for a in activities]
    assert starts == sorted(starts)
    assert starts[0] == datetime(2023, 9, 2, 13, 15, 24, tzinfo=UTC)
    for activity in activities:
        assert activity.streams.elapsed_s[0] == 0
        assert activity.streams.elapsed_s[-1] <= activity.summary.elapsed_s + 2
        assert activity.utc_offset_s == -5 * 3600
    swim, bike, run = activities
    assert Channel.CADENCE_RPM in swim.streams.channels  # strokes/min, not steps
    assert run.summary.avg_cadence_spm == pytest.approx(2 * (80 + 0.703125))
    assert bike.summary.distance_m == pytest.approx(13517.59)


def test_chained_file_keeps_the_sessions_of_all_its_parts() -> None:
    activities = read_path(FIT_DIR / "fitparse__sample_mulitple_header.fit")
    assert [a.sport for a in activities] == ["swimming", "cycling", "running"]
    assert sum(len(a.streams) for a in activities) < 1773  # transitions hold the rest


def test_fenix2_multisport_keeps_four_of_seven_sessions() -> None:
    activities = read_path(FIT_DIR / "fitparse__activity-large-fenxi2-multisport.fit")
    assert [a.sport for a in activities] == ["generic", "running", "running", "cycling"]
    assert activities[0].start_at == datetime(2015, 8, 29, 7, 14, 44, tzinfo=UTC)


def test_run_transition_rowing_drops_the_transition() -> None:
    activities = read_path(FIT_DIR / "sweatpy__6471559601_ACTIVITY.fit")
    assert [a.sport for a in activities] == ["running", "rowing"]
    assert [a.session_index for a in activities] == [0, 1]


@pytest.mark.local_data
def test_large_local_triathlon_splits_into_swim_bike_run() -> None:
    activities = read_path(local_file("fit/goldencheetah__MultiSport-2019-11-24.fit"))
    assert [a.sport for a in activities] == ["swimming", "cycling", "running"]
    run = activities[2]
    assert "Power [Watts]" in run.streams.extra
    assert run.streams.has(Channel.STEP_LENGTH_M)
    assert Channel.CADENCE_RPM in activities[1].streams.channels


# --- running dynamics and developer fields ---------------------------------------------------


def test_running_dynamics_are_plausible_si_values() -> None:
    [run] = read_path(FIT_DIR / "fit-parser-js__running-with-developer-data.fit")
    ch = run.streams.channels

    def median(channel: Channel) -> float:
        return float(np.nanmedian(ch[channel]))

    moving = ch[Channel.CADENCE_SPM] > 0
    assert 150 <= float(np.median(ch[Channel.CADENCE_SPM][moving])) <= 200
    assert 0.05 <= median(Channel.VERTICAL_OSCILLATION_M) <= 0.15
    assert 0.15 <= median(Channel.STANCE_TIME_S) <= 0.4
    assert 0.5 <= median(Channel.STEP_LENGTH_M) <= 2.0
    assert 45 <= median(Channel.STANCE_TIME_BALANCE_LEFT_PCT) <= 55
    assert 5 <= median(Channel.VERTICAL_RATIO_PCT) <= 12
    # Step length is one step: speed divided by steps per second.
    running = moving & (ch[Channel.SPEED_MPS] > 1)
    step = ch[Channel.SPEED_MPS][running] * 60 / ch[Channel.CADENCE_SPM][running]
    assert 0.95 <= float(np.nanmedian(ch[Channel.STEP_LENGTH_M][running] / step)) <= 1.05
    assert run.device == "garmin fenix5x"
    assert run.utc_offset_s == 7200
    assert run.start_at == datetime(2018, 6, 14, 14, 55, 22, tzinfo=UTC)


def test_stryd_developer_power_fills_power_when_the_file_has_no_native_power() -> None:
    [run] = read_path(FIT_DIR / "fit-parser-js__running-with-developer-data.fit")
    power = run.streams.channels[Channel.POWER_W]
    stryd = run.streams.extra["Power [Watts]"]
    np.testing.assert_array_equal(power, stryd)
    assert 150 <= float(np.nanmedian(power)) <= 500
    assert "Form Power [Watts]" in run.streams.extra


def test_native_power_wins_over_developer_fields() -> None:
    [run] = read_path(FIT_DIR / "fitparse__developer-types-sample.fit")
    messages, _ = garmin_sdk(FIT_DIR / "fitparse__developer-types-sample.fit")
    native = _sdk_array(messages["record_mesgs"], "power")
    np.testing.assert_array_equal(run.streams.channels[Channel.POWER_W], native)
    assert "Leg Spring Stiffness [KN/m]" in run.streams.extra


def test_cycling_cadence_stays_in_rpm() -> None:
    [ride] = read_path(FIT_DIR / "fitparse-rs__hrv-activity.fit")
    assert Channel.CADENCE_SPM not in ride.streams.channels
    assert 60 <= float(np.nanmedian(ride.streams.channels[Channel.CADENCE_RPM])) <= 110
    assert ride.summary.avg_cadence_spm is None


def test_step_length_is_read_under_either_profile_name() -> None:
    # Record field 85 is step_length in FIT profile 21.x and stride_length in older ones.
    for name in ("step_length", "stride_length"):
        channels, _ = fit_fields.record_channels({name: np.array([1240.0, np.nan])}, {})
        np.testing.assert_array_equal(channels[Channel.STEP_LENGTH_M], [1.24, np.nan])


def test_decoder_warnings_become_activity_warnings_not_python_warnings() -> None:
    path = FIT_DIR / "fitparse__coros-pace-2-cycling-misaligned-fields.fit"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        [ride] = read_fit(path.read_bytes())
    assert any("invalid field size" in w for w in ride.warnings)


def test_power_on_clock_without_wall_time_is_flagged() -> None:
    anchor, offset, note = fit_fields.clock({"timestamp": 17221751}, 17217864.0)
    assert (anchor, offset) == (0.0, None)
    assert note is not None
    assert "no clock time" in note


@pytest.mark.local_data
def test_impossible_local_time_gives_no_utc_offset() -> None:
    # The Edge 1030 file's activity.local_timestamp is 1989-12-31T00:29:06.
    [ride] = read_path(local_file("fit/goldencheetah__14582164182.fit.gz"))
    assert ride.utc_offset_s is None
    assert ride.start_at == datetime(2025, 2, 19, 0, 10, 45, tzinfo=UTC)


# --- damaged files from the local folder ---------------------------------------------------


@pytest.mark.local_data
def test_bad_file_crc_imports_with_a_warning() -> None:
    [activity] = read_fit(local_file("fit/fitparse__activity-filecrc.fit").read_bytes())
    assert len(activity.streams) == 14
    assert "file CRC does not match; data decoded anyway" in activity.warnings


@pytest.mark.local_data
def test_file_cut_mid_message_keeps_the_records_before_the_cut() -> None:
    [activity] = read_fit(local_file("fit/fitparse__activity-unexpected-eof.fit").read_bytes())
    assert len(activity.streams) == 14
    assert any("truncated at byte 768" in w for w in activity.warnings)


@pytest.mark.local_data
def test_file_without_session_gets_a_summary_computed_from_records() -> None:
    [activity] = read_fit(local_file("fit/muktihari-fit__activity_truncated.fit").read_bytes())
    assert len(activity.streams) == 14
    assert activity.summary.elapsed_s == 13.0
    assert activity.summary.distance_m == pytest.approx(5.73)
    assert any("computed from records" in w for w in activity.warnings)


@pytest.mark.local_data
def test_corrupt_second_header_keeps_the_complete_first_part() -> None:
    # The first part is a whole, CRC-valid activity (records, lap, session, activity), so
    # it is returned; only the broken tail is dropped.
    path = local_file("fit/fitparse__activity-settings-corruptheader.fit")
    [activity] = read_fit(path.read_bytes())
    assert len(activity.streams) == 14
    assert any("bytes from 771 on are not a valid chained FIT" in w for w in activity.warnings)


# --- damage made in the test ----------------------------------------------------------------

SMALL = FIT_DIR / "fitparse__garmin-fenix-5-run.fit"
MEDIUM = FIT_DIR / "fit-parser-js__running-with-developer-data.fit"


@pytest.mark.parametrize("fraction", [0.0, 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.999, 1.0])
def test_truncating_a_good_file_never_raises_anything_else(fraction: float) -> None:
    data = MEDIUM.read_bytes()
    result = outcome(data[: int(len(data) * fraction)])
    assert_valid_outcome(result)
    if isinstance(result, list) and fraction < 1.0:
        # The last 0.1% holds no records (only laps and the session), hence <=.
        assert len(result[0].streams) <= 1681
        assert any("truncated" in w for w in result[0].warnings)


def test_file_cut_among_its_records_still_gives_the_run() -> None:
    data = MEDIUM.read_bytes()
    [activity] = read_fit(data[: len(data) // 2])
    assert 100 < len(activity.streams) < 1681
    assert any(f"truncated at byte {len(data) // 2}" in w for w in activity.warnings)
    assert any("computed from records" in w for w in activity.warnings)
    assert activity.summary.distance_m is not None
    assert activity.summary.distance_m > 0


def test_file_cut_inside_its_header_is_not_fit() -> None:
    with pytest.raises(UnsupportedFormatError, match="not a FIT file"):
        read_fit(SMALL.read_bytes()[:10])


def test_file_cut_before_any_record_is_corrupt() -> None:
    with pytest.raises(
        CorruptFileError, match="damaged before any activity data: file is truncated at byte 40"
    ):
        read_fit(SMALL.read_bytes()[:40])


def test_flipped_crc_byte_gives_a_warning_not_an_error() -> None:
    data = bytearray(SMALL.read_bytes())
    data[-1] ^= 0xFF
    [activity] = read_fit(bytes(data))
    assert "file CRC does not match; data decoded anyway" in activity.warnings
    assert len(activity.streams) == 21


def test_flipped_byte_inside_the_data_is_a_result_or_a_clean_error() -> None:
    original = MEDIUM.read_bytes()
    rng = random.Random(20240601)
    for _ in range(12):
        data = bytearray(original)
        data[rng.randrange(14, len(data))] ^= 1 << rng.randrange(8)
        assert_valid_outcome(outcome(bytes(data)))


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x0e\x10",
        bytes(random.Random(7).randrange(256) for _ in range(4096)),
        (DATA / "gpx" / "gpxpy__korita-zbevnica.gpx").read_bytes(),
        b"\x0e\x10\x00\x00\x10\x00\x00\x00.FOT\x00\x00" + bytes(16),
    ],
    ids=["empty", "two-bytes", "random", "gpx", "bad-signature"],
)
def test_bytes_that_are_not_fit_are_unsupported(data: bytes) -> None:
    with pytest.raises(UnsupportedFormatError, match=r"^not a FIT file"):
        read_fit(data)


def _encoded(*messages: dict[str, Any]) -> bytes:
    encoder = Encoder()
    for message in messages:
        encoder.write_mesg(message)
    return encoder.close()


def test_settings_file_is_not_an_activity() -> None:
    data = _encoded(
        {"mesg_num": Profile["mesg_num"]["FILE_ID"], "type": "settings", "manufacturer": "garmin"}
    )
    with pytest.raises(EmptyActivityError, match="type 'settings'"):
        read_fit(data)


def test_activity_file_without_records_or_session_is_empty() -> None:
    data = _encoded(
        {"mesg_num": Profile["mesg_num"]["FILE_ID"], "type": "activity", "manufacturer": "garmin"}
    )
    with pytest.raises(EmptyActivityError, match="no records and no session"):
        read_fit(data)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    cut=st.integers(min_value=0, max_value=SMALL.stat().st_size),
    flips=st.lists(
        st.tuples(st.integers(0, SMALL.stat().st_size - 1), st.integers(1, 255)), max_size=3
    ),
)
def test_damaged_small_file_gives_activities_or_a_backstride_error(
    cut: int, flips: list[tuple[int, int]]
) -> None:
    data = bytearray(SMALL.read_bytes())
    for position, mask in flips:
        data[position] ^= mask
    assert_valid_outcome(outcome(bytes(data[:cut])))
