"""The CLI names its own option in an error line (issue 13): the service says which field
(``days_per_week``), ``cli/app.py`` turns it into the command's option or argument. One case
per command family; the plan, done, pain and screen-clear families have theirs beside their
other bad-input tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from backstride.cli.app import option_for
from tests.cli_runs import cli


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["shoes", "default", "Ghost", "--sport", "swim"], "error: --sport: unknown sport 'swim'"),
        (["shoes", "add", " "], "error: NAME: a shoe needs a name"),
        (["screen", "--no", "nosuch"], "error: --yes/--no: unknown screen question 'nosuch'"),
        (["learn", "nosuch"], "error: TOPIC: unknown topic 'nosuch'"),
        (["report", "--from", "2018-07-08", "--to", "2018-05-21", "--json"],
         "error: --from: the period starts after it ends"),
        (["plan", "--long-run-day", "someday"], "error: --long-run-day: long run day 'someday'"),
        (["pain", "log", "3", "--when", "lunch"], "error: --when: when 'lunch' is not one of"),
        (["done", "cross", "--sport", "golf"], "error: --sport: sport 'golf' is not one of"),
    ],
)  # fmt: skip
def test_an_error_line_names_the_commands_own_option(
    tmp_path: Path, args: list[str], line: str
) -> None:
    result = cli(f"sqlite:///{tmp_path / 'e.db'}", *args)
    assert result.exit_code == 1, result.output
    first = result.stderr.splitlines()[0]
    assert first.startswith(line), first
    assert "Traceback" not in result.output


def test_a_field_the_command_does_not_have_leaves_the_message_alone() -> None:
    assert option_for("days_per_week", None) is None
    assert option_for("days_per_week", object()) is None


def test_debug_shows_the_traceback_behind_the_line(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from backstride.cli.app import app

    db = f"sqlite:///{tmp_path / 'e.db'}"
    quiet = CliRunner().invoke(app, ["--db", db, "learn", "nosuch"])
    loud = CliRunner().invoke(app, ["--db", db, "--debug", "learn", "nosuch"])
    assert "Traceback" not in quiet.stderr
    assert "Traceback" in loud.stderr
    assert "error: TOPIC: unknown topic 'nosuch'" in loud.stderr
