"""The server-rendered pages (without a browser): each page on real data, the forms with
good and bad input, the serve command and the demo's closing hint."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner

from backstride import service
from backstride.cli.app import app as cli_app
from backstride.store import open_store
from tests.conftest import DATA
from tests.web.conftest import DemoStore

RUN = DATA / "fit" / "fitparse__garmin-fenix-5-run.fit"


def embedded(html: str, script_id: str) -> Any:
    found = re.search(
        rf'<script type="application/json" id="{script_id}">(.*?)</script>', html, re.S
    )
    assert found, script_id
    return json.loads(found.group(1))


def test_overview_lights_carry_words_and_findings_their_sources(
    ro_client: TestClient, demo_db: DemoStore
) -> None:
    html = ro_client.get(f"/?on={demo_db.as_of}").text
    status = ro_client.get(f"/api/status?on={demo_db.as_of}").json()
    assert html.count('<li class="light light-') == 7
    words = {"green": "good", "amber": "watch", "red": "act", "unknown": "no data",
             "info": "for information"}  # fmt: skip
    for name, light in status["practices"].items():
        word = "nothing flagged" if (name, light["status"]) == ("clinician", "green") else None
        assert light["word"] == (word or words[light["status"]])
        assert f'<span class="word">{light["word"]}</span>' in html
    top = status["findings"][0]
    assert top["citation"] in html
    assert f"grade {top['grade']}" in html
    assert 'class="redflag"' not in html  # the demo's screen found nothing


def test_each_finding_names_its_rule_once(ro_client: TestClient, demo_db: DemoStore) -> None:
    # Pain and red-flag messages begin with their rule and source ("P1 (Silbernagel 2007):"),
    # so the page must not put the rule in front of them a second time.
    html = ro_client.get(f"/?on={demo_db.as_of}").text
    rules = {f["rule"] for f in ro_client.get(f"/api/status?on={demo_db.as_of}").json()["findings"]}
    assert {"P1", "L1"} <= rules  # the demo has both kinds
    for rule in rules:
        assert f"<strong>{rule}</strong> {rule} " not in html
    assert "<strong>L1</strong> " in html  # a message without its rule still gets the rule


@pytest.mark.parametrize(
    ("page", "script", "key"),
    [
        ("/load?weeks=520", "load-data", "runs"),
        ("/pain?weeks=520", "pain-data", "pain"),
        ("/form", "form-data", "form"),
        ("/shoes", "shoe-data", "shoes"),
        ("/activities/4", "stream-data", "streams"),
    ],
)
def test_chart_pages_embed_the_api_objects(
    ro_client: TestClient, demo_db: DemoStore, page: str, script: str, key: str
) -> None:
    sep = "&" if "?" in page else "?"
    response = ro_client.get(f"{page}{sep}on={demo_db.as_of}")
    assert response.status_code == 200, response.text
    data = embedded(response.text, script)
    assert key in data
    if page.startswith("/load"):
        assert data == ro_client.get(f"/api/load/chart?weeks=520&on={demo_db.as_of}").json()
    if page == "/form":
        assert data["form"] == ro_client.get(f"/api/form?on={demo_db.as_of}").json()
    if page == "/shoes":
        assert [s["name"] for s in data["shoes"]] == ["Ghost", "Pegasus"]


def test_plan_page_is_a_calendar_with_exercise_cards(
    ro_client: TestClient, demo_db: DemoStore
) -> None:
    html = ro_client.get(f"/plan?on={demo_db.as_of}&weeks=2").text
    plan = ro_client.get(f"/api/plan?on={demo_db.as_of}&weeks=2").json()
    sessions = [s for w in plan["weeks"] for s in w["sessions"]]
    assert html.count('<div class="session') == len(sessions) > 0
    assert html.count('<li class="day') == 7 * len(plan["weeks"])
    assert 'id="card-warmup"' in html
    assert "If it hurts:" in html


def test_logging_pain_through_the_form(client: TestClient, db: DemoStore) -> None:
    response = client.post(
        f"/pain/log?on={db.as_of}",
        data={"nrs": "6", "when": "after", "date": "2023-09-02", "activity_id": "4"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    page = client.get(response.headers["location"]).text
    assert "Logged: pain 6/10 (after) on 2023-09-02." in page
    assert [e["nrs"] for e in client.get("/api/pain?weeks=520").json()["entries"]] == [2, 3, 6, 4]


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"nrs": "abc"}, "pain must be a whole number, not &#39;abc&#39;"),
        ({"nrs": ""}, "say how much it hurts"),
        ({"nrs": "12"}, "0"),
        ({"nrs": "3", "date": "3 May"}, "is not a date"),
        ({"nrs": "3", "when": "later"}, "later"),
        ({"nrs": "3", "activity_id": "999"}, "999"),
    ],
)
def test_bad_pain_form_is_the_page_again_with_one_line(
    client: TestClient, form: dict[str, str], message: str
) -> None:
    response = client.post("/pain/log", data=form)
    assert response.status_code == 400
    error = re.search(r'<p class="error" role="alert" id="log-error">(.*?)</p>', response.text)
    assert error
    assert message in error.group(1)
    assert 'name="nrs"' in response.text  # the form is there to correct
    assert len(client.get("/api/pain?weeks=520").json()["entries"]) == 3  # nothing stored


def test_the_screen_form_saves_and_a_red_flag_becomes_the_banner(client: TestClient) -> None:
    questions = client.get("/api/screen/questions").json()
    form = {q["field"]: "no" for q in questions}
    form["bladder_bowel_change"] = "yes"
    response = client.post("/pain/screen", data=form, follow_redirects=False)
    assert response.status_code == 303
    page = client.get(response.headers["location"]).text
    assert "Screen saved: emergency." in page
    assert page.index('class="redflag"') < page.index('id="main"')
    bad = client.post("/pain/screen", data={"fever": "perhaps"})
    assert bad.status_code == 400
    assert "answer fever with yes, no or skip" in bad.text
    empty = client.post("/pain/screen", data={})
    assert empty.status_code == 400
    assert "no answers" in empty.text


def test_import_page_without_javascript_shows_the_summary(client: TestClient) -> None:
    response = client.post(
        "/import",
        files=[("files", (RUN.name, RUN.read_bytes())), ("files", ("bad.gpx", b"<gpx"))],
    )
    assert response.status_code == 200
    assert "Imported 1, duplicates skipped 0, failed 1" in response.text
    assert "<strong>bad.gpx</strong>" in response.text
    none = client.post("/import", data={"x": "1"})
    assert none.status_code == 400
    assert "no files in the upload" in none.text
    again = client.post("/import", files=[("files", (RUN.name, RUN.read_bytes()))])
    assert "Imported 0, duplicates skipped 1, failed 0" in again.text
    assert "Duplicates and what they matched (1)" in again.text
    assert "(same file)" in again.text


def test_unknown_page_and_activity_are_404_pages(ro_client: TestClient) -> None:
    missing = ro_client.get("/activities/12345")
    assert missing.status_code == 404
    assert "no activity with id 12345" in missing.text
    assert ro_client.get("/nowhere").status_code == 404


def test_static_files_are_bundled_and_nothing_comes_from_elsewhere(ro_client: TestClient) -> None:
    for name in ("vendor/uPlot.iife.min.js", "vendor/uPlot.min.css", "charts.js", "app.css"):
        assert ro_client.get(f"/static/{name}").status_code == 200
    for page in ("/", "/load", "/pain", "/import", "/report"):
        html = ro_client.get(page).text
        assert not re.search(r'(src|href)="(https?:)?//', html), page


def test_serve_runs_uvicorn_on_the_factory(monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(app=app, **kw))
    result = CliRunner().invoke(cli_app, ["--db", "sqlite:///x.db", "serve", "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert seen == {
        "app": "backstride.web.app:app_from_environment",
        "factory": True,
        "host": "127.0.0.1",
        "port": 8123,
        "log_level": "warning",
        "http": "backstride.web.server:DeadlineH11Protocol",
        "timeout_keep_alive": 5,
        "limit_concurrency": 500,
        "h11_max_incomplete_event_size": 16 * 1024,
        "timeout_graceful_shutdown": 10,
    }
    import os

    assert os.environ["BACKSTRIDE_DATABASE_URL"] == "sqlite:///x.db"
    for host in ("localhost", "::1", "127.0.0.2"):
        seen.clear()
        local = CliRunner().invoke(cli_app, ["--db", "sqlite:///x.db", "serve", "--host", host])
        assert local.exit_code == 0, local.output
        assert seen["host"] == host
    assert CliRunner().invoke(cli_app, ["serve", "--port", "0"]).exit_code == 2


def test_the_demo_ends_with_how_to_open_the_dashboard(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli_app, ["demo", "--folder", str(tmp_path / "d")])
    assert result.exit_code == 0, result.output
    tail = result.stdout.strip().splitlines()[-2:]
    assert (
        tail[0].strip()
        == f"See it in your browser:  backstride --db sqlite:///{tmp_path / 'd' / 'demo.db'} serve"
    )
    assert re.fullmatch(
        r"then open  http://127\.0\.0\.1:8000/\?on=\d{4}-\d\d-\d\d", tail[1].strip()
    )


def test_plan_page_marks_each_stored_session_done_missed_or_upcoming(
    client: TestClient, db: DemoStore
) -> None:
    # A plan made the Sunday before the newest demo run, its long run on that run's weekday.
    with open_store(db.url) as store:
        run = [a for a in service.list_activities(store) if a.activity.sport == "running"][-1]
        day = run.activity.local_date
        sunday = day - timedelta(days=day.weekday() + 1)
        service.get_plan(store, as_of=sunday, long_run_day=day.strftime("%a"), cross="none")
    marks = client.get(f"/api/plan/marks?on={db.as_of}").json()["sessions"]
    runs = [(s["date"], s["mark"], s["activity_id"]) for s in marks if s["kind"] != "core"]
    assert (day.isoformat(), "done", run.id) in runs
    assert {m for d, m, _ in runs if d < day.isoformat()} == {"missed"}
    html = client.get(f"/plan?on={db.as_of}").text
    link = f'<a href="/activities/{run.id}?on={db.as_of}">activity {run.id}</a>'
    assert f'<span class="mark done">done <span aria-hidden="true">✓</span></span> {link}' in html
    missed = [m for s in marks for m in (s["mark"], s["warmup_mark"], s["cooldown_mark"])]
    assert html.count('<span class="mark missed">missed <span') == missed.count("missed") > 0
    assert 'class="mark upcoming">upcoming <span aria-hidden="true">○</span>' in html
    assert f'<section class="week" aria-label="Week of {sunday + timedelta(days=1)}">' in html


def test_the_pain_page_shows_no_text_from_the_query_string(client: TestClient) -> None:
    """Issue 14: ``?screened=`` and ``?logged=`` put attacker-chosen words on the page. Now
    a form's redirect only names which form (``?done=``) and the words come from the store."""
    for query in ("screened=Call+0800+000+now", "logged=Call+0800+000+now", "done=Call+0800"):
        assert "0800" not in client.get(f"/pain?{query}").text
    posted = client.post("/pain/log", data={"nrs": "3", "when": "before"}, follow_redirects=True)
    assert posted.status_code == 200
    assert "Logged: pain 3/10 (before) on" in posted.text


def test_every_response_carries_the_security_headers(ro_client: TestClient) -> None:
    """Issue 14: no anti-framing or other security headers (an invisible frame stored an
    emergency screen). Every route of the app, the static files and a refusal carry them."""
    from tests.test_suspension_everywhere import WEB_QUERIES, web_routes

    paths = [p for m, p in web_routes() if m == "GET"]
    responses = [
        ro_client.get(p.replace("{activity_id}", "1") + WEB_QUERIES.get(p, "")) for p in paths
    ]
    responses.append(ro_client.get("/static/charts.js"))
    responses.append(ro_client.get("/api/load?weeks=0"))  # a 422
    responses.append(ro_client.get("/", headers={"host": "evil.example"}))  # the guard's 400
    for response in responses:
        headers = response.headers
        assert "frame-ancestors 'none'" in headers["content-security-policy"], response.url
        assert "script-src 'self'" in headers["content-security-policy"]
        assert headers["x-frame-options"] == "DENY"
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "same-origin"
        static = response.url.path.startswith("/static/")
        assert (headers.get("cache-control") == "no-store") is not static, response.url
