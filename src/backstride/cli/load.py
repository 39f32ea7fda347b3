"""`backstride load`: weekly running distance, long run, load and cross-training."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from backstride import service
from backstride.cli import render
from backstride.cli.state import open_from, print_json, stdout


def load_command(
    ctx: typer.Context,
    weeks: Annotated[int, typer.Option(help="How many weeks to show.", min=1, max=520)] = 12,
    on: Annotated[
        str | None,
        typer.Option("--on", metavar="YYYY-MM-DD", help="Last week shown [default: this week]."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Week by week: running km (with a sparkline), runs, long run, load, other sport.

    Example: backstride load --weeks 8
    """
    try:
        as_of = date.fromisoformat(on) if on else None
    except ValueError:
        raise typer.BadParameter(f"{on!r} is not a date (YYYY-MM-DD)", param_hint="--on") from None
    store = open_from(ctx)
    try:
        history = service.get_load(store, weeks=weeks, as_of=as_of)
    finally:
        store.close()
    if as_json:
        print_json(
            {
                "as_of": history.as_of.isoformat(),
                "load_basis": history.load_basis,
                "weeks": [
                    {
                        "week_start": w.monday.isoformat(),
                        "run_distance_m": round(w.run_distance_m, 1),
                        "runs": w.runs,
                        "long_run_m": round(w.long_run_m, 1),
                        "load_au": round(w.load_au, 1),
                        "other_minutes": round(w.other_minutes, 1),
                        "strength_sessions": w.strength_sessions,
                        "change_2w": None if w.change_2w is None else round(w.change_2w, 4),
                    }
                    for w in history.weeks
                ],
            }
        )
    else:
        render.load_table(stdout(), history)
