"""A read command's output kept for its next identical run (issue 15): which store file and
whose output, for ``cli/instant.py``; the rows are ``store.kept_output``'s.

Local SQLite stores only: the clinic server's PostgreSQL keeps derived results for its web
processes instead (``service.cache``), and its commands are rarely the same twice.
"""

from __future__ import annotations

from backstride.store import kept_output as rows
from backstride.store.kept_output import Kept
from backstride.store.local import DEFAULT_ATHLETE

__all__ = ["Kept", "keep", "look_up", "store_file"]

_SCHEMES = ("sqlite:///", "sqlite+pysqlite:///")


def store_file(database_url: str) -> str | None:
    """The SQLite file a database URL names (as SQLAlchemy reads it: relative to the working
    folder, or absolute after a fourth slash); None for anything else: PostgreSQL, an
    in-memory database, a URL with options."""
    for scheme in _SCHEMES:
        if database_url.startswith(scheme):
            path = database_url[len(scheme) :]
            if path in ("", ":memory:") or "?" in path:
                return None
            return path
    return None


def look_up(path: str, key: str) -> Kept:
    """The local athlete's data version now in the store file ``path`` (:func:`store_file`),
    and the output kept for ``key`` at it."""
    return rows.look_up(path, DEFAULT_ATHLETE, key)


def keep(path: str, key: str, version: int, output: bytes) -> bool:
    """Keep ``output`` for ``key`` as computed from ``version``; False when not kept."""
    return rows.keep(path, DEFAULT_ATHLETE, key, version, output)
