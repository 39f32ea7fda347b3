"""Benchmark: the dashboard's overview and load pages for an athlete with 10 years of data.

Not a test: run it by hand and copy the table into BENCHMARKS.md.

    PYTHONPATH=src python benchmarks/bench_web.py
    PYTHONPATH=src python benchmarks/bench_web.py --requests 200 --server

The store (SQLite, in a temporary folder) is generated: one activity a day for 10 years
(about 70% runs, the rest rides, swims, strength and walks), and every run of the last year
with one-second streams (speed, heart rate, cadence, vertical oscillation, ground contact,
balance, altitude), as a watch with running dynamics records them: the overview's form rules
read those streams. Also a pain diary (a next-morning entry after most runs of the last
year), two shoes and a red-flag screen without findings.

Each page is requested ``--requests`` times after a warm-up, in-process through Starlette's
TestClient (the whole ASGI app, templates included, no network), or with ``--server``
through a real uvicorn on 127.0.0.1 and an httpx client. p50/p95 are of the wall time per
request. Target (issue 7): p95 < 150 ms for the overview and the load page.

The app keeps results until the database changes (``service/cache.py``), so repeated
requests measure the cached path; ``--no-cache`` measures the first request after any change
(an import, a pain entry ...), which computes everything.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np

from backstride import service
from backstride.config import Settings
from backstride.model import Activity, Gear, Streams, Summary
from backstride.service import charts
from backstride.service.screening import FIELDS
from backstride.store import activities as activity_rows
from backstride.store import gear as gear_rows
from backstride.store import open_store, transaction
from backstride.store import pain as pain_rows
from backstride.store.athletes import get_or_create_athlete
from backstride.units import Channel
from backstride.web import create_app

AS_OF = date(2026, 6, 30)
OTHER = ("cycling", "swimming", "training", "walking")


def _streams(rng: np.random.Generator, minutes: float, speed: float) -> Streams:
    n = int(minutes * 60)
    t = np.arange(n, dtype=np.float64)
    v = np.clip(speed + rng.normal(0, 0.15, n).cumsum() * 0.01, 1.5, 6.0)
    cadence = 150 + 8 * v + rng.normal(0, 2, n)
    return Streams(
        t,
        {
            Channel.SPEED_MPS: v,
            Channel.DISTANCE_M: np.cumsum(v),
            Channel.HEART_RATE_BPM: 130 + 8 * v + rng.normal(0, 3, n),
            Channel.CADENCE_SPM: cadence,
            Channel.ALTITUDE_M: 100 + np.sin(t / 600) * 5,
            Channel.VERTICAL_OSCILLATION_M: 0.085 + rng.normal(0, 0.004, n),
            Channel.STANCE_TIME_S: 0.26 - 0.01 * (v - 3) + rng.normal(0, 0.005, n),
            Channel.STANCE_TIME_BALANCE_LEFT_PCT: 50 + rng.normal(0, 0.6, n),
        },
    )


def build_store(folder: Path, *, years: int = 10, seed: int = 0) -> tuple[str, int]:
    """Fill an SQLite store; returns its URL and the number of activities."""
    rng = np.random.default_rng(seed)
    url = f"sqlite:///{folder / 'ten-years.db'}"
    store = open_store(url)
    n_days = 365 * years + years // 4
    first = AS_OF - timedelta(days=n_days - 1)
    count = 0
    try:
        with transaction(store) as conn:
            athlete = get_or_create_athlete(conn, "local").id
            shoes = [gear_rows.upsert_gear(conn, athlete, Gear(name=f"Shoe {i}")) for i in range(2)]
            for k in range(n_days):
                day = first + timedelta(days=k)
                start = datetime(day.year, day.month, day.day, 6, 30, tzinfo=UTC)
                run = rng.random() < 0.7
                if run:
                    km = float(rng.gamma(4.0, 2.5))
                    speed = float(rng.uniform(2.6, 3.6))
                    minutes = km * 1000 / speed / 60
                    recent = (AS_OF - day).days < 365
                    activity = Activity(
                        sport="running",
                        start_at=start,
                        summary=Summary(
                            elapsed_s=minutes * 60,
                            timer_s=minutes * 60,
                            distance_m=km * 1000,
                            avg_speed_mps=speed,
                            avg_hr_bpm=150.0,
                            avg_cadence_spm=170.0,
                        ),
                        source_format="fit",
                        streams=_streams(rng, minutes, speed) if recent else Streams(np.zeros(0)),
                    )
                else:
                    minutes = float(rng.uniform(20, 90))
                    activity = Activity(
                        sport=str(rng.choice(OTHER)),
                        start_at=start,
                        summary=Summary(elapsed_s=minutes * 60, timer_s=minutes * 60),
                        source_format="fit",
                    )
                activity_id = activity_rows.add_activity(
                    conn, athlete, activity, source_name=f"gen-{k}.fit", imported_at=start
                )
                count += 1
                if run:
                    gear_rows.assign_gear(conn, activity_id, shoes[k % 2], "user")
                    if (AS_OF - day).days < 365 and rng.random() < 0.8:
                        pain_rows.add_pain_entry(
                            conn,
                            athlete,
                            day=day + timedelta(days=1),
                            nrs=int(rng.integers(0, 4)),
                            moment="next_morning",
                            activity_id=activity_id,
                            leg_symptoms="none",
                            note=None,
                        )
        service.take_screen(store, dict.fromkeys(FIELDS, False), day=AS_OF)
    finally:
        store.close()
    return url, count


def _client_get(url: str, cache: int) -> tuple[Callable[[str], int], Callable[[], None]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient

    app = create_app(Settings(database_url=url), cache_size=cache)
    client = TestClient(app, base_url="http://127.0.0.1")
    client.__enter__()

    def get(path: str) -> int:
        return client.get(path).status_code

    return get, lambda: client.__exit__(None, None, None)


def _server_get(url: str, cache: int) -> tuple[Callable[[str], int], Callable[[], None]]:
    import socket

    import httpx
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(
        create_app(Settings(database_url=url), cache_size=cache),
        host="127.0.0.1",
        port=port,
        log_level="warning",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}")

    def get(path: str) -> int:
        return client.get(path).status_code

    def stop() -> None:
        client.close()
        server.should_exit = True
        thread.join(10)

    return get, stop


def measure(get: Callable[[str], int], path: str, requests: int) -> tuple[float, float, float]:
    for _ in range(3):
        assert get(path) == 200, path
    times = []
    for _ in range(requests):
        start = time.perf_counter()
        status = get(path)
        times.append((time.perf_counter() - start) * 1000)
        assert status == 200, path
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * len(times)) - 1)]
    return statistics.median(times), p95, times[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--server", action="store_true", help="through uvicorn and httpx")
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="compute every request (as the first request after any change to the data)",
    )
    args = parser.parse_args()
    on = AS_OF.isoformat()
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        url, count = build_store(Path(tmp), years=args.years)
        built = time.perf_counter() - start
        emit(f"store: {count} activities over {args.years} years, built in {built:.1f} s")
        emit(
            f"python {platform.python_version()} on {platform.machine()}, "
            f"{'uvicorn + httpx' if args.server else 'TestClient (in-process)'}, "
            f"{'no result cache' if args.no_cache else 'result cache on (repeated requests)'}, "
            f"{args.requests} requests per page after 3 warm-up requests"
        )
        get, stop = (_server_get if args.server else _client_get)(url, 0 if args.no_cache else 64)
        try:
            emit("\n| page | p50 ms | p95 ms | max ms |\n|---|---|---|---|")
            for path in (
                f"/?on={on}",
                f"/load?on={on}",
                f"/load?on={on}&weeks=520",
                f"/api/status?on={on}",
                f"/api/load/chart?on={on}",
            ):
                p50, p95, worst = measure(get, path, args.requests)
                emit(f"| `{path}` | {p50:.0f} | {p95:.0f} | {worst:.0f} |")
        finally:
            stop()
        # The same work without HTTP, templates or cache: what the service layer costs (at
        # most 20 calls each).
        store = open_store(url)
        try:
            calls: dict[str, Callable[[], object]] = {
                "service.get_status": lambda: service.get_status(store, as_of=AS_OF),
                "charts.load_chart (26 weeks)": lambda: charts.load_chart(store, as_of=AS_OF),
                "service.list_activities": lambda: service.list_activities(store),
            }
            emit("\n| service call | p50 ms | p95 ms | max ms |\n|---|---|---|---|")
            for name, call in calls.items():
                p50, p95, worst = measure(
                    lambda _, call=call: (call(), 200)[1], name, min(args.requests, 20)
                )
                emit(f"| `{name}` | {p50:.0f} | {p95:.0f} | {worst:.0f} |")
        finally:
            store.close()


def emit(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
