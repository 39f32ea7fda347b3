"""`backstride activities` and `backstride show ID`: look at what was imported."""

from __future__ import annotations

from typing import Annotated

import typer

from backstride import service
from backstride.cli import render
from backstride.cli.state import open_from, print_json, stdout
from backstride.views import activity_detail_view, activity_view

JsonOption = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]


def activities_command(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """List imported activities, oldest first.

    Example: backstride activities --json
    """
    with open_from(ctx) as store:
        items = service.list_activities(store)
    if as_json:
        print_json([activity_view(item) for item in items])
    elif not items:
        stdout().print(
            "No activities yet: backstride import PATH... with your watch's files (.fit .gpx "
            ".tcx) or a Strava or Garmin Connect export; backstride demo shows sample runs."
        )
    else:
        stdout().print(render.activities_table(items))


def show_command(
    ctx: typer.Context,
    activity_id: Annotated[int, typer.Argument(metavar="ID", help="Activity id.")],
    as_json: JsonOption = False,
) -> None:
    """Show one activity with its laps, sources and streams.

    Example: backstride show 3
    """
    with open_from(ctx) as store:
        item = service.get_activity(store, activity_id, with_streams=False)
    if as_json:
        print_json(activity_detail_view(item))
    else:
        stdout().print(render.activity_detail(item))
