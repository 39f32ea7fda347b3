"""Local fake Strava and intervals.icu servers (pytest-httpserver) that answer as the
published references document, and a clock that advances instead of sleeping.

References the payloads follow field for field (the recorded-shape fixtures in
``fixtures/`` are the references' examples):
- Strava API v3: https://developers.strava.com/docs/reference/ (getLoggedInAthlete,
  getLoggedInAthleteActivities with before/after/page/per_page, getActivityById,
  getActivityStreams with keys and key_by_type, getGearById; Fault for errors);
- Strava OAuth: https://developers.strava.com/docs/authentication/ (POST /oauth/token with
  grant_type authorization_code and refresh_token; the athlete in the first answer);
- Strava rate limits: https://developers.strava.com/docs/rate-limits/ (X-RateLimit-Limit,
  X-RateLimit-Usage, X-ReadRateLimit-Limit, X-ReadRateLimit-Usage as "15-min,daily";
  windows at the quarter hours and midnight UTC; 429 when exceeded);
- intervals.icu: https://intervals.icu/api-access and
  https://forum.intervals.icu/t/api-access-to-intervals-icu/609 (basic auth user API_KEY;
  GET /api/v1/athlete/{id}, /api/v1/athlete/{id}/activities?oldest=&newest=,
  /api/v1/activity/{id}/file and /fit-file; Strava-sourced activities as stubs with _note).
"""

from __future__ import annotations

import base64
import copy
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from backstride.sync.ratelimit import next_day, next_quarter

FIXTURES = Path(__file__).resolve().parent / "fixtures"
CLIENT_ID = 12345
CLIENT_SECRET = "s3cret-app"
GOOD_CODE = "f6b1c3a7d2"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


class FakeClock:
    """UTC now that moves only when slept on (or moved by the test)."""

    def __init__(self, start: datetime) -> None:
        self.at = start
        self.slept: list[float] = []

    def now(self) -> datetime:
        return self.at

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.at += timedelta(seconds=seconds)


class ToFake(requests.adapters.HTTPAdapter):
    """Sends what is addressed to https://www.strava.com to the local fake instead."""

    def __init__(self, base: str) -> None:
        super().__init__()
        self.base = base.rstrip("/")

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        assert request.url is not None
        request.url = request.url.replace("https://www.strava.com", self.base, 1)
        return super().send(request, **kwargs)


def _json(value: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        json.dumps(value), status=status, headers=headers or {}, content_type="application/json"
    )


@dataclass
class Remote:
    """One activity on the fake Strava: its list entry, detail and streams."""

    summary: dict[str, Any]
    detail: dict[str, Any]
    streams: dict[str, Any]


