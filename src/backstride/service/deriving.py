"""What an import derives from each activity's streams, so that no view has to: its form
summary (``analysis.form.form_summary``, stored in ``form_summaries``).

Computed where the activity is decoded (a decoding worker, or the importing process on the
serial path) and stored by the writer in the same transaction as the activity and its
streams (``service.storing``), so the first view after an import computes nothing.
``service.status`` still computes a summary that is missing or of another
:data:`FORM_SUMMARY_VERSION` (an analysis change), and migration 0009 fills the summaries of
runs stored before this.
"""

from __future__ import annotations

from collections.abc import Sequence

from backstride.analysis.form import FormSummary, form_summary
from backstride.model import Activity, FormRow, Streams
from backstride.store.form import FORM_NUMBERS

#: The version of ``analysis.form.form_summary`` (and ``analysis.segments``) whose results
#: are stored: bump it when their numbers change, and stored summaries are recomputed.
FORM_SUMMARY_VERSION = 1
#: The sport whose activities get a form summary (the form rules read runs only).
FORM_SPORT = "running"


def has_form(sport: str, streams: Streams) -> bool:
    """Whether an activity of ``sport`` with these streams gets a stored form summary."""
    return sport == FORM_SPORT and len(streams) > 0


def derive_forms(activities: Sequence[Activity]) -> list[FormSummary | None]:
    """Each activity's form summary (None for those that get none, see :func:`has_form`)."""
    return [form_summary(a.streams) if has_form(a.sport, a.streams) else None for a in activities]


def form_row(activity_id: int, summary: FormSummary) -> FormRow:
    """A summary as the store keeps it, with the current :data:`FORM_SUMMARY_VERSION`."""
    return FormRow(
        activity_id=activity_id,
        version=FORM_SUMMARY_VERSION,
        numbers={name: float(getattr(summary, name)) for name in FORM_NUMBERS},
        chunk_speed_mps=summary.chunk_speed_mps,
        chunk_cadence_spm=summary.chunk_cadence_spm,
    )


def stored_row(activity_id: int, streams: Streams) -> FormRow:
    """The summary a run with these streams gets stored with (what migration 0009 fills)."""
    return form_row(activity_id, form_summary(streams))


def summary_of(row: FormRow) -> FormSummary:
    """A stored summary as the analysis returns it."""
    return FormSummary(
        **row.numbers,
        chunk_speed_mps=row.chunk_speed_mps,
        chunk_cadence_spm=row.chunk_cadence_spm,
    )
