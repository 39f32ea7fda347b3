"""``backstride --help`` drawn with Rich's table and panel, as Typer draws it (issue 15).

Typer formats help through ``typer.rich_utils``, which imports ``rich.markdown`` (and with
it markdown-it) and ``rich.traceback`` whatever the markup mode: ~65 ms of the root
``--help``'s ~210 ms on this project's CI machine, for a screen that has no Markdown. The
root group's screen is drawn here instead, with the same layout (usage, the help text, an
Options and a Commands panel); every other command's ``--help`` is still Typer's, since its
command module imports more than that anyway. Help texts use Rich markup as everywhere in
the CLI (``\\[default: ...]``), so ``tests/cli/test_help.py`` reads this screen as it reads
the others.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from typer import _click as click


def _option_rows(command: Any, ctx: click.Context) -> list[tuple[str, str, str, str]]:
    rows = []
    for param in command.get_params(ctx):
        if getattr(param, "param_type_name", "") != "option" or getattr(param, "hidden", False):
            continue
        long = [o for o in param.opts if o.startswith("--")]
        short = [o for o in param.opts if not o.startswith("--")]
        metavar = "" if param.is_flag else (param.metavar or param.name.upper())
        text = param.help or ""
        if getattr(param, "show_envvar", False) and param.envvar:
            text += f" \\[env var: {param.envvar}]"
        rows.append((", ".join(long), ", ".join(short), metavar, text))
    return rows


def print_root_help(command: Any, ctx: click.Context) -> None:
    """Print the root group's help: usage, its help text, its options, its commands (each
    with the one-line listing the lazy group gives without importing the command)."""
    from rich import box
    from rich.console import Console, Group
    from rich.padding import Padding
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    console = Console(highlight=False)
    usage = Text.assemble(
        ("Usage: ", "yellow"), (f"{ctx.command_path} ", "bold"), "[OPTIONS] COMMAND [ARGS]..."
    )
    parts: list[Any] = [Text(""), Padding(usage, (0, 0, 0, 1)), Text("")]
    if command.help:
        parts += [Padding(Text.from_markup(" ".join(command.help.split())), (0, 0, 1, 1))]

    options = Table.grid(padding=(0, 1), expand=True)
    for style in ("bold cyan", "bold green", "bold yellow"):
        options.add_column(style=style, no_wrap=True)
    options.add_column(ratio=1)
    for long, short, metavar, text in _option_rows(command, ctx):
        options.add_row(long, short, metavar, Text.from_markup(text))

    commands = Table.grid(padding=(0, 1), expand=True)
    commands.add_column(style="bold cyan", no_wrap=True)
    commands.add_column(ratio=1)
    for name in command.list_commands(ctx):
        sub = command.get_command(ctx, name)
        if sub is None or getattr(sub, "hidden", False):
            continue
        commands.add_row(name, Text.from_markup(sub.short_help or sub.help or ""))

    def panel(title: str, body: Table) -> Panel:
        return Panel(body, title=title, title_align="left", border_style="dim", box=box.ROUNDED)

    console.print(Group(*parts, panel("Options", options), panel("Commands", commands)))
