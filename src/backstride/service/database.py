"""Opening the configured database, migrating it on request, and checking it."""

from __future__ import annotations

from backstride.config import Settings
from backstride.model import FormFill
from backstride.store import Store, open_store
from backstride.store.db import Check, UpgradeProgress, check


def open_database(
    settings: Settings,
    *,
    upgrade_schema: bool | None = None,
    progress: UpgradeProgress | None = None,
) -> Store:
    """Open the store the settings name (SQLite upgrades itself; see ``store.db``).

    A migration that computes what older versions left to the views (the form summaries of
    stored runs, migration 0009) reports its work to ``progress``."""
    return open_store(
        settings.database_url,
        upgrade_schema=upgrade_schema,
        form_fill=form_fill(),
        progress=progress,
    )


def upgrade_database(settings: Settings, *, progress: UpgradeProgress | None = None) -> str:
    """Create or migrate the schema of the configured database; returns its URL (no password)."""
    with open_database(settings, upgrade_schema=True, progress=progress) as store:
        return store.display_url


def form_fill() -> FormFill:
    """How a migration computes a stored run's form summary (``service.deriving``)."""
    from backstride.service import deriving  # the analysis only when a migration runs

    return FormFill(deriving.FORM_SUMMARY_VERSION, deriving.FORM_SPORT, deriving.stored_row)


def check_database(settings: Settings) -> Check:
    """``backstride db check``: the configured database checked, nothing changed."""
    return check(settings.database_url)
