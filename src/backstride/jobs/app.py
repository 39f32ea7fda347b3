"""procrastinate's ``App`` for a worker: the queue's app (``queue.queue_app``: the store's
own PostgreSQL database, same address and options, the search path included) with
backstride's tasks registered (``tasks.register``). Each worker process builds one; whoever
only queues jobs (the web, the periodic sync) needs none of the task code
(``queue.enqueuer`` defers by name)."""

from __future__ import annotations

from procrastinate import App

from backstride.config import Settings
from backstride.jobs import tasks
from backstride.jobs.queue import queue_app


def build_app(settings: Settings) -> App:
    """The worker's app (not opened); SQLite is refused with one line (``ConfigError``)."""
    app = queue_app(settings)
    tasks.register(app)
    return app
