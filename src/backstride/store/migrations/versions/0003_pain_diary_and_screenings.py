"""Back-pain diary and red-flag screenings.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_utc = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "pain_entries",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "athlete_id",
            sa.Integer,
            sa.ForeignKey("athletes.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("local_date", sa.Date, nullable=False),
        sa.Column("moment", sa.String(16), nullable=False),
        sa.Column("nrs", sa.Integer, nullable=False),
        sa.Column("activity_id", sa.Integer, sa.ForeignKey("activities.id", ondelete="SET NULL")),
        sa.Column("leg_symptoms", sa.String(16), nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("created_at", _utc, nullable=False),
    )
    op.create_index("ix_pain_entries_athlete_date", "pain_entries", ["athlete_id", "local_date"])
    op.create_table(
        "screenings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "athlete_id",
            sa.Integer,
            sa.ForeignKey("athletes.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("local_date", sa.Date, nullable=False),
        sa.Column("answers", sa.Text, nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("created_at", _utc, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("screenings")
    op.drop_index("ix_pain_entries_athlete_date", table_name="pain_entries")
    op.drop_table("pain_entries")
