"""The use cases the pages and the API share, through the app's result cache.

Each function is the service call of the same name with "today" resolved first (the cache
key must say which day was meant), kept in :class:`backstride.service.cache.ResultCache`
until the database changes.
"""

from __future__ import annotations

from datetime import date

from fastapi import Request

from backstride import service
from backstride.model import StoredActivity
from backstride.service import charts
from backstride.service.cache import ResultCache
from backstride.service.clock import local_today


def store(request: Request) -> service.Store:
    found: service.Store = request.app.state.store
    return found


def _cache(request: Request) -> ResultCache:
    found: ResultCache = request.app.state.results
    return found


def day(on: date | None) -> date:
    """The day asked for, or today."""
    return on or local_today()


def status(request: Request, on: date | None) -> service.Status:
    d = day(on)
    return _cache(request).get(("status", d), lambda: service.get_status(store(request), as_of=d))


def load(request: Request, weeks: int, on: date | None) -> service.LoadHistory:
    d = day(on)
    return _cache(request).get(
        ("load", weeks, d), lambda: service.get_load(store(request), weeks=weeks, as_of=d)
    )


def load_chart(request: Request, weeks: int, on: date | None) -> charts.LoadChart:
    d = day(on)
    return _cache(request).get(
        ("load_chart", weeks, d),
        lambda: charts.load_chart(store(request), weeks=weeks, as_of=d),
    )


def form(request: Request, on: date | None) -> service.FormHistory:
    d = day(on)
    return _cache(request).get(("form", d), lambda: service.get_form(store(request), as_of=d))


def pain_overview(request: Request, weeks: int, on: date | None) -> service.PainOverview:
    d = day(on)
    return _cache(request).get(
        ("pain", weeks, d), lambda: service.pain_overview(store(request), weeks=weeks, today=d)
    )


def associations(request: Request, on: date | None) -> service.PainAssociations:
    d = day(on)
    return _cache(request).get(
        ("associations", d), lambda: service.pain_associations(store(request), today=d)
    )


def activities(request: Request) -> list[StoredActivity]:
    return _cache(request).get(("activities",), lambda: service.list_activities(store(request)))
