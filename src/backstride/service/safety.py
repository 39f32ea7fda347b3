"""Which red flags suspend training for a view of one day: the one loader every surface uses.

What a suspension withholds is decided in ``rules/safety.py``; this module only gathers the
red flags that count. They come from the screen in force (with the clinician's visit in
force then: ``service.screening.screen_at``) and from the diary: back pain logged with
symptoms in both legs since that screen or visit (``rules.redflags.diary_red_flags``).

For a view as of ``day`` the red flags in force on that day and the latest ones of all both
count: a red flag reported since that day still wins (a view of last month never shows
training advice during today's emergency), and one in force on that day is shown as it was.
"""

from __future__ import annotations

from datetime import date

from backstride.rules.finding import Finding
from backstride.rules.redflags import diary_red_flags
from backstride.rules.safety import Suspension
from backstride.service.clock import local_today
from backstride.service.screening import screen_at
from backstride.store import Connection, Store, transaction
from backstride.store import clearances as clearance_rows
from backstride.store import pain as pain_rows
from backstride.store.athletes import DEFAULT_ATHLETE, get_or_create_athlete


def red_flag_findings_in(conn: Connection, athlete_id: int, day: date | None) -> list[Finding]:
    """What the screen in force on ``day`` says (the latest of all when None), with the
    clinician's visit in force then, and the diary's red flags logged since either."""
    screen = screen_at(conn, athlete_id, day)
    visit = clearance_rows.get_latest_clearance(conn, athlete_id, until=day)
    seen = [
        (r.day, r.recorded_at) for r in (screen.record if screen else None, visit) if r is not None
    ]
    legs = [
        (e.day, e.recorded_at, e.leg_symptoms)
        for e in pain_rows.list_pain_entries(conn, athlete_id, until=day)
        if e.leg_symptoms == "both_sides"
    ]
    latest_seen = max(seen, key=lambda s: (s[0], s[1] is not None, s[1] or 0), default=None)
    from_diary = diary_red_flags(legs, since=latest_seen, as_of=day or local_today())
    return [*(screen.findings if screen is not None else []), *from_diary]


def suspension_in(conn: Connection, athlete_id: int, day: date) -> Suspension:
    """The suspension for a view of ``day``, read inside an open connection."""
    then = red_flag_findings_in(conn, athlete_id, day)
    # A view of today reads the same screen, visit and diary as "the latest": read once.
    now = then if day >= local_today() else red_flag_findings_in(conn, athlete_id, None)
    return Suspension.of(then, now)


def suspension_for(store: Store, day: date, *, athlete: str = DEFAULT_ATHLETE) -> Suspension:
    """The suspension for a view of ``day`` (see the module docstring)."""
    with transaction(store) as conn:
        athlete_id = get_or_create_athlete(conn, athlete).id
        return suspension_in(conn, athlete_id, day)


def active_red_flags(
    store: Store, *, as_of: date | None = None, athlete: str = DEFAULT_ATHLETE
) -> list[Finding]:
    """The red flags that suspend training in a view of ``as_of`` (default today), most
    pressing first: every page, command and answer shows them before anything else. Empty
    when none is active (none reported, or a clinician's visit recorded since)."""
    return list(suspension_for(store, as_of or local_today(), athlete=athlete).red_flags)
