"""Settings: every option declared once, with its type, default and help.

Sources, strongest first: a command-line flag, the environment (``BACKSTRIDE_*``), the
default. Settings are built once in each entry point and passed down; nothing reads the
environment at import time, and :func:`load_settings` takes the environment as a mapping so
tests pass a plain dict.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

APP_NAME = "backstride"


def default_database_url() -> str:
    """An SQLite file in the user data directory (created on first use)."""
    import platformdirs  # only when neither --db nor the environment names the store

    data_dir = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    return f"sqlite:///{data_dir / 'backstride.db'}"


@dataclass(frozen=True)
class Setting:
    name: str
    env: str
    help: str


#: Every setting, documented once; docs and `--help` text are checked against this table.
SETTINGS: tuple[Setting, ...] = (
    Setting(
        "database_url",
        "BACKSTRIDE_DATABASE_URL",
        "SQLAlchemy URL of the store: sqlite:///path.db (default: a file in the user data "
        "directory) or postgresql+psycopg://user@host/db.",
    ),
    Setting(
        "jobs",
        "BACKSTRIDE_JOBS",
        "Processes that decode files during an import (default: one per CPU; 1 decodes in "
        "the importing process).",
    ),
    Setting(
        "strava_client_id",
        "BACKSTRIDE_STRAVA_CLIENT_ID",
        "Client ID of your own Strava API application (https://www.strava.com/settings/api), "
        "for `backstride strava connect` and `backstride sync` (docs/sync.md).",
    ),
    Setting(
        "strava_client_secret",
        "BACKSTRIDE_STRAVA_CLIENT_SECRET",
        "Client Secret of that application; never printed.",
    ),
)


@dataclass(frozen=True)
class Settings:
    """The resolved settings of one run."""

    database_url: str
    jobs: str | None = None
    """As given (flag or environment); ``service.resolve_jobs`` validates it."""
    strava_client_id: str | None = None
    strava_client_secret: str | None = None

    def __repr__(self) -> str:
        # A database URL may carry a password, and the Strava secret is one: never print them.
        secret = "***" if self.strava_client_secret else None
        return (
            f"Settings(database_url={_redact(self.database_url)!r}, jobs={self.jobs!r}, "
            f"strava_client_id={self.strava_client_id!r}, strava_client_secret={secret!r})"
        )


def _redact(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    if sep and "@" in rest:
        creds, _, host = rest.rpartition("@")
        user = creds.split(":", 1)[0]
        return f"{scheme}://{user}:***@{host}" if ":" in creds else url
    return url


def load_settings(
    environ: Mapping[str, str] | None = None, *, database_url: str | None = None
) -> Settings:
    """Resolve settings from flags (keyword arguments), then ``environ``, then defaults."""
    env = os.environ if environ is None else environ
    url = database_url or env.get("BACKSTRIDE_DATABASE_URL") or default_database_url()
    return Settings(
        database_url=url,
        jobs=env.get("BACKSTRIDE_JOBS") or None,
        strava_client_id=env.get("BACKSTRIDE_STRAVA_CLIENT_ID") or None,
        strava_client_secret=env.get("BACKSTRIDE_STRAVA_CLIENT_SECRET") or None,
    )
