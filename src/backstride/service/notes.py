"""Clinicians' dated notes on an athlete (issue 17).

A clinician the athlete shared with adds notes; the athlete reads the notes on them, and
so does every clinician they share with. Notes are written to the base store (the write
a restricted view refuses): the web passes the store it opened, after
:func:`backstride.service.sharing.access` gave the :class:`~backstride.service.sharing.
Access`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

from backstride.errors import InputError, PermissionDeniedError
from backstride.model import ClinicianNote
from backstride.service.clock import future_record
from backstride.service.sharing import Access
from backstride.store import Store, transaction
from backstride.store import notes as rows

#: The longest note kept, in characters.
NOTE_MAX = 5000


def _utc_now() -> datetime:
    return datetime.now(UTC)


def add_note(
    store: Store,
    access: Access,
    day: date,
    text: str,
    *,
    today: date | None = None,
    now: Callable[[], datetime] = _utc_now,
) -> ClinicianNote:
    """Store a clinician's note on ``day`` (not in the future) about the athlete of
    ``access``; only a clinician with a share may."""
    if access.share_id is None or access.viewer.role != "clinician":
        raise PermissionDeniedError("only a clinician the athlete shared with adds notes")
    words = text.strip()
    if not words:
        raise InputError("the note is empty", field="text")
    if len(words) > NOTE_MAX:
        raise InputError(
            f"the note has {len(words)} characters, more than {NOTE_MAX}", field="text"
        )
    if (problem := future_record(day, today)) is not None:
        raise InputError(problem, hint="date a note on or before today", field="day")
    assert access.athlete.athlete_id is not None
    with transaction(store) as conn:
        return rows.add_note(
            conn,
            access.athlete.athlete_id,
            author_account_id=access.viewer.id,
            author_name=access.viewer.name,
            day=day,
            text=words,
            at=now(),
        )


def list_notes(store: Store, access: Access) -> list[ClinicianNote]:
    """The notes on the athlete of ``access`` (their own, or shared with the viewer),
    newest day first."""
    assert access.athlete.athlete_id is not None
    with transaction(store) as conn:
        return rows.list_notes(conn, access.athlete.athlete_id)
