"""The per-format catalogues of real test files (tests/data/activities/*/catalogue.toml)."""

from __future__ import annotations

import gzip
import re
import tomllib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from backstride import errors
from backstride.model import Activity


def load_catalogue(folder: Path) -> list[dict[str, Any]]:
    """The ``[[file]]`` entries of a folder's catalogue.toml."""
    entries: list[dict[str, Any]] = tomllib.loads((folder / "catalogue.toml").read_text())["file"]
    return entries


def file_bytes(path: Path) -> bytes:
    """A test file's bytes, gunzipped when it is a ``.gz`` (as the importer would)."""
    data = path.read_bytes()
    return gzip.decompress(data) if path.name.endswith(".gz") else data


def assert_catalogue_lists_every_file(folder: Path, entries: Sequence[dict[str, Any]]) -> None:
    on_disk = {p.name for p in folder.iterdir() if p.name != "catalogue.toml"}
    on_disk = {n for n in on_disk if not n.endswith("-records.csv")}
    assert on_disk == {entry["name"] for entry in entries}


def read_or_expect_error(
    entry: dict[str, Any], reader: Callable[[bytes], list[Activity]], data: bytes
) -> list[Activity] | None:
    """Run a reader on a catalogue entry: None when the entry expects (and got) its error."""
    if "error" in entry:
        with pytest.raises(getattr(errors, entry["error"]), match=re.escape(entry["message"])):
            reader(data)
        return None
    return reader(data)


def assert_warnings(activity: Activity, wanted: Sequence[str]) -> None:
    """The activity warns exactly as many times as listed, each fragment somewhere."""
    assert len(activity.warnings) == len(wanted), activity.warnings
    for fragment in wanted:
        assert any(fragment in w for w in activity.warnings), (fragment, activity.warnings)
