"""FIT decode throughput: backstride's columnar decoder against its peers, in one process run.

Each decoder reads the same bytes (already in memory) of the largest real FIT files in
tests/data/activities/fit and ../shared/data/activities-local/fit, one after another in
this process, one after another. MB/s is file MB over the median of several runs, of wall
time and of the process's CPU time: on this shared 2-core machine other work can stretch
wall time, and CPU time of a single-threaded decoder is its time on one core ("per core").
A decoder using more than one core would show CPU above wall time.

- backstride ``fitcol.decode``: every message of the file into columns (all fields, scale
  and offset, components, sub-fields, accumulation, developer fields);
- backstride ``fitcol.decode(messages=["record"])``: record columns only (the other
  messages walked over, not decoded), the peer of fitfast ``records``;
- backstride ``read_fit``: the whole FIT importer (decode, then activities with streams,
  laps and summaries);
- garmin-fit-sdk ``Decoder.read()``: every message as dicts (default options);
- fitdecode ``FitReader``: every frame, default processor;
- fitparse ``FitFile.get_messages()``: every message;
- fitfast ``parse``: every message as dicts (Rust); fitfast ``records``: record columns only.

Command (see BENCHMARKS.md)::

    PYTHONPATH=src /work/venv/bin/python benchmarks/bench_fit_decode.py
"""

from __future__ import annotations

import argparse
import gc
import io
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import fitdecode
import fitfast
import fitparse
import numpy as np
from garmin_fit_sdk import Decoder, Stream

from backstride.ingest import fitcol
from backstride.ingest.fit import read_fit

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = [ROOT / "tests/data/activities/fit", ROOT.parent / "shared/data/activities-local/fit"]


def _records_only(data: bytes) -> object:
    return fitcol.decode(data, messages=["record"])


def _sdk(data: bytes) -> object:
    messages, errors = Decoder(Stream.from_byte_array(bytearray(data))).read()
    assert not errors, errors
    return messages


def _fitdecode(data: bytes) -> object:
    with fitdecode.FitReader(io.BytesIO(data)) as reader:
        return sum(1 for _ in reader)


def _fitparse(data: bytes) -> object:
    return sum(1 for _ in fitparse.FitFile(data).get_messages())


#: name -> (function, runs for the median). Slow pure-Python peers run fewer times.
DECODERS: dict[str, tuple[Callable[[bytes], object], int]] = {
    "backstride fitcol.decode": (fitcol.decode, 15),
    "backstride fitcol.decode, records only": (_records_only, 15),
    "backstride read_fit (importer)": (read_fit, 15),
    "fitfast parse (Rust)": (fitfast.parse, 7),
    "fitfast records (Rust, records only)": (fitfast.records, 7),
    "garmin-fit-sdk": (_sdk, 3),
    "fitdecode": (_fitdecode, 3),
    "fitparse": (_fitparse, 3),
}


def _say(line: str) -> None:
    """Write one line of the report to stdout, at once (a run takes minutes)."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def _time(function: Callable[[bytes], object], data: bytes, runs: int) -> tuple[float, float]:
    """Median wall and CPU seconds of ``runs`` calls (after a warm-up call for the fast ones)."""
    if runs > 3:
        function(data)
    walls, cpus = [], []
    for _ in range(runs):
        gc.collect()
        cpu, wall = time.process_time(), time.perf_counter()
        function(data)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=3, help="how many of the largest files")
    parser.add_argument("--skip", nargs="*", default=[], help="decoders to leave out")
    parser.add_argument("--runs", type=int, default=0, help="runs per decoder (0: defaults)")
    args = parser.parse_args()
    paths = sorted(
        (p for folder in FOLDERS if folder.is_dir() for p in folder.glob("*.fit")),
        key=lambda p: p.stat().st_size,
        reverse=True,
    )[: args.files]
    _say(
        f"Python {platform.python_version()}, NumPy {np.__version__}, fitfast "
        f"{fitfast.__version__}, fitdecode {fitdecode.__version__}, "
        f"{platform.machine()} {platform.processor() or ''}".strip()
    )
    results: dict[tuple[str, str], tuple[float, float, float]] = {}
    for path in paths:
        data = path.read_bytes()
        mb = len(data) / 1e6
        _say(f"\n{path.name}: {mb:.2f} MB")
        _say("| decoder | wall s | CPU s | MB/s (wall) | MB/s per core (CPU) |")
        _say("|---|---:|---:|---:|---:|")
        for name, (function, runs) in DECODERS.items():
            if any(skip in name for skip in args.skip):
                continue
            wall, cpu = _time(function, data, args.runs or runs)
            results[(path.name, name)] = (wall, cpu, mb / cpu)
            _say(f"| {name} | {wall:.4f} | {cpu:.4f} | {mb / wall:.1f} | {mb / cpu:.1f} |")
    _say("\nAgainst the targets (CPU time, same file, same process run):")
    pairs = (
        ("backstride fitcol.decode", ("garmin-fit-sdk", 60), ("fitfast parse (Rust)", 2)),
        ("backstride fitcol.decode, records only", ("fitfast records (Rust, records only)", 2)),
    )
    for path in paths:
        for ours, *peers in pairs:
            mine = results.get((path.name, ours))
            if mine is None:
                continue
            line = [f"{path.name}, {ours}: {mine[2]:.1f} MB/s per core (target >= 30)"]
            for peer, target in peers:
                other = results.get((path.name, peer))
                if other is not None:
                    line.append(f"{other[1] / mine[1]:.1f}x {peer} (target >= {target}x)")
            _say("; ".join(line))


if __name__ == "__main__":
    main()
