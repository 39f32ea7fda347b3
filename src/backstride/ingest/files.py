"""Find activity files under the paths a user names."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from backstride.errors import NotFoundError
from backstride.ingest import limits
from backstride.ingest.sniff import refuse_oversized

#: Name endings looked for inside folders (case-insensitive). Files named explicitly are
#: always tried: their content decides the format.
ACTIVITY_SUFFIXES = (".fit", ".gpx", ".tcx", ".fit.gz", ".gpx.gz", ".tcx.gz")


def is_activity_name(path: Path) -> bool:
    name = path.name.lower()
    return name.endswith(ACTIVITY_SUFFIXES)


def iter_activity_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Files named directly, and activity files found recursively in folders, sorted.

    Hidden files and folders (``.DS_Store``, ``.git``) are skipped; symbolic links to
    folders are not followed, so a link loop cannot make the walk endless.
    """
    seen: set[Path] = set()
    for path in paths:
        if not path.exists():
            raise NotFoundError(f"no such file or folder: {path}")
        found: Iterator[Path]
        if path.is_dir():
            found = (
                p
                for p in sorted(path.rglob("*"))
                if p.is_file()
                and is_activity_name(p)
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
        else:
            found = iter([path])
        for file in found:
            key = file.resolve()
            if key not in seen:
                seen.add(key)
                yield file


def read_activity_file(path: Path) -> bytes:
    """A file's bytes, refused before it is read when over ``limits.MAX_ACTIVITY_BYTES``
    (and never read past it, should the file grow meanwhile)."""
    with path.open("rb") as file:
        refuse_oversized(os.fstat(file.fileno()).st_size)
        data = file.read(limits.MAX_ACTIVITY_BYTES + 1)
    refuse_oversized(len(data))
    return data


def declared_fit_size(head: bytes) -> int | None:
    """The size a FIT file's header says the file has (header, data records and the 2-byte
    CRC), from its first 12 bytes or more; None when they do not start a FIT file. A file
    shorter than this is still being written, or was cut.

    >>> header = bytes([14, 0x20, 0, 0]) + (1000).to_bytes(4, "little") + b".FIT" + bytes(2)
    >>> declared_fit_size(header)
    1016
    >>> declared_fit_size(b"<?xml version") is None
    True
    """
    if len(head) < 12 or head[8:12] != b".FIT" or head[0] < 12:
        return None
    return head[0] + int.from_bytes(head[4:8], "little") + 2
