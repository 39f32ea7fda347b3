"""Which red flags suspend training for a view of one day: the one loader every surface uses.

What a suspension withholds is decided in ``rules/safety.py``; this module only picks the
screens that count. For a view as of ``day`` they are the screen in force on that day and
the latest screen of all: a red flag reported since that day still wins (a view of last
month never shows training advice during today's emergency), and a red flag in force on
that day is shown as it was.
"""

from __future__ import annotations

from datetime import date

from backstride.rules.finding import Finding
from backstride.rules.safety import Suspension
from backstride.service.screening import screen_at
from backstride.store import Connection, Store, transaction
from backstride.store.athletes import DEFAULT_ATHLETE, get_or_create_athlete


def screen_findings_in(conn: Connection, athlete_id: int, day: date | None) -> list[Finding]:
    """The findings of the screen in force on ``day`` (the latest of all when None), with
    the clinician's clearance in force then."""
    screen = screen_at(conn, athlete_id, day)
    return screen.findings if screen is not None else []


def suspension_in(conn: Connection, athlete_id: int, day: date) -> Suspension:
    """The suspension for a view of ``day``, read inside an open connection."""
    return Suspension.of(
        screen_findings_in(conn, athlete_id, day), screen_findings_in(conn, athlete_id, None)
    )


def suspension_for(store: Store, day: date, *, athlete: str = DEFAULT_ATHLETE) -> Suspension:
    """The suspension for a view of ``day`` (see the module docstring)."""
    with transaction(store) as conn:
        athlete_id = get_or_create_athlete(conn, athlete).id
        return suspension_in(conn, athlete_id, day)
