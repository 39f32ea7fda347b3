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

from backstride.cli.state import state, stderr, stdout

APP = "backstride.web.app:app_from_environment"


def _loopback_address(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve_command(
    ctx: typer.Context,
    host: Annotated[
        str,
        typer.Option(
            help="Address to listen on. Anything but 127.0.0.1/localhost lets other "
            "machines read and change your data: there is no login."
        ),
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
) -> None:
    """Open the dashboard in your browser: charts, the pain diary, the plan, imports.
    Example: backstride serve, then open http://127.0.0.1:8000
    """
    import uvicorn  # only this command needs the server

    settings = state(ctx).settings
    local = host == "localhost" or _loopback_address(host)
    os.environ["BACKSTRIDE_DATABASE_URL"] = settings.database_url
    if settings.jobs is not None:
        os.environ["BACKSTRIDE_JOBS"] = settings.jobs
    os.environ["BACKSTRIDE_WEB_LOCAL_ONLY"] = "1" if local else "0"
    if not local:
        stderr().print(
            f"warning: listening on {host}: anyone who can reach this machine can read and "
            "change your data (there is no login)"
        )
    shown = f"[{host}]" if ":" in host else host
    stdout().print(f"backstride dashboard on http://{shown}:{port}  (Ctrl+C stops it)")
    uvicorn.run(APP, factory=True, host=host, port=port, log_level="warning")
