"""The Typer application: global options, command registration, and the one place where
errors become messages and exit codes.

Exit codes: 0 success; 1 an error the user can fix (the message says how), or an import in
which some files failed; 2 bad usage (Typer's own). Tracebacks only with ``--debug``.
"""

from __future__ import annotations

import functools
import traceback
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import typer
from rich.text import Text

from backstride import __version__
from backstride.cli import (
    activities,
    dbcmd,
    demo,
    done,
    form,
    imports,
    learn,
    load,
    pain,
    plan,
    report,
    screen,
    serve,
    shoes,
    status,
    watch,
)
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
        except (typer.Exit, typer.Abort, typer.BadParameter):
            raise
        except InputError as e:
            running = getattr(kwargs.get("ctx"), "command", None)
            name = option_for(e.field, running) if e.field else None
            _report(e, f"{name}: {e.message}" if name else e.message, e.hint, kwargs)
        except BackstrideError as e:
            _report(e, e.message, e.hint, kwargs)
        except KeyboardInterrupt:
            stderr().print(Text("interrupted", style="yellow"))
            raise typer.Exit(130) from None
        except Exception as e:  # the last boundary before the user: never a traceback
            _report(
                e,
                f"unexpected error: {type(e).__name__}: {e}".splitlines()[0],
                "run again with --debug for the details, and please report it",
                kwargs,
            )

    return run  # type: ignore[return-value]


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


app = typer.Typer(
    name="backstride",
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
            "[default: an SQLite file in your user data folder].",
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


app.command("import")(translating_errors(imports.import_command))
app.command("activities")(translating_errors(activities.activities_command))
app.command("show")(translating_errors(activities.show_command))
app.command("status")(translating_errors(status.status_command))
app.command("load")(translating_errors(load.load_command))
app.command("form")(translating_errors(form.form_command))
app.command("plan")(translating_errors(plan.plan_command))
app.command("done")(translating_errors(done.done_command))
app.command("report")(translating_errors(report.report_command))
app.command("learn")(translating_errors(learn.learn_command))
app.command("demo")(translating_errors(demo.demo_command))
app.command("serve")(translating_errors(serve.serve_command))
app.command("watch")(translating_errors(watch.watch_command))
db_app = typer.Typer(help="Manage the database.", no_args_is_help=True)
db_app.command("upgrade")(translating_errors(dbcmd.upgrade_command))
db_app.command("check")(translating_errors(dbcmd.check_command))
app.add_typer(db_app, name="db")
shoes_app = typer.Typer(invoke_without_command=True)
shoes_app.callback()(translating_errors(shoes.list_command))
shoes_app.command("add")(translating_errors(shoes.add_command))
shoes_app.command("retire")(translating_errors(shoes.retire_command))
shoes_app.command("default")(translating_errors(shoes.default_command))
shoes_app.command("assign")(translating_errors(shoes.assign_command))
app.add_typer(shoes_app, name="shoes")
pain_app = typer.Typer(invoke_without_command=True)
pain_app.callback()(translating_errors(pain.list_command))
pain_app.command("log")(translating_errors(pain.log_command))
pain_app.command("associations")(translating_errors(pain.associations_command))
pain_app.command("score")(translating_errors(pain.score_command))
app.add_typer(pain_app, name="pain")
screen_app = typer.Typer(invoke_without_command=True)
screen_app.callback()(translating_errors(screen.screen_command))
screen_app.command("clear")(translating_errors(screen.clear_command))
app.add_typer(screen_app, name="screen")


def main() -> None:
    """Console-script entry point."""
    app()
