"""The store: the only package that speaks SQL.

Functions here take a SQLAlchemy ``Connection`` first and return ``model`` objects; the
service layer owns transactions through :func:`transaction`.

Importing the package imports nothing (the names below come from ``store.db`` on first use):
``store.kept_output``, which a command's fast path reads with the standard library's sqlite3,
must not bring SQLAlchemy with it (start-up, issue 15).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from backstride.store.db import Store, import_transaction, open_store, transaction

# Connection is re-exported so the service layer can type the connections it gets from
# transaction() without importing SQLAlchemy itself.
__all__ = ["Connection", "Store", "import_transaction", "open_store", "transaction"]

_FROM = {
    "Connection": "sqlalchemy.engine",
    "Store": "backstride.store.db",
    "import_transaction": "backstride.store.db",
    "open_store": "backstride.store.db",
    "transaction": "backstride.store.db",
}


def __getattr__(name: str) -> Any:
    module = _FROM.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
