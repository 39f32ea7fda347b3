"""One judgment, one place (issue 13): for the same store and day, every surface names the
same rules with the same severities and numbers.

``status`` on a day is the assessment; every other view must show what it says:

- the CLI's ``status --json`` and ``/api/status`` are the same object, and the Overview page
  shows each of its findings and lights;
- each week of ``load --json``, ``/api/load``, ``/api/load/chart`` and ``report --json``
  carries L2's verdict equal to the L2 finding of ``status`` on that week's last day, and the
  chart's red bars are exactly the weeks that verdict makes a caution or more;
- each run on the load chart and each spike of the report has the L1 verdict ``status``
  gives that run on its own day;
- ``pain``, ``form`` and the report's findings are ``status``'s findings of those rules;
- each pair's S1 verdict carries the distance and marks ``shoes --on`` and ``/api/shoes``
  give as of the day, and the Shoes page shows the same verdicts;
- the plan's CLI and API objects agree.

A view that recomputes a verdict instead of reading the rules' assessment disagrees with
``status`` somewhere in these histories and fails here. The histories are real device files
(every day of a range) and generated ones (hypothesis) with known spikes, steep weeks, pain
diaries, shoes and cross-training.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from backstride import service
from backstride.cli.app import app as cli_app
from backstride.model import Gear
from backstride.store import Store, open_store, transaction
from backstride.store import activities as activity_rows
from backstride.store.athletes import get_or_create_athlete
from tests.conftest import make_activity
from tests.web.conftest import DemoStore, client_for

WEEKS = 8


def _seen(html: str) -> str:
    """A page's words as read: tags dropped (a term's tooltip wraps a word in a message)."""
    return unescape(re.sub(r"<[^>]+>", "", html))


def _cli(url: str, *args: str) -> Any:
    result = CliRunner().invoke(cli_app, ["--db", url, *args])
    assert result.exit_code == 0, (args, result.output)
    return json.loads(result.stdout)


_STATUS: dict[tuple[str, date], dict[str, Any]] = {}


def _status_on(store: Store, day: date) -> dict[str, Any]:
    """``status --json --on day`` (kept per store and day: the store does not change)."""
    key = (str(store.engine.url), day)
    if key not in _STATUS:
        _STATUS[key] = service.get_status(store, as_of=day).to_json()
    return _STATUS[key]


def _rounded(value: Any) -> Any:
    """The report's JSON rounds its numbers to 4 decimals: the same numbers, as printed."""
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


def _by_rule(findings: list[dict[str, Any]], *rules: str) -> list[dict[str, Any]]:
    """The findings of these rules, without status's "why" (the catalogue's, not a verdict)."""
    return [{k: v for k, v in f.items() if k != "why"} for f in findings if f["rule"] in rules]


def l2_change_label_of(finding: dict[str, Any]) -> str:
    """How the week tables must word a status L2 finding's change (stated here apart from
    service.load.l2_change_label, so a table that words it otherwise fails)."""
    change = finding["values"]["change"]
    if finding["outcome"] == "no_running":
        return "no running"
    if isinstance(change, float) and abs(change) != float("inf"):
        return f"{change:+.0%}"
    return "restart"


def _l2_of_status(store: Store, day: date, cache: dict[date, Any]) -> dict[str, Any] | None:
    """L2's finding in ``status --on day`` as the week tables show it."""
    if day not in cache:
        found = _by_rule(_status_on(store, day)["findings"], "L2")
        assert len(found) <= 1
        cache[day] = None
        if found:
            f = found[0]
            cache[day] = {
                "date": f["date"],
                "outcome": f["outcome"],
                "severity": f["severity"],
                "change": f["values"]["change"],
                "change_label": l2_change_label_of(f),
                "run_7d_m": f["values"]["run_7d_m"],
                "run_prev_7d_m": f["values"]["run_prev_7d_m"],
                "message": f["message"],
            }
    return cache[day]


