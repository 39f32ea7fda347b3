"""Every page on a 390 px phone, in Debian's chromium (issue 18): nothing wider than the
screen, no table hiding columns beyond its box, radio buttons beside their words; every
chart that compares amounts starts its axis at zero; a rule's colours are its outcomes'.

The pages are found from the app's routes (``page_walk``), every activity's page among
them, on the demo store of real device files. Screenshots go to tests/artifacts/web/phone/.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from backstride.service import colours
from tests.web.browser import ARTIFACTS, DESKTOP, PHONE, _browser_problem
from tests.web.conftest import DemoStore
from tests.web.page_walk import page_urls
from tests.web.test_browser import _charts

if (_problem := _browser_problem()) is not None:
    pytestmark = pytest.mark.skip(reason=_problem)

SHOTS = ARTIFACTS / "phone"

#: Charts whose value axis does not start at zero, and why: each shows how one runner's
#: measure moves around its own level (a zero would flatten every change), not amounts
#: compared with each other. Any other chart's every scale must start at zero.
NOT_FROM_ZERO: dict[str, str] = {
    "cadence-speed": "cadence against speed: the baseline's slope is the point",
    "trend-": "form measures per run (cadence, contact time, balance around 50 %)",
    "stream-": "one activity's samples over time (pace, heart rate, altitude ...)",
}


def _urls(server: str, demo_db: DemoStore) -> list[str]:
    ids = [a["id"] for a in httpx.get(f"{server}/api/activities", timeout=30).json()]
    return page_urls(ids, demo_db.as_of.isoformat())


def _slug(url: str) -> str:
    path = url.split("?")[0].strip("/") or "overview"
    return re.sub(r"[^a-z0-9]+", "-", path)


def test_every_page_fits_a_phone(server: str, page: Any, demo_db: DemoStore) -> None:
    page.set_viewport_size(PHONE)
    urls = _urls(server, demo_db)
    assert len(urls) >= 10 + 8  # ten pages, and the page of each of the 8 activities
    SHOTS.mkdir(parents=True, exist_ok=True)
    for url in urls:
        response = page.goto(f"{server}{url}")
        assert response.status == 200, url
        _charts(page)
        page.screenshot(path=str(SHOTS / f"{_slug(url)}.png"), full_page=True)
        width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1], (url, width)
        # No table keeps columns out of sight in a box scrolled sideways.
        hidden = page.eval_on_selector_all(
            ".table-wrap",
            "ws => ws.filter(w => w.scrollWidth > w.clientWidth + 1)"
            ".map(w => [w.querySelector('caption')?.textContent, w.scrollWidth, w.clientWidth])",
        )
        assert not hidden, (url, hidden)
        # A radio button sits beside its word, not across the line from it.
        apart = page.eval_on_selector_all(
            "label > input[type=radio], label > input[type=checkbox]",
            """inputs => inputs.filter(i => {
                const b = i.getBoundingClientRect(), l = i.parentElement.getBoundingClientRect();
                return b.width > 40 || l.height > 3 * b.height + 16;
            }).map(i => i.parentElement.textContent.trim())""",
        )
        assert not apart, (url, apart)
    page.set_viewport_size(DESKTOP)


def test_the_overflow_check_can_fail(server: str, page: Any) -> None:
    """The checks above see a wide table and a stretched radio button."""
    page.set_viewport_size(PHONE)
    page.goto(f"{server}/activities")
    page.add_style_tag(content="table.rows, table.rows tr, table.rows td { display: revert; }"
                       " table.rows td { white-space: nowrap; }")  # fmt: skip
    assert page.eval_on_selector(".table-wrap", "w => w.scrollWidth > w.clientWidth")
    page.goto(f"{server}/report")
    page.add_style_tag(content="form.stack fieldset label { display: block; }"
                       " form.stack input[type=radio] { width: 100%; }")  # fmt: skip
    assert page.eval_on_selector("input[type=radio]", "i => i.getBoundingClientRect().width") > 40
    page.set_viewport_size(DESKTOP)


def test_charts_comparing_amounts_start_at_zero(server: str, page: Any, demo_db: DemoStore) -> None:
    checked: dict[str, list[str]] = {}
    for url in _urls(server, demo_db):
        page.goto(f"{server}{url}")
        for name in _charts(page):
            scales = page.evaluate(
                """name => { const p = window.bsCharts[name]; if (!p) return null;
                   return Object.fromEntries(Object.entries(p.scales)
                     .filter(([k, s]) => k !== 'x' && s.min != null)
                     .map(([k, s]) => [k, s.min])); }""",
                name,
            )
            if scales is None or any(name.startswith(n) for n in NOT_FROM_ZERO):
                continue
            assert scales, (url, name, "no value axis")
            for scale, low in scales.items():
                assert low == 0, (url, name, scale, low)
            checked[name] = sorted(scales)
    # The quantity charts of the Load, Pain and Shoes pages were all among them.
    assert {"weekly-distance", "run-spikes", "acwr-fitness", "load-by-kind", "pain-load",
            "shoe-distance"} <= set(checked), checked  # fmt: skip
    assert checked["pain-load"] == ["km", "nrs"]
    assert checked["acwr-fitness"] == ["au", "ratio"]


def _rgb(hex_colour: str) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


def _legend(page: Any, chart: str) -> dict[str, list[str]]:
    """Each legend entry's words -> its marker's [fill, line] colours."""
    rows: list[list[str]] = page.eval_on_selector_all(
        f"#{chart} .u-legend .u-series",
        """rows => rows.map(r => { const m = r.querySelector('.u-marker');
           return [r.querySelector('.u-label').textContent,
                   m ? getComputedStyle(m).backgroundColor : '',
                   m ? getComputedStyle(m).borderLeftColor : '']; })""",
    )
    return {label.rstrip(":"): [fill, line] for label, fill, line in rows}


def test_a_rule_is_drawn_in_its_outcomes_colours(
    server: str, page: Any, demo_db: DemoStore
) -> None:
    page.goto(f"{server}/load?weeks=520&on={demo_db.as_of.isoformat()}")
    _charts(page)
    assert page.evaluate("JSON.parse(document.getElementById('palette').textContent)") == (
        colours.palette()
    )
    legend = _legend(page, "weekly-distance")
    steep = next(label for label in legend if label.startswith("week km, L2 steep"))
    assert legend[steep][0] == _rgb(colours.outcome_colour("L2", "steep"))
    assert legend["week km"][0] == _rgb(colours.NEUTRAL)
    spikes = _legend(page, "run-spikes")
    words = {"ok": "fine", "caution": "small", "high": "moderate", "very_high": "large",
             "after_break": "after a break", "first": "first run"}  # fmt: skip
    for outcome, word in words.items():
        label = next(label for label in spikes if word in label)
        assert spikes[label][1] == _rgb(colours.outcome_colour("L1", outcome)), label
    # Red is a red flag's: no outcome of L1 or L2 is drawn in it.
    drawn = {c for entry in (*legend.values(), *spikes.values()) for c in entry}
    assert _rgb(colours.RED_FLAG) not in drawn


def test_the_balance_chart_draws_the_f3_limit_on_either_side(server: str, page: Any) -> None:
    """The ground contact balance stream has F3's limit from the catalogue as two dashed
    lines (issue 18: the text cited a limit the chart did not show)."""
    from backstride.service.thresholds import catalogue_thresholds

    limit = catalogue_thresholds()["F3"]["limit_pct"]
    found = []
    for activity in httpx.get(f"{server}/api/activities", timeout=30).json():
        streams = httpx.get(f"{server}/api/activities/{activity['id']}/streams", timeout=30)
        if "stance_time_balance_left_pct" not in streams.json()["channels"]:
            continue
        page.goto(f"{server}/activities/{activity['id']}")
        _charts(page)
        lines = page.evaluate(
            """() => { const p = window.bsCharts['stream-stance_time_balance_left_pct'];
               return p.series.slice(2).map((s, i) => [s.label, p.data[i + 2][0],
                 p.data[i + 2][p.data[i + 2].length - 1]]); }"""
        )
        assert [(first, last) for _, first, last in lines] == [
            (limit, limit),
            (100 - limit, 100 - limit),
        ]
        assert all(f"F3 limit {round(v, 1):g}%" == label for label, v, _ in lines)
        found.append(activity["id"])
    assert found, "no activity of the demo has a balance stream"
