"""`backstride shoes`: your shoes with their distance; add, retire, default, assign."""

from __future__ import annotations

from typing import Annotated

import typer

from backstride import service
from backstride.cli import render
from backstride.cli.state import OnOption, open_from, parse_day, print_json, stdout
from backstride.model import Gear
from backstride.service.thresholds import catalogue_thresholds
from backstride.views import shoe_view

JsonOption = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]
NameArgument = Annotated[str, typer.Argument(metavar="NAME", help="The shoe's name.")]
#: S1's limits, for the help text (the limits themselves are applied by the rule).
_S1 = catalogue_thresholds()["S1"]


def _km(value: float | None) -> float | None:
    if value is not None and value < 0:
        raise typer.BadParameter(f"a distance must be 0 or more, not {value}")
    return None if value is None else value * 1000.0


def list_command(ctx: typer.Context, on: OnOption = None, as_json: JsonOption = False) -> None:
    """Your shoes: distance and runs per pair, counted up to a day (--on, default today).
    Subcommands add, retire, default, assign.

    Example: backstride shoes --on 2026-05-31 --json
    """
    if ctx.invoked_subcommand is not None:
        return  # `shoes add ...`: the group's own listing stays quiet
    as_of = parse_day(on)
    with open_from(ctx) as store:
        shoes = service.list_shoes(store, as_of=as_of)
    if as_json:
        print_json([shoe_view(s) for s in shoes])
    elif not shoes:
        stdout().print(
            'No shoes yet: backstride shoes add "Ghost 15" --initial-km 120, then backstride '
            'shoes default "Ghost 15" gives the pair your runs.'
        )
    else:
        stdout().print(render.shoes_table(shoes, as_of))


def add_command(
    ctx: typer.Context,
    name: NameArgument,
    brand: Annotated[str | None, typer.Option(metavar="TEXT", help="Brand, e.g. Brooks.")] = None,
    model: Annotated[str | None, typer.Option(metavar="TEXT", help="Model, e.g. Ghost 15.")] = None,
    start_date: Annotated[
        str | None, typer.Option(metavar="YYYY-MM-DD", help="First used on.")
    ] = None,
    initial_km: Annotated[
        float,
        typer.Option(metavar="KM", help="Distance already run in them before backstride knew."),
    ] = 0.0,
    inspect_km: Annotated[
        float | None,
        typer.Option(
            metavar="KM", help=f"Inspect them at this distance \\[default: {_S1['inspect_km']:g}]."
        ),
    ] = None,
    replace_km: Annotated[
        float | None,
        typer.Option(
            metavar="KM",
            help=f"Consider replacing at this distance \\[default: {_S1['replace_km']:g}].",
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Add a pair of shoes (or update the pair with that name).

    Example: backstride shoes add "Ghost 15" --brand Brooks --start-date 2026-03-01
    """
    started = parse_day(start_date, "--start-date")
    shoe = Gear(
        name=name,
        brand=brand,
        model=model,
        start_date=started,
        initial_distance_m=_km(initial_km) or 0.0,
        inspect_at_m=_km(inspect_km),
        replace_at_m=_km(replace_km),
    )
    with open_from(ctx) as store:
        stored = service.add_shoe(store, shoe)
    if as_json:
        print_json(shoe_view(stored))
    else:
        stdout().print(f"added {stored.gear.name}")


def retire_command(ctx: typer.Context, name: NameArgument, as_json: JsonOption = False) -> None:
    """Mark a pair as retired (it stays in your history).

    Example: backstride shoes retire "Ghost 14"
    """
    with open_from(ctx) as store:
        service.retire_shoe(store, name)
        shoes = service.list_shoes(store) if as_json else []
    if as_json:
        print_json(next(shoe_view(s) for s in shoes if s.gear.name == name))
    else:
        stdout().print(f"retired {name}")


def default_command(
    ctx: typer.Context,
    name: NameArgument,
    sport: Annotated[str, typer.Option(metavar="SPORT", help="run, walk or hike.")] = "run",
    as_json: JsonOption = False,
) -> None:
    """Use this pair for every run (walk, hike) the archive does not name a shoe for.

    Runs already imported without a shoe, from the pair's start date on, get it too.

    Example: backstride shoes default "Ghost 15" --sport run
    """
    with open_from(ctx) as store:
        assigned = service.set_default_shoe(store, name, sport=sport)
    if as_json:
        print_json({"default": name, "sport": sport, "assigned": assigned})
    else:
        stdout().print(f"{name} is the default for {sport}; given to {assigned} activities")


def assign_command(
    ctx: typer.Context,
    activity_id: Annotated[int, typer.Argument(metavar="ID", help="Activity id.")],
    name: Annotated[
        str | None, typer.Argument(metavar="NAME", help="The shoe (omit with --none).")
    ] = None,
    none: Annotated[bool, typer.Option("--none", help="Run in no known pair.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Say which pair an activity was run in.

    Example: backstride shoes assign 42 "Ghost 15"
    """
    if (name is None) == (not none):
        raise typer.BadParameter("give a shoe NAME, or --none (not both)")
    with open_from(ctx) as store:
        service.assign_shoe(store, activity_id, None if none else name)
    if as_json:
        print_json({"activity_id": activity_id, "gear": None if none else name})
    else:
        stdout().print(f"activity {activity_id}: {name or 'no shoe'}")
