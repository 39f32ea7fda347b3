"""The recorded-shape fixtures (the API references' own examples, see fakes.py) read field
for field: a Strava DetailedActivity with its StreamSet, the rate-limit headers, and the
fingerprint that tells an edit."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from backstride.sync.ratelimit import RateLimiter, usage_from_headers
from backstride.sync.strava_data import fingerprint, to_activity, to_meta
from backstride.units import Channel
from tests.sync.fakes import FakeClock, fixture


def test_detailed_activity_and_streams_as_backstride_reads_them() -> None:
    detail = fixture("strava_activity.json")
    activity = to_activity(detail, fixture("strava_streams.json"))
    assert activity is not None
    assert (activity.sport, activity.sub_sport) == ("cycling", "mountain")  # MountainBikeRide
    assert activity.start_at == datetime(2018, 2, 16, 14, 52, 54, tzinfo=UTC)
    assert activity.utc_offset_s == -28800
    assert activity.source_format == "strava"
    s = activity.summary
    assert (s.elapsed_s, s.timer_s, s.distance_m) == (4410, 4207, 28099)
    assert (s.avg_power_w, s.total_ascent_m, s.calories_kcal) == (185.5, 516, 870.2)
    assert s.avg_cadence_spm is None  # a ride's cadence is not steps
    assert activity.device == "Garmin Edge 1030"
    [lap] = activity.laps
    assert (lap.elapsed_s, lap.distance_m, lap.avg_power_w) == (1573, 8046.72, 233.1)
    streams = activity.streams
    assert streams.elapsed_s.tolist() == [0, 1, 2, 4]
    assert streams.channels[Channel.CADENCE_RPM].tolist() == [70, 72, 75, 76]
    assert streams.channels[Channel.LATITUDE_DEG][0] == 37.833112
    assert streams.channels[Channel.LONGITUDE_DEG][-1] == -122.483375
    assert np.allclose(streams.channels[Channel.SPEED_MPS], [0.0, 2.6, 2.7, 2.73])
    meta = to_meta(detail, "Tarmac")
    assert (meta.rpe, meta.vendor_type, meta.gear_name) == (6, "MountainBikeRide", "Tarmac")
    assert meta.description is None  # "" is no description
    assert meta.external_id == "strava:12345678987654321"


def test_a_run_counts_cadence_in_steps() -> None:
    detail = {**fixture("strava_activity.json"), "sport_type": "TrailRun", "type": "Run"}
    activity = to_activity(detail, fixture("strava_streams.json"))
    assert activity is not None
    assert (activity.sport, activity.sub_sport) == ("running", "trail")
    assert activity.summary.avg_cadence_spm == 157.0
    assert activity.streams.channels[Channel.CADENCE_SPM].tolist() == [140, 144, 150, 152]


def test_the_list_fingerprint_sees_edits_not_kudos() -> None:
    first, _ = fixture("strava_athlete_activities.json")
    assert fingerprint(first) == fingerprint({**first, "kudos_count": 40})
    assert fingerprint(first) != fingerprint({**first, "gear_id": "g1"})
    assert fingerprint(first) != fingerprint({**first, "sport_type": "Ride"})


def test_the_limits_are_read_from_the_headers() -> None:
    clock = FakeClock(datetime(2026, 12, 7, 10, 44, 30, tzinfo=UTC))
    limiter = RateLimiter(clock)
    headers = {
        "X-RateLimit-Limit": "600,6000",
        "X-RateLimit-Usage": "42,300",
        "X-ReadRateLimit-Limit": "300,3000",
        "X-ReadRateLimit-Usage": "300,301",
    }
    overall, read = usage_from_headers(headers)
    assert overall is not None
    assert read is not None
    assert (overall.short_limit, overall.daily_limit, read.short_usage) == (600, 6000, 300)
    limiter(headers, "GET")
    pause = limiter.pause_needed("GET")
    assert pause is not None
    assert pause.until == datetime(2026, 12, 7, 10, 45, tzinfo=UTC)
    assert limiter.pause_needed("POST") is None  # the overall limit is not spent
    limiter.wait("GET")
    assert clock.slept == [30.0]
    limiter({**headers, "X-ReadRateLimit-Usage": "3,3000"}, "GET")
    pause = limiter.pause_needed("GET")
    assert pause is not None
    assert pause.until == datetime(2026, 12, 8, tzinfo=UTC)
    assert "daily limit of 3000" in pause.reason
