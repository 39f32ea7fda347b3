"""What the pages need to know about synced data without loading the HTTP clients."""

from __future__ import annotations

from backstride.service.pipeline import athlete_id_for
from backstride.store import Store, transaction
from backstride.store import sync as sync_rows
from backstride.store.athletes import DEFAULT_ATHLETE


def shows_strava_data(store: Store, *, athlete: str = DEFAULT_ATHLETE) -> bool:
    """Whether the athlete has activities from Strava: their pages then carry Strava's
    attribution (docs/sync.md, "Showing Strava data")."""
    athlete_id = athlete_id_for(store, athlete)
    with transaction(store) as conn:
        return sync_rows.has_activities_from(conn, athlete_id, "strava:")