def check_day(url: str, day: date) -> int:
    """Every surface against ``status`` on ``day``; returns how many verdicts were compared."""
    compared = 0
    on = day.isoformat()
    with open_store(url) as store:
        status = _status_on(store, day)
        cli_status = _cli(url, "status", "--json", "--on", on)
        l2_cache: dict[date, Any] = {}
        with client_for(url) as client:
            api_status = client.get(f"/api/status?on={on}").json()
            # 1. status: CLI == API == the service's assessment; the page shows it.
            assert cli_status == status
            assert api_status == status
            page = _seen(client.get(f"/?on={on}").text)
            for finding in status["findings"]:
                assert finding["message"] in page, finding["rule"]
            for light in status["practices"].values():
                assert light["word"] in page
            compared += len(status["findings"])

            # 2. week tables: each week's L2 is status's L2 on the week's last day.
            cli_load = _cli(url, "load", "--json", "--on", on, "--weeks", str(WEEKS))
            api_load = client.get(f"/api/load?on={on}&weeks={WEEKS}").json()
            chart = client.get(f"/api/load/chart?on={on}&weeks={WEEKS}").json()
            assert cli_load == api_load
            for week, drawn in zip(cli_load["weeks"], chart["weeks"], strict=True):
                last = min(date.fromisoformat(week["week_start"]) + timedelta(days=6), day)
                expected = _l2_of_status(store, last, l2_cache)
                assert week["l2"] == expected, (week["week_start"], week["l2"], expected)
                assert drawn["l2"] == expected
                red = expected is not None and expected["severity"] not in ("info", "ok")
                assert drawn["l2_flag"] is red
                compared += 1

            # 3. each run on the chart: L1 as status gives it on the run's own day.
            for run in chart["runs"]:
                run_day = date.fromisoformat(run["date"])
                l1 = [
                    f
                    for f in _by_rule(_status_on(store, run_day)["findings"], "L1")
                    if f["activity_id"] == run["activity_id"]
                ]
                assert len(l1) == 1, run
                assert (l1[0]["outcome"], l1[0]["severity"]) == (run["l1"], run["severity"])
                assert l1[0]["message"] == run["message"]
                compared += 1

            # 4. pain and form: their findings are status's findings of those rules.
            pain = client.get(f"/api/pain?on={on}").json()
            pain_rules = {f["rule"] for f in pain["findings"]}
            assert pain["findings"] == _by_rule(status["findings"], *pain_rules)
            form = client.get(f"/api/form?on={on}").json()
            form_rules = {f["rule"] for f in form["findings"]}
            assert form_rules <= {"F1", "F2", "F3", "F4"}
            assert form["findings"] == _by_rule(status["findings"], *form_rules)
            compared += len(pain["findings"]) + len(form["findings"])

            # 5. shoes: each pair's S1 verdict in status has the distance and marks the
            # shoes list gives as of the same day; the Shoes page shows the same verdicts.
            cli_shoes = _cli(url, "shoes", "--json", "--on", on)
            api_shoes = client.get(f"/api/shoes?on={on}").json()
            assert cli_shoes == api_shoes
            pairs = {p["id"]: p for p in api_shoes}
            shoes_page = _seen(client.get(f"/shoes?on={on}").text)
            for finding in _by_rule(status["findings"], "S1", "S2"):
                assert finding["message"] in shoes_page
                if finding["rule"] == "S1" and finding["values"].get("shoe_id") is not None:
                    pair = pairs[finding["values"]["shoe_id"]]
                    assert pair["distance_m"] == round(finding["values"]["distance_m"], 1)
                    assert pair["replace_at_m"] == finding["values"]["replace_km"] * 1000
                    assert pair["inspect_at_m"] == finding["values"]["inspect_km"] * 1000
                compared += 1

            # 6. the plan: the CLI's object is the API's.
            api_plan = client.get(f"/api/plan?on={on}&weeks=2").json()
        cli_plan = _cli(url, "plan", "--json", "--on", on, "--weeks", "2")
        assert cli_plan == api_plan

        # 7. the report: its findings are status's on its last day, its weeks the load
        # weeks' verdicts, its spikes the chart's L1 verdicts.
        start = day - timedelta(weeks=WEEKS) + timedelta(days=1)
        report = _cli(url, "report", "--json", "--from", start.isoformat(), "--to", on)
        assert report["findings"] == _by_rule(
            status["findings"], *{f["rule"] for f in status["findings"]}
        )
        for week in report["weeks"]:
            last = min(date.fromisoformat(week["monday"]) + timedelta(days=6), day)
            assert week["l2"] == _rounded(_l2_of_status(store, last, l2_cache)), week["monday"]
            compared += 1
        drawn_runs = {r["activity_id"]: r for r in chart["runs"]}
        for spike in report["spikes"]:
            run = drawn_runs.get(spike["activity_id"])
            if run is None:  # a run of the period before the chart's first week
                continue
            assert (spike["outcome"], spike["severity"]) == (run["l1"], run["severity"])
            compared += 1
    return compared


# -- real device files, every day of a range -------------------------------------------------


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> DemoStore:
    from tests.web.conftest import _fill

    return _fill(tmp_path_factory.mktemp("consistency") / "demo")


def test_every_surface_agrees_on_real_files_for_every_day(real: DemoStore) -> None:
    """The bundled real files with their diary and two pairs of shoes, each day of the two
    weeks up to the newest run (spikes after breaks, pain, shoes near their marks)."""
    compared = sum(check_day(real.url, real.as_of - timedelta(days=k)) for k in range(14))
    assert compared > 100


