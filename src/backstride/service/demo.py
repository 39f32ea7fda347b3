"""`backstride demo`: bundled real activities in a throw-away store."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from backstride.model import ImportReport, StoredActivity
from backstride.service.activities import list_activities
from backstride.service.importing import Progress, import_files
from backstride.service.status import Status, get_status
from backstride.store import open_store


@dataclass(frozen=True)
class DemoResult:
    """What ``backstride demo`` did: where its store is, and the import's report."""

    database_url: str
    report: ImportReport
    activities: list[StoredActivity]
    status: Status
    """The status as of the newest demo activity's day (the samples are years old)."""


def demo_files() -> list[Path]:
    """The sample activities shipped with the package (see demo_data/NOTICE.md)."""
    folder = resources.files("backstride") / "demo_data"
    return sorted(
        Path(str(item))
        for item in folder.iterdir()
        if item.is_file() and not item.name.endswith(".md")
    )


def run_demo(folder: Path, *, progress: Progress | None = None) -> DemoResult:
    """Import the bundled samples into a fresh SQLite store in ``folder`` (emptied first)."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    url = f"sqlite:///{folder / 'demo.db'}"
    store = open_store(url)
    try:
        report = import_files(store, demo_files(), progress=progress)
        items = list_activities(store)
        as_of = max(a.activity.local_date for a in items)
        return DemoResult(url, report, items, get_status(store, as_of=as_of))
    finally:
        store.close()
