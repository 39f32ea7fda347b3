"""Fill form_summaries for every run stored before imports derived them (issue 15).

An import now stores each run's form summary with the run (``service.deriving``), so the
first view after it computes nothing. Runs stored before had theirs computed by the first view
that needed them (~2 ms each: over a second for a year of runs); this computes the missing
ones (and those of another analysis version) once, in the migration's transaction. A data
migration only: the schema does not change.

The store does not know the analysis: whoever migrates hands over how a summary is computed
(a :class:`~backstride.model.FormFill` in the Alembic config's attributes, as
``store.db.upgrade`` does for ``service.database``), and may hand over a progress object
(the CLI draws a bar from it). Without a ``FormFill`` nothing is filled, and the views
compute the missing summaries as they always could.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

from backstride.model import FormFill
from backstride.store.form import form_values
from backstride.store.streams import decode_streams

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

#: Runs read, summarised and written per round (their streams are in memory meanwhile).
_RUNS_PER_ROUND = 64

# The tables as this revision has them (not store.schema's, which follows the newest one).
_activities = sa.table("activities", sa.column("id", sa.Integer), sa.column("sport", sa.String))
_streams = sa.table(
    "streams",
    sa.column("activity_id", sa.Integer),
    sa.column("codec", sa.String),
    sa.column("data", sa.LargeBinary),
)
_form = sa.table(
    "form_summaries",
    sa.column("activity_id", sa.Integer),
    sa.column("version", sa.Integer),
    sa.column("steady_s", sa.Float),
    sa.column("speed_mps", sa.Float),
    sa.column("cadence_spm", sa.Float),
    sa.column("step_length_m", sa.Float),
    sa.column("vertical_oscillation_m", sa.Float),
    sa.column("vertical_ratio_pct", sa.Float),
    sa.column("stance_time_s", sa.Float),
    sa.column("balance_left_pct", sa.Float),
    sa.column("power_w", sa.Float),
    sa.column("flat_share", sa.Float),
    sa.column("chunk_speed_mps", sa.LargeBinary),
    sa.column("chunk_cadence_spm", sa.LargeBinary),
)


def _attribute(name: str) -> Any:
    config = op.get_context().config
    return None if config is None else config.attributes.get(name)


def upgrade() -> None:
    fill: FormFill | None = _attribute("form_fill")
    if fill is None:
        return
    conn = op.get_bind()
    current = sa.select(_form.c.activity_id).where(_form.c.version == fill.version)
    todo = (
        conn.execute(
            sa.select(_streams.c.activity_id)
            .join(_activities, _activities.c.id == _streams.c.activity_id)
            .where(_activities.c.sport == fill.sport, _streams.c.activity_id.not_in(current))
            .order_by(_streams.c.activity_id)
        )
        .scalars()
        .all()
    )
    if not todo:
        return
    progress = _attribute("progress")
    if progress is not None:
        progress.add_total(len(todo))
    for start in range(0, len(todo), _RUNS_PER_ROUND):
        ids = todo[start : start + _RUNS_PER_ROUND]
        rows = conn.execute(
            sa.select(_streams.c.activity_id, _streams.c.codec, _streams.c.data).where(
                _streams.c.activity_id.in_(ids)
            )
        ).all()
        values = [
            form_values(fill.row(row.activity_id, decode_streams(row.data, row.codec)))
            for row in rows
        ]
        conn.execute(sa.delete(_form).where(_form.c.activity_id.in_(ids)))
        if values:
            conn.execute(sa.insert(_form), values)
        if progress is not None:
            for _ in ids:
                progress.advance("form summaries of stored runs")


def downgrade() -> None:
    """Nothing to undo: the summaries are what a view would have stored anyway."""
