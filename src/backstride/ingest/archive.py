"""Whole-account export archives (Strava, Garmin Connect): list members, read them safely.

:func:`open_archive` takes a ``.zip`` or a folder (an unpacked export) and returns an
:class:`Archive`; :meth:`Archive.members` lists every regular file, with the members of zips
inside the archive (Garmin's ``UploadedFiles_*_Part*.zip``) listed in their place as
``outer/Part1.zip/inner/path``. Everything is validated before :func:`open_archive` returns,
nested central directories included, so a caller can import member by member knowing the
archive as a whole is acceptable:

- :class:`~backstride.errors.ArchiveLimitError` from :func:`open_archive` refuses the whole
  archive (unsafe names, symbolic links, encryption, duplicate or overlapping entries, a limit
  of :class:`ArchiveLimits`); :class:`~backstride.errors.CorruptFileError` there means it, or
  a nested zip in it, is not a zip or has a broken directory: what cannot be listed cannot be
  checked, so it is not half-imported.
- From :meth:`Archive.read` / :meth:`Archive.open`, a ``CorruptFileError`` (bad CRC, cut
  stream), an ``ArchiveLimitError`` (a member inflating past its declared size) or an
  ``UnsupportedFormatError`` (a compression method other than stored or deflate) fails that
  one member: the caller records it and goes on with the next.

Memory stays bounded whatever the archive's size: members are streamed; a stored nested zip
is read in place through a window on its parent; a compressed one is inflated into a
spooled temporary file (on disk past a few MB), at most two nested zips are open at a time,
and an Archive is not meant to be shared between threads.
"""

from __future__ import annotations

import io
import os
import stat
import zipfile
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, BinaryIO

from backstride.errors import (
    ArchiveLimitError,
    ConfigError,
    CorruptFileError,
    InputError,
    NotFoundError,
    UnsupportedFormatError,
)
from backstride.ingest import limits
from backstride.ingest.archive_paths import is_junk, member_path
from backstride.ingest.archive_zip import (
    BUFFER,
    CHUNK,
    REFUSAL,
    MemberStream,
    OpenZip,
    directory_extent,
    join,
    nested_bytes,
    open_entry,
    refuse_overlaps,
)

#: Compression ratios are only judged above this size: small files (a FIT header, a tiny CSV)
#: legitimately compress far beyond any sane bomb threshold.
_RATIO_FROM_BYTES = 1 << 20
#: A central-directory entry is 46 bytes plus name and extras, about 100-200 bytes in real
#: exports; a directory larger than this per allowed member is refused before it is parsed.
_DIRECTORY_BYTES_PER_MEMBER = 1024
#: Nested zips kept open; Garmin's Part zips are read one after the other in path order.
_OPEN_NESTED = 2
_ENCRYPTED = 0x1  # general-purpose flag bit 0; strong encryption (bit 6) sets it too
_SYMLINK = (
    "is a symbolic link (it could point anywhere on this computer); refusing the whole archive"
)


@dataclass(frozen=True)
class ArchiveLimits:
    """What an export archive may hold before it is refused as a whole."""

    max_members: int = limits.ARCHIVE_MAX_MEMBERS
    max_member_bytes: int = limits.ARCHIVE_MAX_MEMBER_BYTES
    max_total_bytes: int = limits.ARCHIVE_MAX_TOTAL_BYTES
    max_ratio: float = limits.ARCHIVE_MAX_RATIO
    max_depth: int = limits.ARCHIVE_MAX_DEPTH

    def __post_init__(self) -> None:
        for name in ("max_members", "max_member_bytes", "max_total_bytes", "max_ratio"):
            value = getattr(self, name)
            if not value > 0:
                raise ConfigError(f"archive limit {name} must be positive; got {value!r}")
        if self.max_depth < 1:
            raise ConfigError(f"archive limit max_depth must be at least 1; got {self.max_depth}")


@dataclass(frozen=True)
class Member:
    """A regular file of an archive: its path from the archive root and uncompressed size."""

    path: str
    size: int
    nested_in: str | None = None


@dataclass(frozen=True)
class _Where:
    """Where bytes live: an entry ``info`` of a zip (the archive itself when ``zip_key`` is
    None, else the nested zip of that path), or a ``file`` of a folder."""

    zip_key: str | None = None
    info: zipfile.ZipInfo | None = None
    file: Path | None = None
    size: int = 0


def is_archive(path: Path) -> bool:
    """True for a folder or a file starting like a zip (a local header, or an empty zip's end)."""
    if path.is_dir():
        return True
    try:
        with path.open("rb") as file:
            head = file.read(4)
    except OSError:
        return False
    return head in (b"PK\x03\x04", b"PK\x05\x06")


def open_archive(path: Path, *, limits: ArchiveLimits = ArchiveLimits()) -> Archive:
    """Open and validate a zip export or an unpacked export folder; see the module docstring."""
    if not path.exists():
        raise NotFoundError(f"no such file or folder: {path}")
    archive = Archive(path, limits)
    try:
        archive._scan()
    except BaseException:
        archive.close()
        raise
    return archive


