"""intervals.icu's API: the athlete's activity list and each activity's original file.

Authentication is HTTP basic with the user name ``API_KEY`` and the athlete's API key as
the password (intervals.icu, Settings -> Developer Settings). Endpoints:
``GET /api/v1/athlete/{id}/activities?oldest=&newest=`` (a JSON list) and
``GET /api/v1/activity/{id}/file`` (the original upload: FIT, TCX or GPX, often gzipped),
else ``/fit-file`` (a FIT file intervals.icu writes). Activities intervals.icu took from
Strava are listed as stubs without data: the API does not hand them out, so they are
skipped here (connect Strava for those). See https://intervals.icu/api-access and the
forum's API guide (https://forum.intervals.icu/t/api-access-to-intervals-icu/609).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import date
from typing import Any

import requests

from backstride.model import ActivityMeta
from backstride.sync.errors import AccessError, SyncError

BASE_URL = "https://intervals.icu"
RECONNECT = "run `backstride intervals connect` again with a current API key"
#: The list's fields whose change is an edit.
FINGERPRINT_FIELDS = (
    "name",
    "type",
    "start_date_local",
    "distance",
    "moving_time",
    "elapsed_time",
    "description",
    "icu_rpe",
    "gear",
)
#: Seconds to wait for an answer.
TIMEOUT_S = 60.0


def fingerprint(item: Mapping[str, Any]) -> str:
    picked = {k: item.get(k) for k in FINGERPRINT_FIELDS}
    return hashlib.sha256(json.dumps(picked, sort_keys=True, default=str).encode()).hexdigest()


def has_data(item: Mapping[str, Any]) -> bool:
    """False for the stubs of activities intervals.icu got from Strava (no data via API)."""
    return not (item.get("source") == "STRAVA" or "_note" in item)


def to_meta(item: Mapping[str, Any]) -> ActivityMeta:
    def text(key: str) -> str | None:
        value = item.get(key)
        return value if isinstance(value, str) and value.strip() else None

    rpe = item.get("icu_rpe") or item.get("perceived_exertion")
    gear = item.get("gear")
    gear_name = gear.get("name") if isinstance(gear, Mapping) else None
    return ActivityMeta(
        name=text("name"),
        vendor_type=text("type"),
        description=text("description"),
        gear_name=gear_name if isinstance(gear_name, str) and gear_name.strip() else None,
        rpe=max(1, min(10, round(rpe))) if isinstance(rpe, int | float) and rpe > 0 else None,
        external_id=f"intervals:{item.get('id')}",
    )


class IntervalsApi:
    """The reads of a sync for one athlete; ``base_url`` and ``session`` are for tests."""

    def __init__(
        self,
        athlete_id: str,
        api_key: str,
        *,
        base_url: str = BASE_URL,
        session: requests.Session | None = None,
    ) -> None:
        self.athlete_id = athlete_id
        self.base_url = base_url.rstrip("/")
        self.session = session or requests.Session()
        self.session.auth = ("API_KEY", api_key)
        self.requests = 0

    def _get(self, path: str, **params: Any) -> requests.Response:
        self.requests += 1
        try:
            response = self.session.get(f"{self.base_url}{path}", params=params, timeout=TIMEOUT_S)
        except requests.RequestException as e:
            raise SyncError(f"cannot reach intervals.icu: {e}".splitlines()[0]) from e
        if response.status_code in (401, 403):
            raise AccessError("intervals.icu refused the athlete id or API key", hint=RECONNECT)
        return response

    def athlete(self) -> dict[str, Any]:
        """The athlete's profile (checks the id and key when connecting)."""
        response = self._get(f"/api/v1/athlete/{self.athlete_id}")
        if response.status_code == 404:
            raise AccessError(f"intervals.icu has no athlete {self.athlete_id}", hint=RECONNECT)
        return dict(self._json(response))

    def activities(self, oldest: date, newest: date) -> list[dict[str, Any]]:
        response = self._get(
            f"/api/v1/athlete/{self.athlete_id}/activities",
            oldest=oldest.isoformat(),
            newest=newest.isoformat(),
        )
        found = self._json(response)
        if not isinstance(found, list):
            raise SyncError("intervals.icu answered something unreadable for the activity list")
        return [dict(a) for a in found if isinstance(a, Mapping) and a.get("id") is not None]

    def file(self, activity_id: str) -> bytes:
        """The activity's original file, else intervals.icu's FIT of it."""
        for path in (
            f"/api/v1/activity/{activity_id}/file",
            f"/api/v1/activity/{activity_id}/fit-file",
        ):
            response = self._get(path)
            if response.status_code == 200 and response.content:
                return response.content
            if response.status_code not in (404, 422):
                break
        raise SyncError(
            f"intervals.icu has no file for activity {activity_id} (answer {response.status_code})"
        )

    def _json(self, response: requests.Response) -> Any:
        if response.status_code != 200:
            raise SyncError(f"intervals.icu answered {response.status_code} {response.reason}")
        try:
            return response.json()
        except ValueError as e:
            raise SyncError("intervals.icu answered something unreadable") from e
