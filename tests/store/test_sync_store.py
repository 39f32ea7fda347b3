"""Migration 0008 and store.sync on both databases: connections keep their credentials
per athlete, reconnecting as another remote athlete starts afresh, and a service's
deletion removes an activity only when nothing else holds it."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import command

from backstride import service
from backstride.store import Store, open_store, transaction
from backstride.store import sync as sync_rows
from backstride.store.athletes import get_or_create_athlete
from backstride.store.db import _alembic_config, create_engine, current_revision, head_revision
from tests.conftest import DATA

NOW = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)


def test_migration_0008_upgrades_a_0007_database_without_loss(database_url: str) -> None:
    engine = create_engine(database_url)
    with engine.begin() as conn:
        command.upgrade(_alembic_config(conn), "0007")
        athlete = get_or_create_athlete(conn).id
        assert "sync_connections" not in sa.inspect(conn).get_table_names()
    engine.dispose()
    with open_store(database_url, upgrade_schema=True) as store:
        assert current_revision(store.engine) == head_revision()  # 0008 and what follows
        with transaction(store) as conn:
            saved = sync_rows.save_connection(
                conn, athlete, "strava", remote_athlete="134815", remote_name="M",
                credentials={"access_token": "a"}, now=NOW,
            )  # fmt: skip
            assert sync_rows.get_connection(conn, athlete, "strava") == saved
    engine = create_engine(database_url)
    with engine.begin() as conn:  # and back down, cleanly
        command.downgrade(_alembic_config(conn), "0007")
        assert "sync_connections" not in sa.inspect(conn).get_table_names()
    engine.dispose()


def test_connections_reconnect_and_forget(store: Store) -> None:
    report = service.import_paths(store, [DATA / "fit" / "workoutizer__run_with_coordinates.fit"])
    [activity_id] = report.activity_ids
    with transaction(store) as conn:
        athlete = get_or_create_athlete(conn).id
        first = sync_rows.save_connection(
            conn, athlete, "strava", remote_athlete="1", remote_name=None,
            credentials={"access_token": "a"}, now=NOW,
        )  # fmt: skip
        sync_rows.put_item(conn, first.id, "77", activity_id=activity_id, fingerprint="f", at=NOW)
        sync_rows.record_error(conn, first.id, "revoked", NOW)
        again = sync_rows.save_connection(
            conn, athlete, "strava", remote_athlete="1", remote_name="M",
            credentials={"access_token": "b"}, now=NOW,
        )  # fmt: skip
        assert again.id == first.id
        assert again.last_error is None
        assert sync_rows.list_items(conn, again.id) == {"77": (activity_id, "f")}
        other = sync_rows.save_connection(
            conn, athlete, "strava", remote_athlete="2", remote_name=None,
            credentials={"access_token": "c"}, now=NOW,
        )  # fmt: skip
        assert sync_rows.list_items(conn, other.id) == {}
        # The run came from a file: a service's deletion does not take it.
        assert sync_rows.forget_source(conn, athlete, activity_id, "strava:77") is False
    assert len(service.list_activities(store)) == 1
