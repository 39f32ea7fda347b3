"""Stored per-run form summaries (``form_summaries``), so status need not decode streams.

The store does not know the analysis: a summary is a :class:`FormRow` of named numbers (those
of ``analysis.form.FormSummary``, NaN stored as NULL) and its two per-minute arrays (stored
as little-endian float64 bytes, so they come back bit for bit); the service turns rows into
``FormSummary`` objects and decides which ``version`` is current. A row goes with the
``streams`` row it was computed from (foreign key, ON DELETE CASCADE): replacing an
activity's streams (a richer twin) or deleting the activity deletes its summary.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from datetime import datetime

import numpy as np
import numpy.typing as npt
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from backstride.model import FormRow, RunStreams
from backstride.store import restricted
from backstride.store.db import upsert, view_of
from backstride.store.deferred import write_rows
from backstride.store.schema import activities, form_summaries, streams
from backstride.store.streams import decode_streams

#: The per-run numbers of a summary, as columns of ``form_summaries``.
FORM_NUMBERS = (
    "steady_s",
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
_CHUNKS = ("chunk_speed_mps", "chunk_cadence_spm")
_COLUMNS = ("activity_id", "version", *FORM_NUMBERS, *_CHUNKS)
#: Ids per ``IN (...)`` list: far below every backend's limit on bound parameters.
_IDS_PER_QUERY = 500

FloatArray = npt.NDArray[np.float64]


def _id_chunks(ids: Sequence[int], size: int = _IDS_PER_QUERY) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield list(ids[start : start + size])


def _floats(blob: bytes) -> FloatArray:
    return np.frombuffer(blob, dtype="<f8").astype(np.float64)


def list_form_summaries(conn: Connection, activity_ids: Sequence[int]) -> dict[int, FormRow]:
    """The stored summaries of these activities (any version, those the view shows), by
    activity id."""
    found: dict[int, FormRow] = {}
    for chunk in _id_chunks(activity_ids):
        rows = conn.execute(
            sa.select(form_summaries).where(
                form_summaries.c.activity_id.in_(chunk),
                sa.not_(restricted.hidden_activity(conn, form_summaries.c.activity_id)),
            )
        )
        for row in rows:
            found[row.activity_id] = FormRow(
                activity_id=row.activity_id,
                version=row.version,
                numbers={
                    name: math.nan if getattr(row, name) is None else float(getattr(row, name))
                    for name in FORM_NUMBERS
                },
                chunk_speed_mps=_floats(row.chunk_speed_mps),
                chunk_cadence_spm=_floats(row.chunk_cadence_spm),
            )
    return found


def list_run_streams(conn: Connection, activity_ids: Sequence[int]) -> list[RunStreams]:
    """The streams of these activities (those that have any and the view shows), in the
    order of the ids."""
    view = view_of(conn)
    found: dict[int, RunStreams] = {}
    for chunk in _id_chunks(activity_ids):
        rows = conn.execute(
            sa.select(
                streams.c.activity_id, streams.c.codec, streams.c.data, activities.c.imported_at
            )
            .join(activities, activities.c.id == streams.c.activity_id)
            .where(streams.c.activity_id.in_(chunk), restricted.shown(conn))
        )
        for row in rows:
            found[row.activity_id] = RunStreams(
                row.activity_id,
                row.imported_at,
                restricted.streams(view, decode_streams(row.data, row.codec)),
            )
    return [found[i] for i in activity_ids if i in found]


def upsert_form_summaries(conn: Connection, rows: Sequence[tuple[FormRow, datetime]]) -> None:
    """Store summaries (replacing any of another version), each with the ``imported_at`` of
    the streams it was computed from (:attr:`RunStreams.imported_at`).

    A summary whose activity was replaced or deleted since its streams were read is not
    stored: the condition is part of the one INSERT, so no other writer can come between.
    """
    if not rows:
        return
    columns = list(_COLUMNS)
    params = {name: sa.bindparam(name, type_=form_summaries.c[name].type) for name in columns}
    stamp = sa.bindparam("stamp", type_=activities.c.imported_at.type)
    source = sa.select(*(params[name] for name in columns)).where(
        sa.exists().where(
            activities.c.id == params["activity_id"], activities.c.imported_at == stamp
        )
    )
    insert = upsert(conn, form_summaries)
    statement = insert.from_select(columns, source).on_conflict_do_update(
        index_elements=["activity_id"],
        set_={name: insert.excluded[name] for name in columns[1:]},
    )
    conn.execute(
        statement, [{**form_values(row), "stamp": imported_at} for row, imported_at in rows]
    )


def add_form_summaries(conn: Connection, rows: Sequence[FormRow]) -> None:
    """Store the summaries of streams written in this same transaction (an import stores an
    activity's summary with it; the streams row is new, so no summary hangs on it yet).

    A plain INSERT with parameters apart from the statement, one cached statement for every
    call (building an ``ON CONFLICT`` statement per run was a third of an import's writing
    time)."""
    # An import's batch on PostgreSQL holds them for its COPY at the commit.
    write_rows(conn, form_summaries, [form_values(row) for row in rows])


def form_values(row: FormRow) -> dict[str, object]:
    """A summary as the parameters of a ``form_summaries`` row."""
    return {
        "activity_id": row.activity_id,
        "version": row.version,
        **{
            name: None if math.isnan(row.numbers[name]) else float(row.numbers[name])
            for name in FORM_NUMBERS
        },
        "chunk_speed_mps": np.asarray(row.chunk_speed_mps, "<f8").tobytes(),
        "chunk_cadence_spm": np.asarray(row.chunk_cadence_spm, "<f8").tobytes(),
    }
