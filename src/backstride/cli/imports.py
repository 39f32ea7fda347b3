"""`backstride import`: files and folders in, an import summary out."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from backstride import service
from backstride.cli import render
from backstride.cli.progress import ProgressBar
from backstride.cli.state import open_from, print_json, state, stderr, stdout
from backstride.views import import_report_view

_COLUMNS = (
    TextColumn("importing"),
    BarColumn(),
    MofNCompleteColumn(),
    TimeElapsedColumn(),
    TextColumn("{task.description}"),
)


def import_command(
    ctx: typer.Context,
    paths: Annotated[
        list[Path],
        typer.Argument(
            metavar="PATH",
            help="Activity files (.fit .gpx .tcx, optionally .gz), folders to search, and "
            "Strava or Garmin Connect export archives (.zip, or unpacked).",
            show_default=False,
        ),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs",
            "-j",
            min=1,
            metavar="N",
            help="Decode files in N processes (1: in this one) \\[default: BACKSTRIDE_JOBS, "
            "else one per CPU].",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Import activity files, folders and export archives. Re-importing is harmless.

    Exit status 0 when every file imported (or was a duplicate), 1 when some failed.

    Example: backstride import ~/Downloads/run.fit ~/watch-files/
    """
    for path in paths:
        if not path.exists():
            raise typer.BadParameter(f"no such file or folder: {path}", param_hint="PATH")
    workers = service.resolve_jobs(jobs if jobs is not None else state(ctx).settings.jobs)
    with open_from(ctx) as store:
        err = stderr()
        if as_json or not err.is_terminal:
            report = service.import_paths(store, paths, jobs=workers)
        else:
            with Progress(*_COLUMNS, console=err, transient=True) as bar:
                report = service.import_paths(store, paths, progress=ProgressBar(bar), jobs=workers)
    if as_json:
        print_json(import_report_view(report))
    else:
        render.import_summary(stdout(), report)
    if report.failed:
        raise typer.Exit(1)
