"""One import transaction held over several files: the writer's, with a savepoint per file.

An import stores many files in a row; a transaction (and on PostgreSQL a flush of its log to
disk) per file was most of the writer's cost. :class:`ImportBatch` keeps one
:func:`~backstride.store.db.import_transaction` open (the athlete's import lock held) while
the caller stores several files, each in a savepoint of its own (:meth:`ImportBatch.part`):
a file that fails rolls back to its savepoint and takes nothing else with it. A failure of
the database itself (full disk, lost connection: ``OperationalError``) may have undone the
whole transaction (SQLite rolls back on a full disk), so it *breaks* the batch: every later
part fails at once, and the caller must roll back and count every file of the batch as not
stored. Nothing is stored before :meth:`commit`, so a kill leaves whole files only.

On PostgreSQL the rows written in bulk (laps, stream blobs, form summaries, source parts)
are held and written with COPY at the commit (``store.deferred``), with the same guarantees:
a file that fails drops its held rows with its savepoint, and a COPY that fails breaks the
batch.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError

from backstride.errors import StorageError
from backstride.store.db import Store, import_transaction
from backstride.store.deferred import DEFERRED_OPTION, DeferredRows


def _refused(error: OperationalError) -> StorageError:
    reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
    return StorageError(f"not stored, the database refused the write: {reason}")


class ImportBatch:
    """An open import transaction of ``athlete_id`` (see the module docstring)."""

    def __init__(self, store: Store, athlete_id: int) -> None:
        self._transaction: AbstractContextManager[Connection] = import_transaction(
            store, athlete_id
        )
        self._conn: Connection | None = self._transaction.__enter__()
        self._deferred: DeferredRows | None = None
        if self._conn.dialect.name == "postgresql":
            self._deferred = DeferredRows(self._conn.dialect)
            self._conn.execution_options(**{DEFERRED_OPTION: self._deferred})
        self.broken: StorageError | None = None
        """Why the transaction can no longer be committed (then only :meth:`rollback`)."""

    @contextmanager
    def part(self) -> Iterator[Connection]:
        """A savepoint for one file's statements: released when the block ends, rolled back
        (and the exception raised again) when it fails."""
        if self.broken is not None:
            raise self.broken
        assert self._conn is not None, "the batch is closed"
        deferred = self._deferred
        if deferred is not None:
            deferred.begin_part()
        try:
            with self._conn.begin_nested():
                try:
                    yield self._conn
                except OperationalError as e:
                    # The first refusal is the reason (rolling back to the savepoint may
                    # fail next: SQLite undoes the whole transaction on a full disk).
                    self.broken = _refused(e)
                    raise
        except BaseException as e:
            if deferred is not None:
                deferred.rollback_part()
                if deferred.failure is not None and self.broken is None:
                    self.broken = deferred.failure  # rows of earlier files were in the COPY
            if isinstance(e, OperationalError):
                if self.broken is None:
                    self.broken = _refused(e)
                raise self.broken from e
            raise

    def commit(self) -> None:
        """Commit every part; raises :class:`StorageError` when the database refuses."""
        if self.broken is not None:
            raise self.broken
        if self._deferred is not None and self._conn is not None:
            try:
                self._deferred.flush(self._conn)
            except StorageError as e:
                self.broken = e
                self.rollback()
                raise
        self._conn = None
        try:
            self._transaction.__exit__(None, None, None)
        except StorageError as e:
            self.broken = e
            raise

    def rollback(self) -> None:
        """Undo every part (nothing of the batch is stored)."""
        if self._conn is None:
            return  # committed, or its commit failed (and so was rolled back)
        self._conn = None
        error = self.broken or StorageError("rolled back")
        try:
            self._transaction.__exit__(type(error), error, None)
        except Exception:  # the connection may be gone; nothing of it was committed
            pass
