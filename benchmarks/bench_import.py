"""Benchmark: end-to-end import of a Strava-layout archive of realistic 1 Hz FIT runs.

Not a test: run it by hand and copy the table into BENCHMARKS.md.

    PYTHONPATH=src python benchmarks/bench_import.py
    PYTHONPATH=src python benchmarks/bench_import.py --runs 200 --jobs 1 2 4
    PYTHONPATH=src python benchmarks/bench_import.py --peer ../main --first-status --repeat 3

The archive (``benchmarks/fit_runs.py``: ``activities.csv`` + ``activities/<id>.fit.gz``) is
built once and kept in ``--keep`` (default: a folder in the system temp directory). Each
configuration imports it into a fresh SQLite file (or a fresh PostgreSQL schema with
``--postgres URL``) with the real command line, ``backstride import --json --jobs N``, in a
child process under ``/usr/bin/time -v``, side by side in one run: ``--jobs 1`` is the serial
path (decoding in the importing process), the peer of the parallel one; ``--peer CHECKOUT``
imports with another checkout's code (e.g. main) in the same rounds, and ``--first-status``
times the first and the second ``status`` after each import (and the same command line
computed, ``--debug`` being never kept: what a first view pays for anything left to it).

Reported: wall time, activities per second, CPU time (user + system, all processes), the
peak resident memory of the largest single process (``time -v``), and the peak of the whole
process tree (the importing process and its decoding workers, sampled from ``/proc`` every
50 ms, summing proportional set sizes so that pages the forked workers share with their
parent are counted once). ``--decode-only`` adds the in-process decoding time of the same
members without the store, which bounds what any number of workers can reach on 2 cores.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fit_runs import build_strava_archive

ROOT = Path(__file__).resolve().parent.parent
GENERATOR = "v2"  # bump when fit_runs.py changes what it writes


@dataclass
class Result:
    label: str
    imported: int
    failed: int
    wall_s: float
    cpu_s: float
    max_rss_mb: float
    tree_pss_mb: float
    writer_cpu_s: float
    workers_cpu_s: float


def _children(pid: int) -> list[int]:
    found = []
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return found
    for task in tasks:
        try:
            found += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def _cpu_s(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _pss_kb(pid: int) -> int:
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0
    match = re.search(r"^Pss:\s+(\d+) kB", text, re.MULTILINE)
    return int(match.group(1)) if match else 0


class TreeMemory(threading.Thread):
    """Samples the summed PSS of a process and all its descendants until stopped."""

    def __init__(self, pid: int, interval_s: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.interval_s = interval_s
        self.peak_kb = 0
        self.cpu_s: dict[tuple[int, int], float] = {}
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.is_set():
            pids, todo = [], [(self.pid, 0)]
            while todo:
                pid, depth = todo.pop()
                pids.append(pid)
                todo += [(child, depth + 1) for child in _children(pid)]
                cpu = _cpu_s(pid)
                if cpu is not None:
                    self.cpu_s[(depth, pid)] = cpu
            self.peak_kb = max(self.peak_kb, sum(_pss_kb(p) for p in pids))
            self._done.wait(self.interval_s)

    def writer_and_workers_cpu_s(self) -> tuple[float, float]:
        """CPU seconds of the importing process (under ``time``) and of its workers, as last
        sampled (at most one interval short of the end)."""
        writer = sum(cpu for (depth, _), cpu in self.cpu_s.items() if depth == 1)
        workers = sum(cpu for (depth, _), cpu in self.cpu_s.items() if depth >= 2)
        return writer, workers

    def stop(self) -> None:
        self._done.set()
        self.join()


def fresh_database(
    postgres: str | None, folder: Path, label: str, src: Path = ROOT / "src"
) -> tuple[str, object]:
    """A URL to an empty database (PostgreSQL: a new schema, created by the code in ``src``
    with ``backstride db upgrade``), and what to clean up afterwards."""
    if postgres is None:
        db = folder / f"bench-{label}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{db}", None
    import sqlalchemy as sa

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(postgres)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = f"{postgres}{'&' if '?' in postgres else '?'}options=-csearch_path%3D{schema}"
    subprocess.run(
        [sys.executable, "-m", "backstride", "--db", url, "db", "upgrade", "--json"],
        env={**os.environ, "PYTHONPATH": str(src)},
        check=True,
        capture_output=True,
    )
    return url, (admin, schema)


def drop_database(handle: object) -> None:
    if handle is None:
        return
    import sqlalchemy as sa

    admin, schema = handle  # type: ignore[misc]
    with admin.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def run_import(archive: Path, url: str, jobs: int, label: str, src: Path = ROOT / "src") -> Result:
    env = {**os.environ, "PYTHONPATH": str(src)}
    command = ["/usr/bin/time", "-v", sys.executable, "-m", "backstride", "--db", url,
               "import", "--json", "--jobs", str(jobs), str(archive)]  # fmt: skip
    started = time.perf_counter()
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    sampler = TreeMemory(process.pid)
    sampler.start()
    out, err = process.communicate()
    wall = time.perf_counter() - started
    sampler.stop()
    if process.returncode not in (0, 1):
        raise SystemExit(f"import failed ({process.returncode}): {err[-2000:]}")
    stats = dict(re.findall(r"^\s*(.+?): (.+)$", err, re.MULTILINE))
    report = json.loads(out)
    cpu = float(stats["User time (seconds)"]) + float(stats["System time (seconds)"])
    writer_cpu, workers_cpu = sampler.writer_and_workers_cpu_s()
    return Result(
        label=label,
        imported=report["imported"],
        failed=len(report["failed"]),
        wall_s=wall,
        cpu_s=cpu,
        max_rss_mb=int(stats["Maximum resident set size (kbytes)"]) / 1024,
        tree_pss_mb=sampler.peak_kb / 1024,
        writer_cpu_s=writer_cpu,
        workers_cpu_s=workers_cpu,
    )


def decode_only(archive: Path) -> tuple[int, float]:
    """Read, gunzip and decode every member in this process, storing nothing."""
    from backstride.ingest import read_activities

    started = time.perf_counter()
    count = 0
    with zipfile.ZipFile(archive) as z:
        for name in z.namelist():
            if name.endswith(".fit.gz"):
                count += len(read_activities(z.read(name)))
    return count, time.perf_counter() - started


def small_imports(archive: Path, folder: Path, sizes: list[int], repeat: int = 5) -> None:
    """In-process imports of a few loose files: serial against a pool forced on (is the
    pool worth starting for them? ``POOL_MIN_FILES`` is set from this)."""
    from backstride import service
    from backstride.service import importing
    from backstride.store import open_store

    loose = folder / "loose"
    loose.mkdir(exist_ok=True)
    with zipfile.ZipFile(archive) as z:
        names = [n for n in z.namelist() if n.endswith(".fit.gz")][: max(sizes)]
        files = []
        for name in names:
            path = loose / Path(name).name
            path.write_bytes(z.read(name))
            files.append(path)
    importing.POOL_MIN_FILES = 1
    print("\n| files | --jobs 1, best of 5 (ms) | --jobs 2, pool forced on (ms) |")  # noqa: T201
    print("|---:|---:|---:|")  # noqa: T201
    for size in sizes:
        best = {}
        for jobs in (1, 2):
            times = []
            for _ in range(repeat):
                db = folder / "small.db"
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{db}{suffix}").unlink(missing_ok=True)
                store = open_store(f"sqlite:///{db}")
                started = time.perf_counter()
                service.import_paths(store, files[:size], jobs=jobs)
                times.append(time.perf_counter() - started)
                store.close()
            best[jobs] = min(times) * 1000
        print(f"| {size} | {best[1]:.0f} | {best[2]:.0f} |")  # noqa: T201


def status_time(url: str, repeat: int = 5) -> None:
    """How long ``status`` takes over the imported activities, and how much of it is turning
    rows into objects (the question of a daily aggregate table)."""
    from backstride import service
    from backstride.store import open_store

    store = open_store(url)
    try:
        timings = {}
        for name, call in (
            ("get_status", lambda: service.get_status(store)),
            ("list_activities", lambda: service.list_activities(store)),
        ):
            runs = []
            for _ in range(repeat):
                started = time.perf_counter()
                call()
                runs.append(time.perf_counter() - started)
            timings[name] = min(runs) * 1000
    finally:
        store.close()
    print(  # noqa: T201
        f"\nstatus over the imported activities: get_status {timings['get_status']:.0f} ms, "
        f"of which loading the rows as objects (list_activities) "
        f"{timings['list_activities']:.0f} ms (best of {repeat})"
    )


def first_and_second_status(url: str, src: Path) -> tuple[float, float, float, float, str]:
    """Wall times of the first and the second ``backstride status`` (whole process) right after
    an import, as the import leaves it (kept by the import: cli/instant.py), then of the first
    and the second ``status --on DAY --json`` as of the last imported day computed (``--debug``
    is never kept): the first one would pay for anything the import left to compute."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.connect() as conn:
        day = str(conn.execute(sa.text("select max(local_date) from activities")).scalar_one())
    engine.dispose()
    env = {**os.environ, "PYTHONPATH": str(src)}
    plain = [sys.executable, "-m", "backstride", "--db", url, "status"]
    computed = [sys.executable, "-m", "backstride", "--debug", "--db", url, "status", "--on",
                day[:10], "--json"]  # fmt: skip
    times = []
    for command in (plain, plain, computed, computed):
        started = time.perf_counter()
        subprocess.run(command, env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return times[0], times[1], times[2], times[3], day[:10]


def check_sample(archive: Path, sample: int = 5) -> None:
    """garmin-fit-sdk reads a few members as valid FIT, with no errors."""
    from garmin_fit_sdk import Decoder, Stream

    with zipfile.ZipFile(archive) as z:
        names = [n for n in z.namelist() if n.endswith(".fit.gz")][:sample]
        for name in names:
            data = bytearray(gzip.decompress(z.read(name)))
            if not Decoder(Stream.from_byte_array(data)).check_integrity():
                raise SystemExit(f"{name}: garmin-fit-sdk finds the FIT file invalid")
            messages, errors = Decoder(Stream.from_byte_array(data)).read()
            if errors or not messages.get("record_mesgs"):
                raise SystemExit(f"{name}: garmin-fit-sdk errors {errors}")
    print(f"garmin-fit-sdk: {len(names)} members valid (CRC, integrity, records)")  # noqa: T201


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--jobs", type=int, nargs="*", default=[1, os.cpu_count() or 2])
    parser.add_argument("--repeat", type=int, default=1, help="imports per configuration")
    parser.add_argument("--keep", type=Path, default=Path(tempfile.gettempdir()) / "bs-bench")
    parser.add_argument("--postgres", metavar="URL", help="import into PostgreSQL instead")
    parser.add_argument("--decode-only", action="store_true")
    parser.add_argument("--check", action="store_true", help="validate members with the SDK")
    parser.add_argument("--small", type=int, nargs="*", help="also time imports of N files")
    parser.add_argument("--status", action="store_true", help="time status on the result")
    parser.add_argument(
        "--peer",
        type=Path,
        metavar="CHECKOUT",
        help="also import with this checkout's src/ (e.g. main), side by side in each round",
    )
    parser.add_argument(
        "--first-status",
        action="store_true",
        help="after each import, time the first and the second `status` (whole process)",
    )
    args = parser.parse_args()

    args.keep.mkdir(parents=True, exist_ok=True)
    archive = args.keep / f"strava-{args.runs}-runs-{GENERATOR}.zip"
    if not archive.exists():
        started = time.perf_counter()
        info = build_strava_archive(archive.with_suffix(".part"), args.runs)
        archive.with_suffix(".part").rename(archive)
        print(  # noqa: T201
            f"built {archive.name}: {info.fit_bytes / 1e6:.1f} MB of FIT, "
            f"{info.zip_bytes / 1e6:.1f} MB zipped, in {time.perf_counter() - started:.1f} s"
        )
    with zipfile.ZipFile(archive) as z:
        fit_mb = (
            sum(len(gzip.decompress(z.read(n))) for n in z.namelist() if n.endswith(".gz")) / 1e6
        )
    if args.check:
        check_sample(archive)
    print(  # noqa: T201
        f"{archive.name}: {args.runs} runs, {fit_mb:.1f} MB of FIT, "
        f"{archive.stat().st_size / 1e6:.1f} MB zip; Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at start"
    )
    results = []
    statuses = []
    trees = [("", ROOT / "src")]
    if args.peer is not None:
        trees.append((f"peer {args.peer.name}: ", args.peer.resolve() / "src"))
    for round_ in range(args.repeat):
        for jobs in args.jobs:
            for prefix, src in trees:
                label = prefix + f"--jobs {jobs}" + (" (serial)" if jobs == 1 else "")
                url, handle = fresh_database(args.postgres, args.keep, f"j{jobs}", src)
                try:
                    results.append(run_import(archive, url, jobs, label, src))
                    if args.first_status:
                        statuses.append((label, *first_and_second_status(url, src)))
                    if args.status and round_ == args.repeat - 1 and jobs == args.jobs[-1]:
                        status_time(url)
                finally:
                    drop_database(handle)
    print()  # noqa: T201
    print("| import | activities | failed | wall (s) | activities/s | CPU (s) "  # noqa: T201
          "| writer CPU (s) | workers CPU (s) | bound on 2 free cores (s) "
          "| largest process RSS (MB) | whole tree PSS (MB) |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")  # noqa: T201
    for r in results:
        # With two cores to itself, an import cannot finish before its writer has done its
        # work, nor before all of its CPU time fits on two cores.
        bound = max(r.writer_cpu_s, (r.writer_cpu_s + r.workers_cpu_s) / 2)
        print(  # noqa: T201
            f"| {r.label} | {r.imported} | {r.failed} | {r.wall_s:.1f} | "
            f"{r.imported / r.wall_s:.1f} | {r.cpu_s:.1f} | {r.writer_cpu_s:.1f} | "
            f"{r.workers_cpu_s:.1f} | {bound:.1f} | {r.max_rss_mb:.0f} | {r.tree_pss_mb:.0f} |"
        )
    if statuses:
        header = (
            "\n| after the import | first `status` (s) | second `status` (s) "
            "| first `status --on DAY --json`, computed (s) | second, computed (s) | DAY |"
        )
        print(header)  # noqa: T201
        print("|---|---:|---:|---:|---:|---|")  # noqa: T201
        for label, first, second, first_c, second_c, day in statuses:
            print(  # noqa: T201
                f"| {label} | {first:.2f} | {second:.2f} | {first_c:.2f} | {second_c:.2f} | {day} |"
            )
    if args.decode_only:
        count, seconds = decode_only(archive)
        print(  # noqa: T201
            f"\ndecode only, in process (read_activities, no store): {count} activities in "
            f"{seconds:.1f} s ({count / seconds:.1f}/s)"
        )
    if args.small:
        small_imports(archive, args.keep, args.small)
    print(f"\nload average at the end: {os.getloadavg()[0]:.2f}")  # noqa: T201


if __name__ == "__main__":
    main()
