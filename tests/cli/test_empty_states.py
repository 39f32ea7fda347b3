"""Every command on an empty store and on a store whose last activity is five months old
(issue 18): each says what is true and what to do next (the command to run, the last
entry's date, the period with data), never a screen of zeros or a sentence that is false.

The commands are found from the application's command tree (as tests/cli/test_help.py does),
so a command added later fails :func:`test_every_command_is_checked_or_named` until it is
given its expectations here or a reason not to be checked.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner

from backstride.cli.app import app
from backstride.service import clock
from tests.cli_runs import RUN

#: The stored run is on 2020-12-10; "today" for the stale store is five months later.
STALE_TODAY = date(2021, 5, 10)

#: command -> (arguments, what the empty store's answer must say, what the stale store's
#: answer must say). Output is stdout and stderr with whitespace collapsed.
CHECKED: dict[tuple[str, ...], tuple[list[str], list[str], list[str]]] = {
    ("activities",): ([], ["No activities yet: backstride import PATH"], ["2020-12-10"]),
    ("status",): (
        [],
        [
            "No runs recorded yet: backstride import PATH",
            "No shoes recorded yet: backstride shoes add",
        ],
        ["Last run: 2020-12-10 (151 days before)", "your shoes: Ghost 15 606 km"],
    ),
    ("load",): (
        [],
        ["Nothing recorded yet: backstride import PATH"],
        ["your last run was on 2020-12-10: backstride load --on 2020-12-10"],
    ),
    ("form",): (
        [],
        ["No runs with cadence in the year before", "backstride import PATH"],
        ["2020-12-10"],
    ),
    ("plan",): ([], ["Plan again after each week"], ["run-walk", "Plan again after each week"]),
    ("pain",): (
        [],
        ["No pain logged yet: backstride pain log NRS"],
        ["your last entry is from 2020-12-10: see it with backstride pain --weeks 22"],
    ),
    ("pain", "associations"): (
        [],
        ["Not enough data yet: log next-morning pain"],
        ["Not enough data yet: log next-morning pain"],
    ),
    ("shoes",): ([], ['No shoes yet: backstride shoes add "Ghost 15"'], ["Ghost 15", "606"]),
    ("report",): (
        ["-o", "{folder}/report.html"],
        ["none on record yet: backstride import FILES"],
        [
            "no runs in the last 12 weeks (2021-02-22 to 2021-05-10); this report covers the "
            "12 weeks up to your last run: 2020-09-21 to 2020-12-10"
        ],
    ),
    ("sync",): (
        [],
        ["no service is connected", "backstride strava connect", "backstride intervals connect"],
        ["no service is connected"],
    ),
    ("strava", "connect"): (
        [],
        ["no Strava API application is set", "docs/sync.md"],
        ["no Strava API application is set"],
    ),
    ("strava", "disconnect"): ([], ["Strava was not connected."], ["Strava was not connected."]),
    ("intervals", "disconnect"): (
        [],
        ["intervals.icu was not connected."],
        ["intervals.icu was not connected."],
    ),
    ("import",): (["{folder}/nothing"], ["imported 0", "No activity files found there"], []),
    ("show",): (
        ["1"],
        ["no activity with id 1", "backstride activities"],
        ["activity 1 sport running start 2020-12-10"],
    ),
    ("done",): (["core"], ["logged core on"], ["logged core on 2021-05-10"]),
    ("pain", "log"): (["2"], ["logged pain 2/10"], ["logged pain 2/10"]),
    ("pain", "score"): (["rmdq", "8"], ["recorded rmdq 8"], ["recorded rmdq 8 on 2021-05-10"]),
    ("screen",): (
        ["--no-others"],
        ["no red flags reported in your screen"],
        ["Saved as the screen of 2021-05-10"],
    ),
    ("screen", "clear"): ([], ["No symptom screen yet: take one with backstride screen"], []),
    ("shoes", "add"): (["Pegasus"], ["added Pegasus"], ["added Pegasus"]),
    ("shoes", "default"): (
        ["Nope"],
        ["no shoe called 'Nope'", "`backstride shoes` lists them"],
        ["no shoe called 'Nope'"],
    ),
    ("shoes", "retire"): (["Nope"], ["no shoe called 'Nope'", "backstride shoes"], []),
    ("shoes", "assign"): (["1", "Nope"], ["no activity with id 1", "backstride activities"], []),
}
#: ``plan --review`` is the plan command with another screen: checked as well.
REVIEW: tuple[list[str], list[str], list[str]] = (
    ["--review"],
    ["Nothing planned or done in these weeks: backstride plan"],
    [],
)
#: Commands whose output does not depend on what is stored, and why.
NOT_CHECKED: dict[tuple[str, ...], str] = {
    ("learn",): "the evidence cards, the same on any store",
    ("demo",): "builds its own store from bundled files",
    ("serve",): "starts the web server (its pages have their own tests)",
    ("server",): "starts the clinic server (tests/web/clinic)",
    ("db", "upgrade"): "migrates the schema; says so on any store",
    ("db", "check"): "checks the file; says ok or what is wrong on any store",
    ("watch",): "watches folders until stopped (tests/cli/test_watch_cli.py)",
    ("worker",): "runs background jobs until stopped, on PostgreSQL only (tests/jobs)",
    ("intervals", "connect"): "asks for the API key and checks it with intervals.icu (tests/sync)",
    ("admin", "create-user"): "clinic accounts, PostgreSQL only (tests/cli/test_admin.py)",
    ("admin", "reset-link"): "clinic accounts, PostgreSQL only (tests/cli/test_admin.py)",
    ("admin", "list"): "clinic accounts, PostgreSQL only; empty: tests/cli/test_admin.py",
    ("admin", "disable"): "clinic accounts, PostgreSQL only (tests/cli/test_admin.py)",
    ("admin", "enable"): "clinic accounts, PostgreSQL only (tests/cli/test_admin.py)",
}


def _commands() -> Iterator[tuple[str, ...]]:
    def walk(command: Any, path: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
        subcommands = getattr(command, "commands", None)
        if not subcommands:
            yield path
            return
        if path and command.invoke_without_command:
            yield path
        for name, sub in subcommands.items():
            yield from walk(sub, (*path, name))

    yield from walk(typer.main.get_command(app), ())


def test_every_command_is_checked_or_named() -> None:
    found = set(_commands())
    assert found - set(CHECKED) - set(NOT_CHECKED) == set()


class _Frozen(datetime):
    @classmethod
    def now(cls, tz: Any = None) -> _Frozen:
        return cls(2021, 5, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def stale(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A run on 2020-12-10 in a pair with 600 km before, pain logged that day; today is
    2021-05-10 (the one clock, service.clock, reads this day)."""
    monkeypatch.setattr(clock, "datetime", _Frozen)
    assert clock.local_today() == STALE_TODAY
    url = f"sqlite:///{tmp_path / 'stale.db'}"
    for args in (
        ["import", str(RUN)],
        ["shoes", "add", "Ghost 15", "--initial-km", "600"],
        ["shoes", "default", "Ghost 15"],
        ["pain", "log", "3", "--date", "2020-12-10", "--activity", "1"],
    ):
        assert CliRunner().invoke(app, ["--db", url, *args]).exit_code == 0
    return url


