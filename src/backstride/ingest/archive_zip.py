"""How bytes come out of a zip without trusting it: bounded streams, windows, directories.

- :class:`MemberStream` wraps the stream of one member and enforces the size its header
  declared, turning zipfile's and zlib's failures into backstride errors that name the member;
  :func:`open_entry` opens a member so that a header under-declaring its size is caught.
- :func:`nested_bytes` gives a nested zip as a seekable file: a stored one in place, through a
  :class:`Window` on its parent, a compressed one inflated into a spooled temporary file.
- :func:`directory_extent` reads a zip's end record, so the size of its central directory is
  known (and can be refused) before zipfile loads the whole directory into memory;
  :func:`refuse_overlaps` refuses entries sharing bytes.

:mod:`backstride.ingest.archive` composes these into the public :class:`Archive`.
"""

from __future__ import annotations

import copy
import io
import itertools
import os
import shutil
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Callable
from typing import IO, TYPE_CHECKING

from backstride.errors import ArchiveLimitError, CorruptFileError, UnsupportedFormatError

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

REFUSAL = "; refusing the whole archive"
#: A compressed nested zip is inflated into memory up to this size, then to a temporary file.
SPOOL_IN_MEMORY_BYTES = 8 << 20
CHUNK = 1 << 20
BUFFER = 64 << 10
#: zipfile cannot bound what bzip2 and LZMA inflate per read (it decompresses a whole read in
#: one call), so only these two methods, the ones exports use, are read.
_READABLE_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
_OUT_OF_REACH = 1 << 62

_END = struct.Struct("<4s4H2LH")  # end of central directory record
_END64_LOCATOR = struct.Struct("<4sLQL")
_END64 = struct.Struct("<4sQ2H2L4Q")
_LOCAL_HEADER = struct.Struct("<4s5H3L2H")
_MAX_COMMENT = 0xFFFF


def directory_extent(file: IO[bytes]) -> tuple[int, int] | None:
    """``(entries, central directory bytes)`` from a zip's end record; None when there is none.

    Mirrors zipfile's search (the last record signature within a maximal comment of the end),
    including the zip64 record a big Garmin export needs. The caller compares both numbers
    with its limits; zipfile then parses the directory and has the final word on validity.
    """
    end = file.seek(0, os.SEEK_END)
    tail_start = max(0, end - _END.size - _MAX_COMMENT)
    file.seek(tail_start)
    tail = file.read(end - tail_start)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < _END.size:
        return None
    fields = _END.unpack_from(tail, at)
    entries, directory_bytes = int(fields[4]), int(fields[5])
    locator_at = tail_start + at - _END64_LOCATOR.size
    if locator_at - _END64.size >= 0:
        file.seek(locator_at - _END64.size)
        record = file.read(_END64.size + _END64_LOCATOR.size)
        if record[_END64.size : _END64.size + 4] == b"PK\x06\x07" and record[:4] == b"PK\x06\x06":
            fields64 = _END64.unpack_from(record)
            entries, directory_bytes = int(fields64[7]), int(fields64[8])
    return entries, directory_bytes


class Window(io.RawIOBase):
    """Bytes ``start .. start + length`` of ``base``, as a seekable file of their own.

    ``base`` may be shared (with a ZipFile, or other windows): every read seeks it first, as
    zipfile's own ``_SharedFile`` does. Closing a window leaves ``base`` open.
    """

    def __init__(self, base: IO[bytes], start: int, length: int) -> None:
        super().__init__()
        self._base = base
        self._start = start
        self._length = length
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        origin = {os.SEEK_SET: 0, os.SEEK_CUR: self._pos, os.SEEK_END: self._length}[whence]
        if origin + offset < 0:
            raise OSError(f"negative seek position {origin + offset}")
        self._pos = origin + offset
        return self._pos

    def tell(self) -> int:
        return self._pos

    def readinto(self, buffer: WriteableBuffer) -> int:
        view = memoryview(buffer).cast("B")
        want = max(0, min(len(view), self._length - self._pos))
        if want == 0:
            return 0
        self._base.seek(self._start + self._pos)
        data = self._base.read(want)
        view[: len(data)] = data
        self._pos += len(data)
        return len(data)


def stored_data_window(base: IO[bytes], info: zipfile.ZipInfo, shown: str) -> Window:
    """A window on the bytes of the stored member ``info`` of the zip whose file is ``base``.

    The local header is read for its name and extra-field lengths, which may differ from the
    central directory's copy; only then is the start of the data known.
    """
    if info.compress_size != info.file_size:
        # Stored bytes are the file: two different sizes mean one of them lies.
        raise CorruptFileError(
            f"archive member {shown!r} is stored uncompressed yet declares {info.file_size} "
            f"bytes in {info.compress_size}"
        )
    header = b""
    if info.header_offset >= 0:  # a damaged directory can place it before the file's start
        base.seek(info.header_offset)
        header = base.read(_LOCAL_HEADER.size)
    if len(header) < _LOCAL_HEADER.size or header[:4] != b"PK\x03\x04":
        raise CorruptFileError(f"archive member {shown!r} has no valid local header")
    fields = _LOCAL_HEADER.unpack(header)
    start = info.header_offset + _LOCAL_HEADER.size + fields[9] + fields[10]
    end = base.seek(0, os.SEEK_END)
    if start + info.compress_size > end:
        raise CorruptFileError(f"archive member {shown!r} is cut short (the archive is truncated)")
    return Window(base, start, info.compress_size)


