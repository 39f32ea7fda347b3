"""The API tells errors in its own words (issue 13): bad values sent to every endpoint of the
OpenAPI schema never answer with a CLI flag, and a service error names the route's parameter."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

#: Values that break one query parameter or another (types, ranges, days, choices).
BAD_VALUES = ("xyz", "-1", "0", "7", "53", "99999", "2099-01-01", "1850-01-01", "", "golf")

#: Bodies the service refuses (the JSON models let them through).
BAD_BODIES: tuple[dict[str, Any], ...] = (
    {"nrs": 11},
    {"nrs": 3, "when": "later"},
    {"nrs": 3, "leg_symptoms": "left"},
    {"nrs": 3, "date": "2099-01-01"},
    {"nrs": 3, "note": "x" * 2001},
    {"answers": {"no_such_question": True}},
    {"answers": {}, "date": "2099-01-01"},
    {"by": "Dr\nLee"},
    {"note": "\x01"},
    {"date": "2099-01-01"},
)


def _flagless(response: Any) -> bool:
    if response.status_code < 400 or not response.headers.get("content-type", "").startswith(
        "application/json"
    ):
        return True
    body = response.json()
    return "--" not in str(body.get("detail")) and "--" not in str(body.get("hint"))


def test_no_api_error_names_a_cli_flag(client: TestClient) -> None:
    paths: dict[str, dict[str, Any]] = client.get("/api/openapi.json").json()["paths"]
    answered: list[tuple[str, int]] = []
    for path, ops in paths.items():
        url = path.replace("{activity_id}", "1").replace("{topic}", "nosuch")
        if "get" in ops:
            names = [p["name"] for p in ops["get"].get("parameters", []) if p["in"] == "query"]
            for name in names:
                for value in BAD_VALUES:
                    r = client.get(url, params={name: value})
                    assert _flagless(r), (url, name, value, r.text)
                    answered.append((path, r.status_code))
            if {"from", "to"} <= set(names):
                r = client.get(url, params={"from": "2020-02-01", "to": "2020-01-01"})
                assert r.status_code == 400, r.text
                assert _flagless(r), r.text
                assert r.json()["parameter"] == "from"
        if "post" in ops:
            for body in BAD_BODIES:
                r = client.post(url, json=body)
                assert _flagless(r), (url, body, r.text)
                answered.append((path, r.status_code))
    # Not vacuous: the service itself refused values on several endpoints (400, not 422).
    refused = {path for path, code in answered if code == 400}
    assert {"/api/plan", "/api/pain", "/api/screen", "/api/screen/clearance"} <= refused


@pytest.mark.parametrize(
    ("method", "url", "payload", "parameter", "message"),
    [
        ("get", "/api/plan", {"days_per_week": "7"}, "days_per_week", "days per week must be 2"),
        ("get", "/api/plan", {"long_run_day": "xyz"}, "long_run_day", "is not a weekday"),
        ("get", "/api/plan", {"cross": "golf"}, "cross", "cross-training 'golf' is not one"),
        ("post", "/api/pain", {"nrs": 3, "when": "later"}, "when", "when 'later' is not one"),
        ("post", "/api/pain", {"nrs": 11}, "nrs", "pain must be a whole number"),
        ("post", "/api/screen", {"answers": {"x": True}}, "answers", "unknown screen question"),
        ("post", "/api/screen/clearance", {"by": "a\nb"}, "by", "must be one line"),
        ("get", "/api/plan/marks", {"from": "2020-02-01", "to": "2020-01-01"}, "from", "after"),
    ],
)
def test_a_service_error_names_the_api_parameter(
    client: TestClient,
    method: str,
    url: str,
    payload: dict[str, Any],
    parameter: str,
    message: str,
) -> None:
    if method == "get":
        r = client.get(url, params=payload)
    else:
        r = client.post(url, json=payload)
    assert r.status_code == 400, r.text
    body = r.json()
    assert body["parameter"] == parameter
    assert body["detail"].startswith(f"{parameter}: ")
    assert message in body["detail"]
    assert "--" not in body["detail"]
