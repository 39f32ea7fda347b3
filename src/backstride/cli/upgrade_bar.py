"""A progress bar for a schema migration that works through stored rows (migration 0009
computes the form summaries of runs stored before), drawn only when there is such work."""

from __future__ import annotations

from typing import Any

from rich.console import Console


class UpgradeBar:
    """Draws a Rich bar on ``console`` from a migration's reports; nothing until a migration
    announces work, and nothing when ``console`` is not a terminal. Use as a context manager
    around opening the store."""

    def __init__(self, console: Console) -> None:
        self._console = console
        self._progress: Any = None
        self._task: Any = None

    def __enter__(self) -> UpgradeBar:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    def add_total(self, count: int) -> None:
        if not self._console.is_terminal:
            return
        if self._progress is None:
            from rich.progress import (  # only when a migration has work to show
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
            )

            self._progress = Progress(
                TextColumn("upgrading the database"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TextColumn("{task.description}"),
                console=self._console,
                transient=True,
            )
            self._progress.start()
            self._task = self._progress.add_task("", total=0)
        total = self._progress.tasks[0].total or 0
        self._progress.update(self._task, total=total + count)

    def advance(self, label: str) -> None:
        if self._progress is not None:
            self._progress.update(self._task, advance=1, description=label)
