"""The JSON API: every endpoint on a store of real files, the same objects as the CLI's
--json, and bad input as a 4xx with a clear one-line "detail" (never a 500)."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta
from typing import Any

import pytest
from starlette.testclient import TestClient

from backstride import service
from backstride.store import open_store
from tests.cli_runs import cli
from tests.conftest import DATA
from tests.web.conftest import DemoStore, client_for

RUN = DATA / "fit" / "fitparse__garmin-fenix-5-run.fit"
OTHER_RUN = DATA / "fit" / "workoutizer__run_with_coordinates.fit"


def cli_json(db: str, *args: str) -> Any:
    result = cli(db, *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


# --- the same objects as --json --------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "command"),
    [
        ("/api/status?on={on}", ("status", "--on", "{on}")),
        ("/api/load?weeks=520&on={on}", ("load", "--weeks", "520", "--on", "{on}")),
        ("/api/form?on={on}", ("form", "--on", "{on}")),
        ("/api/shoes", ("shoes",)),
        ("/api/activities", ("activities",)),
        ("/api/activities/4", ("show", "4")),
    ],
)
def test_api_objects_equal_the_cli_json(
    ro_client: TestClient, demo_db: DemoStore, path: str, command: tuple[str, ...]
) -> None:
    on = demo_db.as_of.isoformat()
    response = ro_client.get(path.format(on=on))
    assert response.status_code == 200, response.text
    assert response.json() == cli_json(demo_db.url, *(c.format(on=on) for c in command))


def test_pain_endpoints_equal_the_cli_json(ro_client: TestClient, demo_db: DemoStore) -> None:
    # The CLI's pain commands judge as of today; the diary is years old, so ask for enough
    # weeks and compare the entries and trend shapes.
    api = ro_client.get("/api/pain?weeks=520").json()
    assert api == cli_json(demo_db.url, "pain", "--weeks", "520")
    assert [e["nrs"] for e in api["entries"]] == [2, 3, 4]
    assoc = ro_client.get("/api/pain/associations").json()
    assert assoc == cli_json(demo_db.url, "pain", "associations")


def test_status_has_seven_lights_with_words_and_sources(
    ro_client: TestClient, demo_db: DemoStore
) -> None:
    data = ro_client.get(f"/api/status?on={demo_db.as_of}").json()
    assert len(data["practices"]) == 7
    assert all(
        p["status"] in ("green", "amber", "red", "unknown", "info")
        for p in data["practices"].values()
    )
    assert data["findings"]
    assert all(f["citation"] and f["grade"] for f in data["findings"])


def test_load_chart_marks_each_run_by_its_l1_level(
    ro_client: TestClient, demo_db: DemoStore
) -> None:
    data = ro_client.get(f"/api/load/chart?weeks=520&on={demo_db.as_of}").json()
    runs = ro_client.get("/api/activities").json()
    running = [a for a in runs if a["sport"] == "running"]
    assert [r["activity_id"] for r in data["runs"]] == [a["id"] for a in running]
    assert data["runs"][0]["l1"] == "first"
    # The newest demo run comes 996 days after the one before: "after a break" (L1, high).
    assert (data["runs"][-1]["l1"], data["runs"][-1]["severity"]) == ("after_break", "high")
    week_km = sum(w["run_distance_m"] for w in data["weeks"])
    assert week_km == pytest.approx(sum(a["distance_m"] for a in running), abs=1.0)
    assert (
        len(data["daily"]["date"]) == len(data["daily"]["acwr"]) == len(data["daily"]["fitness_au"])
    )
    assert "context" in data["daily"]["label"]
    stacked = data["weeks"][-1]["load_by_kind_au"]
    assert stacked["ride"] > 0
    assert stacked["swim"] > 0
    assert stacked["run"] > 0
    assert sum(stacked.values()) == pytest.approx(data["weeks"][-1]["load_au"], abs=0.5)


def test_streams_are_thinned_but_keep_their_channels(ro_client: TestClient) -> None:
    full = ro_client.get("/api/activities/4/streams?max_points=100000").json()
    thin = ro_client.get("/api/activities/4/streams?max_points=100").json()
    assert full["step"] == 1
    assert len(full["elapsed_s"]) == full["samples"]
    assert len(thin["elapsed_s"]) <= 100
    assert set(thin["channels"]) == set(full["channels"])
    assert "heart_rate_bpm" in thin["channels"]
    hr = [v for v in full["channels"]["heart_rate_bpm"] if v is not None]
    thin_hr = [v for v in thin["channels"]["heart_rate_bpm"] if v is not None]
    assert min(hr) <= min(thin_hr)
    assert max(thin_hr) <= max(hr)


def test_plan_preview_is_not_saved(client: TestClient, db: DemoStore) -> None:
    first = client.get(f"/api/plan?weeks=2&on={db.as_of}")
    assert first.status_code == 200, first.text
    plan = first.json()
    assert plan["weeks"]
    assert all(s["rules"] and s["why"] for w in plan["weeks"] for s in w["sessions"])
    review = client.get(f"/api/plan/review?on={db.as_of}").json()
    assert all(w["runs"]["planned"] == 0 for w in review["weeks"])  # nothing was saved
    cards = client.get("/api/exercises?routine=warmup&routine=cooldown").json()
    assert [c["routine"] for c in cards] == ["warmup", "cooldown"]
    assert all(e["dose"] and e["if_it_hurts"] for c in cards for e in c["exercises"])


def test_plan_marks_are_the_stored_sessions_marked_as_of_the_day(
    client: TestClient, db: DemoStore
) -> None:
    # The demo saved a plan from the day after its as_of: upcoming then, missed a week later.
    now = client.get(f"/api/plan/marks?on={db.as_of}").json()
    assert now["as_of"] == db.as_of.isoformat()
    assert now["sessions"]
    assert {s["mark"] for s in now["sessions"]} == {"upcoming"}
    assert all(s["date"] > now["as_of"] for s in now["sessions"])
    later = db.as_of + timedelta(days=7)
    week = client.get(f"/api/plan/marks?on={later}&from={db.as_of}&to={later}").json()
    assert (week["from"], week["to"]) == (db.as_of.isoformat(), later.isoformat())
    with open_store(db.url) as store:
        expected = service.marks_to_json(
            service.session_marks(store, start=db.as_of, end=later, as_of=later)
        )
    assert week == expected
    marks = {s["date"]: s["mark"] for s in week["sessions"]}
    assert marks == {d: "missed" if d < later.isoformat() else "upcoming" for d in marks}
    assert "missed" in marks.values()  # nothing was imported after the demo's last run


def test_report_downloads_as_html_and_pdf(ro_client: TestClient, demo_db: DemoStore) -> None:
    period = f"from=2023-08-01&to={demo_db.as_of}"
    html = ro_client.get(f"/api/report?{period}&format=html")
    assert html.status_code == 200
    assert "attachment" in html.headers["content-disposition"]
    assert "<html" in html.text.lower()
    pdf = ro_client.get(f"/api/report?{period}&format=pdf")
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")


# --- writing -------------------------------------------------------------------------------


def test_log_pain_then_it_is_in_the_diary(client: TestClient, db: DemoStore) -> None:
    response = client.post(
        "/api/pain", json={"nrs": 5, "when": "after", "date": "2023-09-02", "activity_id": 4}
    )
    assert response.status_code == 201, response.text
    assert response.json()["nrs"] == 5
    assert response.json()["activity_id"] == 4
    entries = client.get("/api/pain?weeks=520").json()["entries"]
    assert [e["nrs"] for e in entries] == [2, 3, 5, 4]


def test_a_red_flag_screen_is_shown_first_everywhere(client: TestClient, db: DemoStore) -> None:
    questions = client.get("/api/screen/questions").json()
    answers = {q["field"]: False for q in questions}
    answers["saddle_numbness"] = True
    response = client.post("/api/screen", json={"answers": answers})
    assert response.status_code == 201, response.text
    assert response.json()["outcome"] == "emergency"
    assert response.json()["blocks_training"]
    flags = client.get("/api/red-flags").json()
    assert flags
    assert flags[0]["rule"] == "R1"
    assert client.get("/api/screen/latest").json()["outcome"] == "emergency"
    status = client.get("/api/status").json()  # today: the screen was taken today
    assert status["training_suspended"] is True
    assert all(p["status"] != "green" for p in status["practices"].values())
    for page in ("/", "/load", "/pain", "/form", "/shoes", "/plan", "/activities/999"):
        html = client.get(f"{page}?on={db.as_of}").text
        banner = html.index('class="redflag"')
        assert banner < html.index('id="main"'), page
    for page in ("/", "/load", "/form", "/shoes"):
        html = client.get(f"{page}?on={db.as_of}").text
        assert '<p class="suspended" role="note"><strong>Training advice is suspended' in html


def test_import_an_upload_then_again_as_duplicates(client: TestClient) -> None:
    files = [("files", (RUN.name, RUN.read_bytes())), ("files", ("notes.txt", b"not a run"))]
    first = client.post("/api/import", files=files)
    assert first.status_code == 200, first.text
    summary = first.json()
    assert summary["imported"] == 1
    assert len(summary["activity_ids"]) == 1
    assert [f["path"] for f in summary["failed"]] == ["notes.txt"]  # its own name, no temp path
    again = client.post("/api/import", files=files[:1]).json()
    assert (again["imported"], again["duplicates"]) == (0, 1)


def test_import_streams_progress_then_the_summary(client: TestClient) -> None:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("activities/run.fit", OTHER_RUN.read_bytes())
    response = client.post(
        "/api/import?stream=true", files=[("files", ("export.zip", archive.getvalue()))]
    )
    assert response.status_code == 200
    events = [json.loads(line) for line in response.text.splitlines()]
    assert any("total" in e for e in events)
    assert any("done" in e for e in events)
    assert events[-1]["summary"]["duplicates"] == 1  # the demo has this run already


def test_an_upload_over_the_limit_is_413(db: DemoStore) -> None:
    with client_for(db.url, max_upload_bytes=1000) as small:
        response = small.post("/api/import", files=[("files", (RUN.name, RUN.read_bytes()))])
        assert response.status_code == 413
        assert "upload too large" in response.json()["detail"]
        page = small.post("/import", files=[("files", (RUN.name, RUN.read_bytes()))])
        assert page.status_code == 413
        assert "upload too large" in page.text
        assert len(small.get("/api/activities").json()) == 8  # nothing stored


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "words"),
    [
        ("get", "/api/status?on=yesterday", None, 422, "on: "),
        ("get", "/api/load?weeks=0", None, 422, "weeks: "),
        ("get", "/api/load?weeks=many", None, 422, "weeks: "),
        ("get", "/api/load/chart?weeks=521", None, 422, "weeks: "),
        ("get", "/api/status?on=0001-01-01", None, 422, "on: 0001-01-01 is not a day between"),
        ("get", "/api/plan?on=9999-12-31", None, 422, "on: 9999-12-31 is not a day between"),
        ("get", "/api/report?from=0001-01-01", None, 422, "from: 0001-01-01 is not a day between"),
        (
            "post",
            "/api/screen",
            {"answers": {"fever": False}, "date": "2150-01-01"},
            422,
            "date: the date 2150-01-01 is in the future",
        ),
        ("post", "/api/pain", {"nrs": 3, "date": "0001-01-01"}, 422, "0001-01-01 is not a day"),
        ("get", "/api/activities/999", None, 404, "no activity with id 999"),
        ("get", "/api/activities/x", None, 422, "activity_id: "),
        ("get", "/api/activities/4/streams?max_points=1", None, 422, "max_points: "),
        ("get", "/api/plan?weeks=9", None, 422, "weeks: "),
        ("get", "/api/plan?long_run_day=someday", None, 400, "someday"),
        ("get", "/api/plan/marks?on=someday", None, 422, "on: "),
        ("get", "/api/plan/marks?to=0001-01-01", None, 422, "to: 0001-01-01 is not a day between"),
        ("get", "/api/plan/marks?from=2024-02-01&to=2024-01-01", None, 400, "is after to"),
        ("get", "/api/plan/marks?from=2020-01-01&to=2024-01-01", None, 400, "more than 366"),
        ("get", "/api/exercises?routine=yoga", None, 404, "yoga"),
        ("get", "/api/exercises", None, 422, "routine: "),
        ("get", "/api/report?format=docx", None, 422, "format: "),
        ("get", "/api/report?from=2024-02-01&to=2024-01-01", None, 400, ""),
        ("post", "/api/pain", {"nrs": 11}, 400, "0"),
        ("post", "/api/pain", {"nrs": "lots"}, 422, "nrs: "),
        ("post", "/api/pain", {"nrs": 3, "when": "yesterday"}, 400, "yesterday"),
        ("post", "/api/pain", {"nrs": 3, "activity_id": 999}, 404, "999"),
        ("post", "/api/pain", {"nrs": 3, "colour": "red"}, 422, "colour: "),
        ("post", "/api/pain", {"nrs": 3, "date": "2099-01-01"}, 422, "2099-01-01 is in the future"),
        ("post", "/api/screen", {"answers": {}}, 400, "no answers"),
        ("post", "/api/screen", {"answers": {"headache": True}}, 400, "headache"),
        ("post", "/api/screen", {"answers": {"fever": "maybe"}}, 422, "answers.fever: "),
        ("post", "/api/import", None, 400, "the field 'files'"),
        ("get", "/api/nothing", None, 404, "no page at /api/nothing"),
        ("delete", "/api/status", None, 405, "DELETE is not allowed"),
    ],
)
def test_bad_input_is_a_clear_4xx(
    client: TestClient,
    method: str,
    path: str,
    body: dict[str, Any] | None,
    status: int,
    words: str,
) -> None:
    before = client.get("/api/pain?weeks=520").json()["entries"]
    response = client.request(method, path, json=body)
    assert response.status_code == status, response.text
    detail = response.json()["detail"]
    assert isinstance(detail, str)
    assert "\n" not in detail
    assert words in detail
    assert client.get("/api/pain?weeks=520").json()["entries"] == before  # nothing stored


def test_malformed_json_is_422(client: TestClient) -> None:
    response = client.post(
        "/api/pain", content=b"{nrs: 3", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert "JSON" in response.json()["detail"]


def test_other_host_names_are_refused(ro_client: TestClient) -> None:
    for name in ("attacker.example:8000", "127.0.0.1.attacker.example", "localhost.example"):
        assert ro_client.get("/api/status", headers={"host": name}).status_code == 400, name
    refused = ro_client.get("/api/status", headers={"host": "attacker.example:8000"})
    assert refused.status_code == 400
    assert "host header" in refused.json()["detail"]
    for host in ("localhost:8000", "127.0.0.1", "[::1]:8000"):
        assert ro_client.get("/api/shoes", headers={"host": host}).status_code == 200


def test_the_schema_lists_every_endpoint_and_no_page(ro_client: TestClient) -> None:
    schema = ro_client.get("/api/openapi.json").json()
    paths = set(schema["paths"])
    assert paths == {
        "/api/status", "/api/load", "/api/load/chart", "/api/form", "/api/pain",
        "/api/pain/associations", "/api/screen/questions", "/api/screen", "/api/screen/latest",
        "/api/screen/clearance",
        "/api/red-flags", "/api/shoes", "/api/activities", "/api/activities/{activity_id}",
        "/api/activities/{activity_id}/streams", "/api/plan", "/api/plan/review",
        "/api/plan/marks", "/api/exercises", "/api/report", "/api/import",
        "/api/sync", "/api/sync/intervals/connect", "/api/sync/{service}",
        "/api/sync/{service}/disconnect",
    }  # fmt: skip
    assert not any("cdn" in ro_client.get("/").text.lower() for _ in [0])


def test_posts_from_another_site_are_refused(client: TestClient) -> None:
    body = {"nrs": 2}
    for origin in ("https://evil.example", "null", "http://127.0.0.1.evil.example"):
        refused = client.post("/api/pain", json=body, headers={"origin": origin})
        assert refused.status_code == 403, origin
        assert "cross-site" in refused.json()["detail"]
        form = client.post("/pain/log", data={"nrs": "2"}, headers={"origin": origin})
        assert form.status_code == 403
    assert len(client.get("/api/pain?weeks=520").json()["entries"]) == 3  # nothing stored
    local = client.post("/api/pain", json=body, headers={"origin": "http://127.0.0.1:8000"})
    assert local.status_code == 201
    # Reading is not a write: a cross-site GET still gets the page (the Host check guards it).
    assert client.get("/api/shoes", headers={"origin": "https://evil.example"}).status_code == 200
