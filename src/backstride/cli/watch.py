"""`backstride watch`: import activity files as they appear in folders, until Ctrl-C."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from backstride.cli.state import RED_FLAGS, open_from, state

if TYPE_CHECKING:
    from backstride.service.watching import WatchEvent


def _printer(as_json: bool) -> Callable[[WatchEvent], None]:
    def show(event: WatchEvent) -> None:
        if as_json:
            flags = RED_FLAGS.get()
            value = event.to_json()
            if flags:
                value = {"red_flags": [f.to_json() for f in flags], **value}
            typer.echo(json.dumps(value, ensure_ascii=False))
        else:
            at = event.at.astimezone().strftime("%Y-%m-%d %H:%M:%S")
            where = f"{event.path}  " if event.path else ""
            typer.echo(f"{at}  {event.kind:<9} {where}{event.message}")

    return show


def watch_command(
    ctx: typer.Context,
    folders: Annotated[
        list[Path],
        typer.Argument(
            help="Folders to watch (searched recursively), e.g. a watch's GARMIN/Activity "
            "or a Syncthing folder. A folder not there yet is waited for.",
            show_default=False,
        ),
    ],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object per line per event.")
    ] = False,
    settle: Annotated[
        float,
        typer.Option(
            "--settle",
            min=0.1,
            max=600,
            metavar="SECONDS",
            help="How long a file's size and time must stay unchanged before it is read.",
        ),
    ] = 2.0,
    poll: Annotated[
        bool,
        typer.Option(
            "--poll",
            help="Look for changes by polling (network shares, some USB and FUSE mounts).",
        ),
    ] = False,
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs",
            "-j",
            min=1,
            metavar="N",
            help="Decode a burst of files in N processes [default: BACKSTRIDE_JOBS, else one "
            "per CPU].",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Import new or changed activity files from folders as they appear, until Ctrl-C.

    Files already stored are skipped; each import is one line (time, file, result).

    Example: backstride watch /media/$USER/GARMIN/GARMIN/Activity ~/Sync/runs
    """
    import signal
    import threading

    from backstride import service
    from backstride.service.watching import FolderWatch, StoreImporter, WatchEvent, run_watch

    for folder in folders:
        if folder.exists() and not folder.is_dir():
            raise typer.BadParameter(f"not a folder: {folder}", param_hint="FOLDERS")
    show = _printer(as_json)
    workers = service.resolve_jobs(jobs if jobs is not None else state(ctx).settings.jobs)
    stop = threading.Event()
    with open_from(ctx) as store:
        watch = FolderWatch(folders, StoreImporter(store, jobs=workers), show, settle_s=settle)
        # A service manager's stop (SIGTERM) ends the watch between two imports.
        previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            run_watch(watch, stop=stop, force_polling=poll)
        except KeyboardInterrupt:
            stop.set()
            show(WatchEvent(datetime.now().astimezone(), "stopped", "", "stopped (Ctrl-C)"))
            raise typer.Exit(130) from None
        finally:
            signal.signal(signal.SIGTERM, previous)
    show(WatchEvent(datetime.now().astimezone(), "stopped", "", "stopped"))
