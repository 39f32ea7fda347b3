"""Would taking GPX/TCX point values out in C (XSLT, XPath) make the readers faster?

A probe for issue 15's "GPX / TCX >= 50 % of lxml's parse-only speed", measured on the
files of ``bench_tracks.py`` (every real GPX and TCX file in tests/data and ../shared/data,
``.gz`` decompressed, each distinct file once). For each file, CPU time
(``time.process_time``), median of several runs:

- ``parse``: ``lxml.etree.fromstring`` with ``safe_xml.xml_parser()`` (the floor);
- ``reader``: ``read_gpx`` / ``read_tcx``, bytes to finished activities;
- ``walk``: the part of the reader that a C extraction would replace: each point's texts
  taken by the reader's own point walk (``_point_reader``), then turned into columns
  (``zip(*rows)``);
- ``xslt``: the same columns from one ``lxml.etree.XSLT`` stylesheet per namespace (compiled
  once) that writes each point's values one per line, with exactly the walk's meaning
  (the last ``<time>``, ``<ele>``...; the first extension value of each kind by local name
  in any namespace for GPX, the last for TCX; an element's text as ``.text`` reads it),
  then ``str.split`` and slicing into columns, empty texts as None. Before timing, its
  columns are checked equal to the walk's on the file (the probe stops if not);
- ``xpath``: one ``lxml.etree.XPath`` per column (``smart_strings=False``), each the
  cheapest path that finds the value in the common layouts (``trkpt/time/text()``,
  ``trkpt/extensions/*/*[local-name() = 'hr']/text()``...): a bound, not a reader, since
  nothing aligns a column with missing values to its points or finds a sensor at another
  depth or in another case;
- ``floor``: a stylesheet that only copies every text under the points (libxslt's built-in
  rules, no XPath per value): about the least a stylesheet that visits the points' texts
  can cost.

``with X / parse`` is ``parse / (reader - walk + X)``: what ``bench_tracks.py`` would show
as backstride / parse if the reader took its columns by X instead of its walk. ``rest``
(``reader - walk - parse``) is what no extraction changes: the byte checks, the columns'
conversion to floats and times, the derivation of streams, laps and summaries.

Command (see BENCHMARKS.md, "GPX and TCX to activities")::

    PYTHONPATH=src python benchmarks/probe_track_extraction.py
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any
from xml.sax.saxutils import quoteattr

from bench_tracks import Case, find_files
from lxml import etree

from backstride.ingest import gpx, tcx
from backstride.ingest.safe_xml import namespace, prepared_bytes, xml_parser

_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_LOWER = _UPPER.lower()
_NAME = f"translate(local-name(), '{_UPPER}', '{_LOWER}')"
_TEXT = "/node()[1][self::text()]"  # what lxml's .text gives (no mixed content in values)
_NL = "<xsl:text>&#10;</xsl:text>"

Columns = list[Sequence[str | None]]

#: The stylesheets read and write no file and no network.
_NO_ACCESS = etree.XSLTAccessControl.DENY_ALL  # type: ignore[attr-defined]  # not in lxml-stubs


def _stylesheet(ns: str, body: str) -> etree.XSLT:
    """A stylesheet whose ``body`` names the document's elements ``d:...``."""
    declared = f"xmlns:d={quoteattr(ns)}" if ns else ""
    source = (
        '<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform" '
        f'{declared}><xsl:output method="text" encoding="UTF-8"/>'
        + (body if ns else body.replace("d:", ""))
        + "</xsl:stylesheet>"
    )
    return etree.XSLT(etree.XML(source.encode()), access_control=_NO_ACCESS)


def _values(selects: Sequence[str]) -> str:
    return "".join(f"<xsl:value-of select={quoteattr(s)}/>{_NL}" for s in selects)


def _literal(text: str) -> str:
    """``text`` as an XPath 1.0 string literal, which cannot hold both kinds of quote."""
    if "'" in text and '"' in text:
        raise ValueError(f"namespace {text!r} holds both quotes: no XPath 1.0 literal")
    return f"'{text}'" if "'" not in text else f'"{text}"'


@cache
def _gpx_stylesheet(ns: str) -> etree.XSLT:
    """Point counts of each trk/trkseg, a line ``#``, then 8 lines per point."""
    foreign = f"*[self::d:extensions or namespace-uri() != {_literal(ns)}]"
    sensors = [
        ("hr", "heartrate"),
        ("cad", "cadence"),
        ("atemp", "temp"),
        ("power", "powerinwatts"),
    ]
    selects = [f"d:time[last()]{_TEXT}", "@lat", "@lon", f"d:ele[last()]{_TEXT}"] + [
        f"$x[{_NAME} = '{a}' or {_NAME} = '{b}'][1]{_TEXT}" for a, b in sensors
    ]
    return _stylesheet(
        ns,
        '<xsl:template match="/">'
        '<xsl:for-each select="/*/d:trk/d:trkseg">'
        f'<xsl:value-of select="count(d:trkpt)"/>{_NL}</xsl:for-each>#{_NL}'
        '<xsl:for-each select="/*/d:trk/d:trkseg/d:trkpt">'
        f'<xsl:variable name="x" select={quoteattr(foreign + "/descendant-or-self::*")}/>'
        + _values(selects)
        + "</xsl:for-each></xsl:template>",
    )


