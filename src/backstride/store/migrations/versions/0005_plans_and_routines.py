"""The training plan as last generated (planned_sessions) and the log of routines done
(routine_log: core, warm-up, cool-down, cross-training).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_utc = sa.DateTime(timezone=True)


def _athlete() -> sa.Column[int]:
    return sa.Column(
        "athlete_id", sa.Integer, sa.ForeignKey("athletes.id", ondelete="CASCADE"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "routine_log",
        sa.Column("id", sa.Integer, primary_key=True),
        _athlete(),
        sa.Column("local_date", sa.Date, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("minutes", sa.Float),
        sa.Column("rpe", sa.Integer),
        sa.Column("sport", sa.String(32)),
        sa.Column("note", sa.Text),
        sa.Column("created_at", _utc, nullable=False),
    )
    op.create_index("ix_routine_log_athlete_date", "routine_log", ["athlete_id", "local_date"])
    op.create_table(
        "planned_sessions",
        sa.Column("id", sa.Integer, primary_key=True),
        _athlete(),
        sa.Column("local_date", sa.Date, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("intensity", sa.String(16), nullable=False),
        sa.Column("duration_s", sa.Float),
        sa.Column("distance_m", sa.Float),
        sa.Column("run_s", sa.Integer),
        sa.Column("walk_s", sa.Integer),
        sa.Column("repeats", sa.Integer),
        sa.Column("routine", sa.String(32)),
        sa.Column("warmup", sa.String(32)),
        sa.Column("cooldown", sa.String(32)),
        sa.Column("sport", sa.String(32)),
        sa.Column("rules", sa.Text, nullable=False),
        sa.Column("why", sa.Text, nullable=False),
        sa.Column("stage", sa.Integer),
        sa.Column("lighter", sa.Boolean, nullable=False),
        sa.Column("generated_at", _utc, nullable=False),
        sa.UniqueConstraint("athlete_id", "local_date", "position", name="uq_planned_day_position"),
    )


def downgrade() -> None:
    op.drop_table("planned_sessions")
    op.drop_index("ix_routine_log_athlete_date", table_name="routine_log")
    op.drop_table("routine_log")
