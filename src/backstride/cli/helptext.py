"""How ``--help`` shows parameters: by the name of their value, never a Python type.

Typer labels every parameter with its Python type (``<bool>``, ``<int>``, ``<list[Path]>``).
Options that take a value name it with a metavar (DATE, N, PATH...) where they are declared;
a flag (``--json``, ``--help``) takes no value, so it shows none; an argument's metavar is
already its name in the help (``KIND``, ``PATH...``), so its type label goes too.
:func:`quiet_flags` does this for the root's options and for every command as it is
loaded (``cli.lazy``), commands added later included. tests/cli/test_help.py checks every
command's help.
"""

from __future__ import annotations

from typing import Any


def _no_label(ctx: Any) -> None:
    return None


def quiet_flags(command: Any, *, recurse: bool = True) -> None:
    """Take the type labels off ``command``'s parameters (and its subcommands' with
    ``recurse``). The root group does it for its own options; each command as it is loaded
    (``cli.lazy``'s ``prepare``), so no command is imported to format another's help."""
    for param in getattr(command, "params", ()):
        if getattr(param, "is_flag", False) and param.metavar is None:
            param.metavar = ""
        elif getattr(param, "param_type_name", "") == "argument" and param.metavar:
            param.display_type_rich = _no_label
    build_help_option = command.get_help_option

    def get_help_option(ctx: Any) -> Any:
        option = build_help_option(ctx)
        if option is not None:
            option.metavar = ""
        return option

    command.get_help_option = get_help_option
    if recurse:
        for sub in (getattr(command, "commands", None) or {}).values():
            quiet_flags(sub)
