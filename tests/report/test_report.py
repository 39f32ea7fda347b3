"""The clinician report over real device files, a pain diary, a screen and scores.

The store holds two real runs of May-June 2018 (one with GPS positions and running
dynamics), a swim and a ride, a short run of 2017 and a run of 2020 outside the period.
Every number the tests look for is worked out by hand from what is stored below.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from backstride import service
from backstride.model import Gear
from backstride.report import build_report, default_period, render_html, render_pdf
from backstride.service.screening import FIELDS
from backstride.store import Store, open_store
from backstride.units import Channel
from tests.cli_runs import cli
from tests.conftest import DATA

START, END = date(2018, 5, 21), date(2018, 7, 8)  # seven Monday-Sunday weeks
FILES = [
    DATA / "fit" / "fitparse__garmin-fenix-5-run.fit",  # 2017-06-11: 0.16 km, before the period
    DATA / "fit" / "fitparse__sample_mulitple_header.fit",  # 2018-05-27: swim, ride, 9.81 km run
    DATA / "fit" / "fit-parser-js__running-with-developer-data.fit",  # 2018-06-14: 5.38 km run
    DATA / "fit" / "workoutizer__run_with_coordinates.fit",  # 2020-12-10: outside the period
]


@dataclass(frozen=True)
class Stored:
    url: str
    store: Store
    long_run: int
    coordinates: list[tuple[float, float]]


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stored]:
    url = f"sqlite:///{tmp_path_factory.mktemp('report') / 'r.db'}"
    store = open_store(url)
    service.import_files(store, FILES)
    runs = {
        a.activity.local_date: a
        for a in service.list_activities(store)
        if a.activity.sport == "running"
    }
    long_run, short_run = runs[date(2018, 5, 27)], runs[date(2018, 6, 14)]
    service.add_shoe(store, Gear(name="Trainer A"))
    for run in (long_run, short_run):
        service.assign_shoe(store, run.id, "Trainer A")
    service.take_screen(store, dict.fromkeys(FIELDS, False), day=date(2018, 5, 23))
    today = END
    # Morning pain: week of 21 May 4 and 6 (mean 5.0); week of 2 July 2 and 3 (mean 2.5).
    for day, nrs in ((22, 4), (24, 6)):
        service.log_pain(store, nrs, moment="next_morning", day=date(2018, 5, day), today=today)
    for day, nrs in ((3, 2), (5, 3)):
        service.log_pain(store, nrs, moment="next_morning", day=date(2018, 7, day), today=today)
    service.log_pain(store, 5, moment="during", activity_id=long_run.id, day=date(2018, 5, 27),
                     today=today)  # fmt: skip
    # Two core sessions logged in the week of 4 June (C1: 2-3 a week).
    for day in (5, 7):
        service.log_done(store, "core", day=date(2018, 6, day), minutes=20, today=today)
    service.add_score(store, "odi", 32, day=date(2018, 5, 22), today=today)
    service.add_score(store, "odi", 18, day=date(2018, 7, 2), today=today)
    streams = {}
    for run in (long_run, *(r for d, r in runs.items() if d.year == 2020)):
        channels = service.get_activity(store, run.id).activity.streams.channels
        streams[run.id] = channels
    coordinates = []
    for channels in streams.values():
        lat = channels[Channel.LATITUDE_DEG]
        lon = channels[Channel.LONGITUDE_DEG]
        finite = np.flatnonzero(np.isfinite(lat) & np.isfinite(lon))
        for i in (finite[0], finite[len(finite) // 2], finite[-1]):
            coordinates.append((float(lat[i]), float(lon[i])))
    try:
        yield Stored(url, store, long_run.id, coordinates)
    finally:
        store.close()


@pytest.fixture(scope="module")
def html(stored: Stored) -> str:
    return render_html(build_report(stored.store, start=START, end=END))


def test_the_data_holds_the_hand_computed_numbers(stored: Stored) -> None:
    data = build_report(stored.store, start=START, end=END)
    assert data.runs == 2
    assert data.run_distance_m == pytest.approx(9805.92 + 5383.19, abs=1.0)
    assert (round(data.longest_run_m), data.longest_run_day) == (9806, date(2018, 5, 27))
    # A swim (33:08) and a ride (1:13:42) on 27 May.
    assert data.other_sessions == 2
    assert data.other_minutes == pytest.approx(33 + 8 / 60 + 73 + 42 / 60, abs=0.1)
    assert [w.monday for w in data.weeks][0::6] == [START, date(2018, 7, 2)]
    # The long run came 350 days after the previous one: L1 says every run is a spike then.
    assert [(s.day, s.outcome, s.activity_id) for s in data.spikes] == [
        (date(2018, 5, 27), "after_break", stored.long_run)
    ]
    assert data.l2_steep_weeks == []
    p = data.pain
    assert (p.first_week, p.first_mean, p.last_week, p.last_mean) == (
        START,
        5.0,
        date(2018, 7, 2),
        2.5,
    )
    assert p.change == "improved"  # -2.5 points: at least 2 (P4, Ostelo 2008)
    assert (p.entries, p.morning_entries, p.during_max) == (5, 4, 5)
    assert [(s.day, s.outcome, s.in_period) for s in data.screens] == [
        (date(2018, 5, 23), "clear", True)
    ]
    assert [(s.day, s.score) for s in data.scores] == [
        (date(2018, 5, 22), 32), (date(2018, 7, 2), 18)
    ]  # fmt: skip
    [shoe] = data.shoes
    assert (shoe.name, shoe.period_runs, shoe.state) == ("Trainer A", 2, "ok")
    assert shoe.period_distance_m == pytest.approx(data.run_distance_m)
    assert data.adherence.other_minutes == pytest.approx(data.other_minutes)
    assert data.adherence.weeks_with_enough_other == 1  # 107 min in the week of 21 May
    assert (data.adherence.strength_sessions, data.adherence.weeks_with_enough_strength) == (2, 1)
    assert "backstride done" in data.adherence.basis
    out = json.loads(json.dumps(data.to_json()))
    assert out["runs"] == 2
    assert out["spikes"][0]["day"] == "2018-05-27"


def test_page_one_states_the_key_numbers(html: str) -> None:
    summary = html.split('id="load"')[0]
    for text in (
        "21 May 2018 to 8 Jul 2018 (7 weeks)",
        "15.2 km",  # 9.81 + 5.38
        "<b>2</b>",  # runs
        "9.8 km on 27 May 2018",
        "27 May</span> (after a break)",
        "Morning pain 5.0 &rarr; 2.5 /10",
        "an improvement that matters",
        "<b>5/10</b> on 27 May 2018",
        "23 May 2018",
        "<b>clear</b>",
        "107 min",
        "<b>2</b> sessions; 1 of 7 weeks with 2 or more",
        "32%",
        "18%",
        "Trainer A",
        # Only the June run has steady running with dynamics: the block says why it is empty.
        "No comparison: runs with cadence or running dynamics exist in only one half",
    ):
        assert text in summary, text


def test_no_positions_or_place_names_reach_the_report(stored: Stored, html: str) -> None:
    assert len(stored.coordinates) == 6
    for lat, lon in stored.coordinates:
        for digits in (3, 4, 5):
            assert f"{lat:.{digits}f}" not in html
            assert f"{lon:.{digits}f}" not in html
    lowered = html.lower()
    assert "latitude" not in lowered
    assert "longitude" not in lowered
    names = [a.activity.name for a in service.list_activities(stored.store) if a.activity.name]
    for name in names:
        assert name not in html
    assert "<script" not in lowered


def test_an_r1_screen_comes_first_on_page_one(tmp_path: Path) -> None:
    with open_store(f"sqlite:///{tmp_path / 'flags.db'}") as store:
        answers = dict.fromkeys(FIELDS, False)
        answers["saddle_numbness"] = True
        service.take_screen(store, answers, day=date(2026, 3, 2))
        data = build_report(store, start=date(2026, 1, 5), end=date(2026, 3, 29))
    assert data.training_suspended
    page = render_html(data)
    alarm = page.index('id="red-flags"')
    assert alarm < page.index('id="screen-summary"') < page.index('id="pain-summary"')
    assert "R1 on 2 Mar 2026" in page
    assert "emergency" in page
    # Empty sections say why they are empty.
    assert "No next-morning pain entries in this period" in page
    assert "No shoes recorded" in page


def test_default_period_is_twelve_monday_to_sunday_weeks() -> None:
    assert default_period(date(2026, 3, 26)) == (date(2026, 1, 5), date(2026, 3, 26))


# --- PDF --------------------------------------------------------------------------------------


def _pdftotext() -> str:
    tool = shutil.which("pdftotext")
    if tool is None:
        message = "pdftotext (poppler-utils) is not installed"
        if os.environ.get("BACKSTRIDE_REQUIRE_PDFTOOLS") == "1":
            pytest.fail(message + "; BACKSTRIDE_REQUIRE_PDFTOOLS=1 makes it mandatory")
        pytest.skip(message)
    return tool


@pytest.fixture(scope="module")
def pdf(stored: Stored, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pdf") / "report.pdf"
    path.write_bytes(render_pdf(build_report(stored.store, start=START, end=END)))
    return path


def _text(pdf: Path, *pages: str) -> str:
    done = subprocess.run(
        [_pdftotext(), "-layout", *pages, str(pdf), "-"],
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    return done.stdout


def test_the_pdf_first_page_has_the_key_numbers(pdf: Path) -> None:
    assert pdf.read_bytes().startswith(b"%PDF-")
    first = " ".join(_text(pdf, "-f", "1", "-l", "1").split())
    for text in (
        "21 May 2018 to 8 Jul 2018",
        "15.2 km",
        "9.8 km on 27 May 2018",
        "Morning pain 5.0 → 2.5 /10",
        "23 May 2018",
        "clear",
        "107 min",
        "32%",
        "Trainer A",
    ):
        assert text in first, text
    assert "Load, week by week" not in first  # the detail pages start on page 2


def test_the_pdf_has_detail_pages_and_no_positions(stored: Stored, pdf: Path) -> None:
    pages = _text(pdf).split("\f")
    assert len([p for p in pages if p.strip()]) >= 2
    everything = " ".join(pages)
    assert "Load, week by week" in everything
    for lat, lon in stored.coordinates:
        assert f"{lat:.4f}" not in everything
        assert f"{lon:.4f}" not in everything


# --- CLI --------------------------------------------------------------------------------------


def test_cli_writes_html_and_prints_the_data_as_json(stored: Stored, tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    result = cli(stored.url, "report", "--from", "2018-05-21", "--to", "2018-07-08", "-o",
                 str(out))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Morning pain 5.0" in out.read_text()
    result = cli(stored.url, "report", "--from", "2018-05-21", "--to", "2018-07-08", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["runs"], data["start"], data["end"]) == (2, "2018-05-21", "2018-07-08")
    assert data["pain"]["change"] == "improved"
    expected = build_report(stored.store, start=START, end=END).to_json()
    assert data == json.loads(json.dumps(expected))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2018-02-30", "-o", "{tmp}/r.pdf"], "--from '2018-02-30' is not a date"),
        (["--from", "2018-07-08", "--to", "2018-05-21", "-o", "{tmp}/r.pdf"],
         "the period starts after it ends"),
        (["--to", "2018-07-08", "-o", "{tmp}/missing/r.pdf"], "does not exist"),
        (["--to", "2018-07-08", "-o", "{tmp}/r.txt"], "say which format to write"),
        (["--to", "2018-07-08", "--format", "docx", "-o", "{tmp}/r.pdf"], "is not one of"),
        (["--to", "2018-07-08", "--format", "pdf"], "say where to write the report"),
        (["--from", "2000-01-03", "--to", "2018-07-08", "--json"], "the period spans 966 weeks"),
        (["--from", "0001-01-01", "--to", "0001-02-01", "-o", "{tmp}/r.pdf"],
         "--from 0001-01-01 is not a day between 1900-01-01 and 2199-12-31"),
        (["--to", "9999-12-31", "-o", "{tmp}/r.pdf"], "--to 9999-12-31 is not a day between"),
    ],
)  # fmt: skip
def test_cli_bad_input_is_a_one_line_error(
    stored: Stored, tmp_path: Path, args: list[str], message: str
) -> None:
    result = cli(stored.url, "report", *(a.replace("{tmp}", str(tmp_path)) for a in args))
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("error: ")
    assert message in lines[0]
    assert "Traceback" not in result.output
    assert not list(tmp_path.glob("r.*"))


def test_weasyprint_and_fonttools_messages_stay_quiet(caplog: pytest.LogCaptureFixture) -> None:
    import logging
    import warnings

    from backstride.report.render import _quiet

    before = logging.getLogger("weasyprint").level
    with caplog.at_level(logging.DEBUG), _quiet():
        logging.getLogger("weasyprint").warning("Ignored `foo: bar`, unknown property.")
        logging.getLogger("fontTools.subset").warning("glyph not found")
        warnings.warn_explicit("font note", UserWarning, "subset.py", 1, module="fontTools.subset")
    assert caplog.records == []
    assert logging.getLogger("weasyprint").level == before  # restored afterwards
