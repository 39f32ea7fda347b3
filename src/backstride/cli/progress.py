"""The service's progress reports drawn as one Rich bar: imports, syncs (any object with
``add_total(count)`` and ``advance(label)``, as ``service.Progress`` asks)."""

from __future__ import annotations

from rich.progress import Progress
from rich.text import Text


class ProgressBar:
    """One Rich bar whose total grows as the work is found; a pause as a line above it."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._task = progress.add_task("", total=0)

    def add_total(self, count: int) -> None:
        total = self._progress.tasks[0].total or 0
        self._progress.update(self._task, total=total + count)

    def advance(self, label: str) -> None:
        self._progress.update(self._task, advance=1, description=label)

    def pause(self, message: str) -> None:
        self._progress.console.print(Text(message, style="yellow"))
