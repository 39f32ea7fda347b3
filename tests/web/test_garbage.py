"""Garbage into every endpoint the OpenAPI schema lists (and the HTML forms): always an
answer below 500, and JSON errors carry a one-line "detail"."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from tests.web.conftest import DemoStore, client_for

#: The pages' own forms (not in the API schema).
FORMS = (
    "/pain/log", "/pain/screen", "/pain/clearance", "/import", "/sync/intervals/connect",
    "/sync/strava/connect", "/sync/strava/run", "/sync/strava/disconnect",
)  # fmt: skip

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)
field_names = st.sampled_from(
    [
        "nrs",
        "when",
        "date",
        "activity_id",
        "leg_symptoms",
        "note",
        "answers",
        "fever",
        "files",
        "by",
    ]
)
json_objects = st.dictionaries(
    st.one_of(field_names, st.text(max_size=10)),
    st.one_of(json_values, st.dates().map(str)),
    max_size=6,
)
query_values = st.one_of(
    st.text(max_size=20),
    st.integers().map(str),
    st.sampled_from(["", "-1", "0", "1e9", "2023-02-30", "0001-01-01", "9999-12-31"]),
    st.dates().map(str),
)


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory, demo_db: DemoStore) -> Iterator[TestClient]:
    # Garbage may be stored when it happens to be valid: a copy, shared by this module only.
    import shutil

    target = tmp_path_factory.mktemp("garbage") / "g.db"
    shutil.copy(demo_db.path, target)
    with client_for(f"sqlite:///{target}") as c:
        # The intervals.icu connection check goes to a closed port of this machine.
        c.app.state.syncs.options["intervals_base_url"] = "http://127.0.0.1:9"  # type: ignore[attr-defined]
        yield c


def _schema_paths(client: TestClient) -> dict[str, dict[str, Any]]:
    paths: dict[str, dict[str, Any]] = client.get("/api/openapi.json").json()["paths"]
    return paths


def _check(response: Any) -> None:
    assert response.status_code < 500, (response.request.url, response.text[:300])
    if response.headers.get("content-type", "").startswith("application/json") and (
        response.status_code >= 400
    ):
        detail = response.json()["detail"]
        assert isinstance(detail, str)
        assert detail
        assert "\n" not in detail


@settings(
    deadline=None, max_examples=20, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=st.one_of(json_objects, json_values), raw=st.binary(max_size=40))
def test_garbage_posted_to_every_post_endpoint(shared: TestClient, body: Any, raw: bytes) -> None:
    posts = [p for p, ops in _schema_paths(shared).items() if "post" in ops]
    assert set(posts) == {
        "/api/pain", "/api/screen", "/api/screen/clearance", "/api/import",
        "/api/sync/intervals/connect", "/api/sync/{service}", "/api/sync/{service}/disconnect",
    }  # fmt: skip
    for path in [*posts, *FORMS]:
        _check(shared.post(path, json=body))
        _check(shared.post(path, content=raw, headers={"content-type": "application/json"}))
        if isinstance(body, dict):
            form = {str(k): str(v) for k, v in body.items()}
            _check(shared.post(path, data=form))
            _check(shared.post(path, files=[("files", ("x.fit", raw))], data=form))


@settings(
    deadline=None, max_examples=15, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    values=st.lists(query_values, min_size=8, max_size=8),
    segment=st.text(
        alphabet=st.characters(min_codepoint=33, max_codepoint=0x2FF, blacklist_categories=("Cc",)),
        max_size=12,
    ),
)
def test_garbage_query_parameters_on_every_get_endpoint(
    shared: TestClient, values: list[str], segment: str
) -> None:
    for path, ops in _schema_paths(shared).items():
        if "get" not in ops:
            continue
        params = [p for p in ops["get"].get("parameters", []) if p["in"] == "query"]
        query = {p["name"]: values[i % len(values)] for i, p in enumerate(params)}
        url = path.replace("{activity_id}", segment.replace("/", "") or "0")
        _check(shared.get(url, params=query))
    for page in ("/", "/load", "/pain", "/form", "/shoes", "/plan", "/activities", "/activities/4"):
        _check(shared.get(page, params={"on": values[0], "weeks": values[1]}))
