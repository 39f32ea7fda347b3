"""An upload's file name is kept without any folder part, control characters or excess."""

from __future__ import annotations

from backstride.service.jobs import MAX_NAME_BYTES, clean_name


def test_names_lose_folders_and_control_characters() -> None:
    assert clean_name("../../etc/passwd", 0) == "passwd"
    assert clean_name("C:\\runs\\a.fit", 1) == "a.fit"
    assert clean_name("a\x00b.fit", 2) == "ab.fit"
    assert clean_name("..", 3) == "upload-3"
    assert clean_name(None, 4) == "upload-4"


def test_a_long_name_keeps_its_extension_within_the_limit() -> None:
    name = clean_name("é" * 300 + ".fit.gz", 5)
    assert len(name.encode()) <= MAX_NAME_BYTES
    assert name.endswith("é.fit.gz")
