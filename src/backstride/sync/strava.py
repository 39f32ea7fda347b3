"""Strava's API v3, through stravalib's protocol layer (``stravalib.protocol.ApiV3``).

stravalib builds the OAuth URLs, exchanges and refreshes tokens, sends the bearer token and
turns error answers into typed faults; this module adds what a sync needs around it:
tokens refreshed before they expire (and once more on a 401), Strava's rate limits obeyed
from the headers (``sync.ratelimit``), and every failure as one line saying what to do.
Reference: https://developers.strava.com/docs/reference/ and
https://developers.strava.com/docs/authentication/.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, cast

import requests
from stravalib import exc
from stravalib.protocol import ApiV3

from backstride.sync.errors import AccessError, SyncError
from backstride.sync.ratelimit import Clock, RateLimiter

#: What ``backstride strava connect`` asks for: the activities, private ones too
#: (``activity:read_all``), and the profile, whose gear list needs ``profile:read_all``.
SCOPES = ("read", "activity:read_all", "profile:read_all")
#: Without one of these a sync can read no activity at all.
ACTIVITY_SCOPES = frozenset({"activity:read", "activity:read_all"})
#: A token this close to its expiry is refreshed before use.
REFRESH_MARGIN_S = 300
#: Activities per page of the list (Strava's maximum).
PER_PAGE = 200
#: The streams a sync asks for (Strava's stream types).
STREAM_KEYS = (
    "time",
    "distance",
    "latlng",
    "altitude",
    "heartrate",
    "cadence",
    "watts",
    "velocity_smooth",
    "temp",
)

RECONNECT = "run `backstride strava connect` again (or connect in the dashboard's Sync page)"


@dataclass(frozen=True)
class StravaApp:
    """The runner's own Strava API application (https://www.strava.com/settings/api)."""

    client_id: int
    client_secret: str


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str
    expires_at: int
    """Seconds since the epoch (UTC), as Strava gives it."""
    scope: str = ""

    def to_json(self) -> dict[str, object]:
        return {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "expires_at": self.expires_at,
            "scope": self.scope,
        }

    @classmethod
    def from_json(cls, value: Mapping[str, object]) -> Tokens:
        try:
            return cls(
                access_token=str(value["access_token"]),
                refresh_token=str(value["refresh_token"]),
                expires_at=int(cast(int, value["expires_at"])),
                scope=str(value.get("scope") or ""),
            )
        except (KeyError, TypeError, ValueError) as e:
            raise AccessError("the stored Strava tokens are unreadable", hint=RECONNECT) from e


class _Protocol(ApiV3):
    """stravalib's protocol without its environment look-up: the client id and secret come
    from backstride's settings, and refreshing is done here, where the new tokens are also
    stored."""

    def _check_credentials(self) -> None:
        self.client_id = None
        self.client_secret = None


def authorization_url(app: StravaApp, redirect_uri: str, state: str) -> str:
    """Where the runner's browser goes to let backstride read their Strava data."""
    api = _Protocol()
    return api.authorization_url(
        client_id=app.client_id,
        redirect_uri=redirect_uri,
        approval_prompt="auto",
        scope=list(SCOPES),  # type: ignore[arg-type]
        state=state,
    )


def check_scope(granted: str) -> None:
    """Refuse an authorization that lets us read no activity (the runner unticked it)."""
    if not ACTIVITY_SCOPES & set(granted.replace(" ", "").split(",")):
        raise AccessError(
            "Strava was connected without permission to read activities",
            hint="connect again and leave 'View data about your activities' ticked",
        )


def _one_line(error: BaseException) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


