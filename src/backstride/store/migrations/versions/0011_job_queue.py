"""The background jobs' queue: procrastinate's own schema, on PostgreSQL only (issue 17).

The clinic server's workers (``backstride worker``) take their tasks from procrastinate's
tables (``procrastinate_jobs``, ``procrastinate_workers``, ``procrastinate_events``,
``procrastinate_periodic_defers``), its types, functions and triggers. They are
procrastinate's, not backstride's: this migration applies the schema SQL the installed
procrastinate ships (``procrastinate.schema.SchemaManager.get_schema``), so they match the
version that runs them, and ``store/schema.py`` does not declare them (tests compare the
migrated schema with it leaving out the ``procrastinate_`` prefix). A procrastinate release
that adds a migration of its own needs a new migration here that applies it
(tests/jobs/test_queue_schema.py fails until then).

SQLite has no job queue (the clinic server refuses it): nothing happens there.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

#: procrastinate's tables, dropped children first.
TABLES = (
    "procrastinate_events",
    "procrastinate_periodic_defers",
    "procrastinate_jobs",
    "procrastinate_workers",
)
#: And its types (after the functions that take them).
TYPES = (
    "procrastinate_job_to_defer_v1",
    "procrastinate_job_event_type",
    "procrastinate_job_status",
)


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    from procrastinate.schema import SchemaManager

    # The driver's own connection, inside Alembic's transaction: the schema is many
    # statements (functions with $$ bodies, a DO block), which psycopg runs in one call
    # when no parameters are passed, and whose "%" and ":" are not placeholders then.
    driver = bind.connection.driver_connection
    assert driver is not None
    driver.execute(SchemaManager.get_schema())


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(f"DROP TABLE IF EXISTS {table} CASCADE")
    # Every procrastinate function in this schema, whatever its arguments (the trigger
    # functions went with nothing: their triggers went with the tables).
    op.execute(
        """
        DO $$
        DECLARE f record;
        BEGIN
            FOR f IN
                SELECT p.oid::regprocedure AS signature
                  FROM pg_proc p
                 WHERE p.pronamespace = current_schema()::regnamespace
                   AND p.proname LIKE 'procrastinate\\_%'
            LOOP
                EXECUTE 'DROP FUNCTION ' || f.signature || ' CASCADE';
            END LOOP;
        END;
        $$
        """
    )
    for name in TYPES:
        op.execute(f"DROP TYPE IF EXISTS {name} CASCADE")