# -- generated histories -----------------------------------------------------------------------

MONDAY = date(2026, 3, 2)


@st.composite
def histories(draw: st.DrawFn) -> dict[str, Any]:
    """Runs with steady weeks, a steep week and a long-run spike; other sport and strength;
    a pain diary around some runs; two pairs of shoes."""
    base = draw(st.floats(4000, 9000))
    runs: list[tuple[int, float]] = []
    for week in range(6):
        factor = draw(st.sampled_from([1.0, 1.0, 1.1, 1.45, 0.6]))
        for day in draw(st.sets(st.integers(0, 6), min_size=1, max_size=4)):
            runs.append((week * 7 + day, base * factor))
    spike_day = draw(st.integers(20, 41))
    runs.append((spike_day, base * draw(st.sampled_from([1.05, 1.2, 1.6, 2.3]))))
    other = [
        (d, kind)
        for d, kind in draw(
            st.lists(st.tuples(st.integers(0, 41), st.sampled_from(["cycling", "training"])),
                     max_size=6)
        )
    ]  # fmt: skip
    pain = draw(
        st.lists(
            st.tuples(
                st.integers(0, 41),
                st.integers(0, 9),
                st.sampled_from(["before", "during", "after", "next_morning"]),
            ),
            max_size=12,
        )
    )
    days = draw(st.lists(st.integers(14, 41), min_size=1, max_size=2, unique=True))
    return {"runs": runs, "other": other, "pain": pain, "days": days}


def _build(url: str, history: dict[str, Any]) -> None:
    with open_store(url) as store:
        with transaction(store) as conn:
            athlete = get_or_create_athlete(conn).id
            for k, (offset, distance) in enumerate(sorted(history["runs"])):
                day = MONDAY + timedelta(days=offset)
                start = datetime(day.year, day.month, day.day, 6 + k % 12, tzinfo=UTC)
                activity = make_activity(
                    start=start.isoformat(), seconds=int(distance / 3.0), utc_offset_s=0
                )
                activity_rows.add_activity(
                    conn, athlete, activity, source_name=f"r{k}.fit", imported_at=start
                )
            for k, (offset, sport) in enumerate(history["other"]):
                day = MONDAY + timedelta(days=offset)
                start = datetime(day.year, day.month, day.day, 19, k, tzinfo=UTC)
                activity = make_activity(
                    sport=sport, start=start.isoformat(), seconds=2400, utc_offset_s=0
                )
                activity_rows.add_activity(
                    conn, athlete, activity, source_name=f"o{k}.fit", imported_at=start
                )
        service.add_shoe(store, Gear(name="Old pair", initial_distance_m=460_000.0))
        service.add_shoe(store, Gear(name="New pair"))
        runs = [a for a in service.list_activities(store) if a.activity.sport == "running"]
        for k, run in enumerate(runs):
            service.assign_shoe(store, run.id, "Old pair" if k % 3 else "New pair")
        last = MONDAY + timedelta(days=45)
        for offset, nrs, moment in history["pain"]:
            service.log_pain(
                store, nrs, moment=moment, day=MONDAY + timedelta(days=offset), today=last
            )


@pytest.fixture(scope="module")
def empty_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("generated") / "empty.db"
    store = open_store(f"sqlite:///{path}")
    store.close()
    return path


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=histories())
def test_every_surface_agrees_on_generated_histories(
    empty_db: Path, tmp_path: Path, history: dict[str, Any]
) -> None:
    target = tmp_path / f"h{abs(hash(json.dumps(history, sort_keys=True)))}.db"
    shutil.copy(empty_db, target)
    url = f"sqlite:///{target}"
    _build(url, history)
    for offset in history["days"]:
        assert check_day(url, MONDAY + timedelta(days=offset)) > 0


def test_the_suite_fails_for_a_view_that_recomputes(
    real: DemoStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A week table that judged L2 its own way (the old "vs two weeks before") is caught."""
    from backstride.service import load as load_service

    original = load_service.l2_view

    def own_way(finding: Any) -> dict[str, Any] | None:
        shown = original(finding)
        if shown is not None:
            shown = {**shown, "severity": "caution" if shown["severity"] == "ok" else "ok"}
        return shown

    monkeypatch.setattr(load_service, "l2_view", own_way)
    with pytest.raises(AssertionError):
        check_day(real.url, real.as_of)


def _iter_days(first: date, last: date) -> Iterator[date]:
    while first <= last:
        yield first
        first += timedelta(days=1)
