"""`backstride worker`: run the clinic server's background jobs (``backstride.jobs``)."""

from __future__ import annotations

import logging
import signal
import sys
from typing import Annotated

import typer

from backstride.cli.state import state


class _Lines(logging.Formatter):
    """One line per record: the time, and the message (a traceback only with --debug)."""

    def __init__(self, debug: bool) -> None:
        super().__init__("%(asctime)s %(message)s", datefmt="%Y-%m-%d %H:%M:%S")
        self.debug = debug

    def format(self, record: logging.LogRecord) -> str:
        if not self.debug:
            record.exc_info = None
            record.exc_text = None
        return super().format(record)


def _logging(debug: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Lines(debug))
    ours = logging.getLogger("backstride.jobs")
    ours.addHandler(handler)
    ours.setLevel(logging.INFO)
    ours.propagate = False
    queue = logging.getLogger("procrastinate")
    queue.addHandler(handler)
    # procrastinate's own lines (a job started, ended ...) only with --debug: ours say it.
    queue.setLevel(logging.INFO if debug else logging.ERROR)
    queue.propagate = False


def worker_command(
    ctx: typer.Context,
    concurrency: Annotated[
        int,
        typer.Option(
            "--concurrency",
            "-c",
            min=1,
            max=64,
            metavar="N",
            help="Jobs this worker runs at once, 1 to 64.",
        ),
    ] = 1,
    stalled_after: Annotated[
        float,
        typer.Option(
            "--stalled-after",
            min=1,
            max=3600,
            metavar="SECONDS",
            help="Retry the jobs of a worker silent this long (it beats every third of it), "
            "1 to 3600.",
        ),
    ] = 30.0,
) -> None:
    """Run the clinic server's background jobs (uploads, syncs, reports) until stopped.

    PostgreSQL only. Start as many as you like, on any machine that reaches the database;
    SIGTERM or Ctrl-C lets the running jobs finish first. Logs one line per job.
    """
    from backstride.jobs.worker import run_worker

    cli = state(ctx)
    _logging(cli.debug)
    stopped_by = run_worker(
        cli.settings, concurrency=concurrency, stalled_after_s=stalled_after, debug=cli.debug
    )
    if stopped_by == signal.SIGINT:
        raise KeyboardInterrupt  # one line, "interrupted", exit status 130 (cli/app.py)
