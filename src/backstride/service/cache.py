"""Results of use cases kept while their data has not changed (for the dashboard).

A result is stored under the store's change token (``store.changes``) read *before* it was
computed: a commit by anyone, in this process or another, that could change the result
changes the token, so the next call computes again. Nothing is ever served that a fresh
call would not return, which keeps the dashboard's processes interchangeable. When the
token cannot be read (an in-memory database) nothing is cached.

A result about one athlete (``athlete_id``: the ``athletes`` row's id) is keyed, on
PostgreSQL, on that athlete's data version: writes to other athletes' data, the audit log,
sessions and the job queue leave it cached (the clinic server, where they happen every
second). It is then also kept in the database (``store.results``, migration 0014), so the
server's other processes, and this one after a restart, take it instead of computing it
again; the version and the stored result are read in one round trip. Elsewhere, and for
results about no athlete, the token is the database-wide one and results stay in the
process.

Results are kept in the database as pickles. Only backstride's own processes write that
table, with the database's credentials, which already allow them everything; a row that
does not load (another release's classes) is computed again. The key starts with the
release, so a new release never loads an older one's results.
"""

from __future__ import annotations

import logging
import pickle
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from typing import Any, TypeVar

from backstride import __version__
from backstride.errors import StorageError
from backstride.store import Store
from backstride.store import results as shared
from backstride.store.changes import ChangeToken

T = TypeVar("T")

log = logging.getLogger("backstride.cache")

#: How often a process sweeps an athlete's stored results of older versions and days
#: (``store.results.keep``) while their version stays the same; at once when it changes.
SWEEP_EVERY_S = 3600.0

#: Whose token an entry was stored under: an athlete's id, or None for the database's.
_Scope = int | None


class ResultCache:
    """The last ``size`` results of this process, by (whose token, key); on PostgreSQL each
    athlete's results also in the database for every process."""

    def __init__(self, store: Store, *, size: int = 64) -> None:
        self._token = ChangeToken(store)
        self._engine = store.engine
        self._size = size
        self._lock = threading.Lock()
        self._items: OrderedDict[tuple[_Scope, Hashable], tuple[Hashable, Any]] = OrderedDict()
        #: When this process last swept each athlete's stored results, and the version then.
        self._swept: dict[int, tuple[float, int]] = {}
        #: Results served from this process's memory, from the database (computed by
        #: another process or before a restart), and computed here.
        self.hits = 0
        self.shared_hits = 0
        self.misses = 0

    def get(self, key: Hashable, compute: Callable[[], T], *, athlete_id: int | None = None) -> T:
        """The cached result for ``key``, or ``compute()`` (kept for the next call).

        ``athlete_id``: the athlete whose data alone the result is derived from; the key must
        still say everything else it depends on (the view of the store, the day)."""
        if self._size <= 0:
            return compute()
        if athlete_id is not None and self._token.per_athlete:
            return self._of_athletes([(key, compute, athlete_id)])[0]
        return self._local(None, self._token.current(), key, compute)

    def get_many(self, wanted: Sequence[tuple[Hashable, Callable[[], T], int]]) -> list[T]:
        """:meth:`get` for several athletes' results, ``(key, compute, athlete_id)`` each,
        their versions (and stored results) read in one query (the clinician's athlete
        list)."""
        if self._size <= 0:
            return [compute() for _, compute, _ in wanted]
        if not self._token.per_athlete:
            token = self._token.current()
            return [self._local(None, token, key, compute) for key, compute, _ in wanted]
        return self._of_athletes(wanted)

    def _local(self, scope: _Scope, token: Hashable, key: Hashable, compute: Callable[[], T]) -> T:
        if token is None:
            return compute()
        found, value = self._held(scope, token, key)
        if found:
            return value  # type: ignore[no-any-return]
        value = compute()
        self._put(scope, token, key, value)
        return value

    def _of_athletes(self, wanted: Sequence[tuple[Hashable, Callable[[], T], int]]) -> list[T]:
        texts = [_text(key) for key, _, _ in wanted]
        with self._lock:
            held = [self._version_held(a, key) for key, _, a in wanted]
        asked = [(a, text, h) for (_, _, a), text, h in zip(wanted, texts, held, strict=True)]
        versions = shared.look_up(self._engine, asked)
        answers: list[T] = []
        for (key, compute, athlete_id), text, now in zip(wanted, texts, versions, strict=True):
            found, value = self._held(athlete_id, now.version, key)
            if not found and now.value is not None:
                found, value = _loaded(now.value)
                if found:
                    with self._lock:
                        self.shared_hits += 1
                    self._put(athlete_id, now.version, key, value)
            if not found:
                with self._lock:
                    self.misses += 1
                value = compute()
                self._put(athlete_id, now.version, key, value)
                self._keep(athlete_id, text, now.version, value)
            answers.append(value)
        return answers

    def _version_held(self, scope: _Scope, key: Hashable) -> int | None:
        entry = self._items.get((scope, key))
        return None if entry is None or not isinstance(entry[0], int) else entry[0]

    def _held(self, scope: _Scope, token: Hashable, key: Hashable) -> tuple[bool, Any]:
        with self._lock:
            entry = self._items.get((scope, key))
            if entry is None or entry[0] != token:
                return False, None
            self._items.move_to_end((scope, key))
            self.hits += 1
            return True, entry[1]

    def _put(self, scope: _Scope, token: Hashable, key: Hashable, value: object) -> None:
        with self._lock:
            # One entry per key: a result of an older token can never be hit again.
            self._items[(scope, key)] = (token, value)
            self._items.move_to_end((scope, key))
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def _keep(self, athlete_id: int, text: str, version: int, value: object) -> None:
        """Store a result for the other processes; a failure costs them a computation, never
        this request its answer."""
        now = time.monotonic()
        with self._lock:
            last = self._swept.get(athlete_id)
            sweep = last is None or last[1] != version or now - last[0] > SWEEP_EVERY_S
            if sweep:
                self._swept[athlete_id] = (now, version)
        try:
            data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
            shared.keep(self._engine, athlete_id, text, version, data, sweep=sweep)
        except (pickle.PicklingError, TypeError, AttributeError, StorageError) as e:
            log.warning("result %s not shared: %s", text, e)

    def close(self) -> None:
        self._token.close()


def _text(key: Hashable) -> str:
    """The key as the database keeps it: the release, then the key's ``repr`` (strings,
    numbers, days, tuples of them: the same text in every process)."""
    return f"{__version__}|{key!r}"


def _loaded(data: bytes) -> tuple[bool, Any]:
    try:
        return True, pickle.loads(data)  # written by backstride itself: see above
    except Exception as e:  # any failure to load means: compute it again
        log.warning("a shared result did not load (%s): computing it again", e)
        return False, None
