"""A data version per athlete, bumped by PostgreSQL on every write to their data (issue 17).

The clinic server's result cache (``service/cache.py``) keyed every result on the server's
transaction snapshot, which changes with any write anywhere (audit rows, session touches,
the workers' heartbeats, other athletes' imports): every page was computed cold under load.
``data_versions`` holds one counter per athlete instead; the cache keys an athlete's results
on it (``store/changes.py``), so only a write to *their* data makes them stale.

On PostgreSQL, a trigger function bumps the counter after every statement that inserts,
updates or deletes rows of an athlete's data (``FOR EACH STATEMENT`` with transition tables,
in the writer's transaction, so a reader sees the new version exactly when it sees the new
rows), once per transaction and athlete (later statements find the athlete noted in a
transaction-local setting). Cost, measured importing 40 generated 1 Hz runs (616 statements
that fire it): 35-38 ms in the function in all, about 1 ms per run. A second writer of the
same athlete's data waits for the first one's commit on the counter's row (an import
commits at least every 0.5 s). The tables:

- with an ``athlete_id``: activities, gear, gear_defaults, activity_sources, source_files,
  pain_entries, screenings, clinician_clearances, questionnaire_scores, routine_log,
  planned_sessions, sync_connections, clinician_notes;
- hanging off an activity (laps, streams), through the activity's athlete, and off a sync
  connection (sync_items), through the connection's. Today every write of laps or streams
  also writes the activity's row in the same transaction, but nothing makes that a rule, so
  they carry the trigger too. When an activity is deleted its laps and streams go with it
  by cascade; the activity's own trigger bumps the athlete then.

Left out on purpose (``store.changes.UNVERSIONED`` names them; tests/store fail on a table
with an ``athlete_id`` that has no trigger and is not there):

- ``form_summaries``: derived from the streams (the same numbers, recomputed when missing
  or of another analysis version), so writing one changes nothing a page shows.
- ``jobs`` and ``uploads``: a job's progress and the uploaded files waiting for a worker,
  not health data; what an import stores bumps the version through the tables above.
- ``accounts`` and the clinic's other account tables (sessions, login failures, links,
  shares, invites, the audit log): who may see what, not the athlete's data; a share's
  scope is part of every cached result's key (the view), and an account's names are read
  outside the cache.

SQLite gets the table (one schema on both databases) but no triggers: a local install has
one user, and its cache keeps the database-wide ``PRAGMA data_version``.

A deleted athlete's counter goes with them (``ON DELETE CASCADE``); the cascade's deletes of
their rows bump nobody (the function only counts athletes that still exist).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

#: The tables whose rows are an athlete's data, and how a row names its athlete.
VERSIONED = {
    "activities": "athlete",
    "gear": "athlete",
    "gear_defaults": "athlete",
    "activity_sources": "athlete",
    "source_files": "athlete",
    "pain_entries": "athlete",
    "screenings": "athlete",
    "clinician_clearances": "athlete",
    "questionnaire_scores": "athlete",
    "routine_log": "athlete",
    "planned_sessions": "athlete",
    "sync_connections": "athlete",
    "clinician_notes": "athlete",
    "laps": "activity",
    "streams": "activity",
    "sync_items": "connection",
}

FUNCTION = "bump_data_version"

# The athletes a statement touched, from its transition tables (``new_rows`` after an
# INSERT or UPDATE, ``old_rows`` after an UPDATE or DELETE), by the path TG_ARGV[0] names.
# PL/pgSQL plans each query when it first runs, per table, so a branch naming a column the
# table lacks is never planned for it. Rows are locked in athlete order (no deadlock between
# two statements touching several athletes), and only athletes that still exist are counted
# (the cascade of an athlete's deletion).
#
# One bump per transaction is enough (readers see committed states only), and an import
# writes ~15 statements per run: the athletes bumped are noted in a setting local to the
# transaction (``backstride.versions_bumped``, ",3,17,"), and a later statement of the same
# transaction does not bump them again. A savepoint rolled back takes its bump and its note
# with it (settings follow subtransactions), so the note never claims a bump that was
# undone.
_FUNCTION_SQL = f"""
CREATE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids integer[];
    bumped text := coalesce(current_setting('backstride.versions_bumped', true), '');
