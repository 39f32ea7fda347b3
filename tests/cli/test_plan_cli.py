"""`backstride plan` and `backstride done` from the command line, on a database holding one
real run (Thursday 2020-12-10)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from backstride.cli.app import app
from tests.cli_runs import cli, database_with_a_run


@pytest.fixture
def db(tmp_path: Path) -> str:
    return database_with_a_run(tmp_path)


def plan_json(db: str, *args: str) -> dict[str, object]:
    result = cli(db, "plan", "--on", "2020-12-06", "--json", *args)
    assert result.exit_code == 0, result.stderr
    data: dict[str, object] = json.loads(result.stdout)
    return data


def test_plan_json_after_a_break_is_the_run_walk_program(db: str) -> None:
    data = plan_json(db, "--long-run-day", "thu", "--cross", "cycle")
    assert data["mode"] == "return_to_run"
    (week,) = data["weeks"]  # type: ignore[misc]
    assert week["start"] == "2020-12-07"
    assert week["stage"] == 1
    runs = [s for s in week["sessions"] if s["kind"] == "run_walk"]
    assert [s["date"] for s in runs] == ["2020-12-07", "2020-12-10", "2020-12-12"]
    assert all(s["run_walk"] == {"run_s": 60, "walk_s": 120, "repeats": 10} for s in runs)
    assert all(s["warmup"] == "warmup" and s["cooldown"] == "cooldown" for s in runs)
    cross = [s for s in week["sessions"] if s["kind"] == "cross"]
    assert sum(s["duration_s"] for s in cross) == 3600
    assert {s["sport"] for s in cross} == {"cycle"}
    assert all(s["rules"] and s["why"] for s in week["sessions"])
    assert {"RTR", "C1", "X1", "C2"} <= {r["rule"] for r in data["rules"]}  # type: ignore[attr-defined]


def test_plan_for_people_names_the_rules_and_notes(db: str) -> None:
    result = cli(db, "plan", "--on", "2020-12-06", "--weeks", "2")
    assert result.exit_code == 0, result.stderr
    out = " ".join(result.stdout.split())
    assert "return to running (run-walk program)" in out
    assert "Week of 2020-12-07" in out
    assert "Week of 2020-12-14" in out
    assert "RTR (Neason 2024)" in out
    assert "backstride done" in out


def test_done_then_review_counts_the_imported_run_and_the_logged_routines(db: str) -> None:
    cli(db, "plan", "--on", "2020-12-06", "--long-run-day", "thu")
    logged = cli(db, "done", "warmup", "--date", "2020-12-10", "--minutes", "8")
    assert logged.exit_code == 0, logged.stderr
    assert logged.stdout.strip() == "logged warmup on 2020-12-10 (8 min)"
    core = cli(db, "done", "core", "--date", "2020-12-08", "--rpe", "4", "--json")
    assert json.loads(core.stdout)["rpe"] == 4
    result = cli(db, "plan", "--review", "--on", "2020-12-13", "--weeks", "1", "--json")
    assert result.exit_code == 0, result.stderr
    (week,) = json.loads(result.stdout)["weeks"]
    assert week["runs"] == {"planned": 3, "fulfilled": 1, "done": 1}
    assert week["warmup"] == {"runs": 1, "with_warmup": 1}
    assert week["core"]["done"] == 1
    human = cli(db, "plan", "--review", "--on", "2020-12-13", "--weeks", "1")
    assert "1/3" in human.stdout


def test_ics_export_is_written(db: str, tmp_path: Path) -> None:
    target = tmp_path / "plan.ics"
    result = cli(db, "plan", "--on", "2020-12-06", "--ics", str(target))
    assert result.exit_code == 0, result.stderr
    data = target.read_bytes()
    assert data.startswith(b"BEGIN:VCALENDAR")
    assert data.count(b"BEGIN:VEVENT") >= 3
    folder = cli(db, "plan", "--on", "2020-12-06", "--ics", str(tmp_path))
    assert folder.exit_code == 1
    assert folder.stderr.startswith("error: ")
    assert "is a folder" in folder.stderr
    assert "Traceback" not in folder.stderr


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["plan", "--long-run-day", "someday"], 1, "error: --long-run-day: long run day"),
        (["plan", "--weeks", "5"], 1, "error: --weeks must be 1 to 4 for a plan"),
        (["plan", "--cross", "golf"], 1, "error: --cross: cross-training 'golf' is not one of"),
        (["plan", "--growth", "30"], 1, "error: --growth: growth must be 0 to 20"),
        (["plan", "--days-per-week", "7"], 2, "--days-per-week"),
        (["done", "stretch"], 1, "not one of: core, warmup, cooldown, cross"),
        (["done", "core", "--rpe", "12"], 1, "error: --rpe: RPE must be"),
        (["done", "core", "--minutes", "0"], 1, "error: --minutes: minutes must be 1 to 600"),
        (["done", "core", "--date", "2150-01-01"], 1, "error: --date: the date 2150-01-01 is in"),
        (["done", "core", "--sport", "swim"], 1, "error: --sport: a sport is only for cross"),
        (["done", "stretch"], 1, "error: KIND: 'stretch' is not one of"),
    ],
)
def test_bad_values_are_one_line_errors_and_store_nothing(
    db: str, args: list[str], code: int, message: str
) -> None:
    result = cli(db, *args)
    assert result.exit_code == code
    assert message in " ".join(result.stderr.split())
    assert "Traceback" not in result.stderr
    review = cli(db, "plan", "--review", "--on", "2020-12-13", "--weeks", "1", "--json")
    (week,) = json.loads(review.stdout)["weeks"]
    assert week["runs"]["planned"] == 0
    assert week["core"]["done"] == 0


def test_after_a_red_flag_the_plan_is_only_the_clinician_message(db: str) -> None:
    cli(db, "screen", "--yes", "fever", "--no-others", "--date", "2020-12-06")
    data = plan_json(db)
    assert data["mode"] == "blocked"
    assert data["weeks"] == []
    assert "No training plan until a clinician has seen you." in str(data["blocked_message"])
    human = cli(db, "plan", "--on", "2020-12-06")
    assert human.exit_code == 0
    assert "no plan" in human.stdout


def test_the_demo_shows_next_weeks_plan(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["demo", "--folder", str(tmp_path / "demo"), "--json"])
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    plan = out["plan"]
    # The day after the newest demo run (a short triathlon run after a long gap): the
    # run-walk program, and the demo diary's P2 shortens the first session.
    assert plan["as_of"] == out["status"]["as_of"]
    assert plan["mode"] == "return_to_run"
    (week,) = plan["weeks"]
    runs = [s for s in week["sessions"] if s["kind"] == "run_walk"]
    assert len(runs) == 3
    assert runs[0]["rules"][:2] == ["P2", "RTR"]
    assert runs[0]["run_walk"]["repeats"] == 6
    human = CliRunner().invoke(app, ["demo", "--folder", str(tmp_path / "demo2")])
    assert "backstride plan from" in human.stdout
    assert "Week of" in human.stdout


def test_fit_workouts_are_written_into_a_new_folder(db: str, tmp_path: Path) -> None:
    target = tmp_path / "workouts" / "next-week"
    result = cli(db, "plan", "--on", "2020-12-06", "--fit-workouts", str(target))
    assert result.exit_code == 0, result.stderr
    files = sorted(target.iterdir())
    assert len(files) == 3  # the three run-walk sessions
    assert all(f.suffix == ".fit" and f.read_bytes()[8:12] == b".FIT" for f in files)
    assert "3 FIT workout file(s) written" in result.stdout
    a_file = tmp_path / "plain.txt"
    a_file.write_text("x")
    refused = cli(db, "plan", "--on", "2020-12-06", "--fit-workouts", str(a_file))
    assert refused.exit_code == 1
    assert refused.stderr.startswith("error: ")
    assert "is a file, not a folder" in refused.stderr
    assert a_file.read_text() == "x"


def test_review_lists_each_planned_session_with_its_mark(db: str) -> None:
    cli(db, "plan", "--on", "2020-12-06", "--long-run-day", "thu", "--cross", "none")
    cli(db, "done", "core", "--date", "2020-12-08")
    result = cli(db, "plan", "--review", "--on", "2020-12-11", "--weeks", "1", "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    marks = [
        (s["date"], s["kind"], s["mark"], s["activity_id"], s["logged"]) for s in data["sessions"]
    ]
    assert marks == [
        ("2020-12-07", "run_walk", "missed", None, False),
        ("2020-12-08", "core", "done", None, True),
        ("2020-12-10", "run_walk", "done", 1, False),  # the real run, the database's only
        ("2020-12-11", "core", "upcoming", None, False),  # today
    ]
    (week,) = data["weeks"]
    assert week["runs"]["fulfilled"] == sum(m[2] == "done" for m in marks if m[1] == "run_walk")
    human = cli(db, "plan", "--review", "--on", "2020-12-11", "--weeks", "1")
    lines = [" ".join(line.split()) for line in human.stdout.splitlines()]
    assert any("Thu 10 Dec" in line and "done ✓" in line and "activity 1" in line for line in lines)
    assert any("Mon 07 Dec" in line and "missed ✗" in line for line in lines)
    assert any("Tue 08 Dec" in line and "logged" in line for line in lines)


def test_pain_of_9_pauses_running_in_the_plan_and_its_json(db: str) -> None:
    # Issue 12: 10/10 during a run got the same response as 6/10.
    logged = cli(db, "pain", "log", "9", "--when", "during", "--date", "2020-12-10")
    assert logged.exit_code == 0, logged.stderr
    result = cli(db, "plan", "--on", "2020-12-11", "--weeks", "2", "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["mode"] == "paused"
    sessions = [s for w in data["weeks"] for s in w["sessions"]]
    assert sessions
    assert not [s for s in sessions if s["kind"] in ("run", "run_walk")]
    assert {s["routine"] for s in sessions if s["kind"] == "core"} == {"core_1"}
    assert data["notes"][0].startswith("P1: no running until your pain settles below 8/10")
    out = " ".join(cli(db, "plan", "--on", "2020-12-11").stdout.split())
    assert "no running until pain settles (core and cross-training only)" in out
    assert "take the symptom screen again now (backstride screen)" in out
