"""The red-flag screen end to end: stored with its date, first in status, training suspended."""

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


def status(db: str, day: str = "2020-12-11") -> dict[str, object]:
    result = cli(db, "status", "--on", day, "--json")
    assert result.exit_code == 0, result.stderr  # type: ignore[attr-defined]
    return json.loads(result.stdout)  # type: ignore[attr-defined,no-any-return]


def test_no_screen_yet_means_one_is_due(db: str) -> None:
    assert status(db)["screen_due"] == "first use: no symptom screen yet"


def test_a_clear_screen_is_stored_and_stops_the_reminder(db: str) -> None:
    result = cli(db, "screen", "--no-others", "--date", "2020-12-11", "--json")
    out = json.loads(result.stdout)  # type: ignore[attr-defined]
    assert (out["outcome"], out["blocks_training"]) == ("clear", False)
    assert all(v is False for v in out["answers"].values())
    after = status(db)
    assert after["screen_due"] is None
    assert after["training_suspended"] is False


@pytest.mark.parametrize(
    ("sign", "outcome", "rule"),
    [("saddle_numbness", "emergency", "R1"), ("fever", "urgent", "R2")],
)
def test_an_r1_or_r2_screen_comes_first_and_suspends_training(
    db: str, sign: str, outcome: str, rule: str
) -> None:
    out = json.loads(cli(db, "screen", "--yes", sign, "--no-others", "--date", "2020-12-11",
                         "--json").stdout)  # type: ignore[attr-defined]  # fmt: skip
    assert (out["outcome"], out["blocks_training"]) == (outcome, True)
    now = status(db)
    assert now["training_suspended"] is True
    assert now["findings"][0]["rule"] == rule  # type: ignore[index]
    lights = now["practices"]
    assert all(light["status"] != "green" for light in lights.values())  # type: ignore[attr-defined]
    assert lights["clinician"]["status"] == "red"  # type: ignore[index]
    human = cli(db, "status", "--on", "2020-12-11").stdout  # type: ignore[attr-defined]
    assert human.index(rule) < human.index("Gradual mileage")


def test_skipped_questions_make_an_incomplete_screen_not_a_negative_one(db: str) -> None:
    out = json.loads(cli(db, "screen", "--no", "fever", "--date", "2020-12-11", "--json").stdout)  # type: ignore[attr-defined]
    assert out["outcome"] == "incomplete"


def test_a_screen_dated_in_the_future_is_refused_and_not_stored(db: str) -> None:
    # Only the latest screen counts: one dated ahead would hide every later red flag.
    result = cli(db, "screen", "--no-others", "--date", "2199-12-31")
    assert result.exit_code == 1  # type: ignore[attr-defined]
    assert "the date 2199-12-31 is in the future" in result.stderr  # type: ignore[attr-defined]
    assert status(db)["screen_due"] is not None


def test_unknown_question_is_a_one_line_error(db: str) -> None:
    result = cli(db, "screen", "--yes", "headache")
    assert result.exit_code == 1  # type: ignore[attr-defined]
    assert "unknown screen question 'headache'" in result.stderr  # type: ignore[attr-defined]


def test_without_a_terminal_or_answers_it_is_bad_usage(db: str) -> None:
    result = CliRunner().invoke(app, ["--db", db, "screen"], input="")
    assert result.exit_code == 2
    assert "--yes/--no/--no-others" in " ".join(result.stderr.split())


def test_leg_symptoms_after_a_screen_make_the_next_one_due(db: str) -> None:
    cli(db, "screen", "--no-others", "--date", "2020-12-10")
    cli(db, "pain", "log", "3", "--date", "2020-12-11", "--leg-symptoms", "one-side")
    assert status(db)["screen_due"] == "leg symptoms logged since the last screen"


def test_learn_discs_shows_the_d1_card_with_its_source() -> None:
    result = CliRunner().invoke(app, ["learn", "discs", "--json"])
    [card] = json.loads(result.stdout)
    assert card["rule"] == "D1"
    assert card["citation"]
    assert "associations, not proof" in card["text"]
    assert "diagnos" not in card["text"].lower()


def test_learn_practices_covers_every_training_rule_and_refuses_unknown_topics() -> None:
    lessons = json.loads(CliRunner().invoke(app, ["learn", "--json"]).stdout)
    rules = {lesson["rule"] for lesson in lessons}
    assert {"L1", "L2", "F1", "F4", "S1", "X1", "C1", "P1"} <= rules
    assert all(lesson["grade"] and lesson["citation"] for lesson in lessons)
    bad = CliRunner().invoke(app, ["learn", "spine"])
    assert bad.exit_code == 1
    assert "unknown topic 'spine'" in bad.stderr


@pytest.mark.parametrize(
    "command", [["load"], ["form"], ["shoes"], ["activities"], ["pain"], ["show", "1"]]
)
def test_after_an_emergency_screen_every_view_shows_it_first(db: str, command: list[str]) -> None:
    cli(db, "screen", "--yes", "bladder_bowel_change", "--no-others", "--date", "2020-12-11")
    result = cli(db, *command)
    assert result.exit_code == 0, result.stderr  # type: ignore[attr-defined]
    assert result.stderr.startswith("R1")  # type: ignore[attr-defined]
    assert "emergency" in result.stderr  # type: ignore[attr-defined]
    as_json = cli(db, *command, "--json")  # JSON on stdout stays parseable
    json.loads(as_json.stdout)  # type: ignore[attr-defined]


def test_a_later_clear_screen_lifts_the_banner(db: str) -> None:
    cli(db, "screen", "--yes", "fever", "--no-others", "--date", "2020-12-10")
    cli(db, "screen", "--no-others", "--date", "2020-12-11")
    assert cli(db, "load").stderr == ""  # type: ignore[attr-defined]
