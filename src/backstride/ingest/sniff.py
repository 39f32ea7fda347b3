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

Format = Literal["fit", "gpx", "tcx"]

#: Largest file accepted after decompression; bigger than any real activity by far, small
#: enough that a gzip bomb cannot exhaust memory.
MAX_DECOMPRESSED_BYTES = 512 * 1024 * 1024

_GZIP_MAGIC = b"\x1f\x8b"
_XML_ROOT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(gpx|TrainingCenterDatabase)[\s>/]")


def is_gzip(data: bytes) -> bool:
    return data[:2] == _GZIP_MAGIC


def gunzip(data: bytes, *, limit: int = MAX_DECOMPRESSED_BYTES) -> bytes:
    """Decompress gzip bytes, refusing output beyond ``limit`` bytes."""
    decompressor = zlib.decompressobj(wbits=zlib.MAX_WBITS | 16)
    try:
        out = decompressor.decompress(data, limit + 1)
    except zlib.error as e:
        raise CorruptFileError(f"broken gzip data: {e}") from e
    if len(out) > limit:
        raise InputError(
            f"gzip content is larger than {limit // (1024 * 1024)} MB once decompressed; "
            "refusing it as a likely decompression bomb"
        )
    if not decompressor.eof:
        raise CorruptFileError("gzip data is truncated (the compressed stream ends early)")
    return out


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
    return gunzip(data) if is_gzip(data) else data
