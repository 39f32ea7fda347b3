"""Per-run form summaries (form_summaries): what analysis.form.form_summary computed from a
run's streams, kept so ``status`` does not decode a year of streams on every view (issue 7).

The key references ``streams``, not ``activities``: a summary is derived from the streams and
goes with them, when the activity is deleted and when a richer twin replaces its streams.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

#: The per-run numbers, in the order of analysis.form.FormSummary (NaN stored as NULL).
_NUMBERS = (
    "speed_mps",
    "cadence_spm",
    "step_length_m",
    "vertical_oscillation_m",
    "vertical_ratio_pct",
    "stance_time_s",
    "balance_left_pct",
    "power_w",
    "flat_share",
)


def upgrade() -> None:
    op.create_table(
        "form_summaries",
        sa.Column(
            "activity_id",
            sa.Integer,
            sa.ForeignKey("streams.activity_id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("steady_s", sa.Float, nullable=False),
        *(sa.Column(name, sa.Float) for name in _NUMBERS),
        sa.Column("chunk_speed_mps", sa.LargeBinary, nullable=False),
        sa.Column("chunk_cadence_spm", sa.LargeBinary, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("form_summaries")