@dataclass
class FakeStrava:
    server: HTTPServer
    clock: FakeClock
    limits: tuple[int, int] = (200, 2000)
    read_limits: tuple[int, int] = (100, 1000)
    activities: dict[int, Remote] = field(default_factory=dict)
    gear: dict[str, dict[str, Any]] = field(default_factory=dict)
    access_token: str = "a4b945687g"
    refresh_token: str = "e5n567567"
    expires_at: int = 0
    revoked: bool = False
    usage: dict[tuple[str, datetime], int] = field(default_factory=dict)
    served: list[str] = field(default_factory=list)
    refused_429: int = 0
    refreshes: int = 0
    extra_429: set[int] = field(default_factory=set)
    """Request numbers answered 429 whatever the usage (another app's burst)."""

    def __post_init__(self) -> None:
        self.expires_at = int((self.clock.now() + timedelta(hours=6)).timestamp())
        self.server.expect_request("/oauth/token", method="POST").respond_with_handler(self.token)
        self.server.expect_request(re.compile(r"^/api/v3/.*"), method="GET").respond_with_handler(
            self.api
        )

    def session(self) -> requests.Session:
        session = requests.Session()
        session.mount("https://www.strava.com", ToFake(self.server.url_for("/")))
        return session

    # -- OAuth --------------------------------------------------------------------------------

    def _new_tokens(self) -> None:
        self.access_token = f"a{self.refreshes}x{len(self.served)}"
        self.refresh_token = f"r{self.refreshes}x{len(self.served)}"
        self.expires_at = int((self.clock.now() + timedelta(hours=6)).timestamp())

    def token(self, request: Request) -> Response:
        form = request.form
        if form.get("client_id") != str(CLIENT_ID) or form.get("client_secret") != CLIENT_SECRET:
            return _json(fixture("strava_error_refresh_400.json"), 400)
        if form.get("grant_type") == "authorization_code":
            if form.get("code") != GOOD_CODE:
                return _json(fixture("strava_error_refresh_400.json"), 400)
            self._new_tokens()
            body = fixture("strava_oauth_token.json")
        elif form.get("grant_type") == "refresh_token":
            if self.revoked or form.get("refresh_token") != self.refresh_token:
                return _json(fixture("strava_error_refresh_400.json"), 400)
            self.refreshes += 1
            self._new_tokens()
            body = fixture("strava_oauth_refresh.json")
        else:
            return _json(fixture("strava_error_refresh_400.json"), 400)
        now = int(self.clock.now().timestamp())
        body.update(
            access_token=self.access_token,
            refresh_token=self.refresh_token,
            expires_at=self.expires_at,
            expires_in=self.expires_at - now,
        )
        return _json(body)

    # -- the API ------------------------------------------------------------------------------

    def _count(self) -> dict[str, str]:
        now = self.clock.now()
        quarter = next_quarter(now) - timedelta(minutes=15)
        day = next_day(now) - timedelta(days=1)
        for key in (("q", quarter), ("d", day)):
            self.usage[key] = self.usage.get(key, 0) + 1
        short, daily = self.usage[("q", quarter)], self.usage[("d", day)]
        return {
            "X-RateLimit-Limit": f"{self.limits[0]},{self.limits[1]}",
            "X-RateLimit-Usage": f"{short},{daily}",
            "X-ReadRateLimit-Limit": f"{self.read_limits[0]},{self.read_limits[1]}",
            "X-ReadRateLimit-Usage": f"{short},{daily}",
        }

    def api(self, request: Request) -> Response:
        headers = self._count()
        self.served.append(request.path)
        short, daily = (int(v) for v in headers["X-ReadRateLimit-Usage"].split(","))
        if (
            short > self.read_limits[0]
            or daily > self.read_limits[1]
            or len(self.served) in self.extra_429
        ):
            self.refused_429 += 1
            return _json(fixture("strava_error_429.json"), 429, headers)
        auth = request.headers.get("Authorization", "")
        if (
            self.revoked
            or auth != f"Bearer {self.access_token}"
            or self.clock.now().timestamp() >= self.expires_at
        ):
            return _json(fixture("strava_error_401.json"), 401, headers)
        path = request.path.removeprefix("/api/v3")
        args = request.args
        if path == "/athlete":
            return _json(fixture("strava_athlete.json"), headers=headers)
        if path == "/athlete/activities":
            page, per_page = int(args.get("page", 1)), int(args.get("per_page", 30))
            entries = sorted(
                (r.summary for r in self.activities.values()),
                key=lambda s: s["start_date"],
                reverse=True,
            )
            if "after" in args:
                after = datetime.fromtimestamp(int(args["after"]), UTC)
                entries = [s for s in entries if _at(s["start_date"]) > after]
            if "before" in args:
                before = datetime.fromtimestamp(int(args["before"]), UTC)
                entries = [s for s in entries if _at(s["start_date"]) < before]
            return _json(entries[(page - 1) * per_page : page * per_page], headers=headers)
        if m := re.fullmatch(r"/activities/(\d+)/streams", path):
            remote = self.activities.get(int(m[1]))
            if remote is None or not remote.streams:
                return _json(
                    {"message": "Resource Not Found", "errors": [
                        {"resource": "Activity", "field": "id", "code": "not found"}]},
                    404, headers,
                )  # fmt: skip
            keys = set(args.get("keys", "").split(",")) | {"distance"}
            return _json({k: v for k, v in remote.streams.items() if k in keys}, headers=headers)
        if m := re.fullmatch(r"/activities/(\d+)", path):
            remote = self.activities.get(int(m[1]))
            if remote is None:
                return _json(
                    {"message": "Resource Not Found", "errors": [
                        {"resource": "Activity", "field": "id", "code": "not found"}]},
                    404, headers,
                )  # fmt: skip
            return _json(remote.detail, headers=headers)
        if m := re.fullmatch(r"/gear/(\w+)", path):
            found = self.gear.get(m[1])
            if found is None:
                return _json({"message": "Resource Not Found", "errors": []}, 404, headers)
            return _json(found, headers=headers)
        return _json({"message": "Resource Not Found", "errors": []}, 404, headers)

    # -- building activities ------------------------------------------------------------------

    def add_run(
        self,
        activity_id: int,
        start: datetime,
        *,
        seconds: int = 1800,
        distance_m: float = 5000.0,
        name: str = "Morning Run",
        gear_id: str | None = None,
        samples: int = 30,
        manual: bool = False,
        description: str | None = None,
        rpe: int | None = None,
        sport_type: str = "Run",
    ) -> Remote:
        summary = copy.deepcopy(fixture("strava_athlete_activities.json")[0])
        start_z = start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        summary.update(
            id=activity_id,
            name=name,
            type="Run" if sport_type in ("Run", "TrailRun") else sport_type,
            sport_type=sport_type,
            distance=distance_m,
            moving_time=seconds,
            elapsed_time=seconds,
            start_date=start_z,
            start_date_local=(start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            utc_offset=3600,
            trainer=False,
            manual=manual,
            gear_id=gear_id,
            average_speed=distance_m / seconds,
        )
        detail = copy.deepcopy(fixture("strava_activity.json"))
        detail.update({k: summary[k] for k in summary if k in detail or k == "utc_offset"})
        detail.update(
            id=activity_id,
            description=description or "",
            perceived_exertion=rpe,
            average_cadence=85.0,
            average_watts=None,
            device_watts=False,
            gear=None,
            laps=[],
            device_name=None if manual else "Garmin Forerunner 245",
        )
        streams: dict[str, Any] = {}
        if not manual:
            step = seconds / (samples - 1)
            times = [round(i * step) for i in range(samples)]
            base = fixture("strava_streams.json")

            def stream(data: list[Any]) -> dict[str, Any]:
                return {**base["time"], "data": data, "original_size": len(data)}

            streams = {
                "time": stream(times),
                "distance": stream([distance_m * t / seconds for t in times]),
                "latlng": stream([[51.34 + t * 1e-5, 12.37] for t in times]),
                "altitude": stream([110.0 + (t % 7) for t in times]),
                "heartrate": stream([140 + (t % 11) for t in times]),
                "cadence": stream([85 for _ in times]),
                "velocity_smooth": stream([distance_m / seconds for _ in times]),
            }
        remote = Remote(summary, detail, streams)
        self.activities[activity_id] = remote
        return remote

    def edit(self, activity_id: int, **changes: Any) -> None:
        remote = self.activities[activity_id]
        remote.summary.update({k: v for k, v in changes.items() if k in remote.summary})
        remote.detail.update(changes)

    def requests_to(self, pattern: str) -> int:
        return sum(1 for p in self.served if re.fullmatch(pattern, p))


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value)


