"""The red-flag screen: store each screen's answers with its date, and say when one is due.

The questions and what the answers mean are in ``rules/redflags.py`` (R1-R3, from the
evidence catalogue); this module validates answers, stores them and finds the latest.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date

from backstride.errors import InputError
from backstride.model import ScreeningRecord
from backstride.rules.finding import Finding
from backstride.rules.redflags import QUESTIONS, ScreenAnswers, blocks_training, screen_findings
from backstride.service.clock import future_record, local_today
from backstride.store import Store, transaction
from backstride.store import pain as pain_rows
from backstride.store.athletes import DEFAULT_ATHLETE, get_or_create_athlete

#: Answer fields in the order they are asked.
FIELDS: tuple[str, ...] = tuple(q.field for q in QUESTIONS)


@dataclass(frozen=True)
class ScreenResult:
    """A screen as stored, with what the rules say about it (most pressing first)."""

    record: ScreeningRecord
    findings: list[Finding]

    @property
    def blocks_training(self) -> bool:
        """True after R1 or R2: no plan and no green light until a clinician has seen you."""
        return blocks_training(self.findings)

    def to_json(self) -> dict[str, object]:
        """``backstride screen --json`` and ``/api/screen``."""
        return {
            "date": self.record.day.isoformat(),
            "outcome": self.record.outcome,
            "blocks_training": self.blocks_training,
            "answers": self.record.answers,
            "findings": [f.to_json() for f in self.findings],
        }


def outcome(findings: list[Finding], answers: dict[str, bool | None]) -> str:
    """One word for a screen: emergency (R1), urgent (R2), review (R3, legs), clear, incomplete."""
    rules = {f.rule for f in findings if f.severity not in ("info", "ok")}
    if "R1" in rules:
        return "emergency"
    if "R2" in rules:
        return "urgent"
    if rules:
        return "review"
    return "incomplete" if any(v is None for v in answers.values()) else "clear"


def validate_answers(answers: dict[str, bool | None]) -> dict[str, bool | None]:
    """Every known question, in order; unknown names are refused, missing ones are None."""
    unknown = sorted(set(answers) - set(FIELDS))
    if unknown:
        raise InputError(
            f"unknown screen question {unknown[0]!r}; the questions are: {', '.join(FIELDS)}"
        )
    return {name: answers.get(name) for name in FIELDS}


def findings_for(record: ScreeningRecord) -> list[Finding]:
    known = {f.name for f in fields(ScreenAnswers)}
    answers = ScreenAnswers(**{k: v for k, v in record.answers.items() if k in known})
    return screen_findings(answers, day=record.day)


def take_screen(
    store: Store,
    answers: dict[str, bool | None],
    *,
    day: date | None = None,
    athlete: str = DEFAULT_ATHLETE,
) -> ScreenResult:
    """Store a screen's answers (None: not answered) and evaluate them."""
    checked = validate_answers(answers)
    day = day or local_today()
    if (problem := future_record(day)) is not None:
        raise InputError(problem, hint="a screen records how things are on the day you take it")
    findings = screen_findings(ScreenAnswers(**checked), day=day)
    verdict = outcome(findings, checked)
    with transaction(store) as conn:
        athlete_id = get_or_create_athlete(conn, athlete).id
        screen_id = pain_rows.add_screening(
            conn, athlete_id, day=day, answers=checked, outcome=verdict
        )
    record = ScreeningRecord(id=screen_id, day=day, answers=checked, outcome=verdict)
    return ScreenResult(record=record, findings=findings)


def latest_screen(
    store: Store, *, as_of: date | None = None, athlete: str = DEFAULT_ATHLETE
) -> ScreenResult | None:
    """The most recent screen on or before ``as_of`` (all time when None)."""
    with transaction(store) as conn:
        athlete_id = get_or_create_athlete(conn, athlete).id
        screens = pain_rows.list_screenings(conn, athlete_id)
    if as_of is not None:
        screens = [s for s in screens if s.day <= as_of]
    if not screens:
        return None
    return ScreenResult(record=screens[-1], findings=findings_for(screens[-1]))


def active_red_flags(store: Store, *, athlete: str = DEFAULT_ATHLETE) -> list[Finding]:
    """The R1/R2 findings of the latest screen, when it found any: every view shows them
    first, before anything about training (empty when the latest screen did not)."""
    latest = latest_screen(store, athlete=athlete)
    if latest is None or not latest.blocks_training:
        return []
    return [
        f for f in latest.findings if f.rule.startswith("R") and f.severity in ("high", "very_high")
    ]
