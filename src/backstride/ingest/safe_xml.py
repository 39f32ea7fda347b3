"""Parse GPX and TCX bytes into an lxml tree without the XML attacks, and read their values.

:func:`parse_document` takes a file's bytes and returns the root element, or raises
:class:`~backstride.errors.UnsupportedFormatError` (not XML, or another XML vocabulary) or
:class:`~backstride.errors.CorruptFileError` (malformed XML, or a DTD). :func:`parse_time` and
:func:`parse_float` read the ``xsd:dateTime`` and ``xsd:double`` values both formats use.

Why lxml with a locked-down parser rather than ``defusedxml``: ``defusedxml.lxml`` is
deprecated, and ``defusedxml.ElementTree`` would mean expat and a second tree API for files
that lxml reads several times faster. The parser here never loads a DTD, never touches the
network and never substitutes entities (``resolve_entities=False``), and keeps libxml2's size
limits and entity-amplification check (``huge_tree=False``). On top of that, any document
that declares a DTD is refused outright: no GPS device or export writes one, so a DTD in an
activity file means a crafted file, and refusing it means no entity is ever expanded or
fetched. The check runs on the bytes before parsing (UTF-16 files are first re-encoded as
UTF-8 so that it sees them) and again on the parsed tree, for any encoding it missed.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime

from lxml import etree

from backstride.errors import CorruptFileError, InputError, UnsupportedFormatError
from backstride.ingest import limits

_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_ASCII_SPACE = b" \t\r\n"
_FIRST_ELEMENT = re.compile(rb"<[A-Za-z_]")
_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)
_XML_DECLARED_ENCODING = re.compile(rb"""^(\s*<\?xml[^>]*?)\s+encoding\s*=\s*["'][^"']*["']""")


def parse_document(data: bytes, *, label: str, root_name: str) -> etree._Element:
    """The root element of ``data``, which must be XML whose root is named ``root_name``.

    ``label`` names the format in messages (``"GPX"``). Leading whitespace and a UTF-8 byte
    order mark are skipped: Strava writes blank lines before ``<?xml``, which libxml2 rejects.
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
    root_pattern = re.compile(rb"<(?:[\w.-]+:)?" + re.escape(root_name.encode()) + rb"[\s>/]")
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        dtd_validation=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        root = etree.fromstring(text, parser)
    except etree.LxmlError as e:
        if not root_pattern.search(text[:4096]):
            raise UnsupportedFormatError(
                f"not a {label} file: malformed XML without a <{root_name}> root"
            ) from e
        raise CorruptFileError(f"malformed {label}: {_one_line(str(e))}") from e
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.doctype:
        raise _dtd_refused(label)
    if not isinstance(root.tag, str) or local_name(root.tag) != root_name:
        found = local_name(root.tag) if isinstance(root.tag, str) else "?"
        raise UnsupportedFormatError(
            f"not a {label} file: the XML root is <{found}>, expected <{root_name}>"
        )
    return root


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


def core_name(tag: str, ns: str) -> str | None:
    """The local name of ``tag`` when it is in namespace ``ns`` (``""``: none), else None."""
    if ns:
        prefix = "{" + ns + "}"
        return tag[len(prefix) :] if tag.startswith(prefix) else None
    return None if tag.startswith("{") else tag


def child_text(element: etree._Element, path: str) -> str | None:
    """Stripped text of the first element at ``path`` (Clark tags), or None when empty."""
    child = element.find(path)
    if child is None or child.text is None:
        return None
    text = child.text.strip()
    return text or None


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


def refuse_many_points(root: etree._Element, tag: str, label: str) -> None:
    """Refuse a document with more than ``limits.MAX_TRACK_POINTS`` elements ``tag``."""
    points = sum(1 for _ in root.iter(tag))
    if points > limits.MAX_TRACK_POINTS:
        raise InputError(
            f"{label} has {points} track points, over the limit of "
            f"{limits.MAX_TRACK_POINTS} for an activity file"
        )
