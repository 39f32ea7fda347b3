"""The one place the service reads the clock: the runner's local calendar day.

Analysis and rules never read it (``as_of`` is passed in); service functions default
their day to :func:`local_today` and take it as a parameter so tests can fix it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime


def local_today() -> date:
    """Today in the machine's local time zone (the runner's, on a laptop)."""
    return datetime.now(UTC).astimezone().date()
