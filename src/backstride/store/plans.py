"""The sessions of the training plan as last generated, one row per session and day.

Saving a plan replaces the rows of the days it covers (from its first day on); rows of
earlier days stay, so a review can compare what was planned with what was done.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from backstride.model import PlannedRow
from backstride.store.schema import planned_sessions


def replace_planned(
    conn: Connection, athlete_id: int, *, first_day: date, rows: Sequence[PlannedRow]
) -> None:
    """Drop the stored sessions from ``first_day`` on and store ``rows`` instead; nothing is
    written when the stored ones are those already (a plan shown again as it was saved: its
    rows keep their ``generated_at``, and the athlete's data version stays, so the output
    kept for it still serves, ``cli/instant.py``)."""
    wanted = sorted((r for r in rows if r.day >= first_day), key=lambda r: (r.day, r.position))
    if list_planned(conn, athlete_id, since=first_day) == wanted:
        return
    conn.execute(
        sa.delete(planned_sessions).where(
            planned_sessions.c.athlete_id == athlete_id,
            planned_sessions.c.local_date >= first_day,
        )
    )
    now = datetime.now(UTC)
    values = [
        {
            "athlete_id": athlete_id,
            "local_date": r.day,
            "position": r.position,
            "mode": r.mode,
            "kind": r.kind,
            "title": r.title,
            "intensity": r.intensity,
            "duration_s": r.duration_s,
            "distance_m": r.distance_m,
            "run_s": r.run_s,
            "walk_s": r.walk_s,
            "repeats": r.repeats,
            "routine": r.routine,
            "warmup": r.warmup,
            "cooldown": r.cooldown,
            "sport": r.sport,
            "rules": list(r.rules),
            "why": r.why,
            "stage": r.stage,
            "lighter": r.lighter,
            "generated_at": now,
        }
        for r in wanted
    ]
    if values:
        conn.execute(sa.insert(planned_sessions), values)


def list_planned(
    conn: Connection, athlete_id: int, *, since: date | None = None, until: date | None = None
) -> list[PlannedRow]:
    """Stored planned sessions, by day and position."""
    t = planned_sessions
    query = sa.select(t).where(t.c.athlete_id == athlete_id)
    if since is not None:
        query = query.where(t.c.local_date >= since)
    if until is not None:
        query = query.where(t.c.local_date <= until)
    rows = conn.execute(query.order_by(t.c.local_date, t.c.position))
    return [
        PlannedRow(
            day=r.local_date,
            position=r.position,
            mode=r.mode,
            kind=r.kind,
            title=r.title,
            intensity=r.intensity,
            duration_s=r.duration_s,
            distance_m=r.distance_m,
            run_s=r.run_s,
            walk_s=r.walk_s,
            repeats=r.repeats,
            routine=r.routine,
            warmup=r.warmup,
            cooldown=r.cooldown,
            sport=r.sport,
            rules=tuple(r.rules),
            why=r.why,
            stage=r.stage,
            lighter=bool(r.lighter),
        )
        for r in rows
    ]
