"""`backstride db upgrade`: create or migrate the database schema."""

from __future__ import annotations

from typing import Annotated

import typer

from backstride import service
from backstride.cli.state import print_json, state, stdout


def upgrade_command(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Create the schema or migrate it to this version (needed once on PostgreSQL).

    Example: backstride --db postgresql+psycopg://me@localhost/backstride db upgrade
    """
    url = service.upgrade_database(state(ctx).settings)
    if as_json:
        print_json({"database": url, "upgraded": True})
    else:
        stdout().print(f"database schema is up to date: {url}")
