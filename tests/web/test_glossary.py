"""Plain words first (issue 18): every term a page shows has a glossary entry, its first
use on each page is a tooltip to that entry, and ``backstride learn TERM`` prints it.

The pages are found from the app's routes (``page_walk``) and rendered from the demo
store of real device files; the text checked is what a reader sees (no scripts, styles
or tags).
"""

from __future__ import annotations

import json
import re
from html import unescape
from typing import Any

import pytest
from typer.testing import CliRunner

from backstride.cli.app import app as cli_app
from backstride.service import glossary
from tests.web.conftest import DemoStore
from tests.web.page_walk import page_urls

#: Upper-case words on the pages that are not a runner's jargon, and why.
NOT_JARGON: dict[str, str] = {
    "API": "the link to the API schema, for developers",
    "JSON": "links to the data as JSON, for developers",
    "HTML": "a download format of the report",
    "PDF": "a download format of the report",
    "GB": "the upload limit's unit",
    "TERM": "the placeholder in `backstride learn TERM`",
    "BMJ": "a journal in a citation",
    "NICE": "a guideline's publisher in a citation",
    "CKS": "a guideline's name in a citation",
    "GIRFT": "a guideline's publisher in a citation",
    "TrainingPeaks": "a product named in a citation",
    "McGill": "a surname (McGill Big 3 is in the glossary)",
}
#: Lower-case jargon a runner meets (issue 18's list): where it appears, a glossary
#: spelling must cover it.
LOWER_JARGON = (
    "a.u.", "1/tau", "monotony", "strain", "cadence", "oscillation", "vertical ratio",
    "ground contact", "percentile", "rank correlation", "acute:chronic", "fitness",
    "fatigue", "bpm", "spm", "steps/min", "session load",
)  # fmt: skip
ACRONYM = re.compile(r"(?<![\w.-])[A-Z][A-Za-z]*[A-Z][A-Za-z]*(?![\w-])")


def visible_text(html: str) -> str:
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", body)).split())


def glossary_words() -> set[str]:
    """Every word of every spelling in the glossary (``HR`` of ``HR bpm`` among them)."""
    return {w for t in glossary.terms() for form in t.forms for w in form.split()}


def unexplained(text: str) -> list[str]:
    """Jargon in ``text`` without a glossary entry: acronyms no spelling names and not in
    NOT_JARGON, and issue 18's lower-case words where no glossary spelling covers them."""
    known = glossary_words()
    bad = [w for w in ACRONYM.findall(text) if w not in known and w not in NOT_JARGON]
    spans = [(a, b) for a, b, _ in glossary.find_terms(text)]
    for word in LOWER_JARGON:
        whole = rf"(?<![\w.-]){re.escape(word)}s?(?![\w-])"  # the word, not part of one
        for m in re.finditer(whole, text, flags=re.I):
            if not any(a <= m.start() and m.end() <= b for a, b in spans):
                bad.append(text[max(0, m.start() - 30) : m.end() + 10])
    return bad


@pytest.fixture(scope="module")
def pages(ro_client: Any, demo_db: DemoStore) -> dict[str, str]:
    ids = [a["id"] for a in ro_client.get("/api/activities").json()]
    out = {}
    for url in page_urls(ids, demo_db.as_of.isoformat()):
        response = ro_client.get(url)
        assert response.status_code == 200, url
        out[url] = response.text
    assert len(out) >= 18
    return out


def test_every_term_on_the_pages_has_a_glossary_entry(pages: dict[str, str]) -> None:
    seen = set()
    for url, html in pages.items():
        text = visible_text(html)
        assert not unexplained(text), (url, unexplained(text))
        seen |= set(ACRONYM.findall(text))
    # The terms issue 18 found unexplained are on the demo's pages, and explained.
    assert {"ACWR", "CTL", "ATL", "TSB", "AU", "EWMA", "PMC", "RPE", "GCT"} <= seen


def test_the_check_finds_unexplained_jargon() -> None:
    assert unexplained("Your XQZR is 3; monotony 2.1") == ["XQZR"]
    assert unexplained("a strain of 900") == []
    glossary_free = "the vertical ratio"
    assert unexplained(glossary_free) == []
    assert len(unexplained("the verticalratio, strainy")) == 0  # words, not parts of words