class MemberStream(io.RawIOBase):
    """The bytes of one member, refused past ``declared`` bytes and checked to reach it.

    ``inner`` must be able to yield at least one byte more than ``declared`` (see
    :func:`open_entry`): that extra byte is the proof that a header lied, found before any
    more of the lie is inflated. ``on_close`` runs once,
    after ``inner`` is closed.
    """

    def __init__(
        self,
        inner: IO[bytes],
        *,
        shown: str,
        declared: int,
        on_close: Callable[[], None] | None = None,
    ) -> None:
        super().__init__()
        self._inner = inner
        self._shown = shown
        self._declared = declared
        self._count = 0
        self._on_close = on_close

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        view = memoryview(buffer).cast("B")
        want = min(len(view), self._declared + 1 - self._count)
        if want <= 0:
            return 0
        try:
            data = self._inner.read(want)
        except (zipfile.BadZipFile, zlib.error, EOFError) as e:
            # zipfile reports a bad CRC as BadZipFile and a cut deflate stream as EOFError.
            raise CorruptFileError(f"archive member {self._shown!r} is damaged: {e}") from e
        self._count += len(data)
        if self._count > self._declared:
            raise ArchiveLimitError(
                f"archive member {self._shown!r} holds more than the {self._declared} bytes "
                "its header declares; refusing it as a likely decompression bomb"
            )
        if not data and self._count < self._declared:
            raise CorruptFileError(
                f"archive member {self._shown!r} ends after {self._count} of the "
                f"{self._declared} bytes its header declares"
            )
        view[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if self.closed:
            return
        try:
            self._inner.close()
        finally:
            super().close()
            if self._on_close is not None:
                self._on_close()


class OpenZip:
    """A ZipFile and the file object under it, which it owns (zipfile leaves a file object
    it was given open). ``readers`` counts member streams in use, which pin it open."""

    def __init__(self, zip_file: zipfile.ZipFile, backing: IO[bytes]) -> None:
        self.zip = zip_file
        self.backing = backing
        self.readers = 0

    def close(self) -> None:
        try:
            self.zip.close()
        finally:
            self.backing.close()


def nested_bytes(parent: OpenZip, info: zipfile.ZipInfo, shown: str) -> IO[bytes]:
    """A seekable file of the nested zip ``info`` inside ``parent``."""
    if info.compress_type == zipfile.ZIP_STORED:
        # Read in place: no copy, and O(1) seeks (3.11's zipfile member streams seek backwards
        # by re-reading from the start: quadratic over a Part zip of thousands of files).
        return io.BufferedReader(stored_data_window(parent.backing, info, shown), BUFFER)
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY_BYTES)
    try:
        inner = open_entry(parent, info, shown)
        with MemberStream(inner, shown=shown, declared=info.file_size) as stream:
            shutil.copyfileobj(stream, spool, CHUNK)
        spool.seek(0)
    except BaseException:
        spool.close()
        raise
    return spool


def open_entry(opened: OpenZip, info: zipfile.ZipInfo, shown: str) -> IO[bytes]:
    if info.compress_type not in _READABLE_METHODS:
        raise UnsupportedFormatError(
            f"archive member {shown!r} uses zip compression method {info.compress_type}; "
            "only stored and deflate members are read"
        )
    # zipfile trusts file_size: it cuts the output there, then blames the CRC. With the size
    # lifted out of reach, an honest member still ends where its own stream ends, and one
    # that under-declares lets MemberStream see the byte after the declared size and refuse
    # it as too big, having inflated at most one read more.
    probe = copy.copy(info)
    probe.file_size = _OUT_OF_REACH
    try:
        return opened.zip.open(probe)
    except NotImplementedError as e:
        raise UnsupportedFormatError(f"archive member {shown!r} cannot be read: {e}") from e
    except (zipfile.BadZipFile, OSError) as e:
        raise CorruptFileError(f"archive member {shown!r} cannot be opened: {e}") from e


def refuse_overlaps(infos: list[zipfile.ZipInfo], prefix: str | None) -> None:
    """Refuse entries whose data runs into the next entry's header.

    Members sharing compressed bytes are how Fifield's "non-recursive zip bomb" (WOOT 2019)
    reaches a huge total from a small file; no zip writer produces them. 30 bytes is the
    fixed part of a local header, so this lower bound never flags a well-formed zip.
    """
    ordered = sorted(infos, key=lambda i: i.header_offset)
    for here, following in itertools.pairwise(ordered):
        if here.header_offset + 30 + here.compress_size > following.header_offset:
            raise ArchiveLimitError(
                f"archive member {join(prefix, here.orig_filename)!r} overlaps member "
                f"{join(prefix, following.orig_filename)!r}, a zip-bomb construction{REFUSAL}"
            )


def join(prefix: str | None, name: str) -> str:
    """``name`` inside the nested zip at ``prefix`` (None: the archive itself)."""
    return name if prefix is None else f"{prefix}/{name}"