class Archive:
    """An opened, validated export archive. Use as a context manager, or call :meth:`close`;
    close streams from :meth:`open` before the archive."""

    def __init__(self, path: Path, limits: ArchiveLimits) -> None:
        self.name = path.name
        self._path = path
        self._limits = limits
        self._closed = False
        self._root: OpenZip | None = None
        self._open: OrderedDict[str, OpenZip] = OrderedDict()
        self._nested: dict[str, _Where] = {}
        self._where: dict[str, _Where] = {}
        self._members: list[Member] = []
        self._entries = 0
        self._total_bytes = 0

    def __enter__(self) -> Archive:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def members(self) -> list[Member]:
        """Every regular file, nested zips expanded in their place, sorted by path."""
        return list(self._members)

    def read(self, member: Member, *, limit: int | None = None) -> bytes:
        """The whole member; never more than its declared size (at most max_member_bytes),
        and refused before it is read when that size is over ``limit``."""
        if limit is not None:
            where = self._where.get(member.path)
            size = where.size if where is not None else member.size
            if size > limit:
                raise InputError(
                    f"archive member {member.path!r} is {size} bytes, over the "
                    f"{limit / (1 << 20):g} MB limit for an activity file"
                )
        with self.open(member) as stream:
            return b"".join(iter(lambda: stream.read(CHUNK), b""))

    def open(self, member: Member) -> BinaryIO:
        """A stream of the member's bytes, bounded like :meth:`read`; the caller closes it."""
        if self._closed:
            raise ValueError(f"archive {self.name!r} is closed")
        where = self._where.get(member.path)
        if where is None:
            raise NotFoundError(f"archive {self.name!r} has no member {member.path!r}")
        # The size bound is the one found when listing, whatever a caller's Member says; a
        # folder's file may have grown since, and its listed size still binds.
        if where.file is not None:
            try:
                raw = MemberStream(where.file.open("rb"), shown=member.path, declared=where.size)
            except FileNotFoundError as e:
                raise NotFoundError(f"archive member {member.path!r} is gone: {e}") from e
            return io.BufferedReader(raw, BUFFER)
        assert where.info is not None
        opened = self._zip(where.zip_key)
        inner = open_entry(opened, where.info, member.path)
        opened.readers += 1

        def release() -> None:
            opened.readers -= 1

        raw = MemberStream(inner, shown=member.path, declared=where.size, on_close=release)
        return io.BufferedReader(raw, BUFFER)

    def close(self) -> None:
        """Close every open zip and delete spooled nested zips; idempotent."""
        self._closed = True
        while self._open:
            self._open.popitem(last=False)[1].close()
        if self._root is not None:
            self._root.close()
            self._root = None

    # --- validation -----------------------------------------------------------------------

    def _scan(self) -> None:
        if self._path.is_dir():
            self._scan_folder(self._path)
        else:
            self._scan_zip(self._zip(None).zip, prefix=None, depth=1)
        self._members.sort(key=lambda m: m.path)

    def _scan_zip(self, zip_file: zipfile.ZipFile, *, prefix: str | None, depth: int) -> None:
        infos = zip_file.infolist()
        self._count_entries(len(infos), prefix)
        refuse_overlaps(infos, prefix)
        for info in infos:
            shown = join(prefix, info.orig_filename)
            path = join(prefix, member_path(info.orig_filename, shown_as=shown))
            if info.orig_filename.endswith(("/", "\\")) or is_junk(path):
                continue
            self._refuse_duplicate(path, shown)
            if stat.S_ISLNK(info.external_attr >> 16):
                raise ArchiveLimitError(f"archive member {shown!r} {_SYMLINK}")
            if info.flag_bits & _ENCRYPTED:
                raise ArchiveLimitError(
                    f"archive member {shown!r} is encrypted; backstride reads only unencrypted "
                    f"exports{REFUSAL}"
                )
            self._check_size(shown, info.file_size, compressed=info.compress_size)
            where = _Where(prefix, info, size=info.file_size)
            if path.lower().endswith(".zip"):
                self._nest(path, shown, depth, where)
            else:
                self._add(Member(path, info.file_size, prefix), where)

    def _scan_folder(self, root: Path) -> None:
        # os.scandir, not rglob: each entry is asked about links without following them.
        pending: list[tuple[Path, str | None]] = [(root, None)]
        while pending:
            folder, prefix = pending.pop()
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda e: e.name)
            self._count_entries(len(entries), prefix)
            for entry in entries:
                shown = join(prefix, entry.name)
                path = member_path(shown)
                if is_junk(path):
                    continue
                if entry.is_symlink():
                    raise ArchiveLimitError(f"archive member {shown!r} {_SYMLINK}")
                if entry.is_dir(follow_symlinks=False):
                    pending.append((Path(entry.path), path))
                    continue
                if not entry.is_file(follow_symlinks=False):
                    raise ArchiveLimitError(
                        f"archive member {shown!r} is not a regular file (a device, pipe or "
                        f"socket){REFUSAL}"
                    )
                self._refuse_duplicate(path, shown)
                size = entry.stat(follow_symlinks=False).st_size
                self._check_size(shown, size, compressed=None)
                where = _Where(file=Path(entry.path), size=size)
                if path.lower().endswith(".zip"):
                    self._nest(path, shown, 1, where)
                else:
                    self._add(Member(path, size), where)

    def _nest(self, path: str, shown: str, depth: int, where: _Where) -> None:
        if depth + 1 > self._limits.max_depth:
            raise ArchiveLimitError(
                f"archive member {shown!r} is a zip nested {depth + 1} deep; at most "
                f"{self._limits.max_depth} levels are opened{REFUSAL}"
            )
        self._nested[path] = where
        self._scan_zip(self._zip(path).zip, prefix=path, depth=depth + 1)

    def _refuse_duplicate(self, path: str, shown: str) -> None:
        # zipfile keeps the last of two same-named entries; other tools the first. Which one
        # is "the" member is ambiguous, a known way to show a scanner one file and run another.
        if path in self._where or path in self._nested:
            raise ArchiveLimitError(f"archive member {shown!r} appears twice{REFUSAL}")

    def _count_entries(self, count: int, prefix: str | None) -> None:
        self._entries += count
        if self._entries > self._limits.max_members:
            raise ArchiveLimitError(
                f"{self._label(prefix)} brings the archive past {self._limits.max_members} "
                f"entries{REFUSAL}"
            )

    def _check_size(self, shown: str, size: int, *, compressed: int | None) -> None:
        limits = self._limits
        if size > limits.max_member_bytes:
            raise ArchiveLimitError(
                f"archive member {shown!r} is {size} bytes uncompressed, over the limit of "
                f"{limits.max_member_bytes}{REFUSAL}"
            )
        ratio = size / max(compressed or 0, 1)
        if compressed is not None and size > _RATIO_FROM_BYTES and ratio > limits.max_ratio:
            raise ArchiveLimitError(
                f"archive member {shown!r} inflates {ratio:.0f} times (more than "
                f"{limits.max_ratio:g}), a likely decompression bomb{REFUSAL}"
            )

    def _add(self, member: Member, where: _Where) -> None:
        self._total_bytes += member.size
        if self._total_bytes > self._limits.max_total_bytes:
            raise ArchiveLimitError(
                f"archive member {member.path!r} brings the archive past "
                f"{self._limits.max_total_bytes} bytes uncompressed{REFUSAL}"
            )
        self._members.append(member)
        self._where[member.path] = where

    def _label(self, key: str | None) -> str:
        return f"archive {self.name!r}" if key is None else f"archive member {key!r}"

    # --- zips -----------------------------------------------------------------------------

    def _zip(self, key: str | None) -> OpenZip:
        """The archive's zip (``key`` None) or the nested zip at ``key``, opened if need be;
        past two open nested zips, the least recently used idle one is closed."""
        if key is None:
            if self._root is None:
                self._root = self._load(lambda: self._path.open("rb"), key)
            return self._root
        if key in self._open:
            self._open.move_to_end(key)
            return self._open[key]
        where = self._nested[key]
        if where.file is not None:
            file = where.file
            opened = self._load(lambda: file.open("rb"), key)
        else:
            assert where.info is not None
            info = where.info
            parent = self._zip(where.zip_key)  # holds our bytes; now the most recently used
            opened = self._load(lambda: nested_bytes(parent, info, key), key)
        self._open[key] = opened
        self._evict(keep=key)
        return opened

    def _load(self, backing_of: Callable[[], IO[bytes]], key: str | None) -> OpenZip:
        backing = backing_of()
        try:
            extent = directory_extent(backing)
            room = self._limits.max_members - self._entries
            if extent is not None and (
                extent[0] > room or extent[1] > room * _DIRECTORY_BYTES_PER_MEMBER
            ):
                raise ArchiveLimitError(
                    f"{self._label(key)} declares {extent[0]} entries in a {extent[1]}-byte "
                    f"directory, past the limit of {self._limits.max_members} entries{REFUSAL}"
                )
            return OpenZip(zipfile.ZipFile(backing), backing)
        except (zipfile.BadZipFile, OSError, EOFError) as e:
            backing.close()
            raise CorruptFileError(
                f"{self._label(key)} is not a zip archive or is damaged: {e}"
            ) from e
        except NotImplementedError as e:  # zipfile: "zip file version 6.3" and the like
            backing.close()
            raise UnsupportedFormatError(
                f"{self._label(key)} uses a zip feature backstride cannot read: {e}"
            ) from e
        except BaseException:
            backing.close()
            raise

    def _evict(self, *, keep: str) -> None:
        for key in list(self._open):
            if len(self._open) <= _OPEN_NESTED:
                return
            if key not in self._open or keep == key or keep.startswith(key + "/"):
                continue
            # A nested zip inside this one may read through its file: they go together.
            family = [k for k in self._open if k == key or k.startswith(key + "/")]
            if any(self._open[k].readers for k in family):
                continue
            for k in family:
                self._open.pop(k).close()
