"""Gear (shoes, bikes), default gear per sport, and export-archive metadata on activities.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "gear",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "athlete_id",
            sa.Integer,
            sa.ForeignKey("athletes.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("brand", sa.String(200)),
        sa.Column("model", sa.String(200)),
        sa.Column("start_date", sa.Date),
        sa.Column("initial_distance_m", sa.Float, nullable=False),
        sa.Column("retired", sa.Boolean, nullable=False),
        sa.Column("inspect_at_m", sa.Float),
        sa.Column("replace_at_m", sa.Float),
        sa.UniqueConstraint("athlete_id", "kind", "name", name="uq_gear_name"),
    )
    op.create_table(
        "gear_defaults",
        sa.Column(
            "athlete_id",
            sa.Integer,
            sa.ForeignKey("athletes.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("sport", sa.String(64), primary_key=True),
        sa.Column(
            "gear_id", sa.Integer, sa.ForeignKey("gear.id", ondelete="CASCADE"), nullable=False
        ),
    )
    with op.batch_alter_table("activities") as batch:
        batch.add_column(sa.Column("vendor_type", sa.String(64)))
        batch.add_column(sa.Column("description", sa.Text))
        batch.add_column(sa.Column("private_note", sa.Text))
        batch.add_column(sa.Column("rpe", sa.Integer))
        batch.add_column(sa.Column("external_id", sa.String(64)))
        batch.add_column(sa.Column("gear_id", sa.Integer))
        batch.add_column(sa.Column("gear_source", sa.String(16)))
        batch.create_foreign_key(
            "fk_activities_gear", "gear", ["gear_id"], ["id"], ondelete="SET NULL"
        )


def downgrade() -> None:
    with op.batch_alter_table("activities") as batch:
        batch.drop_constraint("fk_activities_gear", type_="foreignkey")
        for column in (
            "gear_source",
            "gear_id",
            "external_id",
            "rpe",
            "private_note",
            "description",
            "vendor_type",
        ):
            batch.drop_column(column)
    op.drop_table("gear_defaults")
    op.drop_table("gear")
