"""Initial schema: athletes, activities, laps, streams, activity sources, source files.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Frozen copies of the column types as they were at this revision: a migration must not
# change meaning when store/types.py changes later.
_utc = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "athletes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("created_at", _utc, nullable=False),
    )
    op.create_table(
        "activities",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "athlete_id",
            sa.Integer,
            sa.ForeignKey("athletes.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("sport", sa.String(64), nullable=False),
        sa.Column("sub_sport", sa.String(64)),
        sa.Column("start_at", _utc, nullable=False),
        sa.Column("utc_offset_s", sa.Integer),
        sa.Column("local_date", sa.Date, nullable=False),
        sa.Column("elapsed_s", sa.Float, nullable=False),
        *(
            sa.Column(name, sa.Float)
            for name in (
                "timer_s",
                "distance_m",
                "avg_speed_mps",
                "avg_hr_bpm",
                "max_hr_bpm",
                "avg_cadence_spm",
                "avg_power_w",
                "total_ascent_m",
                "calories_kcal",
            )
        ),
        sa.Column("device", sa.String(200)),
        sa.Column("name", sa.Text),
        sa.Column("source_format", sa.String(8), nullable=False),
        sa.Column("source_name", sa.Text, nullable=False),
        sa.Column("session_index", sa.Integer, nullable=False),
        sa.Column("channels", sa.Text, nullable=False),
        sa.Column("sample_count", sa.Integer, nullable=False),
        sa.Column("lap_count", sa.Integer, nullable=False),
        sa.Column("warnings", sa.Text, nullable=False),
        sa.Column("imported_at", _utc, nullable=False),
    )
    op.create_index("ix_activities_athlete_start", "activities", ["athlete_id", "start_at"])
    op.create_table(
        "laps",
        sa.Column(
            "activity_id",
            sa.Integer,
            sa.ForeignKey("activities.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("lap_index", sa.Integer, primary_key=True),
        sa.Column("start_at", _utc, nullable=False),
        sa.Column("elapsed_s", sa.Float, nullable=False),
        *(
            sa.Column(name, sa.Float)
            for name in (
                "timer_s",
                "distance_m",
                "avg_speed_mps",
                "avg_hr_bpm",
                "max_hr_bpm",
                "avg_cadence_spm",
                "avg_power_w",
            )
        ),
        sa.Column("intensity", sa.String(32)),
    )
    op.create_table(
        "streams",
        sa.Column(
            "activity_id",
            sa.Integer,
            sa.ForeignKey("activities.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("codec", sa.String(32), nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "activity_sources",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "athlete_id",
            sa.Integer,
            sa.ForeignKey("athletes.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "activity_id",
            sa.Integer,
            sa.ForeignKey("activities.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("session_index", sa.Integer, nullable=False),
        sa.Column("file_name", sa.Text, nullable=False),
        sa.Column("imported_at", _utc, nullable=False),
        sa.UniqueConstraint(
            "athlete_id", "sha256", "session_index", name="uq_activity_sources_part"
        ),
    )
    op.create_index("ix_activity_sources_activity", "activity_sources", ["activity_id"])
    op.create_table(
        "source_files",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "athlete_id",
            sa.Integer,
            sa.ForeignKey("athletes.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("file_name", sa.Text, nullable=False),
        sa.Column("activity_count", sa.Integer, nullable=False),
        sa.Column("imported_at", _utc, nullable=False),
        sa.UniqueConstraint("athlete_id", "sha256", name="uq_source_files_sha"),
    )


def downgrade() -> None:
    for table in ("source_files", "activity_sources", "streams", "laps", "activities"):
        op.drop_table(table)
    op.drop_table("athletes")
