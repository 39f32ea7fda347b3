"""Read GPX and TCX bytes with lxml without the XML attacks, and convert their values.

:func:`parse_document` takes a file's bytes and returns the root element, or raises
:class:`~backstride.errors.UnsupportedFormatError` (not XML, or another XML vocabulary) or
:class:`~backstride.errors.CorruptFileError` (malformed XML, or a DTD). :func:`parse_floats`
and :func:`parse_times` turn the texts a reader collected, one per track point, into arrays
in one pass, with the meaning of :func:`parse_float` and :func:`parse_time` (the
``xsd:double`` and ``xsd:dateTime`` values both formats use) for each.

Why a tree and not ``iterparse`` or a parser target: on the real files in tests/data,
``iterparse`` (even filtered to the track point tags) takes about twice as long as building
the tree, and a Python target pays a method call for every tag and text; the tree costs
about 130 bytes a tag, which ``limits.MAX_XML_TAGS`` bounds. The readers then take each
point's texts with one pass over its children and convert whole columns at once.

Why lxml with a locked-down parser rather than ``defusedxml``: ``defusedxml.lxml`` is
deprecated, and ``defusedxml.ElementTree`` would mean expat and a second tree API for files
that lxml reads several times faster. The parser here never loads a DTD, never touches the
network and never substitutes entities (``resolve_entities=False``), and keeps libxml2's size
limits and entity-amplification check (``huge_tree=False``). On top of that, any document
that declares a DTD is refused outright: no GPS device or export writes one, so a DTD in an
activity file means a crafted file, and refusing it means no entity is ever expanded or
fetched. The check runs on the bytes before parsing (UTF-16 files are first re-encoded as
UTF-8 so that it sees them) and again on the parsed document, for any encoding it missed.

lxml is imported when a document is parsed, not with this module: commands that read no
GPX or TCX never load it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from backstride.errors import CorruptFileError, InputError, UnsupportedFormatError
from backstride.ingest import limits
from backstride.model import FloatArray

if TYPE_CHECKING:
    from lxml import etree

_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_ASCII_SPACE = b" \t\r\n"
_FIRST_ELEMENT = re.compile(rb"<[A-Za-z_]")
_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)
_XML_DECLARED_ENCODING = re.compile(rb"""^(\s*<\?xml[^>]*?)\s+encoding\s*=\s*["'][^"']*["']""")


def xml_parser() -> etree.XMLParser:
    """The parser of every GPX and TCX read (and of the parse-only measurement in
    benchmarks/bench_tracks.py): no DTD loaded, no network, no entity substituted, libxml2's
    size limits and entity-amplification check kept, comments, processing instructions and
    blank text between elements dropped. Whitespace between elements is never a value in
    GPX or TCX (every value is read stripped); leaving it out makes the tree smaller and
    faster to build.
    """
    from lxml import etree

    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        dtd_validation=False,
        remove_comments=True,
        remove_pis=True,
        remove_blank_text=True,
    )


def prepared_bytes(data: bytes, *, label: str) -> bytes:
    """``data`` as the parser gets it, after the checks that need no parsing.

    Refuses more than ``limits.MAX_XML_TAGS`` tags (:class:`~backstride.errors.InputError`),
    content that is not XML and a DTD in the prolog. Leading whitespace and a UTF-8 byte order
    mark are skipped (Strava writes blank lines before ``<?xml``, which libxml2 rejects) and
    UTF-16 becomes UTF-8. ``label`` names the format in messages (``"GPX"``).
    """
    tags = data.count(b"<")
    if tags > limits.MAX_XML_TAGS:
        raise InputError(
            f"{label} has {tags} tags, over the limit of {limits.MAX_XML_TAGS} for an "
            "activity file; refused before parsing"
        )
    text = _strip_leading_noise(_utf16_to_utf8(data, label))
    if not text.startswith(b"<"):
        raise UnsupportedFormatError(f"not a {label} file: the content is not XML")
    root_start = _FIRST_ELEMENT.search(text)
    prolog = text[: root_start.start()] if root_start else text
    if _DOCTYPE.search(prolog):
        raise _dtd_refused(label)
    return text


def parse_document(data: bytes, *, label: str, root_name: str) -> etree._Element:
    """The root element of ``data``, which must be XML whose root is named ``root_name``,
    parsed with :func:`xml_parser` after :func:`prepared_bytes`.

    Raises :class:`~backstride.errors.UnsupportedFormatError` (not XML, or another XML
    vocabulary) or :class:`~backstride.errors.CorruptFileError` (malformed XML, or a DTD).
    """
    from lxml import etree

    text = prepared_bytes(data, label=label)
    try:
        root = etree.fromstring(text, xml_parser())
    except etree.LxmlError as e:
        root_pattern = re.compile(rb"<(?:[\w.-]+:)?" + re.escape(root_name.encode()) + rb"[\s>/]")
        if not root_pattern.search(text[:4096]):
            raise UnsupportedFormatError(
                f"not a {label} file: malformed XML without a <{root_name}> root"
            ) from e
        raise CorruptFileError(f"malformed {label}: {_one_line(str(e))}") from e
    _check_root(root.getroottree(), label, root_name)
    return root


def _check_root(tree: etree._ElementTree, label: str, root_name: str) -> None:
    docinfo = tree.docinfo
    if docinfo.internalDTD is not None or docinfo.doctype:
        raise _dtd_refused(label)
    root = tree.getroot()
    if not isinstance(root.tag, str) or local_name(root.tag) != root_name:
        found = local_name(root.tag) if isinstance(root.tag, str) else "?"
        raise UnsupportedFormatError(
            f"not a {label} file: the XML root is <{found}>, expected <{root_name}>"
        )


def _utf16_to_utf8(data: bytes, label: str) -> bytes:
    # Windows tools save UTF-16 with a BOM; as UTF-8 the prolog checks above see its bytes.
    if not data.startswith(_UTF16_BOMS):
        return data
    try:
        text = data.decode("utf-16")
    except UnicodeDecodeError as e:
        raise UnsupportedFormatError(
            f"not a {label} file: a UTF-16 byte order mark followed by no text ({e.reason})"
        ) from e
    return _XML_DECLARED_ENCODING.sub(b"\\1", text.encode("utf-8"), count=1)


def _strip_leading_noise(data: bytes) -> bytes:
    # A BOM may come before or after the blank lines, depending on which tool added which.
    text = data.lstrip(_ASCII_SPACE)
    while text.startswith(_UTF8_BOM):
        text = text[len(_UTF8_BOM) :].lstrip(_ASCII_SPACE)
    return text


def _dtd_refused(label: str) -> CorruptFileError:
    return CorruptFileError(
        f"{label} declares a DTD (<!DOCTYPE>); refused because its entities could expand "
        "without bound or read local files",
        hint="activity files never need a DTD; re-export the file from its source",
    )


def _one_line(message: str) -> str:
    return " ".join(message.split())


def namespace(tag: str) -> str:
    """The namespace URI of a Clark-notation tag (``"{uri}name"`` -> ``"uri"``), or ``""``."""
    return tag[1 : tag.index("}")] if tag.startswith("{") else ""


def local_name(tag: str) -> str:
    """The tag without its namespace (``"{uri}hr"`` -> ``"hr"``)."""
    return tag.rpartition("}")[2]


def parse_float(text: str | None) -> float:
    """An ``xsd:double`` as float; NaN when missing, unreadable or infinite."""
    if text is None:
        return math.nan
    try:
        value = float(text)
    except ValueError:
        return math.nan
    return value if math.isfinite(value) else math.nan


def parse_time(text: str | None) -> datetime | None:
    """An ``xsd:dateTime`` (``Z`` or an offset, any fraction of a second); None if unreadable.

    A time without a zone is returned naive: the caller decides what it means.
    """
    if text is None:
        return None
    try:
        when = datetime.fromisoformat(text.strip())
        # 9999-12-31T23:59:59-01:00 parses but has no UTC equivalent.
        (when if when.tzinfo is None else when.astimezone(UTC)).timestamp()
    except (ValueError, OverflowError, OSError):
        return None
    return when


def parse_floats(texts: Sequence[str | None]) -> FloatArray:
    """:func:`parse_float` of each text, as one array (NaN where missing or unreadable)."""
    try:
        values = np.array(texts, dtype=np.float64)
    except (ValueError, TypeError):
        return np.array([parse_float(text) for text in texts], dtype=np.float64)
    if len(values) and not np.isfinite(values.sum()):
        values[~np.isfinite(values)] = np.nan
    return values


def parse_times(texts: Sequence[str | None]) -> tuple[FloatArray, int, int | None]:
    """:func:`parse_time` of each text as seconds since the epoch (NaN where unreadable).

    A time without a zone is taken as UTC, as both schemas define it. Also returns how many
    times had no zone, and the UTC offset (s) written on the first readable time, None when
    it has none or it is 0.
    """
    utc = _utc_seconds(texts)
    if utc is not None:
        return utc, 0, None
    seconds = np.full(len(texts), np.nan)
    naive = 0
    offset_s: int | None = None
    first = True
    read = datetime.fromisoformat
    for i, text in enumerate(texts):
        try:
            when = read(text)  # type: ignore[arg-type]
        except (ValueError, TypeError):
            fallback = parse_time(text)  # surrounding blanks, or unreadable
            if fallback is None:
                continue
            when = fallback
        try:
            if when.tzinfo is None:
                seconds[i] = when.replace(tzinfo=UTC).timestamp()
                naive += 1
            else:
                if when.year in (1, 9999):
                    when.astimezone(UTC)  # no UTC equivalent at the ends of the calendar
                seconds[i] = when.timestamp()
                if first:
                    offset = when.utcoffset()
                    offset_s = int(offset.total_seconds()) if offset else None
        except (ValueError, OverflowError, OSError):
            continue
        first = False
    return seconds, naive, offset_s


_DIGIT_AT = np.array([0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18])
_SEPARATOR_AT = np.array([4, 7, 10, 13, 16])
_SEPARATORS = np.array([ord(c) for c in "--T::"], dtype=np.uint32)


def _utc_seconds(texts: Sequence[str | None]) -> FloatArray | None:
    """Seconds since the epoch of times all written ``YYYY-MM-DDThh:mm:ss[.ffffff]Z``,
    converted at once; None for anything else (left to :func:`parse_time`).

    The shape is checked character by character on the whole column (one width at a time:
    Garmin mixes ``...:25.000Z`` and ``...:39Z`` in one file) and NumPy rejects impossible
    dates and times (month 13, second 60), so what passes is read exactly as
    ``datetime.fromisoformat`` reads it.
    """
    if not texts:
        return None
    column = np.array(texts, dtype=str)  # None becomes "None", which fails the shape
    widths = np.char.str_len(column)
    shortest, longest = int(widths.min()), int(widths.max())
    if shortest == longest:
        return _same_width_utc_seconds(column, longest)
    seconds = np.empty(len(column))
    for width in np.unique(widths).tolist():
        chosen = widths == width
        part = _same_width_utc_seconds(column[chosen].astype(f"U{width}"), width)
        if part is None:
            return None
        seconds[chosen] = part
    return seconds


def _same_width_utc_seconds(column: npt.NDArray[np.str_], width: int) -> FloatArray | None:
    if width < 20 or width > 27 or width == 21:
        return None
    codes = column.view(np.uint32).reshape(len(column), width)
    digits = codes[:, _DIGIT_AT]
    if width > 20:
        digits = np.concatenate((digits, codes[:, 20 : width - 1]), axis=1)
        if not (codes[:, 19] == ord(".")).all():
            return None
    if not (
        (codes[:, width - 1] == ord("Z")).all()
        and (codes[:, _SEPARATOR_AT] == _SEPARATORS).all()
        and ((digits >= ord("0")) & (digits <= ord("9"))).all()
    ):
        return None
    try:
        microseconds = column.astype(f"U{width - 1}").astype("datetime64[us]")
    except ValueError:
        return None
    return microseconds.astype(np.int64) / 1e6
