"""A data version on SQLite too, kept by triggers (issue 15).

A command that only reads and prints (``status``, ``load``, ``shoes``, ``pain``, ``plan``)
keeps its output under the data version it was computed from, and the next run with the same
command line, terminal and day prints it without computing or even importing the analysis
(``cli/instant.py``). A local store needs a version that outlives the process for that:
``PRAGMA data_version``, which the in-process cache keys on, starts again with every
connection.

The tables are migration 0012's (PostgreSQL's triggers) and ``athletes`` (a new athlete's
first row of ``data_versions`` is made here, and a store's only athlete is created by the
first command that reads). A write of one row of them, in any transaction, adds one to every
row of ``data_versions`` (a local store holds one athlete, the triggers do not look up whose
row it was: more than needed on a store with several, never less). SQLite has no statement
triggers, so this runs per row (cost: BENCHMARKS.md, the import of the 1,000-run archive).
Left out, as on PostgreSQL: ``form_summaries`` (derived, the same numbers), ``jobs``,
``uploads``, the clinic's account tables, and ``cached_results`` (what is kept: storing it
must not change the version it is kept under).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

#: The tables whose writes change the version on SQLite (0012's ``VERSIONED`` and athletes).
VERSIONED = (
    "athletes",
    "activities",
    "gear",
    "gear_defaults",
    "activity_sources",
    "source_files",
    "pain_entries",
    "screenings",
    "clinician_clearances",
    "questionnaire_scores",
    "routine_log",
    "planned_sessions",
    "sync_connections",
    "clinician_notes",
    "laps",
    "streams",
    "sync_items",
)

_BUMP = "UPDATE data_versions SET version = version + 1"


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(
        "INSERT INTO data_versions (athlete_id, version) SELECT id, 1 FROM athletes "
        "WHERE id NOT IN (SELECT athlete_id FROM data_versions)"
    )
    for table in VERSIONED:
        for event in ("INSERT", "UPDATE", "DELETE"):
            body = _BUMP
            if table == "athletes" and event == "INSERT":
                body = (
                    f"{_BUMP}; INSERT OR IGNORE INTO data_versions (athlete_id, version) "
                    "VALUES (NEW.id, 1)"
                )
            op.execute(
                f"CREATE TRIGGER data_version_{table}_{event.lower()} AFTER {event} ON {table} "
                f"FOR EACH ROW BEGIN {body}; END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in VERSIONED:
        for event in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS data_version_{table}_{event}")
