"""docs/clinic.md stays true to the command line: every ``backstride`` command it shows (in a
console block, a systemd unit's ``ExecStart=`` or inline as `backstride ...`) is parsed by
the real CLI, so an option or a command that does not exist (or no longer does) fails here."""

from __future__ import annotations

import re
import shlex
from typing import Any

import pytest
import typer

from backstride.cli.app import app
from tests.conftest import ROOT

CLINIC = ROOT / "docs" / "clinic.md"
#: Placeholders the page uses for a value, and a value of the right shape for each.
PLACEHOLDERS = {"NAME": "anna", "N": "2", "URL": "https://clinic.example.org"}


def _lines() -> list[str]:
    """Every backstride command line of the page, without its shell prefix."""
    text = CLINIC.read_text()
    found: list[str] = []
    for line in text.splitlines():
        if line.startswith("$ ") and " backstride " in f" {line[2:]}":
            command = line[2:]
            command = command.split("|", 1)[1] if "|" in command else command
            found.append(command.strip())
        elif line.startswith("ExecStart="):
            found.append(line.split("=", 1)[1].rsplit("/", 1)[1])
    found += re.findall(r"`(backstride (?:[a-z-]+)(?: [^`]*)?)`", text)
    return [line for line in found if line.split()[0] == "backstride"]


def _parse(words: list[str]) -> None:
    """Parse ``words`` (after ``backstride``) as the CLI would, without running anything."""
    # Typer brings its own Click: groups are told by their get_command, and a group's context
    # keeps the subcommand and what follows it in _protected_args + args.
    command: Any = typer.main.get_command(app)
    context = command.make_context("backstride", list(words))
    while hasattr(command, "get_command"):
        rest = [*context._protected_args, *context.args]
        if not rest:
            break
        name, *rest = rest
        sub = command.get_command(context, name)
        assert sub is not None, f"no command {name!r} in {words}"
        command = sub
        context = command.make_context(name, rest, parent=context)


def test_the_page_shows_the_clinic_commands() -> None:
    lines = _lines()
    for command in ("server", "worker", "db upgrade", "admin create-user", "admin reset-link"):
        assert any(line.startswith(f"backstride {command}") for line in lines), command


@pytest.mark.parametrize("line", _lines())
def test_every_command_line_parses(line: str) -> None:
    words = [PLACEHOLDERS.get(w, w) for w in shlex.split(line)[1:]]
    _parse(words)


def test_a_wrong_option_is_caught() -> None:
    with pytest.raises(Exception, match="No such option"):
        _parse(["server", "--web-processes", "2"])
    with pytest.raises(Exception, match="Missing parameter: role"):
        _parse(["admin", "create-user", "anna"])  # --role is required
    with pytest.raises(AssertionError, match="no command"):
        _parse(["admin", "create-users", "anna"])
