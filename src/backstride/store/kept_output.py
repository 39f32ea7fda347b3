"""A command's printed output kept in a local store, under the data version it came from.

The rows are ``cached_results`` rows (migration 0014) whose key starts with ``cli|``; the
version is the athlete's row of ``data_versions``, which SQLite's triggers (migration 0015)
change with every write to their data. :func:`look_up` reads the version and the output kept
at it in one statement (one snapshot: a kept output of an older version is never returned).

This module uses the standard library's ``sqlite3`` only, not SQLAlchemy: it is what a
command reads before anything else is imported (``cli/instant.py``; start-up, issue 15).
Every failure (no such file yet, a schema from before 0015, a locked or read-only database)
is "nothing kept": what is kept is only ever a shortcut.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

#: Kept outputs are dropped this long after they were stored (keys hold the day).
KEPT_FOR = timedelta(days=2)
#: How long a store waits for another process's write lock before giving up keeping.
_WAIT_S = 0.25
PREFIX = "cli|"


class Kept(NamedTuple):
    """The athlete's data version now (None: the store keeps none: no such athlete yet, or
    a schema older than migration 0015) and the output kept for the key at it (or None)."""

    version: int | None
    output: bytes | None


def _connect(path: str) -> sqlite3.Connection:
    # mode=rw: a store that does not exist yet is not created here (the command does that).
    # (Quoted by hand: urllib.parse costs a replay more than the query.)
    name = path.replace("%", "%25").replace("?", "%3f").replace("#", "%23")
    return sqlite3.connect(f"file:{name}?mode=rw", uri=True, timeout=_WAIT_S, isolation_level=None)


def look_up(path: str, athlete: str, key: str) -> Kept:
    """The athlete's version and what is kept for ``key`` at that version."""
    try:
        conn = _connect(path)
    except sqlite3.Error:
        return Kept(None, None)
    try:
        row = conn.execute(
            "SELECT v.version, (SELECT r.value FROM cached_results r "
            "  WHERE r.athlete_id = a.id AND r.key = ? AND r.version = v.version) "
            "FROM athletes a JOIN data_versions v ON v.athlete_id = a.id WHERE a.name = ?",
            (PREFIX + key, athlete),
        ).fetchone()
    except sqlite3.Error:
        return Kept(None, None)
    finally:
        conn.close()
    if row is None:
        return Kept(None, None)
    return Kept(int(row[0]), None if row[1] is None else bytes(row[1]))


def keep(path: str, athlete: str, key: str, version: int, output: bytes) -> bool:
    """Keep ``output`` for ``key`` as computed from ``version`` (unless a newer version's is
    kept already), and drop the athlete's kept outputs of older versions or days. False when
    the store would not take it (locked, read-only, full): nothing else changes then."""
    now = datetime.now(UTC).replace(tzinfo=None)  # stored naive UTC, as store.types does
    try:
        conn = _connect(path)
    except sqlite3.Error:
        return False
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(
            "INSERT INTO cached_results (athlete_id, key, version, value, stored_at) "
            "SELECT id, ?, ?, ?, ? FROM athletes WHERE name = ? "
            "ON CONFLICT (athlete_id, key) DO UPDATE SET version = excluded.version, "
            "value = excluded.value, stored_at = excluded.stored_at "
            "WHERE excluded.version >= cached_results.version",
            (PREFIX + key, version, output, _stamp(now), athlete),
        )
        conn.execute(
            "DELETE FROM cached_results WHERE key LIKE ? "
            "AND athlete_id = (SELECT id FROM athletes WHERE name = ?) "
            "AND (version < ? OR stored_at < ?)",
            (PREFIX + "%", athlete, version, _stamp(now - KEPT_FOR)),
        )
        conn.execute("COMMIT")
        return True
    except sqlite3.Error:
        try:
            conn.execute("ROLLBACK")
        except sqlite3.Error:
            pass
        return False
    finally:
        conn.close()


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")
