"""FIT decode throughput on every real FIT file: backstride's columnar decoder against its peers.

Every FIT file under tests/data and ../shared/data/activities(-local) (recursively; ``.fit``
and ``.fit.gz``, decompressed first; files with the same bytes counted once) is decoded from
memory by each decoder in turn, in one process run:

- backstride ``fitcol.decode``: every message of the file into columns (all fields, scale
  and offset, components, sub-fields, accumulation, compressed timestamps, developer fields);
- fitfast ``count`` (Rust): decodes every message and counts them (the cheapest full decode);
- fitfast ``parse`` (Rust): every message as dicts;
- garmin-fit-sdk ``Decoder.read()``: every message as dicts (pure Python, default options);
  a file it stops reading because it does not support its messages (compressed
  timestamps) counts as one it fails on, as a file fitfast raises on (damaged files it
  reads to the damage, reporting an error, count);
- with ``--all-peers``: fitdecode ``FitReader`` (every frame) and fitparse ``get_messages()``.

Times are the process's CPU time (``time.process_time``), not wall time: the machine is
shared and the decoders are single-threaded, so CPU time is each one's time on one core.
Each decoder is called in a loop until the loop has taken at least ``--batch`` seconds of
CPU (one call at least); the time per call of ``--rounds`` such loops (default 5;
``--slow-rounds``, default 3, for the pure-Python peers; at least 3) gives the minimum and
median. The compiled decoders and backstride get one untimed call first (backstride's
layouts are then compiled, as they are for every file after the first of a device).
Ratios are "x faster than the peer" on the median, per file; then the median over files,
the aggregate (total bytes over total time of each decoder, over the files both decoded)
and the worst file.

Command (see BENCHMARKS.md)::

    PYTHONPATH=src python benchmarks/bench_fit_decode.py
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
from pathlib import Path

import fitfast
import numpy as np
from garmin_fit_sdk import Decoder, Stream

from backstride.ingest import fitcol

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = [
    ROOT / "tests/data",
    ROOT.parent / "shared/data/activities",
    ROOT.parent / "shared/data/activities-local",
]
OURS = "backstride fitcol.decode"
COUNT, PARSE, SDK = "fitfast count (Rust)", "fitfast parse (Rust)", "garmin-fit-sdk"
#: The targets of issue 15: (peer, over what, at least this many times faster).
TARGETS = (
    (COUNT, "median file", 1.0),
    (PARSE, "median file", 3.0),
    (COUNT, "aggregate", 1.5),
    (SDK, "worst file", 10.0),
)


def _sdk(data: bytes) -> object:
    messages, errors = Decoder(Stream.from_byte_array(bytearray(data))).read()
    if any("not currently supported" in str(e) for e in errors):
        # It stops at the first compressed-timestamp header: no ratio for the file.
        raise RuntimeError(errors[0])
    return messages


def _fitdecode(data: bytes) -> object:
    import fitdecode

    with fitdecode.FitReader(
        io.BytesIO(data),
        check_crc=fitdecode.CrcCheck.DISABLED,
        error_handling=fitdecode.ErrorHandling.IGNORE,
    ) as reader:
        return sum(1 for _ in reader)


def _fitparse(data: bytes) -> object:
    import fitparse

    return sum(1 for _ in fitparse.FitFile(data, check_crc=False).get_messages())


DECODERS: dict[str, Callable[[bytes], object]] = {
    OURS: fitcol.decode,
    COUNT: fitfast.count,
    PARSE: fitfast.parse,
    SDK: _sdk,
}
SLOW_PEERS: dict[str, Callable[[bytes], object]] = {"fitdecode": _fitdecode, "fitparse": _fitparse}


def files() -> list[tuple[str, bytes]]:
    """(name, bytes) of every real FIT file, decompressed, the first path of equal bytes."""
    found: list[tuple[str, bytes]] = []
    seen: set[str] = set()
    for folder in FOLDERS:
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            name = path.name.lower()
            if not path.is_file() or not (name.endswith(".fit") or name.endswith(".fit.gz")):
                continue
            data = path.read_bytes()
            if name.endswith(".gz"):
                data = gzip.decompress(data)
            digest = hashlib.sha256(data).hexdigest()
            if digest not in seen:
                seen.add(digest)
                found.append((path.name, data))
    return sorted(found, key=lambda item: len(item[1]))


def _say(line: str = "") -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def per_call(
    function: Callable[[bytes], object], data: bytes, batch: float, rounds: int
) -> list[float]:
    """CPU seconds per call, one figure per round (after one warm-up call)."""
    if function not in (_sdk, _fitdecode, _fitparse):  # pure Python: nothing to warm up
        function(data)
    out = []
    for _ in range(rounds):
        gc.collect()
        calls = 0
        start = time.process_time()
        while True:
            function(data)
            calls += 1
            spent = time.process_time() - start
            if spent >= batch:
                break
        out.append(spent / calls)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=float, default=0.02, help="CPU s per timed loop")
    parser.add_argument("--rounds", type=int, default=5, help="timed loops per decoder (>= 3)")
    parser.add_argument("--slow-rounds", type=int, default=3, help="the same, pure-Python peers")
    parser.add_argument("--all-peers", action="store_true", help="also fitdecode and fitparse")
    parser.add_argument("--only", default="", help="only files whose name contains this")
    args = parser.parse_args()
    decoders = dict(DECODERS, **(SLOW_PEERS if args.all_peers else {}))
    corpus = [(n, d) for n, d in files() if args.only in n]
    _say(
        f"Python {platform.python_version()}, NumPy {np.__version__}, fitfast "
        f"{getattr(fitfast, '__version__', '?')}, {platform.machine()}, {os.cpu_count()} CPUs, "
        f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    _say(f"{len(corpus)} distinct FIT files, {sum(len(d) for _, d in corpus) / 1e6:.2f} MB")
    times: dict[str, dict[str, float]] = {name: {} for name in decoders}
    mins: dict[str, dict[str, float]] = {name: {} for name in decoders}
    failed: dict[str, list[str]] = {name: [] for name in decoders}
    peers = [p for p in decoders if p != OURS]
    _say()
    _say(
        "| file | kB | ours us (min/median) | MB/s | " + " | ".join(f"x {p}" for p in peers) + " |"
    )
    _say("|---|---:|---:|---:|" + "---:|" * len(peers))
    for name, data in corpus:
        for decoder, function in decoders.items():
            try:
                slow = function in (_sdk, _fitdecode, _fitparse)
                rounds = max(args.slow_rounds if slow else args.rounds, 3)
                runs = per_call(function, data, args.batch, rounds)
            except Exception:  # a peer refusing a damaged file
                failed[decoder].append(name)
                continue
            times[decoder][name] = statistics.median(runs)
            mins[decoder][name] = min(runs)
        mine = times[OURS][name]
        cells = [f"{times[p][name] / mine:.2f}" if name in times[p] else "fails" for p in peers]
        _say(
            f"| {name} | {len(data) / 1e3:.1f} | {mins[OURS][name] * 1e6:.0f} / {mine * 1e6:.0f} "
            f"| {len(data) / mine / 1e6:.1f} | " + " | ".join(cells) + " |"
        )
    sizes = dict(corpus)
    _say()
    _say("| peer | files | median file x | aggregate x | worst file x (file) |")
    _say("|---|---:|---:|---:|---|")
    summary: dict[tuple[str, str], float] = {}
    for peer in peers:
        common = [n for n in times[peer] if n in times[OURS]]
        if not common:
            continue
        ratios = {n: times[peer][n] / times[OURS][n] for n in common}
        total = sum(len(sizes[n]) for n in common)
        ours_rate = total / sum(times[OURS][n] for n in common)
        peer_rate = total / sum(times[peer][n] for n in common)
        worst = min(ratios, key=ratios.__getitem__)
        summary[(peer, "median file")] = statistics.median(ratios.values())
        summary[(peer, "aggregate")] = ours_rate / peer_rate
        summary[(peer, "worst file")] = ratios[worst]
        _say(
            f"| {peer} | {len(common)} | {summary[(peer, 'median file')]:.2f} | "
            f"{summary[(peer, 'aggregate')]:.2f} | {ratios[worst]:.2f} ({worst}) |"
        )
    _say()
    for decoder in decoders:
        rates = [len(sizes[n]) / t / 1e6 for n, t in times[decoder].items()]
        if rates:
            rate = sum(len(sizes[n]) for n in times[decoder]) / sum(times[decoder].values())
            _say(
                f"{decoder}: median file {statistics.median(rates):.1f} MB/s, aggregate "
                f"{rate / 1e6:.1f} MB/s per core"
                + (f"; fails on {', '.join(failed[decoder])}" if failed[decoder] else "")
            )
    _say()
    _say("Against the targets (CPU time, median of the rounds, same process run):")
    for peer, over, target in TARGETS:
        got = summary.get((peer, over))
        if got is not None:
            verdict = "met" if got >= target else "MISSED"
            _say(f"- {over} x {peer}: {got:.2f} (target >= {target}): {verdict}")


if __name__ == "__main__":
    main()
