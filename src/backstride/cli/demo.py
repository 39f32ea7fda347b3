"""`backstride demo`: a throw-away store with bundled real activities, to see it work."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import platformdirs
import typer
from rich.text import Text

from backstride import service
from backstride.cli import render
from backstride.cli.plan import plan_screen
from backstride.cli.state import print_json, stdout
from backstride.views import activity_view, import_report_view


def demo_command(
    ctx: typer.Context,
    folder: Annotated[
        Path | None,
        typer.Option(
            "--folder",
            metavar="DIR",
            help="Where to put the throw-away demo database "
            "\\[default: a demo folder in your user cache].",
            file_okay=False,
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Import the bundled sample activities into a fresh demo database and list them.

    Your own database is not touched.

    Example: backstride demo
    """
    target = folder or Path(platformdirs.user_cache_dir("backstride", appauthor=False)) / "demo"
    result = service.run_demo(target)
    if as_json:
        print_json(
            {
                "database": result.database_url,
                "import": import_report_view(result.report),
                "activities": [activity_view(a) for a in result.activities],
                "status": result.status.to_json(),
                "plan": None if result.plan is None else service.plan_to_json(result.plan),
            }
        )
        return
    out = stdout()
    out.print(Text("backstride demo", style="bold"), f"- a throw-away database at {target}")
    render.import_summary(out, result.report)
    out.print(render.activities_table(result.activities))
    out.print(
        "Twin files of one activity (a FIT and its GPX export) were stored once: "
        "see the 'duplicates' count above.\n"
    )
    render.status_screen(out, result.status, show=4)
    if result.plan is not None:
        out.print()
        plan_screen(out, result.plan)
    out.print(f"\nLook closer:  backstride --db {result.database_url} show 1")
    out.print(
        f"              backstride --db {result.database_url} status "
        f"--on {result.status.as_of.isoformat()}"
    )
    out.print(
        f"              backstride --db {result.database_url} plan "
        f"--on {result.status.as_of.isoformat()} --weeks 2"
    )
    out.print("Your own files:  backstride import PATH ...   then   backstride activities")
    out.print(
        f"\nSee it in your browser:  backstride --db {result.database_url} serve\n"
        f"   then open  http://127.0.0.1:8000/?on={result.status.as_of.isoformat()}"
    )
