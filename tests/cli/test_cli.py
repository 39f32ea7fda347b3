"""The command line: JSON output equals the service's objects; errors are one line; exit codes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from backstride.cli.app import app
from tests.conftest import DATA

RUN = DATA / "fit" / "fitparse__garmin-fenix-5-run.fit"
TRIATHLON = DATA / "fit" / "fit-parser-js__triathlon_summary_first.fit"


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'cli.db'}"


def invoke(db: str, *args: str) -> Any:
    return CliRunner().invoke(app, ["--db", db, *args], catch_exceptions=False)


def test_import_json_reports_counts_ids_and_failures(db: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.gpx"
    bad.write_text("<gpx><trk><trkseg><trkpt lat='1' lon='2'>")
    result = invoke(db, "import", "--json", str(RUN), str(TRIATHLON), str(bad))
    assert result.exit_code == 1  # some files failed
    out = json.loads(result.stdout)
    assert set(out) == {
        "imported", "duplicates", "skipped", "failed", "activity_ids", "matches", "warnings"
    }  # fmt: skip
    assert out["imported"] == 4
    assert out["duplicates"] == 0
    assert len(out["activity_ids"]) == 4
    [failure] = out["failed"]
    assert failure["path"] == str(bad)
    assert failure["error"].startswith("malformed GPX")

    listed = json.loads(invoke(db, "activities", "--json").stdout)
    assert sorted(a["id"] for a in listed) == sorted(out["activity_ids"])


def test_import_exits_zero_when_nothing_failed_and_counts_duplicates(db: str) -> None:
    first = invoke(db, "import", str(RUN))
    assert first.exit_code == 0
    assert "imported 1, duplicates skipped 0, failed 0" in first.stdout
    again = invoke(db, "import", "--json", str(RUN))
    assert again.exit_code == 0
    assert json.loads(again.stdout)["duplicates"] == 1
    # Issue 14: a duplicate says which stored activity it matched and why, in JSON and text.
    assert json.loads(again.stdout)["matches"] == [
        {"source": str(RUN), "activity_id": 1, "reason": "same file"}
    ]
    assert f"duplicate: {RUN}: activity 1, same file" in invoke(db, "import", str(RUN)).stdout


def test_missing_path_is_bad_usage(db: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["--db", db, "import", str(tmp_path / "nope.fit")])
    assert result.exit_code == 2
    assert "no such file or folder" in result.stderr


def test_activities_json_has_the_documented_fields(db: str) -> None:
    invoke(db, "import", str(RUN))
    [item] = json.loads(invoke(db, "activities", "--json").stdout)
    assert {
        "id",
        "sport",
        "sub_sport",
        "start_time",
        "local_date",
        "distance_m",
        "elapsed_s",
        "timer_s",
        "avg_hr_bpm",
        "avg_cadence_spm",
        "avg_power_w",
        "source_file",
        "warnings",
    } <= set(item)
    assert item["sport"] == "running"
    assert item["start_time"].endswith("Z")
    assert item["source_file"] == RUN.name
    assert 100 < item["avg_cadence_spm"] < 220  # steps per minute, not strides


def test_show_json_has_laps_sources_and_channels(db: str) -> None:
    invoke(db, "import", str(TRIATHLON))
    run = next(
        a for a in json.loads(invoke(db, "activities", "--json").stdout) if a["sport"] == "running"
    )
    detail = json.loads(invoke(db, "show", str(run["id"]), "--json").stdout)
    assert detail["sources"] == [TRIATHLON.name]
    assert detail["laps"]
    assert "cadence_spm" in detail["channels"]
    assert "heart_rate_bpm" in detail["channels"]
    human = invoke(db, "show", str(run["id"]))
    assert human.exit_code == 0
    assert "laps" in human.stdout


def test_unknown_id_is_one_red_line_without_traceback(db: str) -> None:
    result = invoke(db, "show", "999")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == "error: no activity with id 999"
    assert "Traceback" not in result.stderr + result.stdout


@pytest.mark.parametrize(
    ("url", "message"),
    [("mysql://u@h/db", "not supported"), ("::::", "not a valid URL")],
)
def test_unusable_database_url_is_reported_not_raised(url: str, message: str) -> None:
    result = CliRunner().invoke(app, ["--db", url, "activities"])
    assert result.exit_code == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_database_url_comes_from_the_environment(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'env.db'}"
    CliRunner().invoke(app, ["import", str(RUN)], env={"BACKSTRIDE_DATABASE_URL": url})
    assert (tmp_path / "env.db").exists()


def test_demo_imports_the_bundled_samples_and_merges_the_twin(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["demo", "--folder", str(tmp_path / "demo"), "--json"])
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["import"]["failed"] == []
    assert out["import"]["duplicates"] == 1  # sweatpy FIT and its Strava GPX
    assert out["import"]["imported"] == len(out["activities"]) == 8
    sports = {a["sport"] for a in out["activities"]}
    assert {"running", "cycling", "swimming"} <= sports
    # The status is judged the day after the newest run, with real findings, and the short
    # demo pain diary gives a P2 (next-morning pain 4 after 2 before the run).
    last_run = max(a["local_date"] for a in out["activities"] if a["sport"] == "running")
    assert out["status"]["as_of"] > last_run
    rules = {f["rule"] for f in out["status"]["findings"]}
    assert {"L1", "P1", "P2"} <= rules
    assert out["status"]["screen_due"] is None  # the demo took a screen the day before


@pytest.mark.parametrize(
    "command",
    [
        ["import"],
        ["activities"],
        ["show"],
        ["demo"],
        ["db", "upgrade"],
        ["shoes"],
        ["shoes", "add"],
        ["shoes", "default"],
        ["shoes", "assign"],
        ["shoes", "retire"],
    ],
)
def test_every_command_has_help_with_an_example(command: list[str]) -> None:
    result = CliRunner().invoke(app, [*command, "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.stdout


def test_shoes_add_default_assign_and_list(db: str) -> None:
    added = invoke(db, "shoes", "add", "Ghost 15", "--brand", "Brooks", "--initial-km", "120",
                   "--json")  # fmt: skip
    assert added.exit_code == 0, added.stderr
    assert json.loads(added.stdout)["initial_distance_m"] == 120000.0
    invoke(db, "import", str(RUN))
    default = invoke(db, "shoes", "default", "Ghost 15", "--sport", "run", "--json")
    assert json.loads(default.stdout)["assigned"] == 1
    [shoe] = json.loads(invoke(db, "shoes", "--json").stdout)
    [run] = json.loads(invoke(db, "activities", "--json").stdout)
    assert shoe["activities"] == 1
    assert shoe["distance_m"] == pytest.approx(120000.0 + run["distance_m"], abs=0.2)
    assert shoe["default_for"] == ["running"]
    assert run["gear"] == "Ghost 15"
    assert invoke(db, "shoes", "assign", str(run["id"]), "--none").exit_code == 0
    assert json.loads(invoke(db, "activities", "--json").stdout)[0]["gear"] is None
    assert invoke(db, "shoes", "retire", "Ghost 15").exit_code == 0
    assert json.loads(invoke(db, "shoes", "--json").stdout)[0]["retired"] is True


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["shoes", "default", "Nope"], 1, "no shoe called 'Nope'"),
        (["shoes", "default", "X", "--sport", "swim"], 1, "unknown sport 'swim'"),
        (["shoes", "add", "X", "--start-date", "yesterday"], 2, "is not a date"),
        (["shoes", "add", "X", "--initial-km", "-5"], 2, "0 or more"),
        (["shoes", "assign", "1"], 2, "give a shoe NAME, or --none"),
        (["shoes", "assign", "99", "X"], 1, "no activity with id 99"),
    ],
)
def test_bad_shoe_commands_are_one_line_errors(
    db: str, args: list[str], code: int, message: str
) -> None:
    if args[-1] == "swim":
        invoke(db, "shoes", "add", "X")
    result = CliRunner().invoke(app, ["--db", db, *args])
    assert result.exit_code == code, result.stderr
    assert message in " ".join(result.stderr.split())
    assert "Traceback" not in result.stderr
