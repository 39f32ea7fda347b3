"""`backstride load`: weekly running distance, long run, load and cross-training."""

from __future__ import annotations

from typing import Annotated

import typer

from backstride import service
from backstride.cli import render
from backstride.cli.state import OnOption, open_from, parse_day, print_json, stdout


def load_command(
    ctx: typer.Context,
    weeks: Annotated[
        int, typer.Option(metavar="N", help="How many weeks to show, 1-520.", min=1, max=520)
    ] = 12,
    on: OnOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Week by week: running km (with a sparkline), runs, long run, load, other sport.

    Example: backstride load --weeks 8
    """
    as_of = parse_day(on)
    with open_from(ctx) as store:
        history = service.get_load(store, weeks=weeks, as_of=as_of)
    if as_json:
        print_json(history.to_json())
    else:
        render.load_table(stdout(), history)
