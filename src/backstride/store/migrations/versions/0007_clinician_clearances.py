"""Clinician clearances: the runner's record that a clinician has seen them (issue 12).

One row per visit: the local day, optionally who (``clinician``) and what they advised
(``note``). Red flags of screens up to that day stop pausing training, and a later screen
asks whether anything changed since (evidence.md §5.2, "Clinician clearance").

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "clinician_clearances",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "athlete_id",
            sa.Integer,
            sa.ForeignKey("athletes.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("local_date", sa.Date, nullable=False),
        sa.Column("clinician", sa.String(200)),
        sa.Column("note", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_clinician_clearances_athlete_date",
        "clinician_clearances",
        ["athlete_id", "local_date"],
    )


def downgrade() -> None:
    op.drop_index("ix_clinician_clearances_athlete_date", table_name="clinician_clearances")
    op.drop_table("clinician_clearances")
