"""As of, everywhere (issue 13), on the store of real device files (tests/web/conftest.py):
``shoes --on`` and ``pain --on`` count up to the day, and agree with ``status`` and the API;
every page keeps ``?on=`` in its links, forms and redirects (Report and Import included).

The demo store's runs (real files) and shoes: Pegasus (470 km before backstride) wore the runs
of 2015-08-15 (9008.22 m), 2018-06-14 (5383.19 m), 2019-01-29 and 2020-12-10; Ghost the run
of 2023-09-02. Its diary: 2023-09-02 before (2) and after (3) the run, 2023-09-03 next
morning (4).
"""

from __future__ import annotations

import json
from html.parser import HTMLParser
from typing import Any

import pytest
from starlette.testclient import TestClient

from backstride.web.render import NAV
from tests.cli_runs import cli
from tests.conftest import DATA
from tests.web.conftest import DemoStore

PEGASUS_BY_2018_06_14 = 470_000.0 + 9008.22 + 5383.19  # 484.39 km: past S1's 480 km


def _json(db: str, *args: str) -> Any:
    result = cli(db, *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _by_name(shoes: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {s["name"]: s for s in shoes}


def test_shoes_on_counts_each_pair_up_to_that_day(demo_db: DemoStore) -> None:
    before = _by_name(_json(demo_db.url, "shoes", "--on", "2018-06-13"))
    on = _by_name(_json(demo_db.url, "shoes", "--on", "2018-06-14"))
    now = _by_name(_json(demo_db.url, "shoes"))
    assert before["Pegasus"]["distance_m"] == pytest.approx(470_000.0 + 9008.22, abs=0.1)
    assert before["Pegasus"]["activities"] == 1
    assert on["Pegasus"]["distance_m"] == pytest.approx(PEGASUS_BY_2018_06_14, abs=0.1)
    assert on["Pegasus"]["activities"] == 2
    assert (on["Ghost"]["distance_m"], on["Ghost"]["activities"]) == (0.0, 0)
    assert now["Pegasus"]["activities"] == 4
    assert now["Ghost"]["activities"] == 1


def test_shoes_on_agrees_with_the_s1_light_of_that_day(demo_db: DemoStore) -> None:
    shoes = _by_name(_json(demo_db.url, "shoes", "--on", "2018-06-14"))
    status = _json(demo_db.url, "status", "--on", "2018-06-14")
    (s1,) = [f for f in status["findings"] if f["rule"] == "S1"]
    assert s1["values"]["shoe_id"] == shoes["Pegasus"]["id"]
    assert s1["values"]["distance_m"] == pytest.approx(shoes["Pegasus"]["distance_m"], abs=0.1)
    assert s1["severity"] == "caution"  # inspect: 484 km is past 480


def test_the_shoes_page_table_chart_and_light_say_the_same_distance(
    ro_client: TestClient, demo_db: DemoStore
) -> None:
    html = ro_client.get("/shoes", params={"on": "2018-06-14"}).text
    chart = json.loads(html.split('id="shoe-data">', 1)[1].split("</script>", 1)[0])
    pegasus = _by_name(chart["shoes"])["Pegasus"]
    assert pegasus["distance_m"] == pytest.approx(PEGASUS_BY_2018_06_14, abs=0.1)
    row = (
        '<td data-label="name">Pegasus</td><td data-label="km">484</td><td data-label="runs">2</td>'
    )
    assert row in html  # the table (km, runs)
    assert "Pegasus: 484 km" in html  # the light
    api = ro_client.get("/api/shoes", params={"on": "2018-06-14"}).json()
    assert api == _json(demo_db.url, "shoes", "--on", "2018-06-14")


def test_pain_on_is_the_overview_as_of_that_day(ro_client: TestClient, demo_db: DemoStore) -> None:
    day_before = _json(demo_db.url, "pain", "--on", "2023-09-02")
    after = _json(demo_db.url, "pain", "--on", "2023-09-03")
    assert day_before["as_of"] == "2023-09-02"
    assert [e["date"] for e in day_before["entries"]] == ["2023-09-02", "2023-09-02"]
    assert [e["nrs"] for e in after["entries"]] == [2, 3, 4]
    # The next-morning 4 counts in the trend only from its day on.
    assert [w["mean_nrs"] for w in day_before["weekly_morning_mean"]][-1] is None
    assert [w["mean_nrs"] for w in after["weekly_morning_mean"]][-1] == 4.0
    api = ro_client.get("/api/pain", params={"on": "2023-09-02"}).json()
    assert api == day_before


def test_pain_shows_every_week_asked_for(ro_client: TestClient, demo_db: DemoStore) -> None:
    data = _json(demo_db.url, "pain", "--weeks", "40", "--on", "2023-09-10")
    assert len(data["weekly_morning_mean"]) == 40
    assert data["weekly_morning_mean"][0]["week_start"] == "2022-12-05"
    text = cli(demo_db.url, "pain", "--weeks", "40", "--on", "2023-09-10").stdout
    assert "from 2022-12-05" in text
    assert "from 2023-06-05" in text  # the second line: weeks 27 to 40
    line = next(x for x in text.splitlines() if "from 2023-06-05" in x)
    assert line.split()[-14:] == ["-"] * 12 + ["4.0", "-"]
    api = ro_client.get("/api/pain", params={"weeks": "40", "on": "2023-09-10"}).json()
    assert len(api["weekly_morning_mean"]) == 40


def test_pain_weeks_beyond_the_limit_are_refused_naming_it(ro_client: TestClient) -> None:
    result = cli("sqlite:///unused.db", "pain", "--weeks", "521")
    assert result.exit_code == 2
    assert "520" in result.output
    r = ro_client.get("/api/pain", params={"weeks": "521"})
    assert r.status_code == 422
    assert r.json()["detail"].startswith("weeks: ")
    assert "520" in r.json()["detail"]


class _Targets(HTMLParser):
    """Every link and form of a page: (kind, target, hidden inputs and values inside)."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.forms: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("href", "").startswith("/"):
            self.links.append(a["href"])
        elif tag == "form":
            self.forms.append((a.get("action", ""), {}))
        elif tag == "input" and self.forms and "name" in a:
            self.forms[-1][1][a["name"]] = a.get("value", "")


def _parsed(html: str) -> _Targets:
    parser = _Targets()
    parser.feed(html)
    return parser


ON = "2023-09-03"
PAGES = [*(path for path, _ in NAV), "/activities/4"]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_keeps_on_in_its_links_and_forms(ro_client: TestClient, path: str) -> None:
    r = ro_client.get(path, params={"on": ON})
    assert r.status_code == 200, r.text
    page = _parsed(r.text)
    pages = [h for h in page.links if not h.startswith(("/api/", "/static/"))]
    assert pages, "a page links to the others"
    for href in pages:
        assert f"on={ON}" in href, (path, href)
    for action, inputs in page.forms:
        if action == "/api/report":  # a download: the period carries the day
            assert inputs["to"] == ON
        else:
            assert f"on={ON}" in action or inputs.get("on") == ON, (path, action)


def test_the_report_page_period_ends_on_the_day(ro_client: TestClient) -> None:
    forms = dict(_parsed(ro_client.get("/report", params={"on": ON}).text).forms)
    period = forms["/api/report"]
    assert (period["from"], period["to"]) == ("2023-06-12", ON)  # 12 Monday-Sunday weeks


def test_an_import_keeps_on(client: TestClient) -> None:
    run = DATA / "fit" / "workoutizer__run_with_coordinates.fit"
    r = client.post("/import", params={"on": ON}, files=[("files", (run.name, run.read_bytes()))])
    assert r.status_code == 200, r.text
    page = _parsed(r.text)
    assert f"/activities?on={ON}" in page.links  # "See the activities"
    assert (f"/import?on={ON}", {}) in [(a, {}) for a, _ in page.forms]


def test_a_pain_form_redirects_to_the_same_day(client: TestClient) -> None:
    r = client.post(
        "/pain/log",
        params={"on": "2020-12-10"},
        data={"nrs": "2", "date": "2020-12-10"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert "on=2020-12-10" in r.headers["location"]


def _cli_commands_with_on() -> list[list[str]]:
    import typer

    from backstride.cli.app import app

    found: list[list[str]] = []

    def walk(command: Any, path: list[str]) -> None:
        if any("--on" in getattr(p, "opts", ()) for p in command.params):
            found.append(path)
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, [*path, name])

    walk(typer.main.get_command(app), [])
    return found


def test_every_command_with_on_has_an_api_object_taking_on(ro_client: TestClient) -> None:
    paths = ro_client.get("/api/openapi.json").json()["paths"]
    commands = _cli_commands_with_on()
    assert ["shoes"] in commands
    assert ["pain"] in commands
    for command in commands:
        path = "/api/" + "/".join(command)
        names = [p["name"] for p in paths[path]["get"].get("parameters", [])]
        assert "on" in names, path
