"""What a clinician's view of a store leaves out reaches the pages and the API, and the
dashboard's result cache keeps each athlete's and each view's results apart (issue 17:
Strava's API agreement; ``web/results.py`` keys carry the athlete and the view)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from starlette.requests import Request

from backstride.model import Account
from backstride.service import accounts, sharing
from backstride.web import policy, results
from backstride.web.subject import Subject
from tests.clinic import strava
from tests.web.clinic.conftest import Clinic

pytestmark = pytest.mark.postgres


@pytest.fixture
def shared(clinic: Clinic) -> Clinic:
    """ana has one run that came only from Strava's API, and shares everything with cleo."""
    ana = clinic.account("ana", "athlete")
    clinic.account("cleo", "clinician")
    strava.connect(clinic.store, "ana")
    strava.synced(
        clinic.store, "ana", 1002, start=datetime(2020, 12, 12, 7, 0, tzinfo=UTC),
        seconds=2400, distance_m=8123.4, name="Long run by the river",
    )  # fmt: skip
    sharing.share_with(clinic.store, ana, "cleo", "all")
    return clinic


def test_strava_api_data_is_shown_to_its_athlete_only(shared: Clinic) -> None:
    ana_id = accounts.get_account(shared.store, "ana").id
    ana, cleo = shared.signed_in("ana"), shared.signed_in("cleo")
    own = ana.get("/api/activities").json()
    assert [a["name"] for a in own] == ["Long run by the river"]
    assert cleo.get(f"/api/activities?athlete={ana_id}").json() == []
    assert "Long run by the river" not in cleo.get(f"/activities?athlete={ana_id}").text
    assert "Powered by Strava" in ana.get("/activities").text
    assert "Powered by Strava" not in cleo.get(f"/activities?athlete={ana_id}").text
    assert [a["name"] for a in ana.get("/api/activities").json()] == ["Long run by the river"]
    sharing_page = ana.get("/sharing").text
    assert "Clinicians do not see 1 activity synced only from Strava" in sharing_page


def _request(clinic: Clinic, subject: Subject) -> Request:
    return Request(
        {"type": "http", "app": clinic.app, "method": "GET", "path": "/", "headers": [],
         "query_string": b"", "state": {"subject": subject}}
    )  # fmt: skip


def test_the_cache_keeps_views_apart(shared: Clinic) -> None:
    ana_account = accounts.get_account(shared.store, "ana")
    cleo_account = accounts.get_account(shared.store, "cleo")
    own = _request(shared, policy_subject(shared, ana_account, None))
    seen = _request(shared, policy_subject(shared, cleo_account, ana_account.id))
    cache = shared.app.state.results
    # Keyed on ana's data version (other work on the server leaves it alone).
    assert len(results.activities(own)) == 1
    assert results.activities(seen) == []  # not the own view's cached list
    hits = cache.hits
    assert len(results.activities(own)) == 1
    assert cache.hits == hits + 1  # the own view's list came from the cache
    assert results.activities(seen) == []


def policy_subject(clinic: Clinic, viewer: Account, athlete_id: int | None) -> Subject:
    query = b"" if athlete_id is None else f"athlete={athlete_id}".encode()
    request = Request(
        {"type": "http", "app": clinic.app, "method": "GET", "path": "/", "headers": [],
         "query_string": query, "state": {}}
    )  # fmt: skip
    return policy.decide(request, viewer)
