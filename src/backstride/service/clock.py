"""The one place the service reads the clock: the runner's local calendar day.

Analysis and rules never read it (``as_of`` is passed in); service functions default
their day to :func:`local_today` and take it as a parameter so tests can fix it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime


def local_today() -> date:
    """Today in the machine's local time zone (the runner's, on a laptop)."""
    return datetime.now(UTC).astimezone().date()


def utc_now() -> datetime:
    """Now, timezone-aware UTC: the default clock of what expires (sessions, links, the
    login throttle), which take it as ``now=`` so tests can move time."""
    return datetime.now(UTC)


#: The days backstride can judge or record: its calendar arithmetic reaches years back and
#: weeks forward from a day, which 0001-01-01 or 9999-12-31 would overflow.
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2199, 12, 31)


def day_out_of_range(day: date) -> str | None:
    """Why ``day`` cannot be used (one line), or None when it is within range."""
    if FIRST_DAY <= day <= LAST_DAY:
        return None
    return f"{day.isoformat()} is not a day between {FIRST_DAY} and {LAST_DAY}"


def future_record(day: date, today: date | None = None) -> str | None:
    """Why a record (diary entry, screen, routine) cannot be dated ``day``, or None."""
    today = today or local_today()
    if day > today:
        return f"the date {day.isoformat()} is in the future (today is {today})"
    return day_out_of_range(day)
