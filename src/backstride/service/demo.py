"""`backstride demo`: bundled real activities in a throw-away store."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources
from pathlib import Path

from backstride.model import ImportReport, StoredActivity
from backstride.service.activities import list_activities
from backstride.service.importing import import_files
from backstride.service.pain import log_pain
from backstride.service.pipeline import Progress
from backstride.service.plan import Plan, get_plan
from backstride.service.screening import FIELDS, take_screen
from backstride.service.status import Status, get_status
from backstride.store import Store, open_store


@dataclass(frozen=True)
class DemoResult:
    """What ``backstride demo`` did: where its store is, and the import's report."""

    database_url: str
    report: ImportReport
    activities: list[StoredActivity]
    status: Status
    """The status the day after the newest demo run (the samples are years old), with a
    short made-up pain diary around that run."""
    plan: Plan | None = None
    """Next week's plan from that day."""


def demo_files() -> list[Path]:
    """The sample activities shipped with the package (see demo_data/NOTICE.md)."""
    folder = resources.files("backstride") / "demo_data"
    return sorted(
        Path(str(item))
        for item in folder.iterdir()
        if item.is_file() and not item.name.endswith(".md")
    )


def _demo_diary(store: Store, run_id: int, day: date) -> None:
    """A short, made-up pain diary around the newest run, and a screen without red flags:
    the next morning's pain is more than one point above the pain before the run (P2)."""
    take_screen(store, dict.fromkeys(FIELDS, False), day=day - timedelta(days=1))
    log_pain(store, 2, moment="before", day=day, activity_id=run_id, today=day)
    log_pain(store, 3, moment="after", day=day, activity_id=run_id, today=day)
    log_pain(
        store, 4, moment="next_morning", day=day + timedelta(days=1), today=day + timedelta(days=1)
    )


def run_demo(folder: Path, *, progress: Progress | None = None) -> DemoResult:
    """Import the bundled samples into a fresh SQLite store in ``folder`` (emptied first)."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    url = f"sqlite:///{folder / 'demo.db'}"
    with open_store(url) as store:
        report = import_files(store, demo_files(), progress=progress)
        items = list_activities(store)
        last_run = max(
            (a for a in items if a.activity.sport == "running"), key=lambda a: a.activity.start_at
        )
        day = last_run.activity.local_date
        _demo_diary(store, last_run.id, day)
        as_of = day + timedelta(days=1)
        status = get_status(store, as_of=as_of)
        return DemoResult(url, report, items, status, get_plan(store, as_of=as_of))
