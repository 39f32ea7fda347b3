"""Opening the configured database, migrating it on request, and checking it."""

from __future__ import annotations

from backstride.config import Settings
from backstride.store import Store, open_store
from backstride.store.db import Check, check


def open_database(settings: Settings, *, upgrade_schema: bool | None = None) -> Store:
    """Open the store the settings name (SQLite upgrades itself; see ``store.db``)."""
    return open_store(settings.database_url, upgrade_schema=upgrade_schema)


def upgrade_database(settings: Settings) -> str:
    """Create or migrate the schema of the configured database; returns its URL (no password)."""
    with open_store(settings.database_url, upgrade_schema=True) as store:
        return store.display_url


def check_database(settings: Settings) -> Check:
    """``backstride db check``: the configured database checked, nothing changed."""
    return check(settings.database_url)
