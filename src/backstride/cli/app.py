"""The Typer application: global options, command registration, and the one place where
errors become messages and exit codes.

Exit codes: 0 success; 1 an error the user can fix (the message says how), or an import in
which some files failed; 2 bad usage (Typer's own). Tracebacks only with ``--debug``.
"""

from __future__ import annotations

import functools
import traceback
from collections.abc import Callable
from typing import Annotated, Any, NoReturn, TypeVar

import typer
from rich.text import Text

from backstride import __version__
from backstride.cli.helptext import quiet_flags
from backstride.cli.lazy import LazyCommand, lazy_group
from backstride.cli.state import RED_FLAGS, CliState, stderr
from backstride.config import load_settings
from backstride.errors import BackstrideError, InputError

F = TypeVar("F", bound=Callable[..., Any])

#: A service field the commands spell differently: field -> the command parameters that carry
#: it, first match wins. Otherwise a field is the parameter of the same name, whose option
#: follows the naming convention (``days_per_week`` -> ``--days-per-week``).
FIELD_PARAMETERS: dict[str, tuple[str, ...]] = {
    "day": ("on",),  # --date on pain log, done, screen: "on" is the Python name
    "as_of": ("on",),
    "moment": ("when",),
    "growth_pct": ("growth",),
    "initial_distance_m": ("initial_km",),
    "answers": ("yes", "no"),
    "password": ("password_stdin",),  # admin create-user: never an argument
}


def option_for(field: str, command: Any) -> str | None:
    """How a command spells a service field: its option (``--date``) or argument (``NRS``),
    several joined (``--yes/--no``) when the field comes from more than one; None when it
    has no such parameter (the message then stands alone). ``command`` is the running Click
    command (Typer's context hands it over; Typer vendors Click, so duck-typed)."""
    params = {p.name: p for p in getattr(command, "params", ())}
    names = (field,) if field in params else FIELD_PARAMETERS.get(field, ())
    labels = []
    for name in names:
        param = params.get(name)
        if param is None:
            continue
        if getattr(param, "param_type_name", "") == "option":
            labels.append(str(max(param.opts, key=len)))
        else:
            labels.append(str(getattr(param, "metavar", None) or name.upper()))
    return "/".join(labels) or None


def translating_errors(command: F) -> F:
    """Run a command; turn backstride's errors into one red line (and a hint), exit 1.

    Every command is registered through this wrapper, so no command handles errors itself.
    """

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except typer.Abort as e:
            if isinstance(e.__context__, KeyboardInterrupt):  # Ctrl-C at a prompt
                interrupted()
            raise
        except (typer.Exit, typer.BadParameter):
            raise
        except InputError as e:
            running = getattr(kwargs.get("ctx"), "command", None)
            name = option_for(e.field, running) if e.field else None
            _report(e, f"{name}: {e.message}" if name else e.message, e.hint, kwargs)
        except BackstrideError as e:
            _report(e, e.message, e.hint, kwargs)
        except KeyboardInterrupt:
            interrupted()
        except Exception as e:  # the last boundary before the user: never a traceback
            _report(
                e,
                f"unexpected error: {type(e).__name__}: {e}".splitlines()[0],
                "run again with --debug for the details, and please report it",
                kwargs,
            )

    return run  # type: ignore[return-value]


def interrupted() -> NoReturn:
    """Ctrl-C: one line, exit status 130 (what was running has cleaned up on the way here)."""
    stderr().print(Text("interrupted", style="yellow"))
    raise typer.Exit(130)


def _report(error: BaseException, message: str, hint: str | None, kwargs: dict[str, Any]) -> None:
    # Typer hands over its vendored Click context, not a typer.Context: duck-typed.
    find_root = getattr(kwargs.get("ctx"), "find_root", None)
    obj = find_root().obj if callable(find_root) else None
    if isinstance(obj, CliState) and obj.debug:
        traceback.print_exception(error)
    console = stderr()
    console.print(Text("error: ", style="bold red") + Text(message))
    if hint:
        console.print(Text("hint: ", style="yellow") + Text(hint))
    raise typer.Exit(1)


