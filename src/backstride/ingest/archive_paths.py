"""Member names of export archives: turn each into a safe posix path, or refuse the archive.

A zip stores whatever names its writer chose, and a hostile writer chooses names that climb
out of the extraction folder (``../../etc/passwd``, the "zip-slip" of Snyk's 2018 advisory),
start at a root (``/etc/x``, ``C:\\x``, ``\\\\server\\x``) or hide a separator behind a
backslash that only Windows honours. backstride never extracts to disk, but member paths
travel on (into import reports, matched against ``activities.csv``), so every name is
normalised once here and any name that is not plainly inside the archive refuses the whole
archive: an archive built to attack is not worth importing part of.

:func:`member_path` returns the normalised path (``/``-separated, no empty, ``.`` or ``..``
parts) or raises :class:`~backstride.errors.ArchiveLimitError`; :func:`is_junk` says which
paths are operating-system litter to skip.
"""

from __future__ import annotations

import re

from backstride.errors import ArchiveLimitError

_REFUSAL = "; refusing the whole archive"

#: ``C:``, ``c:x``: a drive on Windows, absolute or drive-relative, never inside the archive.
_DRIVE = re.compile(r"^[A-Za-z]:")

#: Control characters (C0, DEL, C1) and lone surrogates (undecodable bytes in a folder name,
#: as os.fsdecode leaves them). No export writes them; in a report or a terminal they can
#: forge lines or escape sequences, so a name holding one is a trick, not data.
_BAD_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def member_path(name: str, *, shown_as: str | None = None) -> str:
    """The normalised posix path of a member ``name``, or ArchiveLimitError.

    Backslashes count as separators: Windows tools wrote them into zips before the format
    said ``/``, and a backslash kept as a letter would be read as a separator the moment
    anything passes the path to Windows. ``shown_as`` is the name as the message should show
    it (a nested zip's members are shown with the nested zip's path in front).
    """
    shown = name if shown_as is None else shown_as
    if _BAD_CHARACTERS.search(name):
        raise ArchiveLimitError(
            f"archive member {shown!r} has control characters in its name{_REFUSAL}"
        )
    slashed = name.replace("\\", "/")
    if slashed.startswith("/") or _DRIVE.match(slashed):
        raise ArchiveLimitError(
            f"archive member {shown!r} has an absolute path (it names a place outside the "
            f"archive){_REFUSAL}"
        )
    parts: list[str] = []
    for part in slashed.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not parts:
                raise ArchiveLimitError(
                    f"archive member {shown!r} escapes the archive folder (zip-slip){_REFUSAL}"
                )
            parts.pop()
            continue
        parts.append(part)
    if not parts:
        raise ArchiveLimitError(f"archive member {shown!r} names no file or folder{_REFUSAL}")
    return "/".join(parts)


def is_junk(path: str) -> bool:
    """True for macOS litter that zipping on a Mac adds: ``__MACOSX/``, ``.DS_Store``, ``._*``.

    ``._name`` files are AppleDouble resource forks (they also appear when a Mac copies to a
    FAT drive); read as activities they fail as "not a FIT file", so they are skipped silently.
    """
    parts = path.split("/")
    name = parts[-1]
    return "__MACOSX" in parts or name == ".DS_Store" or name.startswith("._")
