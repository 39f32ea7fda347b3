"""Rows an import writes at the end of its batch, with COPY (PostgreSQL).

An import on PostgreSQL stores a run's laps, stream blob, form summary and source part as
rows that nothing in the import reads back before its commit, except in a few known cases.
:class:`DeferredRows` keeps them in memory and writes each table's rows with one binary
``COPY ... FROM STDIN`` (psycopg's ``cursor.copy()``) when the batch commits, instead of
four statements per run: each statement is a round trip and SQLAlchemy's handling of it, on
the same two cores as the server (BENCHMARKS.md, issue 15).

The guarantees of ``store.batch`` hold:

- *A file that fails takes only its own rows.* :meth:`begin_part` marks where a file's rows
  start; :meth:`rollback_part` drops them. When the file's savepoint also holds rows of
  earlier files (flushed during the file, below), rolling back to the savepoint undid those
  too, so they are kept to be written again.
- *What the import reads is what it wrote.* A read that needs a held row writes every held
  row first (:meth:`flush`): the look-up of a file's stored parts when a part of that file
  is held (a file with several sessions, or the same file twice in a batch), and the
  replacement of a stored activity by a richer twin (which reads its laps and streams).
- *A failure of the database breaks the batch.* A COPY that fails raises
  :class:`~backstride.errors.StorageError`, kept as :attr:`failure`; the batch then rolls
  back as a whole (the rows of several files were in that statement).
- *Nothing is stored before the commit*: the rows are written inside the transaction.

Values are those an INSERT would bind (each column type's own conversion, then psycopg's
binary dumper for the column's server type), so both paths store the same bytes; a value
the table would refuse (NULL where it takes none, a string too long) fails its own file
when it is held (:meth:`DeferredRows.add`), as its INSERT did, not the batch's COPY.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.types import TypeDecorator

from backstride.errors import StorageError
from backstride.store.db import insert_or_ignore

#: The execution option that carries an import batch's :class:`DeferredRows` on its
#: connection (set by ``store.batch.ImportBatch`` on PostgreSQL only).
DEFERRED_OPTION = "backstride_deferred_rows"

_Key = tuple[sa.Table, tuple[str, ...], tuple[str, ...]]
"""A table, the columns its held rows fill, and the columns whose conflict skips a row."""


def write_rows(
    conn: Connection,
    table: sa.Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    unless_conflict_on: tuple[str, ...] = (),
) -> None:
    """Insert ``rows`` of ``table`` (each with the same columns) now, or hold them for the
    COPY at the commit when ``conn`` is an import batch's on PostgreSQL. With
    ``unless_conflict_on``, a row whose values of those unique columns are stored already is
    skipped (``store.db.insert_or_ignore``)."""
    if not rows:
        return
    deferred = deferred_of(conn)
    if deferred is not None:
        deferred.add(table, rows, unless_conflict_on=unless_conflict_on)
    elif unless_conflict_on:
        conn.execute(insert_or_ignore(conn, table, *unless_conflict_on), list(rows))
    else:
        conn.execute(sa.insert(table), list(rows))


def deferred_of(conn: Connection) -> DeferredRows | None:
    """The rows held for ``conn``'s import batch, or None when its writes go straight in."""
    found = conn.get_execution_options().get(DEFERRED_OPTION)
    assert found is None or isinstance(found, DeferredRows)
    return found


