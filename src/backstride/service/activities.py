"""Looking at what was imported."""

from __future__ import annotations

from backstride.model import StoredActivity
from backstride.store import Store, transaction
from backstride.store import activities as activity_rows
from backstride.store.athletes import DEFAULT_ATHLETE, get_or_create_athlete


def list_activities(store: Store, *, athlete: str = DEFAULT_ATHLETE) -> list[StoredActivity]:
    """The athlete's activities, oldest first (summaries only)."""
    with transaction(store) as conn:
        athlete_id = get_or_create_athlete(conn, athlete).id
        return activity_rows.list_activities(conn, athlete_id)


def get_activity(
    store: Store, activity_id: int, *, athlete: str = DEFAULT_ATHLETE, with_streams: bool = True
) -> StoredActivity:
    """One activity with its laps, sources and (by default) streams."""
    with transaction(store) as conn:
        athlete_id = get_or_create_athlete(conn, athlete).id
        return activity_rows.get_activity(conn, athlete_id, activity_id, with_streams=with_streams)
