"""Docs stay true: every command and every setting is documented."""

from __future__ import annotations

from typing import Any

import typer

from backstride.cli.app import app
from backstride.config import SETTINGS, Settings, load_settings
from tests.conftest import ROOT

DOCS = "\n".join(p.read_text() for p in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))])


def _command_paths(group: Any, prefix: str = "") -> list[str]:
    # The Click tree: the root registers its commands lazily (cli.lazy), so it has no
    # registered_commands of its own; walking .commands imports each.
    paths = []
    for name, command in group.commands.items():
        paths.append(f"{prefix}{name}")
        if getattr(command, "commands", None):
            paths += _command_paths(command, f"{prefix}{name} ")
    return paths


def test_every_command_is_named_in_the_docs() -> None:
    commands = _command_paths(typer.main.get_command(app))
    assert {"import", "activities", "show", "demo", "db upgrade"} <= set(commands)
    for command in commands:
        assert f"backstride {command}" in DOCS or f"`{command}`" in DOCS, command


def test_every_setting_is_documented_with_its_environment_variable() -> None:
    settings_doc = (ROOT / "docs" / "settings.md").read_text()
    assert {s.name for s in SETTINGS} == set(Settings.__dataclass_fields__)
    for setting in SETTINGS:
        assert f"`{setting.name}`" in settings_doc
        assert setting.env in settings_doc


def test_flag_beats_environment_beats_default() -> None:
    env = {"BACKSTRIDE_DATABASE_URL": "sqlite:///env.db"}
    assert load_settings(env, database_url="sqlite:///flag.db").database_url == "sqlite:///flag.db"
    assert load_settings(env).database_url == "sqlite:///env.db"
    assert load_settings({}).database_url.endswith("backstride.db")


def test_settings_never_show_a_password() -> None:
    settings = load_settings({}, database_url="postgresql+psycopg://me:s3cret@db/backstride")
    assert "s3cret" not in repr(settings)