class DeferredRows:
    """Rows held until :meth:`flush` (see the module docstring)."""

    def __init__(self, dialect: sa.Dialect) -> None:
        self._dialect = dialect
        self._columns: dict[_Key, list[_Column]] = {}
        self._rows: dict[_Key, list[tuple[Any, ...]]] = {}
        self._sources: set[str] = set()
        """The SHA-256 of the files whose ``activity_sources`` rows are held."""
        self._mark: dict[_Key, int] = {}
        self._before_part: tuple[dict[_Key, list[tuple[Any, ...]]], set[str]] | None = None
        """What was held when the current file began, once a flush during it wrote that."""
        self._types: dict[str, dict[str, int]] = {}
        self.failure: StorageError | None = None
        """The COPY that failed: the batch must roll back."""

    def __len__(self) -> int:
        return sum(len(rows) for rows in self._rows.values())

    def add(
        self,
        table: sa.Table,
        rows: Sequence[Mapping[str, Any]],
        *,
        unless_conflict_on: tuple[str, ...] = (),
    ) -> None:
        """Hold rows of ``table`` (each with the same columns) for the next :meth:`flush`.

        Each value is converted as an INSERT would (a ``TypeDecorator``'s conversion) and
        checked against its column (NOT NULL, a string's length) here, in the file's own
        part: a value the table refuses fails its file, as the INSERT did, instead of the
        COPY of the whole batch.

        ``unless_conflict_on``: a row whose values of these (unique) columns are stored
        already is skipped, as ``store.db.insert_or_ignore``; such rows are written with one
        multi-row INSERT ... ON CONFLICT DO NOTHING instead of COPY. Rows of the
        ``activity_sources`` and ``source_files`` tables carry a ``sha256`` whose reads
        :meth:`holds_source` tells to flush first."""
        if not rows:
            return
        columns = tuple(rows[0])
        key = (table, columns, unless_conflict_on)
        checks = self._columns.get(key)
        if checks is None:
            checks = self._columns[key] = [
                _column(table.c[name], self._dialect, convert=not unless_conflict_on)
                for name in columns
            ]
        held = self._rows.setdefault(key, [])
        held.extend(
            tuple(_checked(row[name], check) for name, check in zip(columns, checks, strict=True))
            for row in rows
        )
        if "sha256" in columns:
            self._sources.update(row["sha256"] for row in rows)

    def holds_source(self, sha256: str) -> bool:
        """Whether a row about the file ``sha256`` is held (one of its parts, or the mark
        that it is complete): a read of those must :meth:`flush` first. (After a file
        failed, its SHA-256 may still be named here without rows: a flush then writes
        only what other files hold.)"""
        return sha256 in self._sources

    def begin_part(self) -> None:
        """A file's rows start here (its savepoint has just been taken)."""
        self._mark = {key: len(rows) for key, rows in self._rows.items()}
        self._before_part = None

    def rollback_part(self) -> None:
        """The file failed and its savepoint was rolled back: drop the file's rows, and hold
        again those of earlier files that a flush during it had written."""
        if self._before_part is not None:
            self._rows, self._sources = self._before_part
        else:
            for key in list(self._rows):
                del self._rows[key][self._mark.get(key, 0) :]
        self._before_part = None

    def flush(self, conn: Connection) -> None:
        """Write every held row, one COPY per table (parents first); raises
        :class:`StorageError` (kept as :attr:`failure`) when the database refuses."""
        if self.failure is not None:
            raise self.failure
        if not self._rows:
            return
        if self._before_part is None:
            self._before_part = (
                {key: rows[: self._mark.get(key, 0)] for key, rows in self._rows.items()},
                set(self._sources),
            )
        tables = next(iter(self._rows))[0].metadata.sorted_tables
        order = {table: i for i, table in enumerate(tables)}
        try:
            driver = conn.connection.driver_connection
            assert driver is not None
            self._read_types(driver, {key[0].name for key in self._rows if not key[2]})
            for (table, columns, conflict), rows in sorted(
                self._rows.items(), key=lambda item: order[item[0][0]]
            ):
                if conflict:
                    conn.execute(
                        insert_or_ignore(conn, table, *conflict),
                        [dict(zip(columns, row, strict=True)) for row in rows],
                    )
                else:
                    self._copy(driver, table, columns, rows)
        except Exception as e:
            reason = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            self.failure = StorageError(f"not stored, the database refused the write: {reason}")
            raise self.failure from e
        self._rows, self._sources = {}, set()
        self._mark = {}

    def _copy(
        self,
        driver: Any,
        table: sa.Table,
        columns: tuple[str, ...],
        rows: list[tuple[Any, ...]],
    ) -> None:
        types = self._types[table.name]
        names = ", ".join(f'"{name}"' for name in columns)
        with driver.cursor() as cursor:
            statement = f'COPY "{table.name}" ({names}) FROM STDIN (FORMAT BINARY)'
            with cursor.copy(statement) as copy:
                copy.set_types([types[name] for name in columns])
                for row in rows:
                    copy.write_row(row)

    def _read_types(self, driver: Any, tables: set[str]) -> None:
        """The type (oid) of each column of ``tables`` as the server has it (one query): a
        binary COPY sends each value in its column's own format."""
        missing = sorted(tables - self._types.keys())
        if not missing:
            return
        with driver.cursor() as cursor:
            cursor.execute(
                "SELECT c.relname, a.attname, a.atttypid::int FROM pg_attribute a"
                " JOIN pg_class c ON c.oid = a.attrelid"
                " WHERE a.attrelid = ANY(%s::text[]::regclass[])"
                " AND a.attnum > 0 AND NOT a.attisdropped",
                (missing,),
            )
            for table, column, oid in cursor.fetchall():
                self._types.setdefault(table, {})[column] = oid


_Column = tuple[str, Callable[[Any], Any] | None, int | None, bool]
"""A column's name, conversion, longest string and whether it takes NULL."""


def _column(column: sa.Column[Any], dialect: sa.Dialect, *, convert: bool) -> _Column:
    kind = column.type
    conversion = None
    if convert and isinstance(kind, TypeDecorator):

        def conversion(value: Any, kind: TypeDecorator[Any] = kind) -> Any:
            return kind.process_bind_param(value, dialect)

    length = kind.length if isinstance(kind, sa.String) else None
    return column.name, conversion, length, column.nullable is not False


def _checked(value: Any, column: _Column) -> Any:
    """``value`` as the column stores it; raises ``ValueError`` with the database's words
    where the INSERT would have been refused."""
    name, conversion, length, nullable = column
    if conversion is not None:
        value = conversion(value)
    if value is None:
        if not nullable:
            raise ValueError(f'null value in column "{name}" violates not-null constraint')
    elif length is not None and len(value) > length:
        raise ValueError(f"value too long for type character varying({length}) ({name})")
    return value
