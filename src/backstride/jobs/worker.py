"""``backstride worker``'s loop: run queued jobs until SIGTERM or Ctrl-C.

A worker opens the store and the queue, first retries the jobs of workers that stopped
(``tasks.retry_stalled_jobs``: a worker restarted after a kill picks up what the killed
one left), then runs procrastinate's worker: ``concurrency`` jobs at once (each in a thread
of its own), a heartbeat every third of ``stalled_after_s``, the periodic tasks deferred by
whichever worker comes first. Any number of workers, on any number of machines, share the
one database.

The first SIGTERM or SIGINT stops taking jobs and waits for the running ones to end (they
are not cut: an import stops between whole files anyway); a second one ends the process at
once, and another worker retries what it was doing, as after a kill.

Test hook: ``BACKSTRIDE_TEST_PAUSE_AFTER_FILE_S`` (seconds) makes an import job pause after
each file it stored, so tests/jobs can kill a worker in the middle of a job. It is read
only here, says so in the worker's log when set, and is meant for nothing else.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import time
from collections.abc import Callable, Mapping

from procrastinate import App
from procrastinate.worker import Worker

from backstride import service
from backstride.config import Settings
from backstride.jobs.app import build_app
from backstride.jobs.tasks import Runtime, retry_stalled_jobs

log = logging.getLogger("backstride.jobs")

#: Seconds without a heartbeat after which a worker's jobs are retried (procrastinate's
#: default); a worker beats every third of it.
STALLED_AFTER_S = 30.0
TEST_PAUSE = "BACKSTRIDE_TEST_PAUSE_AFTER_FILE_S"
#: Exit statuses: stopped by SIGTERM (a service manager) or by Ctrl-C (128 + SIGINT).
STOPPED = 0
INTERRUPTED = 130


def _test_pause(environ: Mapping[str, str]) -> Callable[[], None] | None:
    value = environ.get(TEST_PAUSE)
    if not value:
        return None
    seconds = float(value)
    log.warning(
        "test hook %s=%s: pausing %.1f s after each imported file", TEST_PAUSE, value, seconds
    )
    return lambda: time.sleep(seconds)


def run_worker(
    settings: Settings,
    *,
    concurrency: int = 1,
    stalled_after_s: float = STALLED_AFTER_S,
    debug: bool = False,
    environ: Mapping[str, str] | None = None,
) -> int:
    """Run jobs until a signal stops the worker; returns the signal's number (SIGTERM or
    SIGINT). The store must be current (``backstride db upgrade``) and on PostgreSQL."""
    app = build_app(settings)  # SQLite is refused here, before anything is opened
    with service.open_database(settings) as store:
        rt = Runtime(
            store=store,
            settings=settings,
            stalled_after_s=stalled_after_s,
            after_file=_test_pause(os.environ if environ is None else environ),
            debug=debug,
        )
        return asyncio.run(_work(app, rt, concurrency))


async def _work(app: App, rt: Runtime, concurrency: int) -> int:
    loop = asyncio.get_running_loop()
    async with app.open_async():
        retried = await retry_stalled_jobs(app, rt)
        worker = Worker(
            app=app,
            concurrency=concurrency,
            name="backstride",
            install_signal_handlers=False,
            additional_context={"backstride": rt},
            update_heartbeat_interval=rt.stalled_after_s / 3,
            stalled_worker_timeout=rt.stalled_after_s,
            delete_jobs="successful",
        )
        received: list[int] = []

        def stop(signum: int) -> None:
            if received:  # the second signal: now; the running jobs are retried elsewhere
                log.warning("stopped at once; the running jobs will be retried")
                os._exit(INTERRUPTED if signum == signal.SIGINT else 128 + signum)
            received.append(signum)
            log.info("stopping: no new jobs; waiting for the running ones to end")
            worker.stop()  # type: ignore[no-untyped-call]

        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop, signum)
        log.info(
            "worker started on %s: %d job%s at a time%s",
            rt.store.display_url,
            concurrency,
            "" if concurrency == 1 else "s",
            f"; {retried} stalled job{'' if retried == 1 else 's'} retried" if retried else "",
        )
        try:
            await worker.run()  # type: ignore[no-untyped-call]
        finally:
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(signum)
    log.info("worker stopped")
    return received[0] if received else signal.SIGTERM
