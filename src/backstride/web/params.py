"""Parameter types shared by the pages and the API: days within what the calendar
arithmetic of the service layer can handle, and not in the future where a record is made."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Query
from pydantic import AfterValidator

from backstride.service.clock import local_today

#: Days a page can be judged on (the service layer reaches back years and forward weeks
#: from a day; 0001-01-01 or 9999-12-31 would overflow its date arithmetic).
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2199, 12, 31)


def check_day(value: date | None) -> date | None:
    """A day between :data:`FIRST_DAY` and :data:`LAST_DAY` (else a one-line error)."""
    if value is not None and not FIRST_DAY <= value <= LAST_DAY:
        raise ValueError(f"must be a day between {FIRST_DAY} and {LAST_DAY}")
    return value


def check_record_day(value: date | None) -> date | None:
    """A day a screen or diary entry can be dated: not before 1900 and not in the future."""
    checked = check_day(value)
    if checked is not None and checked > local_today():
        raise ValueError(f"{checked} is in the future (today is {local_today()})")
    return checked


On = Annotated[
    date | None,
    AfterValidator(check_day),
    Query(description="Judge as of this day, YYYY-MM-DD (the CLI's --on) [default: today]."),
]
