"""Syncs started from the dashboard: one background thread per service, whose progress
the Sync page reads (``GET /api/sync``) while it runs. A sync is the CLI's
(``service.sync.sync_services``); the dashboard only starts it and shows how it goes.
A server stopped during a sync leaves whole activities only; the next sync continues.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request

from backstride.config import Settings
from backstride.errors import BackstrideError
from backstride.service import Store


@dataclass
class SyncJob:
    """One running (or finished) sync of one service, as the page shows it."""

    service: str
    total: int = 0
    done: int = 0
    label: str = ""
    waiting: str | None = None
    running: bool = True
    error: str | None = None
    hint: str | None = None
    result: dict[str, Any] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add_total(self, count: int) -> None:
        with self.lock:
            self.total += count

    def advance(self, label: str) -> None:
        with self.lock:
            self.done += 1
            self.label = label
            self.waiting = None

    def pause(self, message: str) -> None:
        with self.lock:
            self.waiting = message

    def to_json(self) -> dict[str, Any]:
        with self.lock:
            return {
                "running": self.running,
                "done": self.done,
                "total": self.total,
                "label": self.label,
                "waiting": self.waiting,
                "error": self.error,
                "hint": self.hint,
                "result": self.result,
            }


class SyncJobs:
    """At most one sync per service at a time."""

    def __init__(self) -> None:
        self._jobs: dict[str, SyncJob] = {}
        self._lock = threading.Lock()
        self.options: dict[str, Any] = {}
        """Passed to every sync and connection (tests: ``session``, ``intervals_base_url``,
        ``clock``); empty in use."""

    def get(self, service: str) -> SyncJob | None:
        with self._lock:
            return self._jobs.get(service)

    def start(self, store: Store, settings: Settings, service: str) -> SyncJob:
        """Start a sync of ``service`` unless one is running; returns the running job."""
        from backstride.service import sync as syncing

        name = syncing.parse_service(service)
        with self._lock:
            job = self._jobs.get(name)
            if job is not None and job.running:
                return job
            job = SyncJob(name)
            self._jobs[name] = job

        def run() -> None:
            try:
                [report] = syncing.sync_services(
                    store, settings, (name,), progress=job, **self.options
                )
                result = report.to_json()
                with job.lock:
                    job.result = result
            except BackstrideError as e:
                with job.lock:
                    job.error, job.hint = e.message, e.hint
            except Exception as e:  # the thread's last boundary: said in words on the page
                with job.lock:
                    job.error = f"unexpected error: {type(e).__name__}: {e}".splitlines()[0]
            finally:
                with job.lock:
                    job.running = False
                    job.waiting = None

        threading.Thread(target=run, name=f"sync-{name}", daemon=True).start()
        return job


def sync_view(request: Request) -> dict[str, Any]:
    """The services, their last sync and error, and a running sync's progress (the JSON of
    ``GET /api/sync`` and what the Sync page shows). Never the credentials."""
    from backstride.service import sync as syncing

    jobs: SyncJobs = request.app.state.syncs
    services = []
    for status in syncing.connection_status(request.app.state.store):
        job = jobs.get(status.service)
        services.append({**status.to_json(), "sync": job.to_json() if job else None})
    return {"services": services}


def intervals_options(request: Request) -> dict[str, Any]:
    """What tests route intervals.icu's connection check through (empty in use)."""
    options = request.app.state.syncs.options
    found: dict[str, Any] = {}
    if "session" in options:
        found["session"] = options["session"]
    if "intervals_base_url" in options:
        found["base_url"] = options["intervals_base_url"]
    return found
