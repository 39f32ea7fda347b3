"""Migration 0011: procrastinate's own schema on PostgreSQL (and nothing on SQLite), gone
again on downgrade; and a guard for procrastinate releases that change their schema."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from procrastinate.schema import SchemaManager

from backstride.store import open_store
from backstride.store.db import _alembic_config, create_engine

#: procrastinate's newest schema migration when migration 0011 was written (3.10.0): the
#: schema 0011 applies is that one.
KNOWN_NEWEST = "03.04.00_50_post_add_retry_failed_job_procedure.sql"

_OBJECTS = """
select 'table', table_name from information_schema.tables
 where table_schema = current_schema() and table_name like 'procrastinate%'
union all
select 'function', p.proname from pg_proc p
 where p.pronamespace = current_schema()::regnamespace and p.proname like 'procrastinate%'
union all
select 'type', t.typname from pg_type t
 where t.typnamespace = current_schema()::regnamespace and t.typname like 'procrastinate%'
   and t.typtype in ('e', 'c')
"""


def _objects(url: str) -> set[tuple[str, str]]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {(r[0], r[1]) for r in conn.execute(sa.text(_OBJECTS))}
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_0011_applies_procrastinates_schema_and_its_downgrade_removes_it(
    postgres_url: str,
) -> None:
    open_store(postgres_url, upgrade_schema=True).close()
    found = _objects(postgres_url)
    tables = {name for kind, name in found if kind == "table"}
    assert tables == {
        "procrastinate_jobs",
        "procrastinate_workers",
        "procrastinate_events",
        "procrastinate_periodic_defers",
    }
    functions = {name for kind, name in found if kind == "function"}
    assert {"procrastinate_fetch_job_v2", "procrastinate_retry_job_v2"} <= functions
    assert ("type", "procrastinate_job_status") in found
    engine = create_engine(postgres_url)
    with engine.begin() as conn:
        command.downgrade(_alembic_config(conn), "0010")
    engine.dispose()
    assert _objects(postgres_url) == set()
    open_store(postgres_url, upgrade_schema=True).close()  # and up again
    assert _objects(postgres_url) == found


def test_0011_changes_nothing_on_sqlite(tmp_path: Path) -> None:
    with open_store(f"sqlite:///{tmp_path / 's.db'}") as store:
        names = sa.inspect(store.engine).get_table_names()
    assert not [n for n in names if n.startswith("procrastinate")]


def test_procrastinate_has_no_schema_migration_that_0011_lacks() -> None:
    """A procrastinate release with a migration of its own needs a backstride migration that
    applies it to databases made by 0011 (and this constant moved on)."""
    migrations = sorted(
        p.name
        for p in Path(SchemaManager.get_migrations_path()).glob("*.sql")
        if p.name[:2].isdigit()
    )
    assert migrations[-1] == KNOWN_NEWEST
