"""Benchmark: how long a whole ``backstride`` process takes, start-up included (issue 15).

Not a test: run it by hand and copy the table into BENCHMARKS.md.

    PYTHONPATH=src python benchmarks/bench_startup.py
    PYTHONPATH=src python benchmarks/bench_startup.py --runs 11 --store /tmp/10y
    ... bench_startup.py --baseline ../other-checkout/src     # before/after in one run

Each command runs as its own process, started the way the installed ``backstride`` script
starts it (a script calling ``backstride.cli.entry:main``, as pip writes it; this checkout's
``src`` on ``PYTHONPATH``), with its output
thrown away; the wall time from start to exit is measured, with Python's bytecode cached
(``PYTHONPYCACHEPREFIX``, as an installed package has it). The commands that read data run
on a 10-year SQLite store made by ``bench_web.build_store`` (one activity a day, a year of
1 Hz streams, a pain diary, shoes, a screen), as of its last day; each runs once before
timing (the first view of a new store computes what the store keeps afterwards, and each
keeps its output: the timed runs replay it, ``cli/instant.py``). The rows marked "computed"
run the same commands with ``--debug``, which is never kept: what the first run after a
write to the data (or on a new day, in another terminal ...) costs.

Peers in the same run: ``python -c pass`` (the interpreter alone) and ``python -c "import
numpy, sqlalchemy, typer, rich"`` (the libraries a command reading the store cannot do
without). The runs go round-robin over all commands, so a change in the machine's load
touches every row alike; the load average is printed before and after. Besides the wall
time, each process's CPU time (user + system): on a busy machine it moves less than the wall
time does.

Where a command's time goes: ``python -X importtime -m backstride ...`` (imports) and
``python -m cProfile -s cumtime -m backstride ...``.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"

# The script pip writes for ``[project.scripts] backstride = "MODULE:main"``.
CONSOLE_SCRIPT = """\
import re
import sys
from {module} import main
if __name__ == '__main__':
    sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])
    sys.exit(main())
"""


def _machine() -> str:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{os.cpu_count()} CPUs ({model or platform.processor() or platform.machine()}), "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}"
    )


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def emit(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def _cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _run(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one process."""
    cpu = _cpu()
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}):\n{done.stderr.decode()}")
    return elapsed, _cpu() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="timed runs per command")
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument(
        "--store",
        type=Path,
        help="a folder to keep the generated store in (made once, reused by later runs)",
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        metavar="SRC",
        help="also time another checkout's src folder (an older backstride, whose script "
        "calls backstride.cli.app:main), in the same round-robin",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        folder = args.store or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        db = folder / "ten-years.db"
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from bench_web import AS_OF, build_store

        if not db.exists():
            start = time.perf_counter()
            _, count = build_store(folder, years=args.years)
            emit(f"store: {count} activities, built in {time.perf_counter() - start:.1f} s")
        url = f"sqlite:///{db}"
        # Bytecode is cached, as in an installed package (pip compiles it at install time),
        # in a folder of its own rather than the source tree; compiling backstride's sources
        # on every start would cost more than everything measured here.
        env = {**os.environ, "COLUMNS": "120", "PYTHONPYCACHEPREFIX": str(Path(tmp) / "pycache")}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        on = ["--on", AS_OF.isoformat()]
        python = [sys.executable]
        commands: dict[str, tuple[list[str], dict[str, str]]] = {
            "python -c pass": ([*python, "-c", "pass"], env),
            'python -c "import numpy, sqlalchemy, typer, rich"': (
                [*python, "-c", "import numpy, sqlalchemy, typer, rich"],
                env,
            ),
        }
        trees = [("", SRC, "backstride.cli.entry")]
        if args.baseline:
            trees.append((" (baseline)", args.baseline.resolve(), "backstride.cli.app"))
        for label, src, module in trees:
            script = Path(tmp) / f"backstride{len(commands)}"
            script.write_text(CONSOLE_SCRIPT.format(module=module))
            tree_env = {**env, "PYTHONPATH": str(src)}
            backstride = [*python, str(script)]
            for name, argv in {
                "--version": ["--version"],
                "--help": ["--help"],
                "status": ["--db", url, "status", *on],
                "load": ["--db", url, "load", *on],
                "shoes": ["--db", url, "shoes", *on],
                "pain": ["--db", url, "pain", *on],
                "plan --json": ["--db", url, "plan", "--json", *on],
            }.items():
                commands[f"backstride {name}{label}"] = ([*backstride, *argv], tree_env)
                if "--db" in argv and module == "backstride.cli.entry":
                    # The same view computed, as after a write or on a new day: --debug is
                    # never kept (cli/instant.py) and changes nothing a run that ends well
                    # prints.
                    commands[f"backstride {name}{label}, computed"] = (
                        [*backstride, "--debug", *argv],
                        tree_env,
                    )
        for argv, run_env in commands.values():  # warm-up: caches, the store's first view
            _run(argv, run_env)
        emit(f"machine: {_machine()}")
        emit(f"load average before: {_load()}")
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, (argv, run_env) in commands.items():
                times[name].append(_run(argv, run_env))
        emit(f"load average after: {_load()}")
        emit(f"\n{args.runs} runs each, round-robin, stdout to /dev/null\n")
        emit("| command | wall min ms | wall median ms | CPU median ms |\n|---|---:|---:|---:|")
        for name, measured in times.items():
            wall = [w for w, _ in measured]
            cpu = [c for _, c in measured]
            emit(
                f"| `{name}` | {min(wall) * 1000:.0f} | {statistics.median(wall) * 1000:.0f} | "
                f"{statistics.median(cpu) * 1000:.0f} |"
            )


if __name__ == "__main__":
    main()