@dataclass
class FakeIntervals:
    server: HTTPServer
    athlete_id: str = "i42"
    api_key: str = "7kq2x9api"
    files: dict[str, bytes] = field(default_factory=dict)
    listing: list[dict[str, Any]] = field(default_factory=list)
    served: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.server.expect_request(re.compile(r"^/api/v1/.*"), method="GET").respond_with_handler(
            self.api
        )

    @property
    def base_url(self) -> str:
        return self.server.url_for("/").rstrip("/")

    def api(self, request: Request) -> Response:
        self.served.append(request.full_path)
        expected = "Basic " + base64.b64encode(f"API_KEY:{self.api_key}".encode()).decode()
        if request.headers.get("Authorization") != expected:
            return _json({"status": 401, "error": "Unauthorized"}, 401)
        path = request.path
        if path == f"/api/v1/athlete/{self.athlete_id}":
            return _json(fixture("intervals_athlete.json"))
        if path == f"/api/v1/athlete/{self.athlete_id}/activities":
            if "oldest" not in request.args:
                return _json({"status": 422, "error": "oldest is required"}, 422)
            return _json(self.listing)
        if m := re.fullmatch(r"/api/v1/activity/(\w+)/(file|fit-file)", path):
            data = self.files.get(m[1])
            if data is None:
                return _json({"status": 404, "error": "Not Found"}, 404)
            return Response(data, content_type="application/octet-stream")
        return _json({"status": 404, "error": "Not Found"}, 404)