#: Every command: its name -> where it lives. A module is imported only when its command runs
#: or its own help is asked (start-up, issue 15; docs/architecture.md, "Commands start lazily").
#: The root --help lists each with the first paragraph of its function's docstring.
COMMANDS: dict[str, LazyCommand] = {
    "import": LazyCommand("backstride.cli.imports", "import_command"),
    "activities": LazyCommand("backstride.cli.activities", "activities_command"),
    "show": LazyCommand("backstride.cli.activities", "show_command"),
    "status": LazyCommand("backstride.cli.status", "status_command"),
    "load": LazyCommand("backstride.cli.load", "load_command"),
    "form": LazyCommand("backstride.cli.form", "form_command"),
    "plan": LazyCommand("backstride.cli.plan", "plan_command"),
    "done": LazyCommand("backstride.cli.done", "done_command"),
    "report": LazyCommand("backstride.cli.report", "report_command"),
    "learn": LazyCommand("backstride.cli.learn", "learn_command"),
    "demo": LazyCommand("backstride.cli.demo", "demo_command"),
    "serve": LazyCommand("backstride.cli.serve", "serve_command"),
    "server": LazyCommand("backstride.cli.server", "server_command"),
    "watch": LazyCommand("backstride.cli.watch", "watch_command"),
    "worker": LazyCommand("backstride.cli.worker", "worker_command"),
    "db": LazyCommand(
        "backstride.cli.dbcmd",
        subcommands=(("upgrade", "upgrade_command"), ("check", "check_command")),
        help="Manage the database.",
    ),
    "shoes": LazyCommand(
        "backstride.cli.shoes",
        "list_command",
        subcommands=(
            ("add", "add_command"),
            ("retire", "retire_command"),
            ("default", "default_command"),
            ("assign", "assign_command"),
        ),
    ),
    "pain": LazyCommand(
        "backstride.cli.pain",
        "list_command",
        subcommands=(
            ("log", "log_command"),
            ("associations", "associations_command"),
            ("score", "score_command"),
        ),
    ),
    "screen": LazyCommand(
        "backstride.cli.screen", "screen_command", subcommands=(("clear", "clear_command"),)
    ),
    "sync": LazyCommand("backstride.cli.sync", "sync_command"),
    "strava": LazyCommand(
        "backstride.cli.sync",
        subcommands=(("connect", "strava_connect"), ("disconnect", "strava_disconnect")),
        help="Connect Strava (docs/sync.md).",
    ),
    "intervals": LazyCommand(
        "backstride.cli.sync",
        subcommands=(("connect", "intervals_connect"), ("disconnect", "intervals_disconnect")),
        help="Connect intervals.icu (docs/sync.md).",
    ),
    "admin": LazyCommand(
        "backstride.cli.admin",
        subcommands=(
            ("create-user", "create_user_command"),
            ("reset-link", "reset_link_command"),
            ("list", "list_command"),
            ("disable", "disable_command"),
            ("enable", "enable_command"),
        ),
        help="Manage the clinic server's accounts (PostgreSQL; docs/clinic.md).",
    ),
}

app = typer.Typer(
    name="backstride",
    cls=lazy_group(COMMANDS, translating_errors, interrupted, prepare=quiet_flags),
    help="Keep running without making low back pain worse: evidence-graded rules over your "
    "own watch data. backstride does not diagnose; red flags mean: see a clinician.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"backstride {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            metavar="URL",
            envvar="BACKSTRIDE_DATABASE_URL",
            help="Database URL: sqlite:///file.db or postgresql+psycopg://user@host/db "
            "\\[default: an SQLite file in your user data folder].",
            show_envvar=True,
        ),
    ] = None,
    debug: Annotated[
        bool, typer.Option("--debug", help="Show tracebacks for unexpected errors.")
    ] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Global options come before the command: backstride --db URL import FILES."""
    ctx.obj = CliState(settings=load_settings(database_url=db), debug=debug)
    RED_FLAGS.set(())


def main() -> None:
    """Run the command line. The console script is :func:`backstride.cli.entry.main`, which
    also keeps Ctrl-C quiet while this module is imported; this one stays for installations
    whose script still names it."""
    app()