#: The activities read_tcx reads, in its order (the document's).
_TCX_ACTIVITIES = "(/*/d:Activities/d:Activity | /*/d:Activities/d:MultiSportSession/*/d:Activity)"


@cache
def _tcx_stylesheet(ns: str) -> etree.XSLT:
    """Point counts of each Activity/Lap/Track, a line ``#``, then 10 lines per point."""
    extension = "(d:Extensions/descendant-or-self::*[{} = '{}'])[last()]" + _TEXT
    selects = [
        f"d:Time[last()]{_TEXT}",
        f"(d:Position/d:LatitudeDegrees)[1]{_TEXT}",
        f"(d:Position/d:LongitudeDegrees)[1]{_TEXT}",
        f"d:AltitudeMeters[last()]{_TEXT}",
        f"d:DistanceMeters[last()]{_TEXT}",
        f"d:HeartRateBpm[d:Value][last()]/d:Value[1]{_TEXT}",
        f"d:Cadence[last()]{_TEXT}",
        *(extension.format(_NAME, name) for name in ("speed", "runcadence", "watts")),
    ]
    return _stylesheet(
        ns,
        '<xsl:template match="/">'
        f'<xsl:for-each select="{_TCX_ACTIVITIES}/d:Lap/d:Track">'
        f'<xsl:value-of select="count(d:Trackpoint)"/>{_NL}</xsl:for-each>#{_NL}'
        f'<xsl:for-each select="{_TCX_ACTIVITIES}/d:Lap/d:Track/d:Trackpoint">'
        + _values(selects)
        + "</xsl:for-each></xsl:template>",
    )


@cache
def _floor_stylesheet(ns: str, points: str) -> etree.XSLT:
    return _stylesheet(
        ns, f'<xsl:template match="/"><xsl:apply-templates select="{points}"/></xsl:template>'
    )


def _xslt_columns(stylesheet: etree.XSLT, root: Any, width: int) -> list[Columns]:
    """One set of columns per counted group (GPX track segment, TCX track), from the text."""
    head, _, body = str(stylesheet(root)).partition("#\n")
    counts = [int(c) for c in head.split()]
    lines = body.split("\n")
    if len(lines) != width * sum(counts) + 1:
        raise ValueError("a value holds a line break: the walk must read this file")
    groups: list[Columns] = []
    at = 0
    for count in counts:
        end = at + width * count
        groups.append([[v or None for v in lines[at + i : end : width]] for i in range(width)])
        at = end
    return groups


def _walk_columns(kind: str, root: Any) -> list[Columns]:
    ns = namespace(str(root.tag))

    def q(name: str) -> str:
        return f"{{{ns}}}{name}" if ns else name

    if kind == "gpx":
        read = gpx._point_reader(ns)
        groups = [
            [read(p) for p in seg.iterchildren(q("trkpt"))]
            for trk in root.iterchildren(q("trk"))
            for seg in trk.iterchildren(q("trkseg"))
        ]
    else:
        read = tcx._point_reader(q)
        groups = [
            [read(p) for p in track.iterchildren(q("Trackpoint"))]
            for activity in _tcx_activities(root, q)
            for lap in activity.iterchildren(q("Lap"))
            for track in lap.iterchildren(q("Track"))
        ]
    width = 8 if kind == "gpx" else 10
    return [list(zip(*rows, strict=True)) if rows else [()] * width for rows in groups]


def _tcx_activities(root: Any, q: Callable[[str], str]) -> list[Any]:
    found: list[Any] = []
    for holder in root.iterchildren(q("Activities")):
        for child in holder.iterchildren(q("Activity"), q("MultiSportSession")):
            if child.tag == q("Activity"):
                found.append(child)
            else:
                found += [a for sport in child for a in sport.iterchildren(q("Activity"))]
    return found


def _same(walked: list[Columns], extracted: list[Columns]) -> bool:
    def plain(groups: list[Columns]) -> list[list[list[str]]]:
        return [[[v or "" for v in column] for column in group] for group in groups]

    return plain(walked) == plain(extracted)


