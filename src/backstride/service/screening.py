"""The red-flag screen: store each screen's answers with its date, record a clinician's
clearance, and say what the latest screen means on a day.

The questions and what the answers mean are in ``rules/redflags.py`` (R1-R3, from the
evidence catalogue); this module validates answers, stores screens and clearances, and
evaluates the latest screen with the latest clearance on or before the day judged. Views that
already hold a connection call :func:`screen_at`; the rest :func:`latest_screen`,
:func:`latest_clearance`. Which red flags suspend training (these screens' and the diary's)
is ``service/safety.py``'s to say.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from backstride.errors import InputError
from backstride.model import ClearanceRecord, ScreeningRecord
from backstride.rules.finding import Finding
from backstride.rules.redflags import (
    QUESTIONS,
    ScreenAnswers,
    blocks_training,
    from_stored,
    questions_for,
    screen_findings,
    upgrade_answers,
)

# Re-exported: the CLI types the questions it asks with it (cli may not import rules).
from backstride.rules.redflags import Question as Question
from backstride.service.clock import future_record, local_today
from backstride.store import Connection, Store, transaction
from backstride.store import clearances as clearance_rows
from backstride.store import pain as pain_rows
from backstride.store.athletes import DEFAULT_ATHLETE, get_or_create_athlete
from backstride.views import clearance_view

#: Answer fields in the order they are asked.
FIELDS: tuple[str, ...] = tuple(q.field for q in QUESTIONS)
#: Longest "who" and note a clearance keeps (characters).
BY_MAX = 200
NOTE_MAX = 2000


@dataclass(frozen=True)
class ScreenResult:
    """A screen as stored, with what the rules say about it (most pressing first) on the
    day judged, and the clinician's clearance taken into account (None: none recorded)."""

    record: ScreeningRecord
    findings: list[Finding]
    clearance: ClearanceRecord | None = None

    @property
    def blocks_training(self) -> bool:
        """True after R1 or R2 not cleared: no plan and no green light."""
        return blocks_training(self.findings)

    @property
    def outcome(self) -> str:
        """The screen's word today (a cleared emergency no longer reads "emergency");
        ``record.outcome`` keeps the word it had when it was taken."""
        return outcome(self.findings)

    @property
    def red_flags(self) -> list[Finding]:
        """The R1/R2 findings that block training (empty when none do)."""
        return [f for f in self.findings if f.rule in ("R1", "R2") and f.severity in _BLOCKING]

    def to_json(self) -> dict[str, object]:
        """``backstride screen --json`` and ``/api/screen``."""
        return {
            "date": self.record.day.isoformat(),
            "outcome": self.outcome,
            "blocks_training": self.blocks_training,
            "answers": upgrade_answers(self.record.answers),
            "findings": [f.to_json() for f in self.findings],
            "clearance": None if self.clearance is None else clearance_view(self.clearance),
        }


_BLOCKING = ("high", "very_high")


def outcome(findings: list[Finding]) -> str:
    """One word for a screen's findings: emergency (R1), urgent (R2), review (R3, legs),
    clear, incomplete (questions left unanswered and nothing to act on).

    Cleared R1/R2 findings are ``info``: they do not count.
    """
    rules = {f.rule for f in findings if f.severity not in ("info", "ok")}
    if "R1" in rules:
        return "emergency"
    if "R2" in rules:
        return "urgent"
    if rules:
        return "review"
    return "incomplete" if any("unanswered" in f.values for f in findings) else "clear"


def validate_answers(answers: dict[str, bool | None]) -> dict[str, bool | None]:
    """Every known question, in order; unknown names are refused, missing ones are None."""
    unknown = sorted(set(answers) - set(FIELDS))
    if unknown:
        raise InputError(
            f"unknown screen question {unknown[0]!r}; the questions are: {', '.join(FIELDS)}",
            field="answers",
        )
    return {name: answers.get(name) for name in FIELDS}


def _after(record: ScreeningRecord, clearance: ClearanceRecord) -> bool | None:
    """Whether the screen was taken after the visit; None lets the days decide. A screen
    of the visit's own day counts as after it when it was saved after the clearance (else
    the runner could record a visit and then a new emergency sign the same day, unseen)."""
    if record.day != clearance.day:
        return None
    if record.recorded_at is None or clearance.recorded_at is None:
        return None
    return record.recorded_at > clearance.recorded_at


def evaluate(record: ScreeningRecord, clearance: ClearanceRecord | None = None) -> ScreenResult:
    """A stored screen with its findings, given the clearance in force on the day judged."""
    return ScreenResult(
        record=record, findings=findings_for(record, clearance), clearance=clearance
    )


def findings_for(
    record: ScreeningRecord, clearance: ClearanceRecord | None = None
) -> list[Finding]:
    """What the rules say about a stored screen (old answer names read as today's)."""
    answers = from_stored(record.answers)
    if clearance is None:
        return screen_findings(answers, day=record.day)
    return screen_findings(
        answers,
        day=record.day,
        cleared_on=clearance.day,
        cleared_by=clearance.by,
        after_clearance=_after(record, clearance),
    )


