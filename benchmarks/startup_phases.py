"""Where a command's start-up goes: CPU time of each import, then of the run (issue 15).

Not a test. One process: the imports a ``backstride COMMAND`` run makes, one part after the
other in the order the run makes them, then the command itself through the console script's
entry point (what is already imported costs nothing then). Prints one line of CPU
milliseconds (``time.process_time``) per part; run it a few times and take the medians.

    PYTHONPATH=src python benchmarks/startup_phases.py status --db sqlite:////tmp/10y/ten-years.db

The store: ``bench_startup.py --store /tmp/10y`` makes one (bench_web's 10-year store).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time

PARTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("numpy + sqlalchemy + typer + rich (the peer)", ("numpy", "sqlalchemy", "typer", "rich")),
    ("pydantic (Typer's option validators)", ("pydantic", "typer._adapters")),
    ("backstride.cli.app (entry, registry, state, config)", ("backstride.cli.app",)),
    ("the command's module and its imports", ()),  # filled in from the command's name
    ("first-use imports: SQLite dialect, numpy.ma", ("sqlalchemy.dialects.sqlite", "numpy.ma")),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", help="status, load, shoes, pain or plan")
    parser.add_argument("--db", required=True, metavar="URL")
    parser.add_argument("--on", default="2026-06-30", metavar="YYYY-MM-DD")
    args = parser.parse_args()
    module = {"shoes": "backstride.cli.shoes", "pain": "backstride.cli.pain"}.get(
        args.command, f"backstride.cli.{args.command}"
    )
    spent: list[tuple[str, float]] = []
    for name, modules in PARTS:
        start = time.process_time()
        for m in modules or (module,):
            importlib.import_module(m)
        spent.append((name, time.process_time() - start))
    from backstride.cli.entry import main as run

    sys.argv = ["backstride", "--db", args.db, args.command, "--on", args.on]
    out, sys.stdout = sys.stdout, open(os.devnull, "w")
    start = time.process_time()
    try:
        run()
    except SystemExit:
        pass
    spent.append(("the run (open, read, evaluate, render)", time.process_time() - start))
    sys.stdout = out
    sys.stdout.write("  ".join(f"{name}: {s * 1000:.0f}" for name, s in spent) + "\n")


if __name__ == "__main__":
    main()
