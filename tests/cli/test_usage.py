"""Usage the help promises (issue 18): contradictory flags refused in one line, every
printing command with ``--json``, and ``done cross`` taking what the activity model counts as
cross-training."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from backstride.analysis.table import NOT_CROSS_TRAINING, activity_kind
from backstride.service.routines import LOGGED_CROSS_SPORTS
from tests.cli_runs import cli, database_with_a_run


@pytest.fixture
def db(tmp_path: Path) -> str:
    return database_with_a_run(tmp_path)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["screen", "--yes", "fever", "--no", "fever"], "fever: answered both yes and no"),
        (["plan", "--review", "--ics", "plan.ics"], "--review looks back and writes no plan"),
        (["shoes", "assign", "1", "X", "--none"], "give a shoe NAME, or --none (not both)"),
    ],
)
def test_contradictory_flags_are_one_line_usage_errors(
    db: str, args: list[str], message: str
) -> None:
    result = cli(db, *args)
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.stderr.split())
    assert "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) <= 6  # Click's usage box, no traceback


def test_done_cross_needs_minutes_or_a_sport(db: str) -> None:
    result = cli(db, "done", "cross")
    assert result.exit_code == 1
    assert "error: say what the cross-training was" in result.stderr
    assert "hint: for example: backstride done cross --sport rowing" in result.stderr
    assert cli(db, "done", "cross", "--minutes", "30").exit_code == 0


@pytest.mark.parametrize(
    ("given", "stored"), [("rowing", "rowing"), ("Cycling", "cycle"), ("cross-country skiing",
                                                                      "cross_country_skiing")]
)  # fmt: skip
def test_done_cross_takes_the_cross_training_sports_of_the_model(
    db: str, given: str, stored: str
) -> None:
    result = cli(db, "done", "cross", "--sport", given, "--minutes", "40", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["sport"] == stored


def test_the_logged_sports_are_the_models_cross_training() -> None:
    assert {"swim", "cycle", "elliptical", "rowing", "walking"} <= set(LOGGED_CROSS_SPORTS)
    for sport in ("running", "training", "fitness_equipment", "generic", "strength"):
        assert sport not in LOGGED_CROSS_SPORTS
    for sport in set(LOGGED_CROSS_SPORTS) - {"swim", "cycle", "elliptical"}:
        assert activity_kind(sport) not in NOT_CROSS_TRAINING


def test_shoes_retire_and_assign_print_json(db: str) -> None:
    assert cli(db, "shoes", "add", "Ghost 15").exit_code == 0
    assigned = cli(db, "shoes", "assign", "1", "Ghost 15", "--json")
    assert json.loads(assigned.stdout) == {"activity_id": 1, "gear": "Ghost 15"}
    retired = json.loads(cli(db, "shoes", "retire", "Ghost 15", "--json").stdout)
    assert retired["name"] == "Ghost 15"
    assert retired["retired"] is True
    assert retired["activities"] == 1
    unassigned = cli(db, "shoes", "assign", "1", "--none", "--json")
    assert json.loads(unassigned.stdout) == {"activity_id": 1, "gear": None}
