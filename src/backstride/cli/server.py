"""`backstride server`: the clinic server (docs/clinic.md), accounts and sharing over one
PostgreSQL database, meant to sit behind a TLS reverse proxy.

Like ``serve``, the CLI does not import the web layer: uvicorn loads the app by its import
path (``backstride.web.app:clinic_app_from_environment``) in each worker process, with the
settings passed in the environment. The local ``serve`` stays as it is.
"""

from __future__ import annotations

import os
from typing import Annotated

import typer
from rich.text import Text

from backstride.cli.serve import HTTP, SERVER_LIMITS
from backstride.cli.state import state, stderr, stdout

APP = "backstride.web.app:clinic_app_from_environment"
#: The environment variable the app reads its host names from (``web/sessions.py``).
HOSTS_ENV = "BACKSTRIDE_ALLOWED_HOSTS"
NEEDS_HOSTS = (
    "say which host names the clinic server answers to: --allowed-host clinic.example.org "
    f"(or {HOSTS_ENV}); requests for any other name are refused"
)


def _fail(message: str, hint: str | None, code: int) -> None:
    console = stderr()
    console.print(Text("error: ", style="bold red") + Text(message))
    if hint:
        console.print(Text("hint: ", style="yellow") + Text(hint))
    raise typer.Exit(code)


def server_command(
    ctx: typer.Context,
    host: Annotated[
        str,
        typer.Option(
            metavar="ADDRESS",
            help="Address to listen on. Put the server behind a TLS reverse proxy (docs/"
            "clinic.md): keep 127.0.0.1 when the proxy runs on this machine.",
        ),
    ] = "127.0.0.1",
    port: Annotated[
        int, typer.Option(metavar="PORT", min=1, max=65535, help="Port to listen on, 1-65535.")
    ] = 8000,
    workers: Annotated[
        int,
        typer.Option(
            metavar="N",
            min=1,
            max=64,
            help="Web processes, 1-64 (they share nothing but the database).",
        ),
    ] = 1,
    allowed_host: Annotated[
        list[str] | None,
        typer.Option(
            "--allowed-host",
            metavar="NAME",
            help="A host name the server answers to; repeat for several \\[default: "
            f"{HOSTS_ENV}, comma-separated].",
        ),
    ] = None,
    forwarded_allow_ips: Annotated[
        str,
        typer.Option(
            metavar="ADDRESSES",
            help="Proxies whose X-Forwarded-For and X-Forwarded-Proto are trusted (the "
            "client's address for the sign-in throttle, https for the origin check), "
            "comma-separated; '*' trusts any, only when nothing else can reach the port.",
        ),
    ] = "127.0.0.1",
) -> None:
    """Run the clinic server: accounts, sharing with clinicians, jobs (PostgreSQL only).
    Example: backstride --db postgresql+psycopg://backstride@db/backstride server
    --allowed-host clinic.example.org --workers 4
    """
    from backstride.service.accounts import clinic_database_problem

    settings = state(ctx).settings
    if (problem := clinic_database_problem(settings.database_url)) is not None:
        _fail(problem, "pass --db postgresql+psycopg://USER@HOST/DATABASE (docs/clinic.md)", 1)
    hosts = [h.strip() for h in (allowed_host or []) if h.strip()]
    if not hosts:
        hosts = [h.strip() for h in os.environ.get(HOSTS_ENV, "").split(",") if h.strip()]
    if not hosts:
        _fail(NEEDS_HOSTS, None, 2)

    import uvicorn  # only this command needs the server

    os.environ["BACKSTRIDE_DATABASE_URL"] = settings.database_url
    os.environ[HOSTS_ENV] = ",".join(hosts)
    if settings.jobs is not None:
        os.environ["BACKSTRIDE_JOBS"] = settings.jobs
    shown = f"[{host}]" if ":" in host else host
    stdout().print(
        f"backstride clinic server on http://{shown}:{port} for {', '.join(hosts)} "
        f"({workers} process{'es' if workers > 1 else ''}; Ctrl+C stops it)"
    )
    uvicorn.run(
        APP,
        factory=True,
        host=host.strip("[]"),
        port=port,
        workers=workers,
        proxy_headers=True,
        forwarded_allow_ips=forwarded_allow_ips,
        log_level="warning",
        http=HTTP,
        **SERVER_LIMITS,  # type: ignore[arg-type]
    )
