"""Changing one catalogue value changes every surface (issue 13): the finding's message and
verdict, the CLI's words, the dashboard's pages and the clinician report all follow a
threshold set in a test, since none of them keeps its own copy of the number.

One store of synthetic runs (tests.conftest.make_activity) is judged on one day with the
catalogue as it is, then with one threshold changed (``set_threshold``):

- S1 ``replace_km`` 800 -> 700: a pair at about 763 km goes from "inspect" to "replace";
- L2 ``flag_above`` 0.30 -> 0.25: a week up 27% goes from "moderate" (ok) to "steep" (caution);
- C1 ``min_sessions`` 2 -> 3 (and ``max_sessions`` 3 -> 4, the aim's range): two core
  sessions go from "enough" (ok) to "low" (caution).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from types import MappingProxyType

import pytest
from typer.testing import CliRunner

from backstride import service
from backstride.cli.app import app as cli_app
from backstride.model import Gear
from backstride.report.render import render_html
from backstride.rules.catalogue import CATALOGUE
from backstride.rules.finding import Finding
from backstride.store import Store, open_store, transaction
from backstride.store import activities as rows
from backstride.store.athletes import get_or_create_athlete
from tests.conftest import make_activity
from tests.web.conftest import client_for

DAY = date(2026, 3, 22)  # a Sunday


def set_threshold(monkeypatch: pytest.MonkeyPatch, rule_id: str, **values: float) -> None:
    """Give a catalogue rule other threshold values for one test (undone afterwards).

    Rules are frozen and every module holds the same rule object, so its ``thresholds``
    mapping is replaced on that object: whatever reads the catalogue reads the new value.
    """
    rule = CATALOGUE[rule_id]
    assert set(values) <= set(rule.thresholds), values
    new = MappingProxyType({**rule.thresholds, **values})
    monkeypatch.setitem(rule.__dict__, "thresholds", new)


def _fill(store: Store) -> None:
    """Seven days of 2.0 km runs, then seven days of runs 27% longer in total (L1 ok: each
    run only 6% longer), all in one pair that had 740 km before; two core sessions."""
    days = [(DAY - timedelta(days=d), 2000.0) for d in range(13, 7, -1)][:5]
    days += [(DAY - timedelta(days=d), 12_700.0 / 6) for d in range(5, -1, -1)]
    with transaction(store) as conn:
        athlete_id = get_or_create_athlete(conn).id
        ids = []
        for day, distance in days:
            start = datetime(day.year, day.month, day.day, 7, tzinfo=UTC).isoformat()
            activity = make_activity(start=start, seconds=int(distance / 3.0), utc_offset_s=0)
            ids.append(
                rows.add_activity(
                    conn, athlete_id, activity, source_name="x.fit", imported_at=datetime.now(UTC)
                )
            )
    service.add_shoe(store, Gear(name="Pegasus", initial_distance_m=740_000.0))
    for activity_id in ids:
        service.assign_shoe(store, activity_id, "Pegasus")
    for back in (1, 4):
        service.log_done(store, "core", day=DAY - timedelta(days=back), minutes=20, today=DAY)


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("thresholds") / "t.db"
    with open_store(f"sqlite:///{path}", upgrade_schema=True) as store:
        _fill(store)
    return f"sqlite:///{path}"


def _finding(url: str, rule: str) -> Finding:
    with open_store(url) as store:
        found = [f for f in service.get_status(store, as_of=DAY).findings if f.rule == rule]
    assert len(found) == 1, found
    return found[0]


def _cli(url: str, *args: str) -> str:
    result = CliRunner().invoke(cli_app, ["--db", url, *args])
    assert result.exit_code == 0, result.output
    return " ".join(result.stdout.replace("│", " ").split())  # Rich wraps long lines


def _page(url: str, path: str) -> str:
    with client_for(url) as client:
        response = client.get(f"{path}?on={DAY}")
    assert response.status_code == 200, response.text
    return " ".join(response.text.split())


def _report(url: str) -> str:
    with open_store(url) as store:
        data = service.build_report(store, start=DAY - timedelta(days=27), end=DAY)
    return " ".join(render_html(data).split())


def _says(text: str, message: str) -> bool:
    return " ".join(message.split()) in text


def test_the_shoe_limit_changes_the_verdict_and_every_words(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _finding(url, "S1")
    assert "past 480 km: inspect" in before.message
    assert "past 480 km" in _cli(url, "status", "--on", str(DAY))
    assert "consider replacing at 800 km" in _cli(url, "shoes")
    assert "replace at 800 km" in _report(url)

    set_threshold(monkeypatch, "S1", replace_km=700.0)
    after = _finding(url, "S1")
    assert after.message.endswith("km, past 700 km: consider replacing it.")
    assert after.values["replace_km"] == 700.0
    assert _says(_cli(url, "status", "--on", str(DAY)), after.message)
    assert "consider replacing at 700 km" in _cli(url, "shoes")
    assert _says(_page(url, "/"), after.message)
    assert "replace at 700 km" in _report(url)
    assert "800 km" not in _report(url)


def test_the_weekly_limit_changes_the_verdict_and_every_words(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _finding(url, "L2")
    assert before.severity == "ok"
    assert before.values["change"] == pytest.approx(0.27, abs=0.005)
    assert "within 30%" in before.message
    assert "more than +30% is a caution" in _cli(url, "load", "--on", str(DAY))
    report = _report(url)
    assert "L2 caution weeks</th><td><b>0</b>" in report
    assert "flags a week more than 30% above the week before" in report
    assert _says(_page(url, "/load"), before.message)  # the week's L2 verdict, with its words

    set_threshold(monkeypatch, "L2", flag_above=0.25)
    after = _finding(url, "L2")
    assert after.severity == "caution"
    assert "up 27% on the 7 days before" in after.message
    assert "more than 25%, which tended" in after.message
    assert _says(_cli(url, "status", "--on", str(DAY)), after.message)
    assert "more than +25% is a caution" in _cli(url, "load", "--on", str(DAY))
    overview = _page(url, "/")
    assert _says(overview, after.message)
    load = _page(url, "/load")
    assert _says(load, after.message)
    assert 'class="badge sev-caution"' in load
    assert '"flag_above_pct": 25.0' in load  # the scripts' labels read the embedded value
    report = _report(url)
    assert "L2 caution weeks</th><td><b>1</b>: week of 16 Mar" in report
    assert "flags a week more than 25% above the week before" in report


def test_the_core_aim_changes_the_verdict_and_every_words(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _finding(url, "C1")
    assert (before.severity, before.values["sessions"]) == ("ok", 2)
    assert "(aim: 2-3)" in before.message

    set_threshold(monkeypatch, "C1", min_sessions=3, max_sessions=4)
    after = _finding(url, "C1")
    assert after.severity == "caution"
    assert "aim for 3-4 a week" in after.message
    assert _says(_cli(url, "status", "--on", str(DAY)), after.message)
    assert _says(_page(url, "/"), after.message)
    assert re.search(r"aim 3-4", _cli(url, "plan", "--review", "--on", str(DAY)))


@pytest.fixture(autouse=True)
def _no_stale_catalogue() -> Iterator[None]:
    """Each test starts from the catalogue as written (monkeypatch undoes the change)."""
    yield
    assert CATALOGUE["S1"].thresholds["replace_km"] == 800.0