def screen_at(conn: Connection, athlete_id: int, as_of: date | None) -> ScreenResult | None:
    """The latest screen on or before ``as_of`` (all time when None), evaluated with the
    latest clearance on or before that day, inside an open connection; None without a screen.
    """
    screens = pain_rows.list_screenings(conn, athlete_id, until=as_of)
    if not screens:
        return None
    clearance = clearance_rows.get_latest_clearance(conn, athlete_id, until=as_of)
    return evaluate(screens[-1], clearance)


def take_screen(
    store: Store,
    answers: dict[str, bool | None],
    *,
    day: date | None = None,
    athlete: str = DEFAULT_ATHLETE,
) -> ScreenResult:
    """Store a screen's answers (None: not answered) and evaluate them, with the latest
    clearance recorded so far (the screen is saved after it)."""
    checked = validate_answers(answers)
    day = day or local_today()
    if (problem := future_record(day)) is not None:
        raise InputError(
            problem, hint="a screen records how things are on the day you take it", field="day"
        )
    with transaction(store) as conn:
        athlete_id = get_or_create_athlete(conn, athlete).id
        clearance = clearance_rows.get_latest_clearance(conn, athlete_id)
        provisional = ScreeningRecord(id=0, day=day, answers=checked, outcome="")
        findings = _findings_as_new(provisional, clearance)
        verdict = outcome(findings)
        screen_id = pain_rows.add_screening(
            conn, athlete_id, day=day, answers=checked, outcome=verdict
        )
    record = ScreeningRecord(id=screen_id, day=day, answers=checked, outcome=verdict)
    return ScreenResult(record=record, findings=findings, clearance=clearance)


def _findings_as_new(record: ScreeningRecord, clearance: ClearanceRecord | None) -> list[Finding]:
    if clearance is None:
        return screen_findings(ScreenAnswers(**record.answers), day=record.day)
    return screen_findings(
        ScreenAnswers(**record.answers),
        day=record.day,
        cleared_on=clearance.day,
        cleared_by=clearance.by,
        # Saved now, so after a clearance of the same day; a clearance dated later than a
        # back-dated screen was a visit after it.
        after_clearance=True if record.day == clearance.day else None,
    )


def latest_screen(
    store: Store, *, as_of: date | None = None, athlete: str = DEFAULT_ATHLETE
) -> ScreenResult | None:
    """The most recent screen on or before ``as_of`` (all time when None), with the
    clearance in force then."""
    with transaction(store) as conn:
        athlete_id = get_or_create_athlete(conn, athlete).id
        return screen_at(conn, athlete_id, as_of)


def _text(value: str | None, name: str, limit: int, *, one_line: bool, field: str) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    if len(value) > limit:
        raise InputError(
            f"{name} is {len(value)} characters long; at most {limit} are kept", field=field
        )
    if one_line and any(c in value for c in "\r\n"):
        raise InputError(f"{name} must be one line", field=field)
    if any(ord(c) < 32 and c not in "\r\n\t" for c in value):
        raise InputError(f"{name} contains control characters", field=field)
    return value


def clear(
    store: Store,
    *,
    day: date | None = None,
    by: str | None = None,
    note: str | None = None,
    athlete: str = DEFAULT_ATHLETE,
) -> ClearanceRecord:
    """Record that a clinician saw the runner on ``day`` (default today), optionally who
    (``by``, one line) and what they advised (``note``).

    Screens up to that day stop pausing training; a later screen asks whether anything
    changed since, and new or worse symptoms pause it again (evidence.md §5.2).
    """
    day = day or local_today()
    if (problem := future_record(day)) is not None:
        raise InputError(
            problem, hint="record a visit on or after the day it happened", field="day"
        )
    who = _text(by, "by (who saw you)", BY_MAX, one_line=True, field="by")
    advice = _text(note, "note", NOTE_MAX, one_line=False, field="note")
    with transaction(store) as conn:
        athlete_id = get_or_create_athlete(conn, athlete).id
        return clearance_rows.add_clearance(conn, athlete_id, day=day, by=who, note=advice)


def latest_clearance(
    store: Store, *, as_of: date | None = None, athlete: str = DEFAULT_ATHLETE
) -> ClearanceRecord | None:
    """The latest recorded visit on or before ``as_of`` (all time when None), or None."""
    with transaction(store) as conn:
        athlete_id = get_or_create_athlete(conn, athlete).id
        return clearance_rows.get_latest_clearance(conn, athlete_id, until=as_of)


def screen_questions(
    store: Store, *, as_of: date | None = None, athlete: str = DEFAULT_ATHLETE
) -> tuple[Question, ...]:
    """The questions to ask now: with "has anything changed since the clinician saw you on
    D?" only when a visit is recorded."""
    cleared = latest_clearance(store, as_of=as_of, athlete=athlete)
    return questions_for(None if cleared is None else cleared.day)
