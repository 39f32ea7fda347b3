"""Whether anything in the database changed: a token that differs after every commit.

What a cache of derived results (status, load chart ...) is keyed on, so several processes
over one database never serve a result older than the data, whoever wrote it.

- SQLite: ``PRAGMA data_version`` on a connection of its own that never writes; it changes
  whenever any other connection (of this process or another) commits. A local install has
  one athlete: this one token serves every result.
- PostgreSQL, for one athlete's data: the athlete's row of ``data_versions`` (migration
  0012), which the database's triggers bump in every transaction that writes their data;
  other athletes' writes, the audit log, sessions and the job queue leave it alone; no row
  is version 0. ``store.results.look_up`` reads it, with the result stored for it, in one
  round trip (:attr:`ChangeToken.per_athlete` says when to).
- PostgreSQL, for anything else: the current transaction snapshot (``xmin:xmax:in-progress
  ids``); it changes when any transaction of the server is given an id (a write starts) or
  ends. That is more often than this database's data change, never less.

``None`` means "cannot tell" (an in-memory SQLite database): do not cache.
"""

from __future__ import annotations

import sqlite3
import threading

import sqlalchemy as sa

from backstride.store.db import Store

#: Tables with an ``athlete_id`` whose writes do not change the athlete's data version
#: (migration 0012 has no trigger on them), and why. Every other such table must have one
#: (tests/store/test_data_versions.py checks the migrated database).
UNVERSIONED = {
    "accounts": "who signs in and which athletes row is theirs: no health data; names are "
    "read outside the cache",
    "jobs": "a background job's state and progress, not health data; what an import stores "
    "bumps the version itself",
    "uploads": "uploaded files waiting for a worker; their import bumps the version",
    "cached_results": "results derived from the athlete's data, stored under its version: "
    "storing one must not change it",
}


class ChangeToken:
    """Reads the token for one store; safe to share between threads."""

    def __init__(self, store: Store) -> None:
        self._engine = store.engine
        self._lock = threading.Lock()
        self._sqlite: sqlite3.Connection | None = None
        url = store.engine.url
        self._path = (
            url.database
            if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:")
            else None
        )

    @property
    def per_athlete(self) -> bool:
        """Whether one athlete's results are keyed on their own data version
        (``store.results.look_up``) rather than on :meth:`current`."""
        return self._engine.url.get_backend_name() == "postgresql"

    def current(self) -> str | None:
        """A token equal to the previous one only if nothing was committed in between."""
        backend = self._engine.url.get_backend_name()
        if backend == "sqlite":
            if self._path is None:
                return None
            with self._lock:
                if self._sqlite is None:
                    self._sqlite = sqlite3.connect(
                        self._path, check_same_thread=False, isolation_level=None
                    )
                row = self._sqlite.execute("PRAGMA data_version").fetchone()
            return f"sqlite:{row[0]}"
        if backend == "postgresql":
            with self._engine.connect() as conn:
                snapshot = conn.execute(sa.text("SELECT txid_current_snapshot()::text")).scalar()
            return f"postgresql:{snapshot}"
        return None

    def close(self) -> None:
        with self._lock:
            if self._sqlite is not None:
                self._sqlite.close()
                self._sqlite = None
