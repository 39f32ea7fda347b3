"""Who asked for a job: ``jobs.requested_by`` (issue 17).

A clinician's report job is made from their share's view of the athlete's data (no Strava
API data; no positions for a share of summaries), the athlete's own from everything. The job
row now names the clinician account that asked, so a job's result and output are given to
its athlete and to that clinician only (``service.jobs.get_job``), never to another
clinician whose share may be narrower. None: the athlete's own job. Deleting the clinician's
account leaves the job to the athlete.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("requested_by", sa.Integer))
        batch.create_foreign_key(
            "fk_jobs_requested_by", "accounts", ["requested_by"], ["id"], ondelete="SET NULL"
        )


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.drop_constraint("fk_jobs_requested_by", type_="foreignkey")
        batch.drop_column("requested_by")
