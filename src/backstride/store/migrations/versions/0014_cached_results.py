"""Results the clinic server's processes share: ``cached_results`` (issue 17).

The dashboard keeps what it derives from an athlete's data (their status, load chart, pain
overview ...) until the data change (``service.cache``). With the cache in each web
process only, every process computed every result once for itself, and a restart forgot
them all: on the clinic server's load test most slow pages were such first computations.
This table keeps each result once for every process, under the athlete's data version
(migration 0012) it was computed from: a row of an older version is never served, and is
replaced by the next computation. The rows are derived data, rebuilt on demand; writing them
does not change the athlete's data version (no trigger here: ``store.changes.UNVERSIONED``).
SQLite has the table too (one schema), but a local install keeps its results in its one
process.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cached_results",
        sa.Column(
            "athlete_id",
            sa.Integer,
            sa.ForeignKey("athletes.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.Column("value", sa.LargeBinary, nullable=False),
        sa.Column("stored_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("cached_results")