def test_the_first_use_of_each_term_on_a_page_is_its_tooltip(pages: dict[str, str]) -> None:
    terms = {t.key: t for t in glossary.terms()}
    tipped_somewhere = set()
    for url, html in pages.items():
        if url.startswith("/glossary"):
            continue  # the entries themselves
        found = {k for _, _, k in glossary.find_terms(visible_text(html))}
        tips = re.findall(
            r'<a class="term" href="/glossary\?on=[0-9-]+#([a-z-]+)"><abbr title="([^"]*)" '
            r'data-term="([a-z-]+)">',
            html,
        )
        tipped = {key for key, _, _ in tips}
        assert found <= tipped, (url, sorted(found - tipped))
        for key, title, data_key in tips:
            assert key == data_key
            assert unescape(title) == terms[key].plain, (url, key)
        assert len(tipped) == len(tips), (url, "a term is a tooltip more than once")
        tipped_somewhere |= tipped
    assert {"acwr", "load", "ewma", "pmc", "tau", "cadence", "gct"} <= tipped_somewhere


def test_the_glossary_page_lists_every_term(pages: dict[str, str], demo_db: DemoStore) -> None:
    html = next(h for url, h in pages.items() if url.startswith("/glossary"))
    for term in glossary.terms():
        assert f'<dt id="{term.key}">' in html, term.key
        assert term.plain in unescape(html)
    on = demo_db.as_of.isoformat()
    assert f'<a href="/glossary?on={on}"' in pages[f"/?on={on}"]  # in the navigation


def test_glossary_numbers_are_the_catalogues(monkeypatch: pytest.MonkeyPatch) -> None:
    from backstride.service import thresholds

    real = thresholds.catalogue_thresholds()
    changed = {**real, "L3": {**real["L3"], "acute_days": 9}}
    monkeypatch.setattr(glossary, "catalogue_thresholds", lambda: changed)
    assert "last 9 days" in glossary.lookup("ACWR").plain
    monkeypatch.undo()
    assert f"last {real['L3']['acute_days']:g} days" in glossary.lookup("ACWR").plain


def test_learn_a_term(tmp_path: Any) -> None:
    runner = CliRunner()
    result = runner.invoke(cli_app, ["learn", "ACWR"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("ACWR (acute:chronic workload ratio)\n")
    assert glossary.lookup("acwr").plain[:40] in " ".join(result.output.split())
    result = runner.invoke(cli_app, ["learn", "acute:chronic ratio", "--json"])
    assert json.loads(result.stdout)[0]["term"] == "acwr"
    result = runner.invoke(cli_app, ["learn", "terms", "--json"])
    assert [t["term"] for t in json.loads(result.stdout)] == [t.key for t in glossary.terms()]
    for word in ("ctl", "TSB", "Coggan PMC", "a.u.", "1/tau", "monotony", "NRS", "GCT"):
        assert runner.invoke(cli_app, ["learn", word]).exit_code == 0, word
    result = runner.invoke(cli_app, ["learn", "flux capacitor"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "error: TOPIC: unknown topic 'flux capacitor'" in result.output
    assert "backstride learn terms" in result.output


def test_every_form_is_found_in_text() -> None:
    for term in glossary.terms():
        for form in term.forms:
            found = glossary.find_terms(f"x {form} y")
            assert [(a, b) for a, b, _ in found] == [(2, 2 + len(form))], (term.key, form)


def test_a_page_reads_the_glossarys_numbers_once(
    ro_client: Any, demo_db: DemoStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The glossary's numbers are read from the catalogue at most once per page, however
    many terms it marks (once per field of every term per marked text, they were a third of
    the clinic server's overview under load)."""
    from backstride.service import thresholds

    real = thresholds.catalogue_thresholds
    calls: list[int] = []

    def counted() -> dict[str, dict[str, float]]:
        calls.append(1)
        return real()

    monkeypatch.setattr(glossary, "catalogue_thresholds", counted)
    page = ro_client.get(f"/?on={demo_db.as_of.isoformat()}")
    assert page.status_code == 200
    assert page.text.count('class="term"') >= 3  # several terms marked
    assert len(calls) == 1
