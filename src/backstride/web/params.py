"""Parameter types shared by the pages and the API: days within what the calendar
arithmetic of the service layer can handle, and not in the future where a record is made."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Path, Query
from pydantic import AfterValidator

from backstride.service.clock import day_out_of_range, future_record


def check_day(value: date | None) -> date | None:
    """A day the service layer can judge on (else a one-line error)."""
    if value is not None and (problem := day_out_of_range(value)) is not None:
        raise ValueError(problem)
    return value


def check_record_day(value: date | None) -> date | None:
    """A day a screen or diary entry can be dated: in range and not in the future."""
    if value is not None and (problem := future_record(value)) is not None:
        raise ValueError(problem)
    return value


On = Annotated[
    date | None,
    AfterValidator(check_day),
    Query(description="Judge as of this day, YYYY-MM-DD (the CLI's --on) [default: today]."),
]


#: The largest id a client may name: PostgreSQL's integer (SQLite's reach is larger, but an
#: id beyond this is never stored, so it is a 422 before the store is asked).
MAX_ID = 2**31 - 1

ActivityId = Annotated[
    int, Path(ge=1, le=MAX_ID, description="An activity's id (activities --json).")
]


def no_control_characters(value: str | None) -> str | None:
    """Text to be stored: no NUL or other control characters (tab and new line are fine)."""
    if value is not None and any(ord(c) < 32 and c not in "\t\n\r" for c in value):
        raise ValueError("must not contain control characters (such as NUL)")
    return value


StoredText = Annotated[str | None, AfterValidator(no_control_characters)]