class StravaApi:
    """The reads of a sync, for one connected athlete.

    ``on_tokens`` is called with every new pair of tokens (a refresh), so they are stored
    at once: Strava's refresh token changes with each refresh and the old one stops working.
    ``session`` is the ``requests`` session (tests route it to a local fake server).
    """

    def __init__(
        self,
        app: StravaApp,
        tokens: Tokens | None,
        *,
        clock: Clock,
        limiter: RateLimiter | None = None,
        on_tokens: Callable[[Tokens], None] | None = None,
        session: requests.Session | None = None,
    ) -> None:
        self.app = app
        self.tokens = tokens
        self.clock = clock
        self.limiter = limiter or RateLimiter(clock)
        self.on_tokens = on_tokens
        self.requests = 0
        self._api = _Protocol(
            access_token=tokens.access_token if tokens else None,
            requests_session=session,
            rate_limiter=self.limiter,
        )

    # -- OAuth -----------------------------------------------------------------------------

    def exchange_code(self, code: str, scope: str) -> tuple[Tokens, dict[str, Any]]:
        """The tokens for an authorization code, and the athlete Strava sends with them."""
        try:
            info, athlete = self._api.exchange_code_for_token(
                client_id=self.app.client_id,
                client_secret=self.app.client_secret,
                code=code,
                return_athlete=True,
            )
        except exc.Fault as e:
            raise AccessError(
                f"Strava refused the authorization code: {_one_line(e)}",
                hint="check the client id and secret in your settings, then connect again",
            ) from e
        except requests.RequestException as e:
            raise SyncError(f"cannot reach Strava: {_one_line(e)}") from e
        self._set_tokens(
            Tokens(info["access_token"], info["refresh_token"], int(info["expires_at"]), scope)
        )
        return self.tokens, dict(athlete or {})  # type: ignore[return-value]

    def refresh(self) -> None:
        """New tokens for the stored refresh token; a refusal means access is gone."""
        if self.tokens is None:
            raise AccessError("Strava is not connected", hint=RECONNECT)
        try:
            info = self._api.refresh_access_token(
                client_id=self.app.client_id,
                client_secret=self.app.client_secret,
                refresh_token=self.tokens.refresh_token,
            )
        except exc.Fault as e:
            raise AccessError(
                "Strava access was revoked or has expired (the refresh token was refused)",
                hint=RECONNECT,
            ) from e
        except requests.RequestException as e:
            raise SyncError(f"cannot reach Strava: {_one_line(e)}") from e
        self._set_tokens(
            Tokens(
                info["access_token"],
                info["refresh_token"],
                int(info["expires_at"]),
                self.tokens.scope,
            )
        )

    def _set_tokens(self, tokens: Tokens) -> None:
        self.tokens = tokens
        self._api.access_token = tokens.access_token
        if self.on_tokens is not None:
            self.on_tokens(tokens)

    # -- reads -----------------------------------------------------------------------------

    def get(self, url: str, **params: Any) -> Any:
        """GET ``url`` (below /api/v3) with fresh tokens and within the rate limits."""
        if self.tokens is None:
            raise AccessError("Strava is not connected", hint=RECONNECT)
        if self.tokens.expires_at - REFRESH_MARGIN_S <= self.clock.now().timestamp():
            self.refresh()
        refreshed = False
        while True:
            self.limiter.wait("GET")
            self.requests += 1
            try:
                return self._api.get(url, **params)
            except exc.AccessUnauthorized as e:
                if refreshed:
                    raise AccessError(
                        "Strava access was revoked or has expired", hint=RECONNECT
                    ) from e
                self.refresh()  # an expiry our clock did not foresee: once
                refreshed = True
            except exc.ObjectNotFound:
                raise
            except exc.Fault as e:
                status = e.response.status_code if e.response is not None else None
                if status == 429:
                    self.limiter.too_many()
                    continue
                if status == 403:
                    raise AccessError(
                        f"Strava refused the request: {_one_line(e)}", hint=RECONNECT
                    ) from e
                raise SyncError(f"Strava answered an error: {_one_line(e)}") from e
            except requests.RequestException as e:
                raise SyncError(f"cannot reach Strava: {_one_line(e)}") from e
            except ValueError as e:  # not JSON
                raise SyncError(f"Strava answered something unreadable: {_one_line(e)}") from e

    def athlete(self) -> dict[str, Any]:
        return dict(self.get("/athlete"))

    def activities_page(self, page: int, *, after: int | None = None) -> list[dict[str, Any]]:
        """One page of the athlete's activities (summaries), ``after`` a Unix time."""
        params: dict[str, Any] = {"page": page, "per_page": PER_PAGE}
        if after is not None:
            params["after"] = after
        return list(self.get("/athlete/activities", **params))

    def activity(self, activity_id: int) -> dict[str, Any] | None:
        """The detailed activity, or None when Strava no longer has it."""
        try:
            return dict(self.get(f"/activities/{activity_id}", include_all_efforts=False))
        except exc.ObjectNotFound:
            return None

    def streams(self, activity_id: int) -> dict[str, Any]:
        """The activity's streams by type; empty when it has none (a manual activity)."""
        try:
            found = self.get(
                f"/activities/{activity_id}/streams",
                keys=",".join(STREAM_KEYS),
                key_by_type="true",
            )
        except exc.ObjectNotFound:
            return {}
        if isinstance(found, list):  # without key_by_type honoured: a list of streams
            return {str(s.get("type")): s for s in found if isinstance(s, dict)}
        return dict(found)

    def gear(self, gear_id: str) -> dict[str, Any] | None:
        try:
            return dict(self.get(f"/gear/{gear_id}"))
        except exc.ObjectNotFound:
            return None
