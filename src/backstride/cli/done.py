"""`backstride done`: log a core session, warm-up, cool-down or cross-training as done."""

from __future__ import annotations

from typing import Annotated

import typer

from backstride import service
from backstride.cli.state import open_from, parse_day, print_json, stdout
from backstride.views import routine_view


def done_command(
    ctx: typer.Context,
    kind: Annotated[str, typer.Argument(metavar="KIND", help="core, warmup, cooldown or cross.")],
    on: Annotated[
        str | None,
        typer.Option(
            "--date", metavar="YYYY-MM-DD", help="The day it was done \\[default: today]."
        ),
    ] = None,
    minutes: Annotated[
        float | None, typer.Option(metavar="MIN", help="How long, 1-600 minutes.")
    ] = None,
    rpe: Annotated[
        int | None,
        typer.Option(metavar="RPE", help="How hard it felt, 0 (rest) to 10 (maximal), CR-10."),
    ] = None,
    sport: Annotated[
        str | None,
        typer.Option(
            metavar="SPORT",
            help="For cross: swim, cycle, elliptical, rowing, walking, hiking, paddling...; a "
            "strength session is logged with: done core.",
        ),
    ] = None,
    note: Annotated[
        str | None, typer.Option(metavar="TEXT", help="Anything worth remembering.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Log a routine as done; imported activities need no logging.

    Example: backstride done core --minutes 20 --rpe 4
    """
    day = parse_day(on, "--date")
    with open_from(ctx) as store:
        logged = service.log_done(
            store, kind, day=day, minutes=minutes, rpe=rpe, sport=sport, note=note
        )
    if as_json:
        print_json(routine_view(logged))
        return
    details = [f"{logged.minutes:g} min" if logged.minutes is not None else None]
    details += [f"RPE {logged.rpe}" if logged.rpe is not None else None, logged.sport]
    shown = ", ".join(d for d in details if d)
    stdout().print(f"logged {logged.kind} on {logged.day}" + (f" ({shown})" if shown else ""))
