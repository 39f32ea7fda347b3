"""`backstride form`: running form per run, over steady running only."""

from __future__ import annotations

import math
from datetime import date
from typing import Annotated, Any

import typer

from backstride import service
from backstride.cli import render
from backstride.cli.state import open_from, print_json, stdout

#: FormTable columns shown, with their JSON names (SI units).
COLUMNS = (
    "speed_mps",
    "cadence_spm",
    "step_length_m",
    "vertical_oscillation_m",
    "vertical_ratio_pct",
    "stance_time_s",
    "balance_left_pct",
    "power_w",
    "steady_s",
)


def _num(value: float) -> float | None:
    return None if not math.isfinite(value) else round(float(value), 4)


def form_command(
    ctx: typer.Context,
    on: Annotated[
        str | None,
        typer.Option("--on", metavar="YYYY-MM-DD", help="Judge as of this day [default: today]."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Cadence, step length, vertical oscillation and ratio, ground contact, balance, power:
    per run over the past year, steady running only (no stops, walking, warm-up, hills).

    Example: backstride form --json
    """
    try:
        as_of = date.fromisoformat(on) if on else None
    except ValueError:
        raise typer.BadParameter(f"{on!r} is not a date (YYYY-MM-DD)", param_hint="--on") from None
    store = open_from(ctx)
    try:
        history = service.get_form(store, as_of=as_of)
    finally:
        store.close()
    if as_json:
        runs: list[dict[str, Any]] = []
        table = history.table
        if table is not None:
            for i in range(len(table)):
                row: dict[str, Any] = {
                    "date": str(table.local_date[i]),
                    "activity_id": int(table.activity_id[i]),
                }
                row.update({name: _num(getattr(table, name)[i]) for name in COLUMNS})
                runs.append(row)
        print_json(
            {
                "as_of": history.as_of.isoformat(),
                "runs": runs,
                "findings": [f.to_json() for f in history.findings],
            }
        )
    else:
        render.form_screen(stdout(), history)
