"""Every command's ``--help``, audited (issue 18).

The commands are found by walking the application's command tree, so a command added later
is audited too. Each help screen must name its values (DATE, N, PATH...), never a Python type
(``<bool>``, ``<int>``, ``<list[Path]>``); describe every option and argument; keep every
word it was written with (Rich reads ``[...]`` as markup and drops it, which left " ." at the
end of "Judge as of this day [default: today]."); and show a number range (``[1<=x<=52]``)
only where it agrees with the range its text states.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import typer.main
from rich.text import Text
from typer.testing import CliRunner

from backstride.cli.app import app
from backstride.rules.catalogue import PRACTICES

#: A Python type where a value's name belongs: <bool>, <int>, <int range>, <list[Path]>...
TYPE_LABEL = re.compile(r"<[a-zA-Z][\w ]*(\[[^\]]*\])?>")
#: Space before a full stop or comma: what is left when Rich swallowed a [bracket].
STRAY_PUNCTUATION = re.compile(r"\s[.,;](\s|$)")
#: A range the text states: "1-4", "0 to 20" (not dates, not "CR-10").
TEXT_RANGE = re.compile(r"(?<![\w.-])(\d+(?:\.\d+)?)\s*(?:-|to)\s*(\d+(?:\.\d+)?)(?![\w-])")


def walk(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    yield path, command
    for name, sub in sorted((getattr(command, "commands", None) or {}).items()):
        yield from walk(sub, (*path, name))


ROOT = typer.main.get_command(app)
COMMANDS = list(walk(ROOT))
IDS = [" ".join(path) or "backstride" for path, _ in COMMANDS]


def test_the_walk_finds_the_commands_and_their_subcommands() -> None:
    names = {" ".join(path) for path, _ in COMMANDS}
    assert {"import", "status", "pain log", "pain score", "shoes assign", "db check"} <= names
    assert len(names) >= 25


def _shown(text: str) -> str:
    """What Rich shows of a help text written with its markup."""
    return Text.from_markup(text).plain


def _written(text: str) -> str:
    """The help text as a reader should see it: escaped brackets as brackets."""
    return text.replace("\\[", "[")


def _help_screen(path: tuple[str, ...]) -> str:
    result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=IDS)
def test_help_names_values_and_keeps_its_words(path: tuple[str, ...], command: Any) -> None:
    screen = _help_screen(path)
    problems = [f"type label {m.group()!r}" for m in TYPE_LABEL.finditer(screen)]
    problems += [
        f"stray punctuation: {line.strip()!r}"
        for line in screen.splitlines()
        if STRAY_PUNCTUATION.search(line.replace("│", " "))
    ]
    texts = [("the command", command.help or "")]
    for param in command.params:
        name = max(getattr(param, "opts", None) or [param.name], key=len)
        texts.append((name, getattr(param, "help", None) or ""))
        if not (getattr(param, "help", None) or "").strip():
            problems.append(f"{name} has no help text")
        if not getattr(param, "is_flag", False) and not param.metavar:
            problems.append(f"{name} names no value (metavar)")
    if not (command.help or "").strip():
        problems.append("the command has no help text")
    for where, text in texts:
        if _shown(text) != _written(text):
            problems.append(f"{where}: Rich markup swallowed part of {text!r}")
        if STRAY_PUNCTUATION.search(_shown(text)):
            problems.append(f"{where}: stray punctuation in {text!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=IDS)
def test_a_range_shown_is_the_range_the_text_states(path: tuple[str, ...], command: Any) -> None:
    problems = []
    for param in command.params:
        low, high = getattr(param, "min", None), getattr(param, "max", None)
        stated = {(float(a), float(b)) for a, b in TEXT_RANGE.findall(param.help or "")}
        if low is None or high is None or not stated:
            continue
        if (float(low), float(high)) not in stated:
            problems.append(f"{param.name}: shows [{low}<=x<={high}], says {sorted(stated)}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("path", "command"), [(p, c) for p, c in COMMANDS if getattr(c, "commands", None)], ids=str
)
def test_a_group_lists_every_subcommand(path: tuple[str, ...], command: Any) -> None:
    screen = _help_screen(path)
    listed = {line.strip("│ ").split(" ")[0] for line in screen.splitlines()}
    assert set(command.commands) <= listed, set(command.commands) - listed


def test_status_help_counts_the_lights_it_shows() -> None:
    words = {6: "six", 7: "seven", 8: "eight"}
    screen = " ".join(_help_screen(("status",)).split())
    assert f"{words[len(PRACTICES)]} lights" in screen
    assert f"{words[len(PRACTICES) - 1]} back-friendly practices" in screen


#: Commands that print no result of their own, and why they take no ``--json``.
NO_JSON = {
    ("serve",): "runs the web server until stopped; its /api serves the JSON",
    ("server",): "runs the clinic server until stopped; its /api serves the JSON",
    ("worker",): "runs background jobs until stopped: one log line per job; the jobs' results "
    "are read from the dashboard's /api",
}


def _runs_itself(command: Any) -> bool:
    """A leaf command, or a group that does something without a subcommand (``pain``)."""
    return not getattr(command, "commands", None) or command.invoke_without_command


@pytest.mark.parametrize(
    ("path", "command"), [(p, c) for p, c in COMMANDS if p and _runs_itself(c)], ids=str
)
def test_every_printing_command_takes_json(path: tuple[str, ...], command: Any) -> None:
    options = {o for p in command.params for o in getattr(p, "opts", ())}
    assert "--json" in options or path in NO_JSON


def test_the_checks_catch_what_issue_18_saw() -> None:
    assert TYPE_LABEL.search("--json  <bool>  Print")
    assert TYPE_LABEL.search("<list[Path]>")
    assert TYPE_LABEL.search("<int range> [x>=0]")
    assert not TYPE_LABEL.search("PATH...")
    assert STRAY_PUNCTUATION.search(_shown("Judge as of this day [default: today]."))
    assert not STRAY_PUNCTUATION.search(_shown("Judge as of this day \\[default: today]."))
    assert TEXT_RANGE.findall("Weeks to plan, 1-4; past weeks 1 to 52") == [("1", "4"), ("1", "52")]
    assert not TEXT_RANGE.findall("CR-10, as of 2026-03-01")
