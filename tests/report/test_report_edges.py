"""The report's dates, sources and empty periods (issue 13), on the real-file store of
``test_report.py`` (its fixture): created is the day the report is made, apart from the
period; the sources page lists exactly the rules the report cites; an empty period says where
the runs are."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest

from backstride.report import build_report, render_html
from backstride.rules.catalogue import CATALOGUE
from backstride.service.clock import local_today
from tests.cli_runs import cli
from tests.report.test_report import END, START, Stored
from tests.report.test_report import stored as stored  # the module's fixture, shared

#: Worked out by hand from the store of test_report.py for 21 May - 8 Jul 2018, in the order
#: the report cites them: the screen's heading (R1-R3); P4 on the morning-pain trend
#: (5.0 -> 2.5); L1/L2 (spikes, weeks), S1 (shoes), C1 and X1 (core, cross-training) on
#: page 1; P5 for the two ODI scores; the pain rules P1, P3 (P4 again); S2 under the shoe
#: chart; then the findings that are more than context on 8 July: C1 (caution), P8, S1, P5,
#: F3 and R1 (ok). No form comparison (one half only), so no F1/F2; no RMDQ or STarT Back.
CITED = ["R1", "R2", "R3", "P4", "L1", "L2", "S1", "C1", "X1", "P5", "P1", "P3", "S2", "P8", "F3"]

RULE_ID = re.compile(r"\b(RTR|[A-Z][0-9])\b")


def _cited_in_text(html: str) -> set[str]:
    """Rule ids the report's text names before its sources page (tags stripped)."""
    body = re.sub(r"<[^>]+>", " ", html.split('id="sources"')[0])
    return set(RULE_ID.findall(body)) & set(CATALOGUE)


def _sources(html: str) -> list[str]:
    table = html.split('id="sources"')[1]
    return re.findall(r"<tr><td>(RTR|[A-Z][0-9])</td>", table)


def test_created_is_the_day_the_report_is_made_not_the_period_end(stored: Stored) -> None:
    data = build_report(stored.store, start=START, end=END)
    assert data.created == local_today()
    assert (data.start, data.end) == (START, END)
    given = build_report(stored.store, start=START, end=END, created=date(2019, 1, 2))
    html = render_html(given)
    assert "<b>Period:</b> 21 May 2018 to 8 Jul 2018 (7 weeks)" in html
    assert "<b>Created:</b> 2 Jan 2019" in html
    result = cli(stored.url, "report", "--from", "2018-05-21", "--to", "2018-07-08", "--json")
    out = json.loads(result.stdout)
    assert (out["created"], out["start"], out["end"]) == (
        local_today().isoformat(),
        "2018-05-21",
        "2018-07-08",
    )


def test_the_sources_page_lists_exactly_the_rules_the_report_cites(stored: Stored) -> None:
    data = build_report(stored.store, start=START, end=END)
    assert [r.id for r in data.rules] == CITED
    html = render_html(data)
    assert _sources(html) == CITED
    assert _cited_in_text(html) == set(CITED)
    r = data.rules[CITED.index("F3")]
    assert (r.title, r.grade) == (CATALOGUE["F3"].title, CATALOGUE["F3"].grade)


def test_sources_follow_what_each_period_shows(stored: Stored) -> None:
    # Around the 2020 run: other findings, no pain trend, no scores, no screen in period.
    for start, end in ((date(2020, 9, 21), date(2020, 12, 13)), (date(2017, 6, 5), END)):
        html = render_html(build_report(stored.store, start=start, end=end))
        assert set(_sources(html)) == _cited_in_text(html), (start, end)
        assert len(_sources(html)) == len(set(_sources(html)))


def test_an_empty_period_says_where_the_runs_are(stored: Stored) -> None:
    data = build_report(stored.store, start=date(2019, 3, 4), end=date(2019, 5, 26))
    assert data.runs == 0
    assert data.runs_span == (date(2017, 6, 11), date(2020, 12, 10))
    html = render_html(data)
    assert "No runs in this period;</b> the runs on record span 11 Jun 2017 to 10 Dec 2020" in (
        html
    )
    result = cli(stored.url, "report", "--from", "2019-03-04", "--to", "2019-05-26", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["runs_span"] == ["2017-06-11", "2020-12-10"]
    # 10 Dec 2020 is a Thursday: the 12 weeks up to it start on Monday 21 Sep 2020.
    assert result.stderr.strip() == (
        "no runs in this period; your runs span 2017-06-11 to 2020-12-10: "
        "try --from 2020-09-21 --to 2020-12-10"
    )


def test_a_period_with_runs_says_nothing_about_where_they_are(stored: Stored) -> None:
    assert "empty-period" not in render_html(build_report(stored.store, start=START, end=END))
    result = cli(stored.url, "report", "--from", "2018-05-21", "--to", "2018-07-08", "--json")
    assert result.stderr == ""


def test_an_empty_store_says_to_import(tmp_path: object) -> None:
    url = f"sqlite:///{tmp_path}/empty.db"
    result = cli(url, "report", "--from", "2019-03-04", "--to", "2019-05-26", "--json")
    assert result.exit_code == 0
    assert "none on record yet: backstride import" in result.stderr


def test_a_pdf_without_pango_says_which_packages_to_install(
    stored: Stored, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without Pango, importing WeasyPrint raises OSError (cffi cannot load libgobject): the
    runner gets one line naming the Debian packages, not an unexpected error."""
    import builtins

    from backstride.errors import ConfigError
    from backstride.report import render

    real_import = builtins.__import__

    def no_pango(name: str, *args: object, **kwargs: object) -> object:
        if name == "weasyprint":
            raise OSError("cannot load library 'libgobject-2.0-0'")
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", no_pango)
    with pytest.raises(ConfigError) as raised:
        render.render_pdf(build_report(stored.store, start=START, end=END))
    assert "Pango" in raised.value.message
    assert raised.value.hint is not None
    assert "libpango-1.0-0" in raised.value.hint
    assert "report.html" in raised.value.hint
