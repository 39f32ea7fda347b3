"""Recognise an activity file by its content, not its name.

Names lie (Strava exports ``.fit.gz`` members, people rename files, a ``.gpx`` may be HTML
from a failed download), so the format is read from the first bytes: gzip by its magic
number, FIT by the ``.FIT`` signature of its header, GPX and TCX by their root element.
"""

from __future__ import annotations

import re
import zlib
from typing import Literal

from backstride.errors import CorruptFileError, InputError, UnsupportedFormatError
from backstride.ingest import limits

Format = Literal["fit", "gpx", "tcx"]

_GZIP_MAGIC = b"\x1f\x8b"
_XML_ROOT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(gpx|TrainingCenterDatabase)[\s>/]")
_INFLATE_STEP = 1 << 20


def is_gzip(data: bytes) -> bool:
    return data[:2] == _GZIP_MAGIC


def gunzip(data: bytes, *, limit: int | None = None) -> bytes:
    """Decompress gzip bytes, refusing output beyond ``limit`` bytes (default
    ``limits.MAX_ACTIVITY_BYTES``) or past ``limits.MAX_GZIP_RATIO`` times the input.

    Inflated a megabyte at a time and checked after each: a bomb is refused after at most
    one step past a limit, never inflated in full.
    """
    cap = limits.MAX_ACTIVITY_BYTES if limit is None else limit
    decompressor = zlib.decompressobj(wbits=zlib.MAX_WBITS | 16)
    parts: list[bytes] = []
    total = 0
    pending = data
    try:
        while True:
            chunk = decompressor.decompress(pending, _INFLATE_STEP)
            pending = decompressor.unconsumed_tail
            parts.append(chunk)
            total += len(chunk)
            if total > cap:
                raise InputError(
                    f"gzip content is larger than {_mb(cap)} once decompressed (the limit for "
                    "an activity file); refusing it as a likely decompression bomb"
                )
            used = len(data) - len(pending)
            if total > limits.GZIP_RATIO_FROM_BYTES and total > limits.MAX_GZIP_RATIO * used:
                raise InputError(
                    f"gzip content inflates more than {limits.MAX_GZIP_RATIO:g} times; "
                    "refusing it as a likely decompression bomb"
                )
            if decompressor.eof or (not chunk and not pending):
                break
    except zlib.error as e:
        raise CorruptFileError(f"broken gzip data: {e}") from e
    if not decompressor.eof:
        raise CorruptFileError("gzip data is truncated (the compressed stream ends early)")
    return b"".join(parts)


def _mb(size: int) -> str:
    return f"{size / (1 << 20):g} MB"


def refuse_oversized(size: int) -> None:
    """Refuse an activity file of ``size`` bytes over ``limits.MAX_ACTIVITY_BYTES``."""
    if size > limits.MAX_ACTIVITY_BYTES:
        raise InputError(
            f"file is {size} bytes, over the {_mb(limits.MAX_ACTIVITY_BYTES)} limit for an "
            "activity file"
        )


def detect_format(data: bytes) -> Format:
    """The format of (already decompressed) activity bytes."""
    if len(data) >= 12 and data[0] in (12, 14) and data[8:12] == b".FIT":
        return "fit"
    head = data[:4096]
    match = _XML_ROOT.search(head)
    if match and head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return "gpx" if match.group(1) == b"gpx" else "tcx"
    if not data:
        raise UnsupportedFormatError("empty file")
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        raise UnsupportedFormatError(
            "XML or HTML that is neither GPX nor TCX (no <gpx> or <TrainingCenterDatabase> root)"
        )
    raise UnsupportedFormatError("not a FIT, GPX or TCX file (unrecognised content)")


def decompress_if_needed(data: bytes) -> bytes:
    """Gunzip ``data`` when it is gzip (a ``.fit.gz`` from a Strava export); else as is."""
    refuse_oversized(len(data))
    return gunzip(data) if is_gzip(data) else data
