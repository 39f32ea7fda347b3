"""Which rows of the database are an account's, found from the schema itself: what an
export copies and what a deletion removes (``service.data_rights``).

A row is the account's when it is (1) their ``accounts`` row, their ``athletes`` row, or
(2) a row of any table with an ``athlete_id`` column holding their athlete's id, or one of
the columns that name an account as the row's owner (:data:`OWNER_COLUMNS`) holding their
account's id, or (3) a row whose foreign key points at a row of theirs (laps, streams and
form summaries of their activities, the synced items of their connections ...), or (4) a
row of the two tables without foreign keys that name them: ``login_failures`` by their
account name, ``audit_log`` about them (exported, never deleted). Being read from
``schema.metadata``, a table added later is covered as soon as it has an ``athlete_id`` or a
foreign key to a row of theirs.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from backstride.model import Account
from backstride.store.schema import accounts, athletes, audit_log, login_failures, metadata

#: Columns naming the account a row belongs to (not: ``created_by``, ``redeemed_by``,
#: ``author_account_id``, which name who acted on someone else's row).
OWNER_COLUMNS = frozenset({"account_id", "athlete_account_id", "clinician_account_id"})
#: Columns an export leaves out: secrets (hashes of tokens and passwords, a connection's
#: OAuth tokens), bytes written elsewhere in the archive, and results derived from the rest
#: (kept as backstride's own pickles: the rows they came from are in the export).
EXPORT_OMITS: dict[str, frozenset[str]] = {
    "accounts": frozenset({"password_hash"}),
    "web_sessions": frozenset({"id", "csrf_token"}),
    "account_tokens": frozenset({"id"}),
    "share_invites": frozenset({"id"}),
    "sync_connections": frozenset({"credentials"}),
    "jobs": frozenset({"output"}),
    "uploads": frozenset({"data"}),
    "streams": frozenset({"data"}),
    "cached_results": frozenset({"value"}),
}
#: Kept when an account is deleted: who did what, without health data.
KEPT_ON_DELETE = frozenset({audit_log.name})


def owned(table: sa.Table, account: Account) -> ColumnElement[bool] | None:
    """The condition selecting the account's rows of ``table`` (None: it holds none)."""
    return _owned(table, account, ())


def _owned(table: sa.Table, account: Account, path: tuple[str, ...]) -> ColumnElement[bool] | None:
    if table.name in path:  # a cycle of foreign keys: already asked further up
        return None
    if table is accounts:
        return accounts.c.id == account.id
    if table is athletes:
        return None if account.athlete_id is None else athletes.c.id == account.athlete_id
    if table is login_failures:
        return login_failures.c.name == account.name
    if table is audit_log:
        return audit_log.c.athlete_account_id == account.id
    found: list[ColumnElement[bool]] = []
    for column in table.c:
        if column.name == "athlete_id" and account.athlete_id is not None:
            found.append(column == account.athlete_id)
        elif column.name in OWNER_COLUMNS and _points_at(column, accounts):
            found.append(column == account.id)
    for key in table.foreign_keys:
        parent = key.column.table
        if parent is accounts or parent is athletes:
            continue  # the direct columns above decide
        assert isinstance(parent, sa.Table)
        theirs = _owned(parent, account, (*path, table.name))
        if theirs is not None:
            found.append(key.parent.in_(sa.select(key.column).where(theirs)))
    return sa.or_(*found) if found else None


def _points_at(column: sa.Column[Any], table: sa.Table) -> bool:
    return any(k.column.table is table for k in column.foreign_keys)


def tables() -> Iterator[sa.Table]:
    """Every table of the schema, parents before children."""
    yield from metadata.sorted_tables


def read_owned(conn: Connection, table: sa.Table, account: Account) -> list[dict[str, Any]]:
    """The account's rows of ``table`` by primary key, without :data:`EXPORT_OMITS`."""
    condition = owned(table, account)
    if condition is None:
        return []
    omit = EXPORT_OMITS.get(table.name, frozenset())
    columns = [c for c in table.c if c.name not in omit]
    order = list(table.primary_key.columns) or columns
    rows = conn.execute(sa.select(*columns).where(condition).order_by(*order))
    return [dict(r._mapping) for r in rows]


def read_uploads(conn: Connection, account: Account) -> Iterator[tuple[int, str, bytes]]:
    """(id, file name, bytes) of the account's uploaded files, oldest first."""
    from backstride.store.schema import uploads

    condition = owned(uploads, account)
    if condition is None:
        return
    rows = conn.execute(
        sa.select(uploads.c.id, uploads.c.file_name, uploads.c.data)
        .where(condition)
        .order_by(uploads.c.id)
    )
    for row in rows:
        yield int(row.id), str(row.file_name), bytes(row.data)


def read_stream_blobs(conn: Connection, account: Account) -> Iterator[tuple[int, str, bytes]]:
    """(activity id, codec, blob) of the streams of the account's activities."""
    from backstride.store.schema import streams

    condition = owned(streams, account)
    if condition is None:
        return
    rows = conn.execute(
        sa.select(streams.c.activity_id, streams.c.codec, streams.c.data)
        .where(condition)
        .order_by(streams.c.activity_id)
    )
    for row in rows:
        yield int(row.activity_id), str(row.codec), bytes(row.data)


def delete_owned(conn: Connection, account: Account) -> dict[str, int]:
    """Delete every row of the account's but those of :data:`KEPT_ON_DELETE`, children
    before parents (not relying on ON DELETE CASCADE alone); returns the count per table."""
    counts: dict[str, int] = {}
    for table in reversed(metadata.sorted_tables):
        if table.name in KEPT_ON_DELETE:
            continue
        condition = owned(table, account)
        if condition is None:
            continue
        deleted = int(conn.execute(sa.delete(table).where(condition)).rowcount)
        if deleted:
            counts[table.name] = deleted
    return counts
