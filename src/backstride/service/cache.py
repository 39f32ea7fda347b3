"""Results of use cases kept while their data has not changed (for the dashboard).

A result is stored under the store's change token (``store.changes``) read *before* it was
computed: a commit by anyone, in this process or another, that could change the result
changes the token, so the next call computes again. Nothing is ever served that a fresh
call would not return, which keeps the dashboard's processes interchangeable. When the
token cannot be read (an in-memory database) nothing is cached.

A result about one athlete (``athlete_id``: the ``athletes`` row's id) is keyed, on
PostgreSQL, on that athlete's data version: writes to other athletes' data, the audit log,
sessions and the job queue leave it cached (the clinic server, where they happen every
second). Elsewhere, and for results about no athlete, the token is the database-wide one.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from typing import Any, TypeVar

from backstride.store import Store
from backstride.store.changes import ChangeToken

T = TypeVar("T")

#: Whose token an entry was stored under: an athlete's id, or None for the database's.
_Scope = int | None


class ResultCache:
    """The last ``size`` results, by (whose token, token, key)."""

    def __init__(self, store: Store, *, size: int = 64) -> None:
        self._token = ChangeToken(store)
        self._size = size
        self._lock = threading.Lock()
        self._items: OrderedDict[tuple[_Scope, str, Hashable], Any] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable, compute: Callable[[], T], *, athlete_id: int | None = None) -> T:
        """The cached result for ``key``, or ``compute()`` (kept for the next call).

        ``athlete_id``: the athlete whose data alone the result is derived from; the key must
        still say everything else it depends on (the view of the store, the day)."""
        if self._size <= 0:
            return compute()
        scope = athlete_id if self._token.per_athlete else None
        return self._get(scope, self._token.current(scope), key, compute)

    def get_many(self, wanted: Sequence[tuple[Hashable, Callable[[], T], int]]) -> list[T]:
        """:meth:`get` for several athletes' results, ``(key, compute, athlete_id)`` each,
        their tokens read in one query (the clinician's athlete list)."""
        if self._size <= 0:
            return [compute() for _, compute, _ in wanted]
        if not self._token.per_athlete:
            token = self._token.current()
            return [self._get(None, token, key, compute) for key, compute, _ in wanted]
        tokens = self._token.of_athletes(a for _, _, a in wanted)
        return [self._get(a, tokens[a], key, compute) for key, compute, a in wanted]

    def _get(self, scope: _Scope, token: str | None, key: Hashable, compute: Callable[[], T]) -> T:
        if token is None:
            return compute()
        full = (scope, token, key)
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
            # Entries of the same scope under an older token can never be hit again: drop
            # them at once (another athlete's entries stay).
            for old in [k for k in self._items if k[0] == scope and k[1] != token]:
                del self._items[old]
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return value

    def close(self) -> None:
        self._token.close()
