"""The ``backstride`` command's entry point (also ``python -m backstride``).

Two things happen here before the rest of backstride is imported (issues 15 and 18):

- Ctrl-C is quiet from the first moment. It raises :class:`KeyboardInterrupt` as usual, so
  whatever runs cleans up on the way out (``with`` blocks roll back the transaction, close
  the store, stop the decoding workers); what reaches this function, or Typer, ends the
  process with at most one line, ``interrupted``, and exit status 130 (128 + SIGINT), never a
  traceback, also while the command modules are still being imported. A second Ctrl-C during
  that clean-up, or one while Python shuts down after the command, ends the process at once.
- ``backstride --version`` answers without importing Typer, the store or anything else.

This module imports nothing but the standard library's ``os``, ``signal`` and ``sys`` (not
even ``typing``: every module imported before the handler is installed widens the window in
which Python itself would print a traceback).
"""

from __future__ import annotations

import os
import signal
import sys

#: The exit status of a command stopped by Ctrl-C, as a shell reports it (128 + SIGINT).
INTERRUPTED = 130


def _say_interrupted() -> None:
    try:
        sys.stderr.write("interrupted\n")
        sys.stderr.flush()
    except (OSError, ValueError):  # stderr closed or gone: the exit status says it
        pass


def _exit_now(_signum: int, _frame: object) -> None:
    _say_interrupted()
    os._exit(INTERRUPTED)


def _interrupt(_signum: int, _frame: object) -> None:
    signal.signal(signal.SIGINT, _exit_now)  # a second Ctrl-C does not wait for the clean-up
    raise KeyboardInterrupt


def _unraisable(unraisable: object) -> None:
    """A Ctrl-C that lands in code whose exceptions Python cannot pass on (a callback the
    garbage collector runs, a ``__del__``) would be printed as "Exception ignored" with a
    traceback, and the command would go on: it ends the process instead, as a second Ctrl-C
    does (nothing uncommitted is stored; the database rolls it back)."""
    if isinstance(getattr(unraisable, "exc_value", None), KeyboardInterrupt):
        _exit_now(signal.SIGINT, None)
    sys.__unraisablehook__(unraisable)  # type: ignore[arg-type]


# Installed as soon as this module runs: the console script imports it before it calls
# main(), and a Ctrl-C in between must be quiet too (nothing to clean up yet: the process
# just ends). Only the ``backstride`` process imports this module (the console script and
# ``python -m backstride``).
signal.signal(signal.SIGINT, _exit_now)
sys.unraisablehook = _unraisable


def _run(args: list[str]) -> None:
    if args == ["--version"]:
        from backstride import __version__

        sys.stdout.write(f"backstride {__version__}\n")
        return
    from backstride.cli import instant

    prepared = instant.prepare(args)
    if prepared is not None and prepared.output is not None:
        instant.replay(prepared.output)  # the same command on the same data: printed before
        return
    from backstride.cli.app import app

    if prepared is None or prepared.version is None:
        code = _exit_code(app, args)
    else:
        code = instant.run_kept(prepared, lambda: _exit_code(app, args))
    if code == 0 and (warm := instant.warm_args(args)) is not None:
        again = instant.prepare(warm)
        if again is not None and again.version is not None and again.output is None:
            # printed nowhere, only kept
            instant.run_kept(again, lambda: _exit_code(app, warm), forward=False)
    sys.exit(code)


def _exit_code(app: object, args: list[str]) -> int:
    """Run the Typer app (which ends with SystemExit, its standalone mode) to its exit status."""
    try:
        app(args=args, prog_name="backstride")  # type: ignore[operator]
    except SystemExit as e:
        if e.code is None:
            return 0
        if isinstance(e.code, int):
            return e.code
        sys.stderr.write(f"{e.code}\n")  # what SystemExit would print
        return 1
    return 0


def main() -> None:
    """Run the command line given to the process."""
    try:
        signal.signal(signal.SIGINT, _interrupt)  # from here on, what runs cleans up first
        _run(sys.argv[1:])
    except KeyboardInterrupt:
        signal.signal(signal.SIGINT, _exit_now)
        _say_interrupted()
        sys.exit(INTERRUPTED)
    finally:
        signal.signal(signal.SIGINT, _exit_now)  # nor is Python's shutdown interrupted
