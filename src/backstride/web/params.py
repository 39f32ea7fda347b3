"""Parameter types shared by the pages and the API: days within what the calendar
arithmetic of the service layer can handle, and not in the future where a record is made."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated

from fastapi import Path, Query
from pydantic import AfterValidator

from backstride.errors import InputError
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


def parse_day(
    value: str | None,
    name: str,
    check: Callable[[date | None], date | None],
    *,
    field: str | None = None,
) -> date | None:
    """A YYYY-MM-DD form or query field checked by ``check`` (:func:`check_day`,
    :func:`check_record_day`), None when empty, or one line naming it (an InputError of
    ``field``)."""
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{name} {value[:20]!r} is not a date (YYYY-MM-DD)", field=field) from None
    try:
        return check(day)
    except ValueError as e:
        raise InputError(f"{name} {e}", field=field) from None


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
