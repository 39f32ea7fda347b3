"""`backstride admin`: the clinic server's accounts, managed on the server's machine (issue 17,
docs/clinic.md). PostgreSQL only, like `backstride server`.

Passwords are read from standard input (``--password-stdin``), never from an argument, which
other users could read in the process list and which shells keep in their history. These
commands open no one's health data, so they print no red flags: admins see none.
"""

from __future__ import annotations

import getpass
import sys
from datetime import timedelta
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from backstride.cli.state import print_json, state, stdout
from backstride.errors import InputError
from backstride.model import Account
from backstride.service import accounts
from backstride.views import account_view

JsonOption = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]
NameArgument = Annotated[str, typer.Argument(metavar="NAME", help="The account's name.")]
BaseUrlOption = Annotated[
    str,
    typer.Option(
        "--base-url",
        metavar="URL",
        envvar="BACKSTRIDE_BASE_URL",
        show_envvar=True,
        help="The clinic server's address as people open it (https://clinic.example.org), "
        "put before the link \\[default: the link's path alone].",
    ),
]


def _read_password() -> str:
    """One line of standard input (on a terminal: asked twice without echo)."""
    if sys.stdin is None:
        raise InputError("no password on standard input", field="password")
    if sys.stdin.isatty():  # typed: asked twice, without echo
        password = getpass.getpass("password: ")
        if getpass.getpass("the same again: ") != password:
            raise InputError("the two passwords typed differ", field="password")
        return password
    line = sys.stdin.readline()
    password = line.removesuffix("\n").removesuffix("\r")
    if not password:
        raise InputError("no password on standard input", field="password")
    return password


def _link(token: str, purpose: str, base_url: str) -> dict[str, Any]:
    ttl: timedelta = accounts.LINK_TTL[purpose]
    return {
        "purpose": purpose,
        "url": accounts.link_url(token, base_url),
        "expires_in_s": int(ttl.total_seconds()),
    }


def _valid_for(seconds: int) -> str:
    hours = seconds // 3600
    return f"{hours // 24} days" if hours >= 48 else f"{hours} hour{'s' if hours != 1 else ''}"


def _print_link(link: dict[str, Any]) -> None:
    words = "invite link" if link["purpose"] == "invite" else "password reset link"
    out = stdout()
    out.print(f"{words} (one use, valid {_valid_for(link['expires_in_s'])}):")
    out.print(Text(link["url"]), soft_wrap=True)


def _describe(account: Account) -> str:
    shown = f" ({account.display_name})" if account.display_name else ""
    return f"{account.role} account {account.name}{shown}"


def create_user_command(
    ctx: typer.Context,
    name: Annotated[
        str,
        typer.Argument(
            metavar="NAME", help="3-64 characters of a-z, 0-9, dot, underscore and hyphen."
        ),
    ],
    role: Annotated[
        str,
        typer.Option("--role", metavar="ROLE", help="athlete, clinician or admin."),
    ],
    display_name: Annotated[
        str | None,
        typer.Option("--display-name", metavar="TEXT", help="The name shown on the pages."),
    ] = None,
    password_stdin: Annotated[
        bool,
        typer.Option(
            "--password-stdin",
            help="Read the password from standard input (one line); without it, an invite "
            "link is printed for the person to choose theirs.",
        ),
    ] = False,
    base_url: BaseUrlOption = "",
    as_json: JsonOption = False,
) -> None:
    """Create an account: athlete, clinician or admin.

    An athlete account owns its own data. Without --password-stdin the person sets a password
    through the invite link printed (one use, valid 3 days).

    Example: backstride admin create-user anna --role athlete --display-name "Anna B."
    """
    password = _read_password() if password_stdin else None
    with accounts.open_clinic_database(state(ctx).settings) as store:
        account = accounts.create_account(
            store, name, role, password=password, display_name=display_name
        )
        link = None
        if password is None:
            token = accounts.issue_link(store, account.name, "invite", by=None)
            link = _link(token, "invite", base_url)
    if as_json:
        print_json({"account": account_view(account), "link": link})
        return
    stdout().print(f"created {_describe(account)}")
    if link is not None:
        _print_link(link)


def reset_link_command(
    ctx: typer.Context,
    name: NameArgument,
    base_url: BaseUrlOption = "",
    as_json: JsonOption = False,
) -> None:
    """Print a one-time link with which the person sets a new password.

    A reset link works for 1 hour; for an account that never had a password it is a new invite
    link (3 days). Earlier links of the same kind stop working; using it signs the account out
    everywhere.

    Example: backstride admin reset-link anna --base-url https://clinic.example.org
    """
    with accounts.open_clinic_database(state(ctx).settings) as store:
        account = accounts.get_account(store, name)
        purpose: accounts.LinkPurpose = "reset" if account.has_password else "invite"
        token = accounts.issue_link(store, account.name, purpose, by=None)
    link = _link(token, purpose, base_url)
    if as_json:
        print_json({"account": account_view(account), "link": link})
        return
    _print_link(link)


def list_command(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """List the accounts: name, role, whether a password is set, disabled or not.

    Example: backstride admin list --json
    """
    with accounts.open_clinic_database(state(ctx).settings) as store:
        found = accounts.list_accounts(store)
    if as_json:
        print_json([account_view(a) for a in found])
        return
    if not found:
        stdout().print("No accounts yet: backstride admin create-user NAME --role admin")
        return
    table = Table(title=f"{len(found)} accounts", title_justify="left")
    for header in ("name", "role", "display name", "password", "status", "created"):
        table.add_column(header, no_wrap=header != "display name")
    for a in found:
        table.add_row(
            Text(a.name),
            a.role,
            Text(a.display_name or ""),
            "set" if a.has_password else "invited",
            Text("disabled", style="red") if a.disabled else "active",
            a.created_at.date().isoformat(),
        )
    stdout().print(table)


def _switch(ctx: typer.Context, name: str, disabled: bool, as_json: bool) -> None:
    with accounts.open_clinic_database(state(ctx).settings) as store:
        account = accounts.set_disabled(store, name, disabled)
    if as_json:
        print_json(account_view(account))
    elif disabled:
        stdout().print(f"disabled {_describe(account)}: signed out everywhere")
    else:
        stdout().print(f"enabled {_describe(account)}")


def disable_command(ctx: typer.Context, name: NameArgument, as_json: JsonOption = False) -> None:
    """Disable an account: it is signed out everywhere and cannot sign in.

    Its data stays; backstride admin enable NAME lets it sign in again.

    Example: backstride admin disable anna
    """
    _switch(ctx, name, True, as_json)


def enable_command(ctx: typer.Context, name: NameArgument, as_json: JsonOption = False) -> None:
    """Enable a disabled account again (with the password it had).

    Example: backstride admin enable anna
    """
    _switch(ctx, name, False, as_json)
