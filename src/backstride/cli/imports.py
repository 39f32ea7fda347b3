"""`backstride import`: files and folders in, an import summary out."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from backstride import service
from backstride.cli import render
from backstride.cli.state import open_from, print_json, stderr, stdout
from backstride.views import import_report_view


def import_command(
    ctx: typer.Context,
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="Activity files (.fit .gpx .tcx, optionally .gz) and folders to search.",
            show_default=False,
        ),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Import activity files and folders (recursively). Re-importing is harmless.

    Exit status 0 when every file imported (or was a duplicate), 1 when some failed.

    Example: backstride import ~/Downloads/run.fit ~/watch-files/
    """
    for path in paths:
        if not path.exists():
            raise typer.BadParameter(f"no such file or folder: {path}", param_hint="PATHS")
    store = open_from(ctx)
    try:
        files = service.list_import_files(paths)
        err = stderr()
        if as_json or not err.is_terminal:
            report = service.import_files(store, files)
        else:
            columns = (
                TextColumn("importing"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TextColumn("{task.description}"),
            )
            with Progress(*columns, console=err, transient=True) as bar:
                task = bar.add_task("", total=len(files))

                def advance(path: Path) -> None:
                    bar.update(task, advance=1, description=path.name)

                report = service.import_files(store, files, progress=advance)
    finally:
        store.close()
    if as_json:
        print_json(import_report_view(report))
    else:
        render.import_summary(stdout(), report)
    if report.failed:
        raise typer.Exit(1)
