"""A stack sampler for ``bench_clinic.py --profile``: every Python process started with this
folder on ``PYTHONPATH`` and ``BACKSTRIDE_BENCH_PROFILE=DIR`` samples the stacks of all its
threads every 5 ms and writes, at exit, ``DIR/<pid>.folded`` (one line per distinct stack,
``frame;frame;... count``, as flame-graph tools read) and ``DIR/<pid>.top`` (the functions
with the most samples on the stack and on top of it). The files are rewritten every 2 s as
well: uvicorn ends a server stopped by SIGTERM with that signal again, and atexit does not
run then.

A sampler, not cProfile: the web app answers synchronous routes in a thread pool, which a
per-thread profiler (cProfile, pyinstrument) does not see; py-spy is not available here.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
import time
from collections import Counter
from pathlib import Path

_FOLDER = os.environ.get("BACKSTRIDE_BENCH_PROFILE")
_INTERVAL_S = 0.005
_IDLE = ("select (selectors.py", "wait (threading.py", "get (queue.py", "poll (selectors.py")


def _frames(frame: object) -> list[str]:
    names: list[str] = []
    while frame is not None:
        code = frame.f_code  # type: ignore[attr-defined]
        names.append(f"{code.co_name} ({Path(code.co_filename).name}:{code.co_firstlineno})")
        frame = frame.f_back  # type: ignore[attr-defined]
    names.reverse()
    return names


def _start(folder: Path) -> None:
    stacks: Counter[tuple[str, ...]] = Counter()
    stop = threading.Event()

    def sample() -> None:
        me = threading.get_ident()
        last_write = time.monotonic()
        while not stop.wait(_INTERVAL_S):
            if time.monotonic() - last_write > 2:
                write()
                last_write = time.monotonic()
            for ident, frame in sys._current_frames().items():
                if ident == me:
                    continue
                names = _frames(frame)
                # An idle thread waits in the event loop's selector, a lock or a queue.
                if names and not names[-1].startswith(_IDLE):
                    stacks[tuple(names)] += 1

    def write() -> None:
        pid = os.getpid()
        snapshot = dict(stacks)
        if not snapshot:
            return
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / f"{pid}.folded", "w") as out:
            for names, count in sorted(snapshot.items(), key=lambda item: -item[1]):
                out.write(";".join(names) + f" {count}\n")
        total = sum(snapshot.values())
        inclusive: Counter[str] = Counter()
        own: Counter[str] = Counter()
        for names, count in snapshot.items():
            for name in set(names):
                inclusive[name] += count
            own[names[-1]] += count
        with open(folder / f"{pid}.top", "w") as out:
            out.write(f"{total} busy samples every {_INTERVAL_S * 1000:.0f} ms, process {pid}\n")
            out.write("\non the stack (inclusive):\n")
            for name, count in inclusive.most_common(60):
                out.write(f"{100 * count / total:6.1f}%  {name}\n")
            out.write("\non top (self):\n")
            for name, count in own.most_common(40):
                out.write(f"{100 * count / total:6.1f}%  {name}\n")

    def finish() -> None:
        stop.set()
        write()

    threading.Thread(target=sample, daemon=True, name="bench-sampler").start()
    atexit.register(finish)


if _FOLDER:
    _start(Path(_FOLDER))