@pytest.fixture
def empty(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'empty.db'}"


def _run(url: str, path: tuple[str, ...], args: list[str], folder: Path) -> tuple[int, str]:
    (folder / "nothing").mkdir(exist_ok=True)
    (folder / "nothing" / "notes.txt").write_text("not an activity")
    argv = ["--db", url, *path, *(a.format(folder=folder) for a in args)]
    result = CliRunner().invoke(app, argv, env={"COLUMNS": "200"})
    said = " ".join((result.stdout + " " + result.stderr).split())
    assert "Traceback" not in said, said
    return result.exit_code, said


CASES = [(path, *spec) for path, spec in CHECKED.items()] + [(("plan",), *REVIEW)]
IDS = [" ".join(path) + (" --review" if spec[0] == ["--review"] else "") for path, *spec in CASES]


@pytest.mark.parametrize(("path", "args", "on_empty", "on_stale"), CASES, ids=IDS)
def test_an_empty_store_says_what_to_do(
    empty: str, tmp_path: Path, path: tuple[str, ...], args: list[str], on_empty: list[str],
    on_stale: list[str],
) -> None:  # fmt: skip
    code, said = _run(empty, path, args, tmp_path)
    assert code in (0, 1), said
    for words in on_empty:
        assert words in said, said
    assert "-100%" not in said


