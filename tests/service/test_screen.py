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


# --- clinician clearance (issue 12) ----------------------------------------------------------


def screen_json(db: str, *args: str) -> dict[str, object]:
    result = cli(db, "screen", *args, "--json")
    assert result.exit_code == 0, result.stderr  # type: ignore[attr-defined]
    return json.loads(result.stdout)  # type: ignore[attr-defined,no-any-return]


def test_screen_clear_records_the_visit_and_lifts_an_urgent_screen(db: str) -> None:
    screen_json(db, "--yes", "cancer_history", "--no-others", "--date", "2020-12-09")
    assert status(db)["training_suspended"] is True
    out = screen_json(db, "clear", "--date", "2020-12-10", "--by", "Dr Lee, GP", "--note", "ok")
    assert out["clearance"] == {"date": "2020-12-10", "by": "Dr Lee, GP", "note": "ok"}
    latest = out["latest_screen"]
    assert latest["outcome"] == "clear"  # type: ignore[index]
    assert latest["blocks_training"] is False  # type: ignore[index]
    assert latest["clearance"] == out["clearance"]  # type: ignore[index]
    assert "red_flags" not in out
    assert cli(db, "load").stderr == ""  # type: ignore[attr-defined]
    human = cli(db, "screen", "clear", "--date", "2020-12-10").stdout  # type: ignore[attr-defined]
    assert "Recorded: A clinician saw you on 2020-12-10." in human
    assert "no longer pauses training" in human


def test_after_a_visit_the_same_trait_does_not_block_but_a_new_symptom_does(db: str) -> None:
    cli(db, "screen", "--yes", "cancer_history", "--no-others", "--date", "2020-12-08")
    cli(db, "screen", "clear", "--date", "2020-12-09")
    same = screen_json(db, "--yes", "cancer_history", "--no-others", "--date", "2020-12-10")
    assert (same["outcome"], same["blocks_training"]) == ("clear", False)
    assert same["clearance"]["date"] == "2020-12-09"  # type: ignore[index]
    assert status(db)["training_suspended"] is False
    new = screen_json(db, "--yes", "cancer_history", "--yes", "thoracic_pain", "--no-others",
                      "--date", "2020-12-11")  # fmt: skip
    assert (new["outcome"], new["blocks_training"]) == ("urgent", True)
    assert status(db)["training_suspended"] is True


def test_after_a_visit_something_changed_blocks_again(db: str) -> None:
    cli(db, "screen", "clear", "--date", "2020-12-09")
    out = screen_json(db, "--yes", "changed_since_clearance", "--no-others", "--date", "2020-12-10")
    assert out["outcome"] == "urgent"
    message = out["findings"][0]["message"]  # type: ignore[index]
    assert "something new or worse since a clinician saw you on 2020-12-09" in message


def test_a_new_emergency_the_day_of_the_visit_is_not_cleared_by_it(db: str) -> None:
    cli(db, "screen", "clear", "--date", "2020-12-11")
    out = screen_json(db, "--yes", "both_legs_pain", "--no-others", "--date", "2020-12-11")
    assert (out["outcome"], out["blocks_training"]) == ("emergency", True)
    assert status(db)["training_suspended"] is True


def test_a_clearance_does_not_reach_back_before_its_day(db: str) -> None:
    cli(db, "screen", "--yes", "fever", "--no-others", "--date", "2020-12-09")
    cli(db, "screen", "clear", "--date", "2020-12-11")
    assert status(db, "2020-12-10")["training_suspended"] is True
    assert status(db, "2020-12-11")["training_suspended"] is False


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--date", "2199-12-31"], "the date 2199-12-31 is in the future"),
        (["--date", "1850-01-01"], "1850-01-01"),
        (["--date", "yesterday"], "--date"),
        (["--by", "x" * 201], "at most 200 are kept"),
        (["--note", "x" * 2001], "at most 2000 are kept"),
        (["--by", "Dr\nLee"], "error: --by: by (who saw you) must be one line"),
    ],
)
def test_bad_clearances_are_one_line_errors_and_not_stored(
    db: str, args: list[str], message: str
) -> None:
    result = cli(db, "screen", "clear", *args)
    assert result.exit_code in (1, 2)  # type: ignore[attr-defined]
    assert message in " ".join(result.stderr.split())  # type: ignore[attr-defined]
    assert "Traceback" not in result.stderr  # type: ignore[attr-defined]
    assert screen_json(db, "--no-others")["clearance"] is None


def test_screen_questions_in_a_terminal_ask_what_changed_only_after_a_visit(db: str) -> None:
    from backstride.config import load_settings
    from backstride.service import open_database
    from backstride.service.screening import screen_questions

    with open_database(load_settings(database_url=db)) as store:
        assert "changed_since_clearance" not in {q.field for q in screen_questions(store)}
        cli(db, "screen", "clear", "--date", "2020-12-09")
        asked = {q.field: q.text for q in screen_questions(store)}
    assert "on 2020-12-09?" in asked["changed_since_clearance"]


def test_learn_explains_every_red_flag_rule_with_source_and_grade() -> None:
    lessons = json.loads(CliRunner().invoke(app, ["learn", "--json"]).stdout)
    by_rule = {lesson["rule"]: lesson for lesson in lessons}
    assert (by_rule["R1"]["citation"], by_rule["R1"]["grade"]) == (
        "Finucane 2020; GIRFT 2023; BMJ Best Practice",
        "C",
    )
    assert (by_rule["R2"]["citation"], by_rule["R2"]["grade"]) == (
        "Downie 2013; Finucane 2020",
        "A/C",
    )
    assert (by_rule["R3"]["citation"], by_rule["R3"]["grade"]) == ("NICE NG65 2017", "C")
    assert "pain in both legs" in by_rule["R1"]["text"]
    assert "stress incontinence" in by_rule["R1"]["text"]
    assert "9 features" in by_rule["R3"]["text"]
    assert all(by_rule[r]["heading"] for r in ("R1", "R2", "R3"))
