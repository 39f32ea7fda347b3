"""GPX and TCX to activities: backstride's readers against lxml's parse alone and the peers.

Every real GPX and TCX file in tests/data and ../shared/data (activities and
activities-local, recursively; ``.gz`` files decompressed in memory first; a file found in
several places is measured once, by the hash of its bytes) is read from memory, file after
file, by each of:

- ``lxml parse``: ``lxml.etree.fromstring`` of the same bytes with backstride's parser
  (``safe_xml.xml_parser``), the tree only: the floor any lxml reader stands on;
- ``backstride``: ``read_gpx`` / ``read_tcx``, bytes to finished activities (streams,
  summaries, laps, warnings);
- ``gpxpy``: ``gpxpy.parse``, the file as GPX objects (tracks, segments, points with their
  extensions as elements);
- ``tcxreader``: ``TCXReader().read(..., only_gps=False)``, the file as an exercise with
  its laps and trackpoints.

Files without a recorded activity (waypoints, metadata) are read too: backstride's time is
then the time to the error that says so.

For each file and reader the median of several runs is taken, of wall time and of the
process's CPU time (``time.process_time``); the readers take turns on each file, so they
share the machine's load. MB/s is the file's (decompressed) MB over that median; the
aggregate is all files' MB over the sum of their medians. On a shared machine the CPU time
is the better measure (other work stretches wall time, not the process's CPU time).

Command (see BENCHMARKS.md)::

    PYTHONPATH=src python benchmarks/bench_tracks.py
"""

from __future__ import annotations

import argparse
import gc
import gzip
import hashlib
import io
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import gpxpy
import lxml
import numpy as np
from lxml import etree
from tcxreader.tcxreader import TCXReader

from backstride.errors import EmptyActivityError
from backstride.ingest.gpx import read_gpx
from backstride.ingest.safe_xml import prepared_bytes, xml_parser
from backstride.ingest.tcx import read_tcx

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = [
    ROOT / "tests/data",
    ROOT.parent / "shared/data/activities",
    ROOT.parent / "shared/data/activities-local",
]
SUFFIXES = (".gpx", ".tcx", ".gpx.gz", ".tcx.gz")


@dataclass
class Case:
    name: str
    kind: str  # "gpx" or "tcx"
    data: bytes
    times: dict[str, tuple[float, float]] = field(default_factory=dict)  # reader -> wall, cpu


def find_files() -> list[Case]:
    cases: dict[str, Case] = {}
    for folder in FOLDERS:
        for path in sorted(folder.rglob("*")):
            lower = path.name.lower()
            if not path.is_file() or not lower.endswith(SUFFIXES):
                continue
            data = path.read_bytes()
            if lower.endswith(".gz"):
                data = gzip.decompress(data)
            digest = hashlib.sha256(data).hexdigest()
            kind = "gpx" if ".gpx" in lower else "tcx"
            cases.setdefault(digest, Case(path.name, kind, data))
    return sorted(cases.values(), key=lambda c: (c.kind, len(c.data)))


def _backstride(kind: str) -> Callable[[bytes], object]:
    read = read_gpx if kind == "gpx" else read_tcx

    def run(data: bytes) -> object:
        try:
            return read(data)
        except EmptyActivityError as e:  # waypoints or metadata only: read to the end
            return e

    return run


def _lxml(data: bytes) -> Callable[[bytes], object]:
    text = prepared_bytes(data, label="XML")  # what backstride's parser is given

    def run(_: bytes) -> object:
        return etree.fromstring(text, xml_parser())

    return run


def _gpxpy(data: bytes) -> object:
    return gpxpy.parse(data.decode("utf-8-sig"))


def _tcxreader(data: bytes) -> object:
    return TCXReader().read(io.BytesIO(data), only_gps=False)  # type: ignore[arg-type, unused-ignore]


def _say(*lines: str) -> None:
    sys.stdout.write("\n".join(lines) + "\n")
    sys.stdout.flush()


def _measure(function: Callable[[bytes], object], data: bytes, runs: int) -> tuple[float, float]:
    walls, cpus = [], []
    gc.collect()
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        function(data)
        cpus.append(time.process_time() - cpu)
        walls.append(time.perf_counter() - wall)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=0, help="runs per reader (0: by size)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds over all the files")
    args = parser.parse_args()
    cases = find_files()
    _say(
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, lxml {lxml.__version__}, NumPy {np.__version__}, "
        f"gpxpy {getattr(gpxpy, '__version__', '?')}; load average at start {os.getloadavg()}"
    )
    _say(f"{len(cases)} distinct files, {sum(len(c.data) for c in cases) / 1e6:.2f} MB")
    readers: dict[str, dict[str, Callable[[bytes], Callable[[bytes], object]]]] = {
        "gpx": {"lxml parse": _lxml, "backstride": lambda _: _backstride("gpx")},
        "tcx": {"lxml parse": _lxml, "backstride": lambda _: _backstride("tcx")},
    }
    readers["gpx"]["gpxpy"] = lambda _: _gpxpy
    readers["tcx"]["tcxreader"] = lambda _: _tcxreader
    # Rounds over all files: a file's result is its median over all runs of all rounds.
    samples: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for _ in range(args.rounds):
        for case in cases:
            runs = args.runs or max(5, min(40, int(4e6 / max(len(case.data), 1))))
            for reader, make in readers[case.kind].items():
                function = make(case.data)
                function(case.data)  # warm-up
                samples.setdefault((case.name, reader), []).append(
                    _measure(function, case.data, runs)
                )
    for case in cases:
        for reader in readers[case.kind]:
            got = samples[(case.name, reader)]
            case.times[reader] = (
                statistics.median(w for w, _ in got),
                statistics.median(c for _, c in got),
            )
    for kind, peer in (("gpx", "gpxpy"), ("tcx", "tcxreader")):
        chosen = [c for c in cases if c.kind == kind]
        names = list(readers[kind])
        _say(f"\n{kind.upper()}: MB/s of CPU time (wall in brackets); ratios of CPU time")
        _say(
            "| file | kB | " + " | ".join(names) + f" | backstride / parse | backstride / {peer} |"
        )
        _say("|---|---:|" + "---:|" * (len(names) + 2))
        ratios = []
        for case in chosen:
            mb = len(case.data) / 1e6
            cells = [f"{mb / c:.1f} ({mb / w:.1f})" for w, c in (case.times[n] for n in names)]
            own = case.times["backstride"][1]
            ratio = case.times["lxml parse"][1] / own
            ratios.append(ratio)
            _say(
                f"| {case.name} | {len(case.data) / 1e3:.0f} | "
                + " | ".join(cells)
                + f" | {ratio:.2f} | {case.times[peer][1] / own:.1f}x |"
            )
        total = sum(len(c.data) for c in chosen) / 1e6
        sums = {n: [sum(c.times[n][i] for c in chosen) for i in (0, 1)] for n in names}
        cells = [f"{total / c:.1f} ({total / w:.1f})" for w, c in (sums[n] for n in names)]
        _say(
            f"| **all {len(chosen)} files** | {total * 1e3:.0f} | "
            + " | ".join(cells)
            + f" | {sums['lxml parse'][1] / sums['backstride'][1]:.2f} | "
            f"{sums[peer][1] / sums['backstride'][1]:.1f}x |"
        )
        _say(f"median file: backstride / parse {statistics.median(ratios):.2f}")
    _say(f"\nload average at end {os.getloadavg()}")


if __name__ == "__main__":
    main()
