"""Strava's rate limits, read from the response headers, never assumed.

Every Strava API response carries the application's usage and limits for two windows, 15
minutes and the day: ``X-RateLimit-Limit``/``X-RateLimit-Usage`` (all requests) and
``X-ReadRateLimit-Limit``/``X-ReadRateLimit-Usage`` (reads), each ``"<15-min>,<daily>"``
(https://developers.strava.com/docs/rate-limits/). The 15-minute windows start at the
quarter hours, the daily one at midnight UTC. :class:`RateLimiter` remembers the latest
numbers and, before the next request, waits until the window that is used up opens again;
a 429 answer means the same. The clock is injectable (:class:`Clock`): a test's clock
advances instead of sleeping.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from stravalib.util.limiter import get_rates_from_response_headers


class Clock(Protocol):
    """Time as a sync sees it: now (UTC), and waiting."""

    def now(self) -> datetime: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


@dataclass(frozen=True)
class Usage:
    """One limit (all requests, or reads) in both windows, as the headers said."""

    short_usage: int
    short_limit: int
    daily_usage: int
    daily_limit: int

    @property
    def short_spent(self) -> bool:
        return self.short_usage >= self.short_limit

    @property
    def daily_spent(self) -> bool:
        return self.daily_usage >= self.daily_limit


def usage_from_headers(headers: Mapping[str, str]) -> tuple[Usage | None, Usage | None]:
    """(all requests, reads) from a response's headers; None where a header is missing.

    >>> overall, read = usage_from_headers({"X-RateLimit-Limit": "200,2000",
    ...     "X-RateLimit-Usage": "12,140", "X-ReadRateLimit-Limit": "100,1000",
    ...     "X-ReadRateLimit-Usage": "12,140"})
    >>> overall.short_limit, overall.daily_usage, read.short_limit
    (200, 140, 100)
    """
    found: list[Usage | None] = []
    # stravalib's parser reads the read limit for a GET when there is one, else the overall
    # one: asked once as a POST (overall only) and once as a GET.
    for method in ("POST", "GET"):
        try:
            rates = get_rates_from_response_headers(dict(headers), method)
        except ValueError:  # a header that is not two numbers: as if it were missing
            rates = None
        found.append(
            None
            if rates is None
            else Usage(rates.short_usage, rates.short_limit, rates.long_usage, rates.long_limit)
        )
    overall, read = found
    has_read = any(k.lower() == "x-readratelimit-usage" for k in headers)
    return overall, read if has_read else None


def next_quarter(now: datetime) -> datetime:
    """The start of the next 15-minute window.

    >>> next_quarter(datetime(2026, 12, 7, 10, 44, 59, tzinfo=UTC)).isoformat()
    '2026-12-07T10:45:00+00:00'
    """
    start = now.replace(minute=now.minute - now.minute % 15, second=0, microsecond=0)
    return start + timedelta(minutes=15)


def next_day(now: datetime) -> datetime:
    """Midnight UTC after ``now``, when the daily window starts again."""
    return now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(
        days=1
    )


@dataclass(frozen=True)
class Pause:
    """A wait for a rate-limit window: until when, and which limit was used up."""

    until: datetime
    reason: str


class RateLimiter:
    """Called by stravalib with each response's headers; :meth:`wait` before each request.

    ``on_pause`` hears of every wait before it starts (the CLI's progress line says it).
    """

    def __init__(self, clock: Clock, on_pause: Callable[[Pause], None] | None = None) -> None:
        self.clock = clock
        self.on_pause = on_pause
        self.overall: Usage | None = None
        self.read: Usage | None = None
        self.refused = False
        """The last answer was a 429: wait even if the headers did not say why."""
        self.pauses: list[Pause] = []

    def __call__(self, headers: Mapping[str, str], method: str) -> None:
        overall, read = usage_from_headers(headers)
        self.overall = overall or self.overall
        self.read = read or self.read

    def too_many(self) -> None:
        """The service answered 429 Too Many Requests."""
        self.refused = True

    def pause_needed(self, method: str = "GET") -> Pause | None:
        """The wait before the next request, if a window in force is used up."""
        now = self.clock.now()
        limits = [u for u in (self.overall, self.read if method == "GET" else None) if u]
        for usage in limits:
            if usage.daily_spent:
                return Pause(next_day(now), f"the daily limit of {usage.daily_limit} requests")
        for usage in limits:
            if usage.short_spent:
                return Pause(
                    next_quarter(now), f"the 15-minute limit of {usage.short_limit} requests"
                )
        if self.refused:
            return Pause(next_quarter(now), "the service said: too many requests")
        return None

    def wait(self, method: str = "GET") -> None:
        """Wait (on the clock) until a request may be sent."""
        pause = self.pause_needed(method)
        if pause is None:
            return
        self.pauses.append(pause)
        if self.on_pause is not None:
            self.on_pause(pause)
        seconds = (pause.until - self.clock.now()).total_seconds()
        if seconds > 0:
            self.clock.sleep(seconds)
        # The numbers were of the window just ended: the next response says the new ones.
        self.overall = self.read = None
        self.refused = False
