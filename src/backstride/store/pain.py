"""The back-pain diary and the red-flag screenings."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from backstride.model import LegSymptoms, PainMoment, PainRecord, ScreeningRecord
from backstride.store import restricted
from backstride.store.schema import pain_entries, questionnaire_scores, screenings


def add_pain_entry(
    conn: Connection,
    athlete_id: int,
    *,
    day: date,
    nrs: int,
    moment: PainMoment,
    activity_id: int | None,
    leg_symptoms: LegSymptoms,
    note: str | None,
) -> int:
    key = conn.execute(
        sa.insert(pain_entries).values(
            athlete_id=athlete_id,
            local_date=day,
            moment=moment,
            nrs=nrs,
            activity_id=activity_id,
            leg_symptoms=leg_symptoms,
            note=note,
            created_at=datetime.now(UTC),
        )
    ).inserted_primary_key
    assert key is not None
    return int(key[0])


def list_pain_entries(
    conn: Connection, athlete_id: int, *, since: date | None = None, until: date | None = None
) -> list[PainRecord]:
    """Diary entries, oldest first (by day, then by when they were logged); an entry's link
    to an activity the view hides is left out."""
    linked = pain_entries.c.activity_id
    activity_id = sa.case(
        (restricted.hidden_activity(conn, linked), sa.null()), else_=linked
    ).label("activity_id")
    columns = [activity_id if c.name == "activity_id" else c for c in pain_entries.c]
    query = sa.select(*columns).where(pain_entries.c.athlete_id == athlete_id)
    if since is not None:
        query = query.where(pain_entries.c.local_date >= since)
    if until is not None:
        query = query.where(pain_entries.c.local_date <= until)
    rows = conn.execute(query.order_by(pain_entries.c.local_date, pain_entries.c.id))
    return [
        PainRecord(
            id=r.id,
            day=r.local_date,
            nrs=r.nrs,
            moment=r.moment,
            activity_id=r.activity_id,
            leg_symptoms=r.leg_symptoms,
            note=r.note,
            recorded_at=r.created_at,
        )
        for r in rows
    ]


def add_screening(
    conn: Connection,
    athlete_id: int,
    *,
    day: date,
    answers: dict[str, bool | None],
    outcome: str,
) -> int:
    key = conn.execute(
        sa.insert(screenings).values(
            athlete_id=athlete_id,
            local_date=day,
            answers=json.dumps(answers, sort_keys=True),
            outcome=outcome,
            created_at=datetime.now(UTC),
        )
    ).inserted_primary_key
    assert key is not None
    return int(key[0])


def list_screenings(
    conn: Connection, athlete_id: int, *, until: date | None = None
) -> list[ScreeningRecord]:
    """Every screen (up to ``until`` when given), oldest first."""
    query = sa.select(screenings).where(screenings.c.athlete_id == athlete_id)
    if until is not None:
        query = query.where(screenings.c.local_date <= until)
    rows = conn.execute(query.order_by(screenings.c.local_date, screenings.c.id))
    return [
        ScreeningRecord(
            id=r.id,
            day=r.local_date,
            answers=json.loads(r.answers),
            outcome=r.outcome,
            recorded_at=r.created_at,
        )
        for r in rows
    ]


def add_score(
    conn: Connection,
    athlete_id: int,
    *,
    day: date,
    instrument: str,
    score: float,
    distress: float | None,
) -> int:
    key = conn.execute(
        sa.insert(questionnaire_scores).values(
            athlete_id=athlete_id,
            local_date=day,
            instrument=instrument,
            score=score,
            distress=distress,
            created_at=datetime.now(UTC),
        )
    ).inserted_primary_key
    assert key is not None
    return int(key[0])


def list_scores(conn: Connection, athlete_id: int) -> list[tuple[date, str, float, float | None]]:
    """(day, instrument, score, distress) of every score, oldest first."""
    rows = conn.execute(
        sa.select(questionnaire_scores)
        .where(questionnaire_scores.c.athlete_id == athlete_id)
        .order_by(questionnaire_scores.c.local_date, questionnaire_scores.c.id)
    )
    return [(r.local_date, r.instrument, r.score, r.distress) for r in rows]
