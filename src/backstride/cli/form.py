"""`backstride form`: running form per run, over steady running only."""

from __future__ import annotations

from typing import Annotated

import typer

from backstride import service
from backstride.cli import render
from backstride.cli.state import OnOption, open_from, parse_day, print_json, stdout


def form_command(
    ctx: typer.Context,
    on: OnOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Cadence, step length, vertical oscillation and ratio, ground contact, balance, power:
    per run over the past year, steady running only (no stops, walking, warm-up, hills).

    Example: backstride form --json
    """
    as_of = parse_day(on)
    with open_from(ctx) as store:
        history = service.get_form(store, as_of=as_of)
    if as_json:
        print_json(history.to_json())
    else:
        render.form_screen(stdout(), history)