def _cpu(function: Callable[[], object], runs: int) -> float:
    gc.collect()
    times = []
    for _ in range(runs):
        start = time.process_time()
        function()
        times.append(time.process_time() - start)
    return statistics.median(times)


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=0, help="runs per measurement (0: by size)")
    args = parser.parse_args()
    _say(f"load average at start {os.getloadavg()}")
    totals: dict[str, dict[str, float]] = {}
    _say(
        "| file | kB | points | "
        + " | ".join(f"{k} ms" for k in _MEASURES)
        + " | reader / parse | "
        + " | ".join(f"with {k} / parse" for k in _MEASURES[3:])
        + " |"
    )
    _say("|---|---:|---:|" + "---:|" * (2 * len(_MEASURES) - 2))
    for case in find_files():
        _probe(case, args.runs, totals)
    for kind, t in totals.items():
        _say(
            f"{kind.upper()} all files: "
            + ", ".join(f"{k} {t[k] * 1e3:.1f} ms" for k in _MEASURES)
            + f"; rest (reader - walk - parse) {(t['reader'] - t['walk'] - t['parse']) * 1e3:.1f}"
            + f" ms; parse / reader {t['parse'] / t['reader']:.2f}; "
            + ", ".join(
                f"parse / (reader - walk + {k}) {t['parse'] / (t['reader'] - t['walk'] + t[k]):.2f}"
                for k in _MEASURES[3:]
            )
        )
    _say(f"load average at end {os.getloadavg()}")


_MEASURES = ("parse", "reader", "walk", "xslt", "xpath", "floor")


def _xpath_columns(kind: str, ns: str) -> list[etree.XPath]:
    """The cheapest XPath per column for the common layouts (a bound, not a reader: no
    alignment check, sensors at one depth by exact local name)."""
    if kind == "gpx":
        base = "/*/d:trk/d:trkseg/d:trkpt/"
        paths = ["d:time", "@lat", "@lon", "d:ele"] + [
            f"d:extensions/*/*[local-name() = '{n}']" for n in ("hr", "cad", "atemp", "power")
        ]
    else:
        base = f"{_TCX_ACTIVITIES}/d:Lap/d:Track/d:Trackpoint/"
        paths = [
            "d:Time",
            "d:Position/d:LatitudeDegrees",
            "d:Position/d:LongitudeDegrees",
            "d:AltitudeMeters",
            "d:DistanceMeters",
            "d:HeartRateBpm/d:Value",
            "d:Cadence",
        ] + [f"d:Extensions/*/*[local-name() = '{n}']" for n in ("Speed", "RunCadence", "Watts")]
    texts = [base + path + ("" if path.startswith("@") else "/text()") for path in paths]
    if not ns:
        texts = [text.replace("d:", "") for text in texts]
    return [
        etree.XPath(text, namespaces={"d": ns} if ns else None, smart_strings=False)
        for text in texts
    ]


def _probe(case: Case, runs: int, totals: dict[str, dict[str, float]]) -> None:
    runs = runs or max(5, min(40, int(4e6 / max(len(case.data), 1))))
    text = prepared_bytes(case.data, label="XML")
    root = etree.fromstring(text, xml_parser())
    ns = namespace(str(root.tag))
    if case.kind == "gpx":
        stylesheet, width, points = _gpx_stylesheet(ns), 8, "/*/d:trk/d:trkseg/d:trkpt"
        read: Callable[[bytes], object] = gpx.read_gpx
    else:
        stylesheet, width = _tcx_stylesheet(ns), 10
        points = f"{_TCX_ACTIVITIES}/d:Lap/d:Track/d:Trackpoint"
        read = tcx.read_tcx
    floor = _floor_stylesheet(ns, points)
    xpaths = _xpath_columns(case.kind, ns)
    walked = _walk_columns(case.kind, root)
    if not _same(walked, _xslt_columns(stylesheet, root, width)):
        raise SystemExit(f"{case.name}: the stylesheet's columns differ from the walk's")

    def reader() -> object:
        try:
            return read(case.data)
        except Exception as e:
            return e

    t = {
        "parse": _cpu(lambda: etree.fromstring(text, xml_parser()), runs),
        "reader": _cpu(reader, runs),
        "walk": _cpu(lambda: _walk_columns(case.kind, root), runs),
        "xslt": _cpu(lambda: _xslt_columns(stylesheet, root, width), runs),
        "xpath": _cpu(lambda: [x(root) for x in xpaths], runs),
        "floor": _cpu(lambda: str(floor(root)), runs),
    }
    total = totals.setdefault(case.kind, dict.fromkeys(t, 0.0))
    for key, value in t.items():
        total[key] += value
    n = sum(len(group[0]) for group in walked)
    _say(
        f"| {case.name} | {len(case.data) / 1e3:.0f} | {n} | "
        + " | ".join(f"{t[k] * 1e3:.2f}" for k in _MEASURES)
        + f" | {t['parse'] / t['reader']:.2f} | "
        + " | ".join(f"{t['parse'] / (t['reader'] - t['walk'] + t[k]):.2f}" for k in _MEASURES[3:])
        + " |"
    )


if __name__ == "__main__":
    main()
