"""Syncs started from the dashboard: one background thread per service, whose progress
the Sync page reads (``GET /api/sync``) while it runs. A sync is the CLI's
(``service.sync.sync_services``); the dashboard only starts it and shows how it goes.
A server stopped during a sync leaves whole activities only; the next sync continues.

On the clinic server a sync is a job (``web/queue.py``) that any worker runs, and its
progress is the job's; Strava's ``state`` is then signed with the session's token instead of
kept in the process (several processes serve one clinic), so it only works for the browser
session that asked.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request

from backstride.config import Settings
from backstride.errors import BackstrideError
from backstride.service import Store
from backstride.web.subject import Subject, subject


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

    who = subject(request)
    # Each sync's progress is read before the services' rows: a sync seen finished here has
    # committed its last sync time, which the rows read after it then hold (read the other
    # way round, a sync ending in between showed as done with the time before it).
    progress = _progress(request, who, syncing.SERVICES)
    services = [
        {**status.to_json(), "sync": progress.get(status.service)}
        for status in syncing.connection_status(who.store, athlete=who.athlete)
    ]
    return {"services": services}


def _progress(
    request: Request, who: Subject, services: Iterable[str]
) -> dict[str, dict[str, Any] | None]:
    """Each service's running or last sync: the local thread's, or the clinic's latest job
    (the athlete's recent sync jobs read once for every service)."""
    if not request.app.state.clinic:
        jobs: SyncJobs = request.app.state.syncs
        return {name: (job.to_json() if (job := jobs.get(name)) else None) for name in services}
    from backstride.web import queue

    recent = queue.recent_jobs(request, who, "sync", limit=20)
    return {name: _job_progress(recent, name) for name in services}


def _job_progress(recent: list[dict[str, Any]], service: str) -> dict[str, Any] | None:
    """The newest of ``recent`` sync jobs (newest first) that concerns ``service``, as the
    page shows a sync's progress."""
    for view in recent:
        if _job_is_for(view, service):
            failed = view.get("state") == "failed"
            return {
                "running": view.get("state") in ("queued", "running"),
                "done": view.get("done") or 0,
                "total": view.get("total") or 0,
                "label": "" if failed else view.get("message") or "",
                "waiting": None,
                "error": view.get("message") if failed else None,
                "hint": None,
                "result": view.get("result"),
                "job": view.get("id"),
            }
    return None


def _job_is_for(view: dict[str, Any], service: str) -> bool:
    """Whether a sync job's view concerns ``service``: its words name it (``sync of strava
    waiting``, a report per service) or every connected service."""
    words = f"{view.get('message') or ''} {view.get('result') or ''}".lower()
    return service in words or "every connected service" in words


def start(request: Request, who: Subject, service: str) -> dict[str, Any]:
    """Start a sync of ``service`` for ``who``: a thread of this process (local), or a job."""
    if request.app.state.clinic:
        from backstride.service import sync as syncing
        from backstride.web import queue

        name = syncing.parse_service(service)
        job_id = queue.submit_sync(request, who, name)
        return {"running": True, "done": 0, "total": 0, "label": "", "waiting": None,
                "error": None, "hint": None, "result": None, "job": job_id}  # fmt: skip
    jobs: SyncJobs = request.app.state.syncs
    return jobs.start(who.store, request.app.state.settings, service).to_json()


def _sign(request: Request, nonce: str) -> str:
    key = str(request.state.csrf_token).encode()
    return hmac.new(key, b"strava-state:" + nonce.encode(), hashlib.sha256).hexdigest()[:32]


def new_strava_state(request: Request) -> str:
    """The ``state`` sent to Strava's authorization page, checked when the browser is back."""
    nonce = secrets.token_urlsafe(24)
    if request.app.state.clinic:
        return f"{nonce}.{_sign(request, nonce)}"
    request.app.state.strava_states.add(nonce)
    return nonce


def take_strava_state(request: Request, state: str) -> bool:
    """Whether Strava's answer carries a state this dashboard (this session) issued."""
    if request.app.state.clinic:
        nonce, _, mac = state.partition(".")
        return bool(nonce and mac) and hmac.compare_digest(mac, _sign(request, nonce))
    issued: set[str] = request.app.state.strava_states
    if state not in issued:
        return False
    issued.discard(state)
    return True


def intervals_options(request: Request) -> dict[str, Any]:
    """What tests route intervals.icu's connection check through (empty in use)."""
    options = request.app.state.syncs.options
    found: dict[str, Any] = {}
    if "session" in options:
        found["session"] = options["session"]
    if "intervals_base_url" in options:
        found["base_url"] = options["intervals_base_url"]
    return found
