"""Connected services and what was synced from them (tables ``sync_connections`` and
``sync_items``, migration 0008).

Credentials are kept in the database row of their athlete (not in a file beside it): the
SQLite file is created readable by its owner only, and in a clinic's PostgreSQL each runner
has their own row. Nothing here talks to a service; ``service.sync`` does, through ``sync/``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from backstride.model import SyncConnection, SyncService
from backstride.store.db import view_of
from backstride.store.schema import activities, activity_sources, source_files
from backstride.store.schema import sync_connections as connections
from backstride.store.schema import sync_items as items


def _connection(row: Row[Any]) -> SyncConnection:
    return SyncConnection(
        id=row.id,
        athlete_id=row.athlete_id,
        service=cast(SyncService, row.service),
        remote_athlete=row.remote_athlete,
        remote_name=row.remote_name,
        credentials=json.loads(row.credentials),
        state=json.loads(row.state),
        connected_at=row.connected_at,
        last_sync_at=row.last_sync_at,
        last_error=row.last_error,
        last_error_at=row.last_error_at,
    )


def get_connection(
    conn: Connection, athlete_id: int, service: SyncService
) -> SyncConnection | None:
    row = conn.execute(
        sa.select(connections).where(
            connections.c.athlete_id == athlete_id, connections.c.service == service
        )
    ).first()
    return None if row is None else _connection(row)


def list_connections(conn: Connection, athlete_id: int) -> list[SyncConnection]:
    rows = conn.execute(
        sa.select(connections)
        .where(connections.c.athlete_id == athlete_id)
        .order_by(connections.c.service)
    ).all()
    return [_connection(r) for r in rows]


def save_connection(
    conn: Connection,
    athlete_id: int,
    service: SyncService,
    *,
    remote_athlete: str,
    remote_name: str | None,
    credentials: Mapping[str, object],
    now: datetime,
) -> SyncConnection:
    """Connect (or connect again): the same remote athlete keeps what was synced, so a
    reconnection after revoked access does not fetch the history again; another one
    starts afresh."""
    found = get_connection(conn, athlete_id, service)
    if found is not None and found.remote_athlete != remote_athlete:
        conn.execute(sa.delete(connections).where(connections.c.id == found.id))
        found = None
    if found is None:
        conn.execute(
            sa.insert(connections).values(
                athlete_id=athlete_id,
                service=service,
                remote_athlete=remote_athlete,
                remote_name=remote_name,
                credentials=json.dumps(dict(credentials)),
                state="{}",
                connected_at=now,
            )
        )
    else:
        conn.execute(
            sa.update(connections)
            .where(connections.c.id == found.id)
            .values(
                remote_name=remote_name,
                credentials=json.dumps(dict(credentials)),
                connected_at=now,
                last_error=None,
                last_error_at=None,
            )
        )
    saved = get_connection(conn, athlete_id, service)
    assert saved is not None
    return saved


def delete_connection(conn: Connection, connection_id: int) -> None:
    """Forget a connection, its credentials and its item map; the activities stay."""
    conn.execute(sa.delete(items).where(items.c.connection_id == connection_id))
    conn.execute(sa.delete(connections).where(connections.c.id == connection_id))


def update_credentials(
    conn: Connection, connection_id: int, credentials: Mapping[str, object]
) -> None:
    conn.execute(
        sa.update(connections)
        .where(connections.c.id == connection_id)
        .values(credentials=json.dumps(dict(credentials)))
    )


def update_state(conn: Connection, connection_id: int, state: Mapping[str, object]) -> None:
    conn.execute(
        sa.update(connections)
        .where(connections.c.id == connection_id)
        .values(state=json.dumps(dict(state)))
    )


def record_sync(conn: Connection, connection_id: int, at: datetime) -> None:
    """A sync finished: its time, and no error standing."""
    conn.execute(
        sa.update(connections)
        .where(connections.c.id == connection_id)
        .values(last_sync_at=at, last_error=None, last_error_at=None)
    )


def record_error(conn: Connection, connection_id: int, message: str, at: datetime) -> None:
    conn.execute(
        sa.update(connections)
        .where(connections.c.id == connection_id)
        .values(last_error=message, last_error_at=at)
    )


def list_items(conn: Connection, connection_id: int) -> dict[str, tuple[int | None, str]]:
    """Every remote activity synced: remote id -> (stored activity id, fingerprint)."""
    rows = conn.execute(
        sa.select(items.c.remote_id, items.c.activity_id, items.c.fingerprint).where(
            items.c.connection_id == connection_id
        )
    ).all()
    return {r.remote_id: (r.activity_id, r.fingerprint) for r in rows}


def put_item(
    conn: Connection,
    connection_id: int,
    remote_id: str,
    *,
    activity_id: int | None,
    fingerprint: str,
    at: datetime,
) -> None:
    conn.execute(
        sa.delete(items).where(
            items.c.connection_id == connection_id, items.c.remote_id == remote_id
        )
    )
    conn.execute(
        sa.insert(items).values(
            connection_id=connection_id,
            remote_id=remote_id,
            activity_id=activity_id,
            fingerprint=fingerprint,
            synced_at=at,
        )
    )


def delete_item(conn: Connection, connection_id: int, remote_id: str) -> None:
    conn.execute(
        sa.delete(items).where(
            items.c.connection_id == connection_id, items.c.remote_id == remote_id
        )
    )


def forget_source(conn: Connection, athlete_id: int, activity_id: int, name: str) -> bool:
    """A service deleted an activity: drop what came from it (its ``activity_sources`` rows
    whose file name is ``name``, such as ``strava:123``, and their complete-file marks).
    The activity itself goes when nothing else holds it; a watch file imported too keeps
    it, without the service's id. Returns whether the activity was deleted."""
    rows = conn.execute(
        sa.select(activity_sources.c.sha256, activity_sources.c.file_name).where(
            activity_sources.c.athlete_id == athlete_id,
            activity_sources.c.activity_id == activity_id,
        )
    ).all()
    theirs = [r.sha256 for r in rows if r.file_name == name]
    if theirs:
        conn.execute(
            sa.delete(source_files).where(
                source_files.c.athlete_id == athlete_id, source_files.c.sha256.in_(theirs)
            )
        )
    if len(theirs) == len(rows):
        conn.execute(sa.delete(activities).where(activities.c.id == activity_id))
        return True
    conn.execute(
        sa.delete(activity_sources).where(
            activity_sources.c.athlete_id == athlete_id,
            activity_sources.c.activity_id == activity_id,
            activity_sources.c.sha256.in_(theirs),
        )
    )
    conn.execute(
        sa.update(activities)
        .where(activities.c.id == activity_id, activities.c.external_id == name)
        .values(external_id=None)
    )
    return False


def has_activities_from(conn: Connection, athlete_id: int, prefix: str) -> bool:
    """Whether any of the athlete's activities carries a service's id (``strava:``); never
    on a view that hides Strava's API (``store/restricted.py``: it blanks those ids)."""
    if view_of(conn).hide_strava_api:
        return False
    found = conn.execute(
        sa.select(activities.c.id)
        .where(activities.c.athlete_id == athlete_id, activities.c.external_id.like(f"{prefix}%"))
        .limit(1)
    ).first()
    return found is not None
