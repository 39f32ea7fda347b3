"""`backstride status`: the seven practices as traffic lights, then the findings that matter."""

from __future__ import annotations

from typing import Annotated

import typer

from backstride import service
from backstride.cli import render
from backstride.cli.state import OnOption, open_from, parse_day, print_json, stdout


def status_command(
    ctx: typer.Context,
    on: OnOption = None,
    show: Annotated[int, typer.Option(metavar="N", help="How many findings to list.", min=0)] = 6,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Where you stand, as seven lights (six back-friendly practices, and your pain diary
    and symptom screen), then the findings that matter, with sources.

    Example: backstride status --on 2026-03-01
    """
    as_of = parse_day(on)
    with open_from(ctx) as store:
        status = service.get_status(store, as_of=as_of)
    if as_json:
        print_json(status.to_json())
    else:
        render.status_screen(stdout(), status, show=show)
