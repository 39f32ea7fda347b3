"""Steady-segment detection on synthetic streams with known stops, walks, hills and pauses."""

from __future__ import annotations

import numpy as np
import pytest

from backstride.analysis.segments import grade_by_time, rolling_mean_by_time, steady_segments
from backstride.model import EMPTY_STREAMS, Streams
from backstride.units import Channel


def run_streams(
    seconds: int = 1200,
    *,
    speed: np.ndarray | None = None,
    cadence: np.ndarray | None = None,
    altitude: np.ndarray | None = None,
    elapsed: np.ndarray | None = None,
    with_speed: bool = True,
) -> Streams:
    t = np.arange(float(seconds)) if elapsed is None else elapsed
    v = np.full(len(t), 3.0) if speed is None else speed
    channels = {
        Channel.CADENCE_SPM: np.full(len(t), 170.0) if cadence is None else cadence,
        Channel.DISTANCE_M: np.concatenate([[0.0], np.cumsum(v[1:] * np.diff(t))]),
    }
    if with_speed:
        channels[Channel.SPEED_MPS] = v
    if altitude is not None:
        channels[Channel.ALTITUDE_M] = altitude
    return Streams(t, channels)


def test_the_first_minutes_never_count() -> None:
    seg = steady_segments(run_streams(1200))
    assert seg.count == 1
    assert seg.starts.tolist() == [300]
    assert seg.stops.tolist() == [1200]
    assert seg.mask.sum() == 900
    assert steady_segments(run_streams(1200), skip_first_s=60).starts.tolist() == [60]


def test_a_stop_and_the_slowing_around_it_are_excluded() -> None:
    t = np.arange(1200.0)
    speed = np.where((t >= 600) & (t < 660), 0.0, 3.0)
    seg = steady_segments(run_streams(speed=speed))
    assert seg.count == 2
    assert not seg.mask[583:678].any()  # the stop and ~18 s either side
    assert seg.mask[500]
    assert seg.mask[800]


def test_walking_is_not_running() -> None:
    t = np.arange(1200.0)
    walk = (t >= 700) & (t < 900)
    speed = np.where(walk, 1.4, 3.0)
    cadence = np.where(walk, 115.0, 170.0)
    seg = steady_segments(run_streams(speed=speed, cadence=cadence))
    assert not seg.mask[700:900].any()
    assert seg.mask[400]
    assert seg.mask[1100]


def test_steep_ground_is_excluded_and_unknown_grade_is_kept() -> None:
    t = np.arange(1200.0)
    # flat, then an 8% climb from 600 s to 900 s, then flat again
    rise = np.clip(t - 600, 0, 300) * 3.0 * 0.08
    seg = steady_segments(run_streams(altitude=rise))
    assert not seg.mask[620:880].any()
    assert seg.mask[400]
    assert seg.mask[1100]
    assert np.nanmax(np.abs(seg.grade)) == pytest.approx(0.08, abs=1e-6)
    no_altitude = steady_segments(run_streams())
    assert np.isnan(no_altitude.grade).all()
    assert no_altitude.mask[700]


def test_a_pause_in_the_recording_splits_segments() -> None:
    elapsed = np.r_[np.arange(0.0, 700.0), np.arange(760.0, 1400.0)]  # 60 s gap: auto-pause
    seg = steady_segments(run_streams(elapsed=elapsed))
    assert seg.count == 2
    assert elapsed[seg.stops[0] - 1] < 700 <= elapsed[seg.starts[1]]


def test_surges_are_not_steady() -> None:
    t = np.arange(1200.0)
    speed = np.where((t >= 700) & (t < 720), 5.0, 3.0)  # 20 s stride-out
    seg = steady_segments(run_streams(speed=speed))
    assert not seg.mask[700:720].any()


def test_speed_from_distance_when_there_is_no_speed_channel() -> None:
    seg = steady_segments(run_streams(with_speed=False))
    assert seg.mask.sum() == 900


def test_short_stretches_are_dropped_and_empty_streams_give_nothing() -> None:
    t = np.arange(500.0)
    speed = np.where(t < 350, 3.0, 0.0)  # only ~35 s of running after the first 5 minutes
    assert steady_segments(run_streams(500, speed=speed)).count == 0
    empty = steady_segments(EMPTY_STREAMS)
    assert empty.count == 0
    assert len(empty.mask) == 0


def test_rolling_helpers_hand_computed() -> None:
    t = np.array([0.0, 1, 2, 10])
    assert rolling_mean_by_time(t, np.array([1.0, 2, np.nan, 7]), 3.0).tolist() == [
        1.5,
        1.5,
        2.0,
        7.0,
    ]
    t = np.arange(0.0, 100.0)
    grade = grade_by_time(t, 0.05 * t, t)  # 5% everywhere, 1 m/s
    assert grade[50] == pytest.approx(0.05)
    assert np.isnan(grade_by_time(t, 0.05 * t, np.zeros(100))).all()  # not moving: unknown
