"""Recognising formats by content, and gzip handling with a size cap."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from backstride.errors import CorruptFileError, InputError, UnsupportedFormatError
from backstride.ingest.sniff import decompress_if_needed, detect_format, gunzip
from tests.conftest import DATA


@pytest.mark.parametrize(
    "path",
    [p for p in sorted(DATA.glob("*/*")) if p.suffix not in (".csv", ".toml")],
    ids=lambda p: p.name,
)
def test_real_files_are_recognised_by_content(path: Path) -> None:
    expected = path.parent.name
    assert detect_format(decompress_if_needed(path.read_bytes())) == expected


def test_leading_whitespace_and_bom_before_xml_are_accepted() -> None:
    gpx = (DATA / "gpx" / "workoutizer__example.gpx").read_bytes()
    assert detect_format(b"\n   " + gpx) == "gpx"
    assert detect_format(b"\xef\xbb\xbf" + gpx) == "gpx"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty file"),
        (b"<!DOCTYPE html><html><body>Sign in to Strava</body></html>", "neither GPX nor TCX"),
        (b"PK\x03\x04 a zip", "not a FIT, GPX or TCX"),
        (b"\x0e\x10\x00\x00\x00\x00\x00\x00.FXT", "not a FIT, GPX or TCX"),
    ],
)
def test_other_content_is_refused_with_a_reason(data: bytes, message: str) -> None:
    with pytest.raises(UnsupportedFormatError, match=message):
        detect_format(data)


def test_gzip_is_decompressed_and_plain_bytes_pass_through() -> None:
    raw = (DATA / "fit" / "fitparse__garmin-fenix-5-run.fit").read_bytes()
    assert decompress_if_needed(gzip.compress(raw)) == raw
    assert decompress_if_needed(raw) is raw


def test_gzip_bomb_is_refused_before_it_fills_memory() -> None:
    bomb = gzip.compress(b"\0" * 5_000_000)
    assert len(bomb) < 10_000
    with pytest.raises(InputError, match="decompression bomb"):
        gunzip(bomb, limit=1_000_000)


def test_truncated_gzip_is_corrupt() -> None:
    data = gzip.compress((DATA / "gpx" / "workoutizer__example.gpx").read_bytes())
    with pytest.raises(CorruptFileError, match="truncated"):
        gunzip(data[: len(data) // 2])
    with pytest.raises(CorruptFileError, match="broken gzip"):
        gunzip(data[:10] + b"\xff" * 50)
