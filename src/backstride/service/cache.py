"""Results of use cases kept while the database has not changed (for the dashboard).

A result is stored under the store's change token (``store.changes``) read *before* it was
computed: a commit by anyone, in this process or another, changes the token, so the next
call computes again. Nothing is ever served that a fresh call would not return, which keeps
the dashboard's processes interchangeable. When the token cannot be read (an in-memory
database) nothing is cached.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from backstride.store import Store
from backstride.store.changes import ChangeToken

T = TypeVar("T")


class ResultCache:
    """The last ``size`` results, by (change token, key)."""

    def __init__(self, store: Store, *, size: int = 64) -> None:
        self._token = ChangeToken(store)
        self._size = size
        self._lock = threading.Lock()
        self._items: OrderedDict[tuple[str, Hashable], Any] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The cached result for ``key``, or ``compute()`` (kept for the next call)."""
        token = self._token.current() if self._size > 0 else None
        if token is None:
            return compute()
        full = (token, key)
        with self._lock:
            if full in self._items:
                self._items.move_to_end(full)
                self.hits += 1
                found: T = self._items[full]
                return found
            self.misses += 1
        value = compute()
        with self._lock:
            self._items[full] = value
            # Entries of older tokens can never be hit again: drop them at once.
            for old in [k for k in self._items if k[0] != token]:
                del self._items[old]
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return value

    def close(self) -> None:
        self._token.close()
