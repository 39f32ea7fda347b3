"""Connected services and what was synced from them (issue 16).

``sync_connections``: one row per athlete and service (``strava``, ``intervals``) with the
remote athlete, the credentials (OAuth tokens or an API key, as JSON), the sync's own state
(JSON), and the last sync and last error. ``sync_items``: each remote activity synced, the
stored activity it became and a fingerprint of its remote summary (edits and deletions are
found by comparing the next listing with these rows).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_connections",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "athlete_id",
            sa.Integer,
            sa.ForeignKey("athletes.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("service", sa.String(16), nullable=False),
        sa.Column("remote_athlete", sa.String(64), nullable=False),
        sa.Column("remote_name", sa.Text),
        sa.Column("credentials", sa.Text, nullable=False),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("connected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_sync_at", sa.DateTime(timezone=True)),
        sa.Column("last_error", sa.Text),
        sa.Column("last_error_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("athlete_id", "service", name="uq_sync_connections_service"),
    )
    op.create_table(
        "sync_items",
        sa.Column(
            "connection_id",
            sa.Integer,
            sa.ForeignKey("sync_connections.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("remote_id", sa.String(64), primary_key=True),
        sa.Column("activity_id", sa.Integer, sa.ForeignKey("activities.id", ondelete="SET NULL")),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("sync_items")
    op.drop_table("sync_connections")
