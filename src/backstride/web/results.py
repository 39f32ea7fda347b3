"""The use cases the pages and the API share, through the app's result cache.

Each function is the service call of the same name for the request's subject
(:mod:`backstride.web.subject`: which athlete, on which view of the store) with "today"
resolved first; the cache key says which athlete, which view and which day were meant, and
the result is kept in :class:`backstride.service.cache.ResultCache` until the athlete's data
change (the clinic server on PostgreSQL: their data version) or the database does (the local
dashboard).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import TYPE_CHECKING, TypeVar

from fastapi import Request

from backstride import service
from backstride.model import StoredActivity
from backstride.service import charts
from backstride.service.cache import ResultCache
from backstride.service.clock import local_today
from backstride.web.subject import Subject, subject

if TYPE_CHECKING:
    from backstride.service.clinic import Standing, StandingsOf
    from backstride.service.sharing import Access

T = TypeVar("T")


def store(request: Request) -> service.Store:
    """The store to hand to the service for this request's subject."""
    return subject(request).store


def _key(request: Request, *parts: object) -> tuple[object, ...]:
    found: Subject = subject(request)
    return (found.view, found.athlete, *parts)


def _cached(request: Request, key: tuple[object, ...], compute: Callable[[], T]) -> T:
    return _cache(request).get(key, compute, athlete_id=subject(request).athlete_id)


def _athlete(request: Request) -> str:
    return subject(request).athlete


def _cache(request: Request) -> ResultCache:
    found: ResultCache = request.app.state.results
    return found


def day(on: date | None) -> date:
    """The day asked for, or today."""
    return on or local_today()


def status(request: Request, on: date | None) -> service.Status:
    d = day(on)
    return _cached(
        request,
        _key(request, "status", d),
        lambda: service.get_status(store(request), as_of=d, athlete=_athlete(request)),
    )


def load(request: Request, weeks: int, on: date | None) -> service.LoadHistory:
    d = day(on)
    return _cached(
        request,
        _key(request, "load", weeks, d),
        lambda: service.get_load(store(request), weeks=weeks, as_of=d, athlete=_athlete(request)),
    )


def load_chart(request: Request, weeks: int, on: date | None) -> charts.LoadChart:
    d = day(on)
    return _cached(
        request,
        _key(request, "load_chart", weeks, d),
        lambda: charts.load_chart(store(request), weeks=weeks, as_of=d, athlete=_athlete(request)),
    )


def form(request: Request, on: date | None) -> service.FormHistory:
    d = day(on)
    return _cached(
        request,
        _key(request, "form", d),
        lambda: service.get_form(store(request), as_of=d, athlete=_athlete(request)),
    )


def pain_overview(request: Request, weeks: int, on: date | None) -> service.PainOverview:
    d = day(on)
    return _cached(
        request,
        _key(request, "pain", weeks, d),
        lambda: service.pain_overview(
            store(request), weeks=weeks, today=d, athlete=_athlete(request)
        ),
    )


def associations(request: Request, on: date | None) -> service.PainAssociations:
    d = day(on)
    return _cached(
        request,
        _key(request, "associations", d),
        lambda: service.pain_associations(store(request), today=d, athlete=_athlete(request)),
    )


def activities(request: Request) -> list[StoredActivity]:
    return _cached(
        request,
        _key(request, "activities"),
        lambda: service.list_activities(store(request), athlete=_athlete(request)),
    )


def standings(request: Request) -> StandingsOf:
    """The clinician's athlete list's ``standings_of``: each athlete's standing through the
    cache, per data version (all read in one query), view (the share's scope), day asked
    for and today."""
    from backstride.service import clinic

    base: service.Store = request.app.state.store

    def standings_of(seen: Sequence[Access], as_of: date) -> list[Standing]:
        today = local_today()

        def compute(one: Access) -> Callable[[], Standing]:
            return lambda: clinic.standing(base, one, as_of)

        wanted = []
        for one in seen:
            assert one.athlete.athlete_id is not None
            key = (one.scope, one.athlete_name, "standing", as_of, today)
            wanted.append((key, compute(one), one.athlete.athlete_id))
        return _cache(request).get_many(wanted)

    return standings_of


def red_flags_of(cache: ResultCache, who: Subject) -> list[service.Finding]:
    """The red flags active today for ``who`` (the banner of every page and JSON answer),
    kept like the other results: they change only with the athlete's data or the day."""
    today = local_today()
    return cache.get(
        (who.view, who.athlete, "red_flags", today),
        lambda: service.active_red_flags(who.store, as_of=today, athlete=who.athlete),
        athlete_id=who.athlete_id,
    )


def shows_strava_of(cache: ResultCache, who: Subject) -> bool:
    """Whether ``who``'s pages carry Strava's attribution (``service.sync_state``)."""
    from backstride.service.sync_state import shows_strava_data

    return cache.get(
        (who.view, who.athlete, "shows_strava"),
        lambda: shows_strava_data(who.store, athlete=who.athlete),
        athlete_id=who.athlete_id,
    )
