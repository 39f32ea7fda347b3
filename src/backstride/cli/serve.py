"""`backstride serve`: the local web dashboard on the same database as the CLI.

The CLI does not import the web layer: uvicorn loads the app by its import path
(``backstride.web.app:app_from_environment``), with the settings passed in the environment,
as it would for each of several worker processes.
"""

from __future__ import annotations

import ipaddress
import os
from typing import Annotated

import typer
from rich.text import Text

from backstride.cli.state import state, stderr, stdout

APP = "backstride.web.app:app_from_environment"
#: uvicorn's HTTP protocol with deadlines for slow request heads and bodies (slowloris).
HTTP = "backstride.web.server:DeadlineH11Protocol"
#: What one local dashboard needs, and a bound for everything beyond (issue 14): idle
#: connections closed after 5 s, at most 500 connections and requests at once (more get
#: 503), request heads of at most 16 KB.
SERVER_LIMITS: dict[str, object] = {
    "timeout_keep_alive": 5,
    "limit_concurrency": 500,
    "h11_max_incomplete_event_size": 16 * 1024,
    "timeout_graceful_shutdown": 10,
}
REFUSED_HOST = (
    "refused: the dashboard only listens on this machine (127.0.0.1, localhost or ::1): "
    "the local dashboard has no login; a clinic server with accounts is a later feature"
)


def is_loopback_address(host: str) -> bool:
    """127.x.x.x, ::1 or localhost: addresses only this machine can reach.

    >>> [is_loopback_address(h) for h in ("127.0.0.1", "localhost", "::1", "0.0.0.0", "")]
    [True, True, True, False, False]
    """
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def serve_command(
    ctx: typer.Context,
    host: Annotated[
        str,
        typer.Option(
            metavar="ADDRESS",
            help="Address to listen on: 127.0.0.1, localhost or ::1. Any other is refused "
            "(the dashboard has no login).",
        ),
    ] = "127.0.0.1",
    port: Annotated[
        int, typer.Option(metavar="PORT", min=1, max=65535, help="Port to listen on, 1-65535.")
    ] = 8000,
) -> None:
    """Open the dashboard in your browser: charts, the pain diary, the plan, imports.
    Example: backstride serve, then open http://127.0.0.1:8000
    """
    if not is_loopback_address(host):
        stderr().print(Text("error: ", style="bold red") + Text(f"{host}: {REFUSED_HOST}"))
        raise typer.Exit(2)

    import uvicorn  # only this command needs the server

    settings = state(ctx).settings
    os.environ["BACKSTRIDE_DATABASE_URL"] = settings.database_url
    if settings.jobs is not None:
        os.environ["BACKSTRIDE_JOBS"] = settings.jobs
    shown = f"[{host}]" if ":" in host else host
    stdout().print(f"backstride dashboard on http://{shown}:{port}  (Ctrl+C stops it)")
    uvicorn.run(
        APP,
        factory=True,
        host=host.strip("[]"),
        port=port,
        log_level="warning",
        http=HTTP,
        **SERVER_LIMITS,  # type: ignore[arg-type]
    )
