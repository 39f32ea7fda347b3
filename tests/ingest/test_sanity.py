"""Values that cannot be right are not stored silently (issue 14).

Cadence already in steps/min, a timer longer than the elapsed time, channels that are 0
throughout, GPX tracks with made-up times, and the sport of a GPX without ``<type>``.
Synthetic files are written the way devices write them; real files where they show it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from backstride.errors import EmptyActivityError
from backstride.ingest.fit import read_fit
from backstride.ingest.gpx import read_gpx
from backstride.ingest.tcx import read_tcx
from backstride.ingest.track import cadence_in_steps, checked_summary, cumulative_distance_m
from backstride.model import Summary
from backstride.units import Channel
from tests.conftest import DATA
from tests.ingest.catalogue import file_bytes

START = datetime(2024, 5, 1, 6, 0, tzinfo=UTC)


def _when(seconds: float) -> str:
    return (START + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def treadmill_tcx(
    cadence: int,
    *,
    lap_cadence: int | None = None,
    seconds: int = 600,
    speed_mps: float = 1.9,
    watts: int | None = None,
    laps: tuple[tuple[int, int], ...] | None = None,
) -> bytes:
    """A treadmill run as a Garmin-style TCX: 1 s trackpoints without a position, the
    device's distance, a per-sample ``<Cadence>`` and the lap's average ``<Cadence>``.
    ``laps`` as (start s, TotalTimeSeconds) overrides the one lap over the whole run."""
    points = []
    for t in range(seconds + 1):
        power = (
            f"<Extensions><TPX><Watts>{watts}</Watts></TPX></Extensions>"
            if watts is not None
            else ""
        )
        points.append(
            f"<Trackpoint><Time>{_when(t)}</Time><DistanceMeters>{t * speed_mps:.1f}"
            f"</DistanceMeters><Cadence>{cadence}</Cadence>{power}</Trackpoint>"
        )
    lap_watts = (
        f"<Extensions><LX><AvgWatts>{watts}</AvgWatts></LX></Extensions>"
        if watts is not None
        else ""
    )
    spans = laps or ((0, seconds),)
    lap_xml = []
    for k, (start_s, timer_s) in enumerate(spans):
        track = f"<Track>{''.join(points)}</Track>" if k == 0 else ""
        lap_xml.append(
            f'<Lap StartTime="{_when(start_s)}"><TotalTimeSeconds>{timer_s}</TotalTimeSeconds>'
            f"<DistanceMeters>{timer_s * speed_mps:.1f}</DistanceMeters>"
            f"<Calories>50</Calories><Intensity>Active</Intensity>"
            f"<Cadence>{lap_cadence if lap_cadence is not None else cadence}</Cadence>"
            f"<TriggerMethod>Manual</TriggerMethod>{track}{lap_watts}</Lap>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2">'
        f'<Activities><Activity Sport="Running"><Id>{_when(0)}</Id>{"".join(lap_xml)}'
        "</Activity></Activities></TrainingCenterDatabase>"
    ).encode()


# --- cadence already in steps/min ------------------------------------------------------------


def test_a_treadmill_tcx_in_steps_per_minute_is_kept_as_written_with_a_warning() -> None:
    (run,) = read_tcx(treadmill_tcx(134))
    spm = run.streams.channels[Channel.CADENCE_SPM]
    assert float(np.median(spm)) == 134.0  # not 268
    assert run.summary.avg_cadence_spm == 134.0
    assert run.laps[0].avg_cadence_spm == 134.0
    assert run.summary.avg_speed_mps == pytest.approx(1.9)
    (warning,) = run.warnings
    assert "already in steps/min (median 134; doubled it would be 268, above 240)" in warning


def test_the_same_file_in_strides_per_minute_is_doubled_without_a_warning() -> None:
    (run,) = read_tcx(treadmill_tcx(67))
    assert float(np.median(run.streams.channels[Channel.CADENCE_SPM])) == 134.0
    assert run.summary.avg_cadence_spm == 134.0
    assert run.laps[0].avg_cadence_spm == 134.0
    assert run.warnings == ()


def test_laps_in_strides_over_samples_in_steps_still_disagree() -> None:
    # Samples steps (134, kept), lap strides (67): the lap check still sees the mix-up.
    (run,) = read_tcx(treadmill_tcx(134, lap_cadence=67))
    assert run.summary.avg_cadence_spm == 67.0
    assert any("differs from the samples' 134 spm" in w for w in run.warnings)


def test_a_polar_walk_in_strides_stays_doubled() -> None:
    # Polar M400, a walk-paced "Running": 63 strides/min per foot -> 126 steps/min.
    (walk,) = read_tcx(file_bytes(DATA / "tcx" / "sweatpy__3173437224.tcx.gz"))
    spm = walk.streams.channels[Channel.CADENCE_SPM]
    assert float(np.median(spm[spm > 0])) == 126.0
    assert walk.summary.avg_cadence_spm == 120.0
    assert not any("steps/min" in w for w in walk.warnings)


def test_the_unit_decision() -> None:
    assert cadence_in_steps(np.full(30, 121.0))  # 242 doubled: steps already
    assert not cadence_in_steps(np.full(30, 120.0))  # 240: a plausible sprint cadence
    assert not cadence_in_steps(np.full(9, 134.0))  # too few samples to judge
    assert not cadence_in_steps(np.full(30, 250.0))  # neither unit fits: as the format says
    assert not cadence_in_steps(np.zeros(30))


def test_a_gpx_run_in_steps_per_minute_is_kept_as_written() -> None:
    text = file_bytes(DATA / "gpx" / "workoutizer__garmin_example.gpx")
    (strides,) = read_gpx(text)
    steps = re.sub(
        rb"<ns3:cad>(\d+)</ns3:cad>", lambda m: b"<ns3:cad>%d</ns3:cad>" % (2 * int(m[1])), text
    )
    (run,) = read_gpx(steps)
    assert run.summary.avg_cadence_spm == pytest.approx(strides.summary.avg_cadence_spm)
    assert any("GPX cadence is already in steps/min" in w for w in run.warnings)


# --- timer longer than elapsed ---------------------------------------------------------------


def test_laps_whose_timers_add_up_to_more_than_the_activity_are_clamped() -> None:
    # Two laps of 600 s and 300 s timer, the second starting at 300 s: 900 s of timer in a
    # 600 s activity.
    (run,) = read_tcx(treadmill_tcx(67, laps=((0, 600), (300, 300))))
    assert run.summary.elapsed_s == 600.0
    assert run.summary.timer_s == 600.0
    assert run.summary.avg_speed_mps == pytest.approx(1710.0 / 600.0)  # 1140 m + 570 m
    assert any("timer 900 s is longer than the elapsed time 600 s" in w for w in run.warnings)


def test_the_summary_check_by_hand() -> None:
    summary, notes = checked_summary(
        Summary(elapsed_s=1632.0, timer_s=2760.0, distance_m=14921.2, avg_speed_mps=0.0),
        samples_s=2759.0,
    )
    assert (summary.elapsed_s, summary.timer_s) == (2759.0, 2760.0)
    assert summary.avg_speed_mps == pytest.approx(14921.2 / 2760.0)
    assert len(notes) == 2
    clamped, notes = checked_summary(
        Summary(elapsed_s=600.0, timer_s=900.0, distance_m=1800.0, avg_speed_mps=2.0)
    )
    assert (clamped.timer_s, clamped.avg_speed_mps) == (600.0, 3.0)
    assert checked_summary(Summary(elapsed_s=600.0, timer_s=600.9)) == (
        Summary(elapsed_s=600.0, timer_s=600.9),
        [],
    )


@pytest.mark.local_data
def test_an_edge_elapsed_time_shorter_than_its_timer_comes_from_the_records() -> None:
    from tests.conftest import local_file

    data = file_bytes(local_file("fit/goldencheetah__14582164182.fit.gz"))
    (ride,) = read_fit(data)
    # The session says 1632 s elapsed, 2760 s timer, average speed 0; records span 2759 s.
    assert ride.summary.elapsed_s == 2759.0
    assert ride.summary.timer_s == 2760.0
    assert ride.summary.avg_speed_mps == pytest.approx(14921.2 / 2760.0)
    assert any("elapsed time 1632 s is shorter than the timer 2760 s" in w for w in ride.warnings)


# --- channels that are 0 throughout ----------------------------------------------------------


def test_an_all_zero_power_channel_is_not_recorded_rather_than_0_w() -> None:
    (run,) = read_tcx(treadmill_tcx(67, watts=0))
    assert Channel.POWER_W not in run.streams.channels
    assert run.summary.avg_power_w is None  # the lap's AvgWatts 0 too
    assert any("power is 0 in every sample: not recorded" in w for w in run.warnings)
    assert any("average power is 0: not recorded" in w for w in run.warnings)
    (powered,) = read_tcx(treadmill_tcx(67, watts=250))
    assert powered.summary.avg_power_w == 250.0
    assert powered.warnings == ()


def test_a_standing_fit_session_with_cadence_0_has_no_cadence() -> None:
    # FR935 multisport: 24 s of standing run, cadence 0 in every record.
    run, rowing = read_fit((DATA / "fit" / "sweatpy__6471559601_ACTIVITY.fit").read_bytes())
    assert Channel.CADENCE_SPM not in run.streams.channels
    assert Channel.CADENCE_RPM not in rowing.streams.channels
    assert run.summary.avg_cadence_spm is None


def test_all_zero_heart_rate_in_a_gpx_is_dropped() -> None:
    text = file_bytes(DATA / "gpx" / "workoutizer__garmin_example.gpx")
    zeroed = re.sub(rb"<ns3:hr>\d+</ns3:hr>", b"<ns3:hr>0</ns3:hr>", text)
    (run,) = read_gpx(zeroed)
    assert Channel.HEART_RATE_BPM not in run.streams.channels
    assert run.summary.avg_hr_bpm is None
    assert run.summary.max_hr_bpm is None
    assert any("heart rate is 0 in every sample" in w for w in run.warnings)


# --- GPX tracks with made-up times -----------------------------------------------------------


def _retimed(text: bytes, times: list[float]) -> bytes:
    stamps = iter(times)
    return re.sub(
        rb"<time>[^<]*</time>",
        lambda m: b"<time>%s</time>" % _when(next(stamps, 0.0)).encode(),
        text,
    )


def _points(text: bytes) -> int:
    return len(re.findall(rb"<trkpt", text))


def test_a_track_with_every_point_at_one_time_is_refused() -> None:
    text = file_bytes(DATA / "gpx" / "workoutizer__example.gpx")
    with pytest.raises(EmptyActivityError, match=r"made-up times: all 245 points have the same"):
        read_gpx(_retimed(text, [0.0] * 1000))


def test_a_route_with_a_constant_speed_timetable_is_refused() -> None:
    text = file_bytes(DATA / "gpx" / "workoutizer__example.gpx")
    (real,) = read_gpx(text)
    lat, lon = (real.streams.channels[c] for c in (Channel.LATITUDE_DEG, Channel.LONGITUDE_DEG))
    distance = cumulative_distance_m(lat, lon)  # every leg: a planner knows no pauses
    # What a route planner writes: each point's time from its distance at 3 m/s, whole seconds.
    times = [float(round(d / 3.0)) for d in distance]
    with pytest.raises(
        EmptyActivityError, match=r"245 points follow one constant speed \(3\.00 m/s\)"
    ):
        read_gpx(_retimed(text, times))


def test_route_vertices_one_second_apart_are_refused() -> None:
    # A drawn route: vertices about 150 m apart, given one time per second.
    points = "".join(
        f'<trkpt lat="{46.0 + k * 0.00135:.5f}" lon="14.0"><time>{_when(k)}</time></trkpt>'
        for k in range(50)
    )
    text = (
        '<gpx version="1.1" creator="planner" xmlns="http://www.topografix.com/GPX/1/1">'
        f"<trk><name>route</name><trkseg>{points}</trkseg></trk></gpx>"
    ).encode()
    with pytest.raises(
        EmptyActivityError, match=r"50 points exactly 1 s apart at a median 150 m/s"
    ):
        read_gpx(text)


def test_a_route_element_is_refused() -> None:
    text = (
        '<gpx version="1.1" creator="planner" xmlns="http://www.topografix.com/GPX/1/1">'
        f'<rte><rtept lat="46.0" lon="14.0"><time>{_when(0)}</time></rtept>'
        f'<rtept lat="46.1" lon="14.0"><time>{_when(1)}</time></rtept></rte></gpx>'
    ).encode()
    with pytest.raises(EmptyActivityError, match="only waypoints or routes"):
        read_gpx(text)


def test_a_real_one_second_recording_is_kept() -> None:
    # The Edge 1000's GPX: 1 s samples with sensors, and every other real file in the
    # catalogue, are read (tests/ingest/test_gpx.py); here one explicitly, evenly retimed.
    text = file_bytes(DATA / "gpx" / "workoutizer__garmin_example.gpx")
    n = _points(text)
    (run,) = read_gpx(_retimed(text, [float(k) for k in range(n)]))
    assert len(run.streams) == n  # sensors and a runner's speeds: a recording


# --- the sport of an untyped GPX -------------------------------------------------------------


def _untyped(name: str) -> bytes:
    return re.sub(rb"<type>[^<]*</type>", b"", file_bytes(DATA / "gpx" / name))


def test_an_untyped_run_with_cadence_is_a_run() -> None:
    (run,) = read_gpx(_untyped("workoutizer__garmin_example.gpx"))
    assert run.sport == "running"
    assert Channel.CADENCE_SPM in run.streams.channels
    assert run.summary.avg_cadence_spm == pytest.approx(147.1, abs=0.05)
    assert any(
        "taken as running (median moving speed 2.5 m/s, cadence 152 steps/min)" in w
        for w in run.warnings
    )


def test_an_untyped_ride_at_ride_speed_is_a_ride() -> None:
    (ride,) = read_gpx(_untyped("sweatpy__activity_5039744860.gpx"))
    assert ride.sport == "cycling"
    assert Channel.CADENCE_RPM in ride.streams.channels


def test_an_untyped_walk_paced_track_without_cadence_stays_unknown() -> None:
    # gpxpy's Korita-Zbevnica hike: 1.0 m/s, no cadence: hiking or a slow anything.
    (hike,) = read_gpx(file_bytes(DATA / "gpx" / "gpxpy__korita-zbevnica.gpx"))
    assert hike.sport == "generic"
    assert any("sport is unclear (median moving speed 1.0 m/s)" in w for w in hike.warnings)
