"""`backstride db upgrade` and `db check`: create or migrate the schema; check the database."""

from __future__ import annotations

from typing import Annotated

import typer

from backstride import service
from backstride.cli.state import print_json, state, stderr, stdout
from backstride.cli.upgrade_bar import UpgradeBar


def upgrade_command(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Create the schema or migrate it to this version (needed once on PostgreSQL).

    Example: backstride --db postgresql+psycopg://me@localhost/backstride db upgrade
    """
    with UpgradeBar(stderr()) as bar:
        url = service.upgrade_database(state(ctx).settings, progress=bar)
    if as_json:
        print_json({"database": url, "upgraded": True})
    else:
        stdout().print(f"database schema is up to date: {url}")


def check_command(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Check the database without changing it: readable, schema known, pages intact.

    Exits 1 when something is wrong, with what it found.

    Example: backstride db check
    """
    found = service.check_database(state(ctx).settings)
    if as_json:
        print_json(
            {
                "database": found.url,
                "ok": found.ok,
                "revision": found.revision,
                "head": found.head,
                "problems": list(found.problems),
            }
        )
    else:
        out = stdout()
        if found.ok:
            out.print(f"database ok: {found.url} (schema {found.revision})")
        else:
            for problem in found.problems or (f"schema {found.revision}, not {found.head}",):
                out.print(f"problem: {problem}")
            if not found.problems:
                out.print("run `backstride db upgrade` to migrate it")
    if not found.ok:
        raise typer.Exit(1)
