"""One colour, one meaning (issue 18): the palette is defined once (service/colours.py),
a rule's outcome is drawn in its severity's colour on the dashboard and in the report,
and red is a red flag's only. The browser half is tests/web/test_phone.py."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from backstride.report import charts as report_charts
from backstride.report.render import _charts, _spike_colour
from backstride.rules.catalogue import CATALOGUE
from backstride.service import colours
from backstride.service.report_data import build_report
from backstride.store import open_store
from tests.web.conftest import DemoStore

SRC = Path(__file__).resolve().parents[2] / "src" / "backstride"
HEX = re.compile(r"#[0-9a-fA-F]{6}\b|#[0-9a-fA-F]{3}\b")


def test_each_severity_has_its_own_colour_and_red_is_for_red_flags() -> None:
    severities = colours.SEVERITY_COLOURS
    assert len(set(severities.values())) == len(severities)
    assert colours.RED_FLAG not in severities.values()
    assert colours.NEUTRAL not in severities.values()
    assert set(severities) == set(colours.SEVERITY_ORDER)


def test_every_outcome_is_drawn_in_its_severitys_colour() -> None:
    table = colours.rule_colours()
    for rule in CATALOGUE.values():
        for name, outcome in rule.outcomes.items():
            assert table[rule.id][name] == colours.SEVERITY_COLOURS[outcome.severity]
    # Issue 18: red meant L2 on the Load page and L1 in the report; both now say caution
    # (and more) in the same colours.
    assert table["L2"]["steep"] == table["L1"]["caution"] == colours.SEVERITY_COLOURS["caution"]


def test_the_scripts_and_the_stylesheet_restate_no_colour_of_the_palette() -> None:
    script = (SRC / "web" / "static" / "charts.js").read_text(encoding="utf-8")
    assert set(HEX.findall(script)) <= {"#fff"}, HEX.findall(script)  # white: hollow marks
    meaning = {c.lower() for c in (*colours.SEVERITY_COLOURS.values(), colours.RED_FLAG,
                                   *colours.LIGHT_COLOURS.values(), colours.NEUTRAL)}  # fmt: skip
    for path in (SRC / "web" / "static" / "app.css", SRC / "report" / "charts.py"):
        found = {c.lower() for c in HEX.findall(path.read_text(encoding="utf-8"))}
        assert not found & meaning, (path.name, found & meaning)


def test_the_report_draws_a_spike_week_in_its_spikes_colour(demo_db: DemoStore) -> None:
    with open_store(demo_db.url) as store:
        data = build_report(store, start=date(2015, 8, 1), end=demo_db.as_of)
    assert data.spikes, "the demo's runs have L1 spikes"
    km = str(_charts(data)["km"])
    fills = set(re.findall(r'<rect [^>]*fill="(#[0-9a-f]{6})"', km))
    expected = {_spike_colour(data, w.monday) for w in data.weeks} - {None}
    assert expected
    assert expected <= fills
    assert fills <= {colours.NEUTRAL, *colours.rule_colours()["L1"].values()}
    assert colours.RED_FLAG not in km
    worst = max(data.spikes, key=lambda s: colours.SEVERITY_ORDER.index(s.severity))
    assert colours.outcome_colour("L1", worst.outcome) in fills


def test_report_amounts_start_at_zero() -> None:
    """Bars and the pain line are drawn from zero whatever the values (the Pain chart's km
    axis once started at 27.5): the lowest tick is 0 at the baseline."""
    values = [27.5, 31.0, 35.2]
    for svg in (
        report_charts.bar_chart(["a", "b", "c"], values, title="t", unit="km"),
        report_charts.line_chart(["a", "b", "c"], [3.0, 4.0, 5.0], title="t", unit="NRS"),
    ):
        ticks = re.findall(
            r'<text x="[0-9.]+" y="([0-9.]+)"[^>]*text-anchor="end"[^>]*>([0-9.]+)<', str(svg)
        )
        lowest = max(ticks, key=lambda t: float(t[0]))  # lowest on the page: largest y
        assert float(lowest[1]) == 0.0, ticks
    svg = str(
        report_charts.threshold_bars(
            ["a", "b"], [400.0, 800.0], title="t", unit="km", thresholds=[(480, "i", "#000000")]
        )
    )
    widths = [float(w) for w in re.findall(r'<rect [^>]*width="([0-9.]+)"', svg)]
    assert abs(widths[1] / widths[0] - 2.0) < 0.01  # twice the distance, twice the bar
