"""`backstride strava|intervals connect|disconnect` and `backstride sync` (docs/sync.md).

The HTTP clients are imported when one of these commands runs, not when the CLI starts.
"""

from __future__ import annotations

import webbrowser
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from backstride.cli import render
from backstride.cli.progress import ProgressBar
from backstride.cli.state import open_from, print_json, state, stderr, stdout

JsonOption = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]


class _Lines:
    """Pauses as plain lines on stderr when there is no terminal to draw a bar on."""

    def add_total(self, count: int) -> None:
        pass

    def advance(self, label: str) -> None:
        pass

    def pause(self, message: str) -> None:
        stderr().print(message)


def _status_line(value: dict[str, Any]) -> str:
    who = value.get("athlete_name") or value.get("athlete")
    return f"{value['name']}: connected as {who}"


def strava_connect(
    ctx: typer.Context,
    no_browser: Annotated[
        bool,
        typer.Option(
            "--no-browser", help="Print the authorization URL instead of opening a browser."
        ),
    ] = False,
    timeout: Annotated[
        int, typer.Option("--timeout", min=10, metavar="SECONDS", help="How long to wait.")
    ] = 300,
    as_json: JsonOption = False,
) -> None:
    """Connect your Strava account: approve in the browser, backstride keeps the tokens.

    Needs your own Strava API application (BACKSTRIDE_STRAVA_CLIENT_ID and
    BACKSTRIDE_STRAVA_CLIENT_SECRET; docs/sync.md says how to create one).
    """
    from backstride.service import sync as syncing

    def open_url(url: str) -> None:
        err = stderr()
        err.print("Open this address to let backstride read your Strava activities:")
        err.print(url, soft_wrap=True)
        if not no_browser:
            webbrowser.open(url)

    with open_from(ctx) as store:
        status = syncing.connect_strava_in_browser(
            store, state(ctx).settings, open_url=open_url, timeout_s=timeout
        )
    if as_json:
        print_json(status.to_json())
    else:
        stdout().print(_status_line(status.to_json()) + "; run `backstride sync` to fetch.")


def intervals_connect(
    ctx: typer.Context,
    athlete_id: Annotated[
        str,
        typer.Option("--athlete-id", metavar="ID", help="Your intervals.icu athlete id (i12345)."),
    ],
    api_key: Annotated[
        str,
        typer.Option(
            "--api-key",
            metavar="KEY",
            envvar="BACKSTRIDE_INTERVALS_API_KEY",
            prompt="intervals.icu API key",
            hide_input=True,
            help="Your API key (intervals.icu Settings, Developer Settings).",
        ),
    ],
    as_json: JsonOption = False,
) -> None:
    """Connect intervals.icu with your athlete id and API key (checked once now)."""
    from backstride.service import sync as syncing

    with open_from(ctx) as store:
        status = syncing.connect_intervals(store, athlete_id=athlete_id, api_key=api_key)
    if as_json:
        print_json(status.to_json())
    else:
        stdout().print(_status_line(status.to_json()) + "; run `backstride sync` to fetch.")


def _disconnect(ctx: typer.Context, service: str, as_json: bool) -> None:
    from backstride.service import sync as syncing

    with open_from(ctx) as store:
        was = syncing.disconnect(store, service)
    name = syncing.NAMES[service]
    if as_json:
        print_json({"service": service, "disconnected": was})
    elif was:
        stdout().print(
            f"{name} disconnected: its tokens are deleted here, your activities stay. "
            "docs/sync.md says how to revoke the access on the service too."
        )
    else:
        stdout().print(f"{name} was not connected.")


def strava_disconnect(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Forget the Strava tokens (the synced activities stay)."""
    _disconnect(ctx, "strava", as_json)


def intervals_disconnect(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Forget the intervals.icu key (the synced activities stay)."""
    _disconnect(ctx, "intervals", as_json)


_COLUMNS = (
    TextColumn("syncing"),
    BarColumn(),
    MofNCompleteColumn(),
    TimeElapsedColumn(),
    TextColumn("{task.description}"),
)


def sync_command(
    ctx: typer.Context,
    service: Annotated[
        str | None,
        typer.Argument(
            metavar="SERVICE",
            help="strava or intervals (default: every connected service).",
            show_default=False,
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Fetch new, edited and deleted activities from the connected services.

    The first sync fetches the whole history (pausing by itself at Strava's rate limits;
    Ctrl-C stops it and the next sync continues). Exit status 1 when an activity failed.
    """
    from backstride.service import sync as syncing

    services = None if service is None else (syncing.parse_service(service),)
    settings = state(ctx).settings
    with open_from(ctx) as store:
        err = stderr()
        if as_json or not err.is_terminal:
            reports = syncing.sync_services(store, settings, services, progress=_Lines())
        else:
            with Progress(*_COLUMNS, console=err, transient=True) as bar:
                reports = syncing.sync_services(
                    store, settings, services, progress=ProgressBar(bar)
                )
    if as_json:
        print_json({"syncs": [r.to_json() for r in reports]})
    else:
        out = stdout()
        for report in reports:
            out.print(
                f"{syncing.NAMES[report.service]}: {report.new} new, {report.edited} edited, "
                f"{report.deleted} deleted, {report.unchanged} unchanged "
                f"({report.requests} requests)"
                + (
                    f", {report.unavailable} not available through the API"
                    if report.unavailable
                    else ""
                )
            )
            if report.imports.failed or report.imports.warnings:
                render.import_summary(out, report.imports)
    if any(r.imports.failed for r in reports):
        raise typer.Exit(1)