BEGIN
    IF TG_ARGV[0] = 'athlete' THEN
        IF TG_OP = 'INSERT' THEN
            SELECT array_agg(DISTINCT athlete_id) INTO ids FROM new_rows;
        ELSIF TG_OP = 'UPDATE' THEN
            SELECT array_agg(DISTINCT athlete_id) INTO ids FROM (
                SELECT athlete_id FROM new_rows UNION SELECT athlete_id FROM old_rows
            ) touched;
        ELSE
            SELECT array_agg(DISTINCT athlete_id) INTO ids FROM old_rows;
        END IF;
    ELSIF TG_ARGV[0] = 'activity' THEN
        IF TG_OP = 'INSERT' THEN
            SELECT array_agg(DISTINCT a.athlete_id) INTO ids FROM activities a
             WHERE a.id IN (SELECT activity_id FROM new_rows);
        ELSIF TG_OP = 'UPDATE' THEN
            SELECT array_agg(DISTINCT a.athlete_id) INTO ids FROM activities a
             WHERE a.id IN (SELECT activity_id FROM new_rows
                            UNION SELECT activity_id FROM old_rows);
        ELSE
            SELECT array_agg(DISTINCT a.athlete_id) INTO ids FROM activities a
             WHERE a.id IN (SELECT activity_id FROM old_rows);
        END IF;
    ELSIF TG_ARGV[0] = 'connection' THEN
        IF TG_OP = 'INSERT' THEN
            SELECT array_agg(DISTINCT c.athlete_id) INTO ids FROM sync_connections c
             WHERE c.id IN (SELECT connection_id FROM new_rows);
        ELSIF TG_OP = 'UPDATE' THEN
            SELECT array_agg(DISTINCT c.athlete_id) INTO ids FROM sync_connections c
             WHERE c.id IN (SELECT connection_id FROM new_rows
                            UNION SELECT connection_id FROM old_rows);
        ELSE
            SELECT array_agg(DISTINCT c.athlete_id) INTO ids FROM sync_connections c
             WHERE c.id IN (SELECT connection_id FROM old_rows);
        END IF;
    ELSE
        RAISE EXCEPTION USING MESSAGE = '{FUNCTION}: unknown path ' || TG_ARGV[0];
    END IF;
    ids := ARRAY(SELECT id FROM unnest(ids) id WHERE strpos(bumped, ',' || id || ',') = 0);
    IF cardinality(ids) > 0 THEN
        INSERT INTO data_versions AS v (athlete_id, version)
        SELECT a.id, 1 FROM athletes a WHERE a.id = ANY (ids) ORDER BY a.id
        ON CONFLICT (athlete_id) DO UPDATE SET version = v.version + 1;
        PERFORM set_config(
            'backstride.versions_bumped',
            CASE WHEN bumped = '' THEN ',' ELSE bumped END || array_to_string(ids, ',') || ',',
            true
        );
    END IF;
    RETURN NULL;
END;
$$
"""

#: Transition tables are allowed on one event per trigger: three triggers per table.
_EVENTS = {
    "insert": ("INSERT", "NEW TABLE AS new_rows"),
    "update": ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
    "delete": ("DELETE", "OLD TABLE AS old_rows"),
}


def upgrade() -> None:
    op.create_table(
        "data_versions",
        sa.Column(
            "athlete_id",
            sa.Integer,
            sa.ForeignKey("athletes.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("version", sa.BigInteger, nullable=False),
    )
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(_FUNCTION_SQL)
    for table, path in VERSIONED.items():
        for event, (verb, transition) in _EVENTS.items():
            op.execute(
                f"CREATE TRIGGER data_version_{event} AFTER {verb} ON {table} "
                f"REFERENCING {transition} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}('{path}')"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in VERSIONED:
            for event in _EVENTS:
                op.execute(f"DROP TRIGGER IF EXISTS data_version_{event} ON {table}")
        op.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")
    op.drop_table("data_versions")
