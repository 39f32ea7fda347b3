"""Parameter types shared by the pages and the API: days within what the calendar
arithmetic of the service layer can handle, and not in the future where a record is made."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Query
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
