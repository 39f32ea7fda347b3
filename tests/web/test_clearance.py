"""Clinician clearance through the API and the Pain page (issue 12): recorded with its day,
it lifts the red flags of screens up to then; errors are one line and nothing is stored."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from starlette.testclient import TestClient

from backstride.service.clock import local_today


def _urgent_screen(client: TestClient, day: date) -> None:
    questions = client.get("/api/screen/questions").json()
    answers = {q["field"]: False for q in questions}
    answers["cancer_history"] = True
    response = client.post("/api/screen", json={"answers": answers, "date": day.isoformat()})
    assert response.status_code == 201, response.text
    assert response.json()["outcome"] == "urgent"


def test_the_api_records_a_visit_and_the_red_flag_is_lifted(client: TestClient) -> None:
    today = local_today()
    assert client.get("/api/screen/clearance").json() is None
    _urgent_screen(client, today - timedelta(days=1))
    assert [f["rule"] for f in client.get("/api/red-flags").json()] == ["R2"]
    body = {"date": today.isoformat(), "by": "Dr Lee, GP", "note": "no scan needed"}
    response = client.post("/api/screen/clearance", json=body)
    assert response.status_code == 201, response.text
    visit = {"date": today.isoformat(), "by": "Dr Lee, GP", "note": "no scan needed"}
    assert response.json()["clearance"] == visit
    assert response.json()["latest_screen"]["outcome"] == "clear"
    assert client.get("/api/screen/clearance").json() == visit
    assert client.get("/api/red-flags").json() == []
    latest = client.get("/api/screen/latest").json()
    assert (latest["blocks_training"], latest["clearance"]) == (False, visit)
    cleared = next(f for f in latest["findings"] if f["rule"] == "R2")
    assert cleared["severity"] == "info"
    assert f"a clinician saw you on {today.isoformat()} (Dr Lee, GP)" in cleared["message"]


@pytest.mark.parametrize(
    ("body", "status", "detail"),
    [
        ({"date": "2199-12-31"}, 422, "is in the future"),
        ({"date": "not a day"}, 422, "date"),
        ({"by": "x" * 201}, 422, "200"),
        ({"by": "Dr\nLee"}, 400, "must be one line"),
        ({"when": "today"}, 422, "when"),
    ],
)
def test_bad_visits_are_refused_in_one_line(
    client: TestClient, body: dict[str, str], status: int, detail: str
) -> None:
    response = client.post("/api/screen/clearance", json=body)
    assert response.status_code == status, response.text
    message = response.json()["detail"]
    assert detail in message
    assert "\n" not in message
    assert client.get("/api/screen/clearance").json() is None


def test_the_pain_page_form_records_a_visit_and_then_asks_what_changed(client: TestClient) -> None:
    today = local_today()
    page = client.get("/pain")
    assert 'action="/pain/clearance' in page.text
    assert 'name="changed_since_clearance"' not in page.text
    _urgent_screen(client, today)
    form = {"date": today.isoformat(), "by": "Physio", "note": ""}
    response = client.post("/pain/clearance", data=form, follow_redirects=False)
    assert response.status_code == 303
    after = client.get(response.headers["location"]).text
    assert f"Recorded: a clinician saw you on {today.isoformat()} (Physio)." in after
    assert f"Last visit recorded: {today.isoformat()} (Physio)." in after
    assert 'name="changed_since_clearance"' in after
    assert f"saw you about your back on {today.isoformat()}?" in after
    assert 'class="redflag"' not in after


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"date": "2199-12-31"}, "is in the future"),
        ({"date": "31/12/2020"}, "is not a date (YYYY-MM-DD)"),
        ({"date": "2020-12-01", "by": "x" * 201}, "at most 200 are kept"),
    ],
)
def test_the_pain_page_form_shows_bad_visits_as_one_line(
    client: TestClient, form: dict[str, str], message: str
) -> None:
    response = client.post("/pain/clearance", data=form)
    assert response.status_code == 400
    assert message in response.text
    assert 'id="clearance-error"' in response.text
    assert client.get("/api/screen/clearance").json() is None
