"""What the root command hands to every subcommand, and the consoles they print on."""

from __future__ import annotations

import json
import os
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.text import Text

from backstride.cli.upgrade_bar import UpgradeBar
from backstride.config import Settings
from backstride.service.clock import day_out_of_range

if TYPE_CHECKING:  # the store is imported by the commands that open it (start-up, issue 15)
    from backstride.service import Finding, Store

#: The red flags active in the store this command opened (set by :func:`open_from`; the
#: root callback clears it): every ``--json`` object carries them (:func:`print_json`).
RED_FLAGS: ContextVar[tuple[Finding, ...]] = ContextVar("red_flags", default=())


@dataclass
class CliState:
    settings: Settings
    debug: bool = False


def state(ctx: typer.Context) -> CliState:
    obj = ctx.find_root().obj
    assert isinstance(obj, CliState), "the root callback sets the state"
    return obj


def open_from(ctx: typer.Context) -> Store:
    """Open the store (``with open_from(ctx) as store:``); when the latest symptom screen found
    an R1/R2 red flag, say so first on the terminal, before whatever the command shows (red
    flags win, issue 5)."""
    from backstride.service import active_red_flags, open_database

    with UpgradeBar(stderr()) as bar:
        store = open_database(state(ctx).settings, progress=bar)
    try:
        flags = active_red_flags(store)
    except Exception:
        store.close()
        raise
    RED_FLAGS.set(tuple(flags))
    console = stderr()
    for finding in flags:
        style = "bold white on red" if finding.severity == "very_high" else "bold red"
        console.print(Text(finding.message, style=style))
    return store


def stdout() -> Console:
    # Built per call, so CliRunner's swapped stdout is the one written to. Piped output is
    # not squeezed into 80 columns: tables stay one row per line for grep and less.
    console = Console(highlight=False)
    if not console.is_terminal:
        console = Console(highlight=False, width=160)
    return console


def stderr() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def write_private(path: Path, data: bytes) -> None:
    """Write a file readable by its owner only (0600): reports and calendars hold health
    data. An existing file keeps the bytes replaced and is made private too."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, data)
    finally:
        os.close(fd)


def print_json(value: Any) -> None:
    """``value`` as indented JSON; an object also carries the active red flags, first, while
    there are any (``red_flags``: what to do instead of training), as ``/api`` does."""
    flags = RED_FLAGS.get()
    if flags and isinstance(value, dict) and "red_flags" not in value:
        value = {"red_flags": [f.to_json() for f in flags], **value}
    typer.echo(json.dumps(value, indent=2, ensure_ascii=False))


OnOption = Annotated[
    str | None,
    typer.Option("--on", metavar="YYYY-MM-DD", help="Judge as of this day \\[default: today]."),
]


def parse_day(value: str | None, option: str = "--on") -> date | None:
    """A YYYY-MM-DD option value; bad usage (exit 2) when it is not a date."""
    if value is None:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not a date (YYYY-MM-DD)", param_hint=option
        ) from None
    if (problem := day_out_of_range(day)) is not None:
        raise typer.BadParameter(problem, param_hint=option)
    return day
