"""The one shape every piece of advice takes: a :class:`Finding` from a catalogue rule.

A finding says which rule fired (``rule``, an evidence id such as ``L1``), how much it
matters (``severity``), for which local day and activity, in one plain-language ``message``
with the numbers behind it in ``values`` (SI units, JSON-ready scalars), and where the advice
comes from (``citation`` "Author Year", evidence ``grade``, and the ``practice`` it belongs
to). Severities, least to most pressing: ``info`` (context, never a warning), ``ok``,
``caution``, ``high``, ``very_high``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Literal, get_args

import numpy as np

Severity = Literal["info", "ok", "caution", "high", "very_high"]
Value = float | int | str | bool | None

#: Severities in increasing order of urgency; a severity's rank is its index here.
SEVERITIES: tuple[Severity, ...] = get_args(Severity)
SEVERITY_RANK: Mapping[Severity, int] = {s: i for i, s in enumerate(SEVERITIES)}


@dataclass(frozen=True)
class Finding:
    """One rule's verdict on one day (and activity, for per-run rules).

    ``values`` holds the numbers behind the message (SI units, plain Python scalars; a
    ratio that is infinite or undefined is ``None``). Treat it as read-only.
    """

    rule: str
    severity: Severity
    date: date
    activity_id: int | None
    message: str
    values: Mapping[str, Value]
    citation: str
    grade: str
    practice: str
    #: The verdict's name in the rule's catalogue entry (``steep``, ``very_high`` ...).
    outcome: str = ""

    def __post_init__(self) -> None:
        if self.severity not in SEVERITY_RANK:
            raise ValueError(f"severity must be one of {SEVERITIES}, got {self.severity!r}")

    __hash__ = None  # type: ignore[assignment]  # values is a dict

    @property
    def rank(self) -> int:
        """Index of the severity in :data:`SEVERITIES` (higher is more pressing)."""
        return SEVERITY_RANK[self.severity]

    def to_json(self) -> dict[str, Value | dict[str, Value]]:
        """The finding as JSON-ready data (dates as ISO strings)."""
        return {
            "rule": self.rule,
            "severity": self.severity,
            "date": self.date.isoformat(),
            "activity_id": self.activity_id,
            "message": self.message,
            "values": dict(self.values),
            "citation": self.citation,
            "grade": self.grade,
            "practice": self.practice,
            "outcome": self.outcome,
        }


def plain(value: object) -> Value:
    """A NumPy or Python scalar as a JSON-ready Python value (non-finite floats -> None).

    >>> plain(np.float64(1.5)), plain(np.int64(3)), plain(float("inf")), plain("x")
    (1.5, 3, None, 'x')
    """
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if value is None or isinstance(value, str | bool):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        number = float(value)
        return number if math.isfinite(number) else None
    raise TypeError(f"finding values must be scalars, got {type(value).__name__}")


def most_pressing(findings: list[Finding]) -> list[Finding]:
    """Findings sorted most pressing first, then newest first, then by rule id."""
    return sorted(findings, key=lambda f: (-f.rank, -f.date.toordinal(), f.rule))
