"""The clinic server's route table (``web/policy.py``): every route has a rule, the app
refuses to start with a route the table lacks or a rule for a route that does not exist,
and what each rule lets through (issue 17). The full authorization matrix walks this table."""

from __future__ import annotations

from typing import get_args

import pytest
from fastapi import APIRouter

from backstride.config import Settings
from backstride.web import create_app, policy
from tests.web.clinic.conftest import HOST, Clinic

pytestmark = pytest.mark.postgres


def test_every_route_of_the_app_has_exactly_one_rule(clinic: Clinic) -> None:
    served = policy.app_routes(clinic.app)
    assert len(served) == len(set(served))
    assert set(served) == set(policy.ROUTES)
    needs = set(get_args(policy.Need))
    assert {rule.need for rule in policy.ROUTES.values()} <= needs
    # Only the sign-in and the password-link pages are open to anyone.
    public = {route for route, rule in policy.ROUTES.items() if rule.need == "public"}
    assert {path for _, path in public} == {"/login", "/account/password"}
    # Every /api route that reads an athlete's data is audited for a clinician as a view,
    # the report as a report.
    for (method, path), rule in policy.ROUTES.items():
        if rule.need == "read" and method == "GET":
            reports = ("/api/report", "/api/jobs/{job_id}/output")
            assert rule.audit_action == ("report" if path in reports else "view"), path


def test_a_route_without_a_rule_stops_the_app(
    clinic: Clinic, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(database_url=clinic.url, jobs="1")
    hosts = frozenset({HOST})
    without = dict(policy.ROUTES)
    del without[("GET", "/api/status")]
    monkeypatch.setattr(policy, "ROUTES", without)
    with pytest.raises(RuntimeError, match=r"no rule for \[\('GET', '/api/status'\)\]"):
        create_app(settings, clinic=True, allowed_hosts=hosts)
    stale = {**policy.ROUTES, ("GET", "/api/status"): policy.READ, ("GET", "/gone"): policy.READ}
    monkeypatch.setattr(policy, "ROUTES", stale)
    with pytest.raises(
        RuntimeError, match=r"rules for routes that do not exist \[\('GET', '/gone'\)\]"
    ):
        create_app(settings, clinic=True, allowed_hosts=hosts)


def test_a_route_added_later_without_a_rule_is_refused(
    clinic: Clinic, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Even a route slipped in after start-up is served to nobody (the dependency fails
    shut), whoever is signed in."""
    extra = APIRouter()

    @extra.get("/api/extra")
    def extra_route() -> dict[str, str]:
        return {"secret": "health data"}

    clinic.app.include_router(extra, dependencies=clinic.app.router.dependencies)
    clinic.account("ana", "athlete")
    answer = clinic.signed_in("ana").get("/api/extra")
    assert answer.status_code == 403
    assert "secret" not in answer.text


def test_the_sqlite_store_and_no_host_names_are_refused(clinic: Clinic, tmp_path: object) -> None:
    from backstride.errors import ConfigError

    with pytest.raises(ConfigError, match="the clinic server needs PostgreSQL"):
        create_app(
            Settings(database_url="sqlite:///x.db"), clinic=True, allowed_hosts=frozenset({HOST})
        )
    with pytest.raises(ConfigError, match="answers only the host names it is told"):
        create_app(Settings(database_url=clinic.url), clinic=True, allowed_hosts=frozenset())


def test_the_schema_names_the_athlete_parameter(clinic: Clinic) -> None:
    clinic.account("ana", "athlete")
    ana = clinic.signed_in("ana")
    schema = ana.get("/api/openapi.json").json()
    for path in ("/api/status", "/api/pain", "/api/jobs/{job_id}"):
        names = [p["name"] for p in schema["paths"][path]["get"]["parameters"]]
        assert "athlete" in names, path
    bad = ana.get("/api/status?athlete=abc")
    assert bad.status_code == 422
    assert bad.json()["detail"].startswith("athlete:")
