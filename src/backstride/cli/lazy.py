"""Commands registered by where they live, imported only when they are used (issue 15).

Each command module imports what its command needs (the store, numpy, the coach, WeasyPrint
...), so importing every module up front, as a plain Typer app does, made every command, even
``--version``, pay for all of them. :class:`LazyCommand` names a command's module and
function instead; :func:`lazy_group` makes the root group that imports a module only when
its command runs, when its own ``--help`` is asked, or when something walks the command tree
(``group.commands``, as the tests do). The root ``--help`` lists every command with the first
paragraph of its docstring, read from the module's source without importing it.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NoReturn

import typer
import typer.core
import typer.main

if TYPE_CHECKING:
    from typer import _click as click

#: Wraps each command function before Typer sees it (``app.translating_errors``).
Wrapper = Callable[[Callable[..., Any]], Callable[..., Any]]


def listing(help_text: str | None) -> str | None:
    """A command's line in its group's listing: the first paragraph of its help, on one line
    (Typer would keep the docstring's line breaks). The same whether the command is loaded."""
    first = (help_text or "").split("\n\n", 1)[0]
    return " ".join(first.split()) or None


@dataclass(frozen=True)
class LazyCommand:
    """A command (``function``), or a group of ``subcommands`` (name, function) whose own
    command is ``function`` (run without a subcommand; None: the group shows its help),
    all functions of ``module``. ``help`` replaces the docstring as the group's help."""

    module: str
    function: str | None = None
    subcommands: tuple[tuple[str, str], ...] = ()
    help: str | None = None

    def load(self, name: str, wrap: Wrapper) -> click.Command:
        """Import the module and build the command as Typer would have."""
        module = importlib.import_module(self.module)
        if not self.subcommands:
            assert self.function is not None, f"{name}: a command needs its function"
            single = typer.Typer(add_completion=False)
            single.command(name)(wrap(getattr(module, self.function)))
            loaded = typer.main.get_command(single)
            loaded.short_help = listing(loaded.help)
            return loaded
        callback = getattr(module, self.function) if self.function is not None else None
        group = typer.Typer(
            name=name,
            # A group added with app.add_typer() took its callback's docstring; alone, it does not.
            help=self.help or (inspect.getdoc(callback) if callback is not None else None),
            add_completion=False,
            invoke_without_command=callback is not None,
            no_args_is_help=callback is None,
        )
        if callback is not None:
            group.callback()(wrap(callback))
        for sub_name, function in self.subcommands:
            group.command(sub_name)(wrap(getattr(module, function)))
        command = typer.main.get_command(group)
        command.name = name
        command.short_help = listing(command.help)
        return command

    def placeholder(self, name: str) -> click.Command:
        """A stand-in carrying only the name and help, for listing in the root's ``--help``."""
        return typer.core.TyperCommand(name, help=listing(self.help or self._docstring()))

    def _docstring(self) -> str | None:
        import ast

        spec = importlib.util.find_spec(self.module)
        if spec is None or spec.origin is None:
            return None
        with open(spec.origin, encoding="utf-8") as source:
            tree = ast.parse(source.read(), spec.origin)
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name == self.function:
                return ast.get_docstring(node)
        return None


class _Commands(MutableMapping[str, "click.Command"]):
    """A group's commands by name, each imported the first time it is looked up."""

    def __init__(
        self,
        lazy: Mapping[str, LazyCommand],
        wrap: Wrapper,
        loaded: Mapping[str, click.Command],
        prepare: Callable[..., None] | None = None,
    ) -> None:
        self._lazy = lazy
        self._wrap = wrap
        self._prepare = prepare
        self._loaded: dict[str, click.Command] = {}
        for name, command in loaded.items():
            self[name] = command

    def loaded(self, name: str) -> bool:
        return name in self._loaded

    def __getitem__(self, name: str) -> click.Command:
        if name not in self._loaded:
            self[name] = self._lazy[name].load(name, self._wrap)
        return self._loaded[name]

    def __setitem__(self, name: str, command: click.Command) -> None:
        if self._prepare is not None:
            self._prepare(command)
        self._loaded[name] = command

    def __delitem__(self, name: str) -> None:
        raise TypeError("commands are registered in backstride.cli.app.COMMANDS")

    def __iter__(self) -> Iterator[str]:
        yield from self._lazy
        yield from (name for name in self._loaded if name not in self._lazy)

    def __len__(self) -> int:
        return len(set(self._lazy) | set(self._loaded))


def lazy_group(
    commands: Mapping[str, LazyCommand],
    wrap: Wrapper,
    interrupted: Callable[[], NoReturn],
    prepare: Callable[..., None] | None = None,
) -> type[typer.core.TyperGroup]:
    """The root group class for ``typer.Typer(cls=...)``: ``commands``, in that order, each
    wrapped by ``wrap`` when it is imported; ``interrupted`` is called on a Ctrl-C outside
    the commands (``wrap`` handles those inside), while a command module is imported, say.
    ``prepare`` is applied to the root group (``recurse=False``) and to each command as it
    is loaded: how help shows parameters (``cli.helptext.quiet_flags``)."""

    class LazyGroup(typer.core.TyperGroup):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            # Commands registered the eager way (app.command(...)) still work, imported up front.
            self.commands = _Commands(commands, wrap, loaded=self.commands, prepare=prepare)
            self._listing = False
            if prepare is not None:
                prepare(self, recurse=False)

        def list_commands(self, ctx: click.Context) -> list[str]:
            return list(self.commands)  # the names only: nothing is imported

        def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
            lazy = self.commands
            assert isinstance(lazy, _Commands)
            if cmd_name not in commands and not lazy.loaded(cmd_name):
                return None
            if self._listing and not lazy.loaded(cmd_name):
                return commands[cmd_name].placeholder(cmd_name)
            return lazy[cmd_name]

        # Typer would end a Ctrl-C silently; these two phases are where the time goes outside
        # a command: the root's options (Typer builds a Pydantic validator for each on first
        # use) and importing the command's module.
        def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
            try:
                return super().parse_args(ctx, args)
            except KeyboardInterrupt:
                interrupted()

        def invoke(self, ctx: click.Context) -> Any:
            try:
                return super().invoke(ctx)
            except KeyboardInterrupt:
                interrupted()

        def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
            self._listing = True  # the command list needs each command's help only
            try:
                if ctx.parent is None:
                    # The root's screen without typer.rich_utils (cli/roothelp.py).
                    from backstride.cli.roothelp import print_root_help

                    print_root_help(self, ctx)
                else:
                    super().format_help(ctx, formatter)
            finally:
                self._listing = False

    return LazyGroup