@pytest.mark.parametrize(("path", "args", "on_empty", "on_stale"), CASES, ids=IDS)
def test_a_store_five_months_old_says_what_is_true(
    stale: str, tmp_path: Path, path: tuple[str, ...], args: list[str], on_empty: list[str],
    on_stale: list[str],
) -> None:  # fmt: skip
    code, said = _run(stale, path, args, tmp_path)
    assert code in (0, 1), said
    for words in on_stale:
        assert words in said, said
    assert "No shoes recorded on your runs" not in said
    assert "-100%" not in said


def test_status_json_and_load_json_carry_the_last_run(stale: str) -> None:
    for path in (("status",), ("load",)):
        result = CliRunner().invoke(app, ["--db", stale, *path, "--json"])
        assert json.loads(result.stdout)["last_run"] == "2020-12-10"
    pain = CliRunner().invoke(app, ["--db", stale, "pain", "--json"])
    assert json.loads(pain.stdout)["last_entry"] == "2020-12-10"
    report = CliRunner().invoke(app, ["--db", stale, "report", "--json"])
    data = json.loads(report.stdout)
    assert (data["start"], data["end"]) == ("2020-09-21", "2020-12-10")
    assert data["replaced"] == ["2021-02-22", "2021-05-10"]
    chosen = CliRunner().invoke(
        app, ["--db", stale, "report", "--json", "--from", "2021-03-01", "--to", "2021-05-10"]
    )
    assert json.loads(chosen.stdout)["replaced"] is None  # a chosen period stays as chosen


def test_the_report_page_says_which_period_it_stands_in_for(stale: str, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    assert CliRunner().invoke(app, ["--db", stale, "report", "-o", str(out)]).exit_code == 0
    page = " ".join(out.read_text(encoding="utf-8").split())
    assert "No runs from 22 Feb 2021 to 10 May 2021;</b> this report covers the weeks up" in page
    assert "21 Sep 2020 to 10 Dec 2020" in page


def test_a_red_flag_keeps_the_default_period(stale: str) -> None:
    """Red flags win: while one is active the report keeps the last 12 weeks, which hold
    the screen that raised it, rather than moving to the weeks of the last run."""
    flagged = CliRunner().invoke(app, ["--db", stale, "screen", "--yes", "saddle_numbness"])
    assert flagged.exit_code == 0, flagged.output
    data = json.loads(CliRunner().invoke(app, ["--db", stale, "report", "--json"]).stdout)
    assert (data["start"], data["end"], data["replaced"]) == ("2021-02-22", "2021-05-10", None)
    assert data["red_flags"]


def test_the_dashboard_takes_the_same_default_period(stale: str) -> None:
    """The Report page's form and /api/report agree with `backstride report`: the period
    moves to the weeks of the last run (service.report_period, one decision)."""
    from tests.web.conftest import client_for

    with client_for(stale) as client:
        form = client.get("/report").text
        assert 'value="2020-09-21"' in form
        assert 'value="2020-12-10"' in form
        assert "No runs from 2021-02-22 to 2021-05-10" in form
        report = client.get("/api/report?format=html")
        assert report.status_code == 200
        assert (
            "backstride-report-2020-09-21-2020-12-10.html" in report.headers["content-disposition"]
        )
