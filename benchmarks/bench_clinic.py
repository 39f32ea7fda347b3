"""Benchmark: the clinic server under a bounded load, on loopback (issue 17).

Not a test: run it by hand and copy the tables into BENCHMARKS.md.

    PYTHONPATH=src python benchmarks/bench_clinic.py                     # build, run, drop
    PYTHONPATH=src python benchmarks/bench_clinic.py --keep-schema bench_clinic
    PYTHONPATH=src python benchmarks/bench_clinic.py --schema bench_clinic --repeat 3

**Set-up.** A fresh PostgreSQL schema (``backstride db upgrade``), ``--athletes`` athlete
accounts (default 50), each with ``--years`` (2) of runs, about four a week: real-shaped 1 Hz
FIT files from ``benchmarks/fit_runs.py`` (GPS, heart rate, cadence, a third with running
dynamics, laps, pauses), written by two generator processes while this one imports them
through the service layer (``service.import_paths``, two decoding workers: the same path as
``backstride import``). Every athlete has a short pain diary and a red-flag screen; a few
screens raise R2 (fever), so the clinicians' lists have something to put first.
``--clinicians`` (4) clinician accounts; every athlete shares with one of them (round
robin; every fourth share is "summaries", the others "all"). Building takes minutes:
``--keep-schema NAME`` keeps what was built and ``--schema NAME`` runs on it again.

**The run.** ``backstride server`` with ``--web-processes`` (2) uvicorn processes, and
``--workers`` (2) ``backstride worker`` processes, all on this machine against the one
database. ``--sessions`` (20) clients sign in through ``/login`` (each its own session cookie
and CSRF token; four in five are athletes, the rest clinicians) and browse for ``--seconds``
(60): each picks its next page from a weighted mix, waits for the whole answer, thinks for a
random time (exponential, mean ``--think`` seconds; 0 makes it a saturation test) and goes on.
Athletes read the overview, load, pain, the activity list, one of their activities, and the
JSON API (status, the load chart, an activity's streams); clinicians read their athlete list
and a shared athlete's pages and JSON. Every ``--upload-every`` seconds one athlete session
uploads two new runs (the import form: a job the workers process). Afterwards it waits for
the jobs to finish (at most ``--drain`` seconds) and reads their outcome from the ``jobs``
table.

**Reported**: p50/p95/p99 latency per page and over every page (GETs; the uploads apart),
requests per second, errors (any status but 200 on a page, 303 on an upload, any exception
or timeout), the jobs completed and their time from upload to done, the load average, and
the CPU seconds of the web processes, the workers and this client. Target (issue 17): p95 <
300 ms over the pages, 0 errors. ``--profile DIR`` samples the stacks of every thread of
each web process every 5 ms (``benchmarks/profile_hook/sitecustomize.py``: py-spy is not
available, and cProfile does not see the thread pool that answers the routes) into
``DIR/<pid>.top`` and ``.folded``, to say where the time goes.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import platform
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fit_runs import run_fit

ROOT = Path(__file__).resolve().parent.parent
POSTGRES = os.environ.get(
    "BACKSTRIDE_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
PASSWORD = "load-test-password"
SEED = 17
#: Athletes whose latest screen raises R2 (fever): every tenth.
RED_FLAG_EVERY = 10
FEVER = {"fever": True}


def athlete_name(index: int) -> str:
    return f"athlete{index:03d}"


def clinician_name(index: int) -> str:
    return f"clinician{index:02d}"


def emit(line: str = "") -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


# -- the database -----------------------------------------------------------------------------


def schema_url(schema: str) -> str:
    separator = "&" if "?" in POSTGRES else "?"
    return f"{POSTGRES}{separator}options=-csearch_path%3D{schema}"


def _admin_engine():  # type: ignore[no-untyped-def]
    import sqlalchemy as sa

    return sa.create_engine(POSTGRES)


def create_schema(schema: str) -> str:
    """A new, empty schema migrated by ``backstride db upgrade``; its URL."""
    import sqlalchemy as sa

    engine = _admin_engine()
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    url = schema_url(schema)
    backstride("--db", url, "db", "upgrade")
    return url


def drop_schema(schema: str) -> None:
    import sqlalchemy as sa

    engine = _admin_engine()
    with engine.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


def backstride(*args: str, stdin: str | None = None) -> str:
    """Run the command line in a child process (this checkout's code); its output."""
    done = subprocess.run(
        [sys.executable, "-m", "backstride", *args],
        input=stdin,
        env=_env(),
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"backstride {' '.join(args)} failed: {done.stderr.strip()[-2000:]}")
    return done.stdout


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT / "src")}


# -- building the population ------------------------------------------------------------------


def _write_runs(job: tuple[int, int, float, str, str]) -> tuple[int, str, int]:
    """One athlete's runs as FIT files in a folder of their own (a generator process)."""
    index, years, per_week, last, folder = job
    rng = np.random.default_rng([SEED, index])
    end = date.fromisoformat(last)
    days = 365 * years + years // 4
    out = Path(folder) / f"{athlete_name(index)}-{years}y-{per_week:g}pw-{last}"
    complete = out / "complete"
    if complete.exists():  # written by an earlier set-up into --runs-cache
        return index, str(out), int(complete.read_text())
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    count = 0
    for k in range(days):
        day = end - timedelta(days=days - 1 - k)
        if rng.random() >= per_week / 7:
            continue
        start = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(
            seconds=int(rng.uniform(6, 19) * 3600)
        )
        data, _ = run_fit(index * 10_000 + k, start)
        (out / f"{day.isoformat()}.fit").write_bytes(data)
        count += 1
    complete.write_text(str(count))
    return index, str(out), count


@dataclass
class Built:
    athletes: int
    runs: int
    seconds: float


def build(
    url: str,
    *,
    athletes: int,
    years: int,
    clinicians: int,
    per_week: float,
    runs_cache: Path | None = None,
) -> Built:
    """Accounts, runs, diaries, screens and shares (see the module docstring). The FIT files
    are written to ``runs_cache`` and kept for the next set-up, or to a temporary folder."""
    from backstride import service
    from backstride.service import accounts, sharing
    from backstride.store import open_store

    started = time.perf_counter()
    today = datetime.now(UTC).date()
    last_run = today - timedelta(days=1)
    runs = 0
    folder = runs_cache or Path(tempfile.mkdtemp(prefix="bench-clinic-"))
    try:
        with open_store(url) as store:
            accounts.create_account(store, "admin", "admin", password=PASSWORD)
            staff = [
                accounts.create_account(
                    store,
                    clinician_name(j),
                    "clinician",
                    password=PASSWORD,
                    display_name=f"Physio {j}",
                )
                for j in range(clinicians)
            ]
            jobs = [
                (i, years, per_week, last_run.isoformat(), str(folder)) for i in range(athletes)
            ]
            context = multiprocessing.get_context("fork")
            with context.Pool(2) as pool:
                for index, path, count in pool.imap(_write_runs, jobs):
                    name = athlete_name(index)
                    account = accounts.create_account(store, name, "athlete", password=PASSWORD)
                    report = service.import_paths(store, [Path(path)], athlete=name, jobs=2)
                    if runs_cache is None:
                        shutil.rmtree(path)
                    if report.failed or report.imported != count:
                        raise SystemExit(f"{name}: {report.imported} of {count} imported")
                    runs += count
                    _diary(store, name, index, today)
                    clinician = staff[index % clinicians]
                    scope = "summaries" if index % 4 == 3 else "all"
                    sharing.share_with(store, account, clinician.name, scope)
                    emit(f"  {name}: {count} runs, shared with {clinician.name} ({scope})")
    finally:
        if runs_cache is None:
            shutil.rmtree(folder, ignore_errors=True)
    return Built(athletes, runs, time.perf_counter() - started)


def _diary(store: object, name: str, index: int, today: date) -> None:
    """A next-morning pain entry every few days of the last 8 weeks, and a screen: clean,
    or (every tenth athlete) with a fever, which raises R2."""
    from backstride import service
    from backstride.service.screening import FIELDS

    rng = np.random.default_rng([SEED, index, 1])
    for back in range(56, 0, -3):
        service.log_pain(
            store,  # type: ignore[arg-type]
            int(rng.integers(0, 4)),
            moment="next_morning",
            day=today - timedelta(days=back),
            athlete=name,
        )
    answers: dict[str, bool | None] = dict.fromkeys(FIELDS, False)
    if index % RED_FLAG_EVERY == 0:
        answers.update(FEVER)
    service.take_screen(store, answers, day=today - timedelta(days=2), athlete=name)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Population:
    athletes: list[str]
    #: clinician name -> the account ids of the athletes who share with them
    clinicians: dict[str, list[int]]


def empty_results(url: str) -> None:
    """Forget every stored result (``cached_results``, migration 0014)."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("TRUNCATE cached_results"))
    finally:
        engine.dispose()


def population(url: str) -> Population:
    """Who is in the store (built now or earlier): athletes, clinicians and their shares."""
    from backstride.service import accounts, sharing
    from backstride.store import open_store

    with open_store(url) as store:
        everyone = accounts.list_accounts(store)
        athletes = sorted(a.name for a in everyone if a.role == "athlete")
        clinicians = {
            a.name: sorted(s.athlete_account_id for s in sharing.shared_with(store, a))
            for a in everyone
            if a.role == "clinician"
        }
    return Population(athletes, clinicians)


# -- the processes under test -----------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Processes:
    web: subprocess.Popen[bytes]
    workers: list[subprocess.Popen[bytes]]
    base: str
    logs: Path

    def stop(self) -> None:
        for process in [self.web, *self.workers]:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in [self.web, *self.workers]:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def start(url: str, *, web: int, workers: int, profile: Path | None, logs: Path) -> Processes:
    """``backstride server`` and the workers, each its own process group, logs to files."""
    port = free_port()
    env = _env()
    if profile is not None:
        profile.mkdir(parents=True, exist_ok=True)
        env["BACKSTRIDE_BENCH_PROFILE"] = str(profile)
        env["PYTHONPATH"] = f"{ROOT / 'benchmarks' / 'profile_hook'}:{env['PYTHONPATH']}"
    command = [sys.executable, "-m", "backstride", "--db", url, "server", "--host",
               "127.0.0.1", "--port", str(port), "--workers", str(web),
               "--allowed-host", "127.0.0.1"]  # fmt: skip
    logs.mkdir(parents=True, exist_ok=True)
    server = subprocess.Popen(
        command, env=env, stdout=open(logs / "server.log", "wb"), stderr=subprocess.STDOUT
    )
    crew = [
        subprocess.Popen(
            [sys.executable, "-m", "backstride", "--db", url, "worker"],
            env=_env(),
            stdout=open(logs / f"worker{n}.log", "wb"),
            stderr=subprocess.STDOUT,
        )
        for n in range(workers)
    ]
    base = f"http://127.0.0.1:{port}"
    processes = Processes(server, crew, base, logs)
    deadline = time.monotonic() + 60
    import httpx

    while True:
        if server.poll() is not None:
            raise SystemExit(f"the server exited: {(logs / 'server.log').read_text()[-2000:]}")
        try:
            if httpx.get(f"{base}/login", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            processes.stop()
            raise SystemExit("the server did not answer within 60 s")
        time.sleep(0.2)
    return processes


def tree_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) of a process and its descendants, as /proc has them."""
    total, todo = 0.0, [pid]
    ticks = os.sysconf("SC_CLK_TCK")
    while todo:
        current = todo.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            continue
    return total


# -- the clients --------------------------------------------------------------------------------

ATHLETE_MIX: list[tuple[str, int]] = [
    ("overview", 20), ("load", 14), ("pain", 10), ("activities", 10), ("activity", 14),
    ("api status", 12), ("api load chart", 8), ("api streams", 6), ("api activities", 6),
]  # fmt: skip
CLINICIAN_MIX: list[tuple[str, int]] = [
    ("clinician list", 25), ("shared overview", 20), ("shared load", 14), ("shared pain", 10),
    ("shared activities", 8), ("shared activity", 10), ("shared api status", 13),
]  # fmt: skip
TOKEN = re.compile(r'name="csrf_token"\s+value="([^"]+)"')


@dataclass
class Tally:
    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    uploads: int = 0


class Session:
    """One signed-in browser: its own cookie and CSRF token, its own connection pool."""

    def __init__(self, base: str, name: str, tally: Tally, rng: random.Random) -> None:
        import httpx

        self.name = name
        self.tally = tally
        self.rng = rng
        # Idle connections are dropped after 4 s, before the server's 5 s keep-alive
        # timeout (cli/serve.SERVER_LIMITS): with both at 5 s, a request sent on a
        # connection the server is closing at that moment fails with a read error, which a
        # browser would retry silently and httpx does not.
        self.client = httpx.AsyncClient(
            base_url=base,
            timeout=30,
            follow_redirects=False,
            limits=httpx.Limits(keepalive_expiry=4.0),
        )
        self.cookie = ""
        self.csrf = ""
        self.ids: list[int] = []
        self.shared: dict[int, list[int]] = {}

    async def sign_in(self) -> None:
        page = await self.client.get("/login")
        token = TOKEN.search(page.text)
        answer = await self.client.post(
            "/login",
            data={
                "name": self.name,
                "password": PASSWORD,
                "csrf_token": token.group(1) if token else "",
            },
            headers={"cookie": _cookies(page)},
        )
        if answer.status_code != 303:
            raise SystemExit(f"{self.name}: sign-in answered {answer.status_code}")
        self.cookie = _cookies(answer)
        home = await self.get_text("/")
        found = TOKEN.search(home)
        self.csrf = found.group(1) if found else ""

    async def get_text(self, path: str) -> str:
        answer = await self.client.get(path, headers={"cookie": self.cookie})
        answer.raise_for_status()
        return answer.text

    async def activity_ids(self, athlete: int | None = None) -> list[int]:
        query = "" if athlete is None else f"?athlete={athlete}"
        answer = await self.client.get(f"/api/activities{query}", headers={"cookie": self.cookie})
        answer.raise_for_status()
        return [int(a["id"]) for a in answer.json()]

    async def timed(self, label: str, path: str) -> None:
        started = time.perf_counter()
        try:
            answer = await self.client.get(path, headers={"cookie": self.cookie})
            await answer.aread()
        except Exception as e:  # any exception is an error of the run, counted
            self.tally.errors.append(f"{label} {path}: {type(e).__name__}: {e}")
            return
        elapsed = (time.perf_counter() - started) * 1000
        if answer.status_code != 200:
            self.tally.errors.append(f"{label} {path}: HTTP {answer.status_code}")
            return
        self.tally.times[label].append(elapsed)

    async def upload(self, files: list[tuple[str, bytes]]) -> None:
        started = time.perf_counter()
        parts = [("files", (name, data, "application/octet-stream")) for name, data in files]
        try:
            answer = await self.client.post(
                "/import",
                data={"csrf_token": self.csrf},
                files=parts,
                headers={"cookie": self.cookie},
            )
        except Exception as e:  # counted like any other failed request
            self.tally.errors.append(f"upload: {type(e).__name__}: {e}")
            return
        if answer.status_code != 303:
            self.tally.errors.append(f"upload: HTTP {answer.status_code} {answer.text[:200]}")
            return
        self.tally.times["upload (POST /import)"].append((time.perf_counter() - started) * 1000)
        self.tally.uploads += 1

    async def close(self) -> None:
        await self.client.aclose()


def _cookies(answer: object) -> str:
    """The ``Cookie`` header for the cookies an answer set: sent by hand, since httpx (as
    Python's cookie jar) keeps a ``Secure`` cookie away from plain http, which loopback is."""
    headers = answer.headers  # type: ignore[attr-defined]
    pairs = [value.split(";", 1)[0] for value in headers.get_list("set-cookie")]
    return "; ".join(pairs)


def _pick(rng: random.Random, mix: list[tuple[str, int]]) -> str:
    return rng.choices([name for name, _ in mix], [weight for _, weight in mix])[0]


async def athlete_loop(session: Session, until: float, think: float) -> None:
    rng = session.rng
    while time.monotonic() < until:
        page = _pick(rng, ATHLETE_MIX)
        one = rng.choice(session.ids) if session.ids else 0
        path = {
            "overview": "/",
            "load": "/load",
            "pain": "/pain",
            "activities": "/activities",
            "activity": f"/activities/{one}",
            "api status": "/api/status",
            "api load chart": "/api/load/chart",
            "api streams": f"/api/activities/{one}/streams?max_points=600",
            "api activities": "/api/activities",
        }[page]
        await session.timed(page, path)
        if think:
            await asyncio.sleep(min(rng.expovariate(1 / think), max(0.0, until - time.monotonic())))


async def clinician_loop(session: Session, until: float, think: float) -> None:
    rng = session.rng
    while time.monotonic() < until:
        page = _pick(rng, CLINICIAN_MIX)
        athlete = rng.choice(list(session.shared))
        ids = session.shared[athlete]
        one = rng.choice(ids) if ids else 0
        q = f"athlete={athlete}"
        path = {
            "clinician list": "/",
            "shared overview": f"/?{q}",
            "shared load": f"/load?{q}",
            "shared pain": f"/pain?{q}",
            "shared activities": f"/activities?{q}",
            "shared activity": f"/activities/{one}?{q}",
            "shared api status": f"/api/status?{q}",
        }[page]
        await session.timed(page, path)
        if think:
            await asyncio.sleep(min(rng.expovariate(1 / think), max(0.0, until - time.monotonic())))


async def uploader(sessions: list[Session], until: float, every: float) -> None:
    """Two new runs every ``every`` seconds, from the athlete sessions in turn."""
    today = datetime.now(UTC).date()
    n = 0
    while time.monotonic() + every < until:
        await asyncio.sleep(every)
        session = sessions[n % len(sessions)]
        files = []
        for k in range(2):
            day = today - timedelta(days=1 + (n * 2 + k) % 20)
            start = datetime(day.year, day.month, day.day, 5, 0, tzinfo=UTC) + timedelta(
                minutes=7 * (n * 2 + k)
            )
            data, _ = run_fit(9_000_000 + n * 2 + k, start)
            files.append((f"upload-{n}-{k}.fit", data))
        await session.upload(files)
        n += 1


@dataclass
class RunResult:
    tally: Tally
    seconds: float
    load_before: str
    load_after: str
    web_cpu_s: float
    worker_cpu_s: float
    client_cpu_s: float
    jobs: dict[str, int]
    job_seconds: list[float]


async def browse(
    base: str,
    people: Population,
    *,
    sessions: int,
    clinicians: int,
    seconds: float,
    think: float,
    every: float,
) -> tuple[Tally, float]:
    tally = Tally()
    clinicians = min(clinicians, sessions) if people.clinicians else 0
    staff = sorted(people.clinicians)
    crowd: list[Session] = []
    for n in range(sessions):
        rng = random.Random(SEED * 1000 + n)
        if n < clinicians:
            session = Session(base, staff[n % len(staff)], tally, rng)
        else:
            session = Session(base, people.athletes[n % len(people.athletes)], tally, rng)
        crowd.append(session)
    await asyncio.gather(*(s.sign_in() for s in crowd))
    for n, session in enumerate(crowd):
        if n < clinicians:
            for athlete in people.clinicians[session.name]:
                session.shared[athlete] = await session.activity_ids(athlete)
        else:
            session.ids = await session.activity_ids()
    started = time.monotonic()
    until = started + seconds
    tasks = [
        clinician_loop(s, until, think) if n < clinicians else athlete_loop(s, until, think)
        for n, s in enumerate(crowd)
    ]
    if every > 0:
        tasks.append(uploader(crowd[clinicians:], until, every))
    await asyncio.gather(*tasks)
    elapsed = time.monotonic() - started
    for session in crowd:
        await session.close()
    return tally, elapsed


def job_outcome(url: str, since: datetime, drain: float) -> tuple[dict[str, int], list[float]]:
    """The jobs created since ``since``: counts by state once none is queued or running (or
    ``drain`` seconds passed), and each finished job's seconds from creation to its end."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    deadline = time.monotonic() + drain
    try:
        while True:
            with engine.connect() as conn:
                rows = conn.execute(
                    sa.text(
                        "SELECT state, created_at, updated_at FROM jobs WHERE created_at >= :s"
                    ),
                    {"s": since},
                ).all()
            states: dict[str, int] = defaultdict(int)
            for row in rows:
                states[row.state] += 1
            if not (states["queued"] or states["running"]) or time.monotonic() > deadline:
                break
            time.sleep(1)
    finally:
        engine.dispose()
    durations = sorted(
        (row.updated_at - row.created_at).total_seconds() for row in rows if row.state == "done"
    )
    return dict(states), durations


def run_once(url: str, people: Population, args: argparse.Namespace, logs: Path) -> RunResult:
    processes = start(
        url, web=args.web_processes, workers=args.workers, profile=args.profile, logs=logs
    )
    try:
        load_before = Path("/proc/loadavg").read_text().split()[:3]
        since = datetime.now(UTC)
        web0 = tree_cpu_s(processes.web.pid)
        workers0 = sum(tree_cpu_s(w.pid) for w in processes.workers)
        client0 = time.process_time()
        tally, seconds = asyncio.run(
            browse(
                processes.base, people, sessions=args.sessions,
                clinicians=args.clinician_sessions, seconds=args.seconds, think=args.think,
                every=args.upload_every,
            )
        )  # fmt: skip
        web_cpu = tree_cpu_s(processes.web.pid) - web0
        client_cpu = time.process_time() - client0
        load_after = Path("/proc/loadavg").read_text().split()[:3]
        jobs, job_seconds = job_outcome(url, since, args.drain)
        worker_cpu = sum(tree_cpu_s(w.pid) for w in processes.workers) - workers0
    finally:
        processes.stop()
    return RunResult(
        tally, seconds, " ".join(load_before), " ".join(load_after), web_cpu, worker_cpu,
        client_cpu, jobs, job_seconds,
    )  # fmt: skip


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile of sorted values."""
    index = max(0, min(len(values) - 1, int(np.ceil(q / 100 * len(values))) - 1))
    return values[index]


def report(result: RunResult) -> None:
    tally = result.tally
    pages = [t for label, ts in tally.times.items() if not label.startswith("upload") for t in ts]
    emit(f"load average before {result.load_before}, after {result.load_after}")
    emit("\n| page | requests | p50 ms | p95 ms | p99 ms | max ms |\n|---|---|---|---|---|---|")
    for label in sorted(tally.times, key=lambda k: -len(tally.times[k])):
        times = sorted(tally.times[label])
        emit(
            f"| {label} | {len(times)} | {percentile(times, 50):.0f} | {percentile(times, 95):.0f}"
            f" | {percentile(times, 99):.0f} | {times[-1]:.0f} |"
        )
    pages.sort()
    if pages:
        emit(
            f"| **all pages** | {len(pages)} | {percentile(pages, 50):.0f} | "
            f"{percentile(pages, 95):.0f} | {percentile(pages, 99):.0f} | {pages[-1]:.0f} |"
        )
    emit(
        f"\n{len(pages) / result.seconds:.1f} page requests/s over {result.seconds:.1f} s; "
        f"errors: {len(tally.errors)}; uploads: {tally.uploads}"
    )
    for line in tally.errors[:20]:
        emit(f"  error: {line}")
    done = result.job_seconds
    emit(
        f"jobs: {result.jobs or 'none'}"
        + (
            f"; upload to done: median {np.median(done):.1f} s, max {done[-1]:.1f} s"
            if done
            else ""
        )
    )
    emit(
        f"CPU: web {result.web_cpu_s:.1f} s, workers {result.worker_cpu_s:.1f} s, "
        f"this client {result.client_cpu_s:.1f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--athletes", type=int, default=50)
    parser.add_argument("--years", type=int, default=2)
    parser.add_argument("--runs-per-week", type=float, default=4.0)
    parser.add_argument("--clinicians", type=int, default=4)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument(
        "--clinician-sessions", type=int, help="of the sessions (default: one in five)"
    )
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--think", type=float, default=1.0, help="mean think time, s (0: none)")
    parser.add_argument("--upload-every", type=float, default=5.0, help="s between uploads")
    parser.add_argument("--web-processes", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--drain", type=float, default=180.0, help="s to wait for the jobs")
    parser.add_argument("--repeat", type=int, default=1, help="runs on the same store")
    parser.add_argument("--schema", help="run on this already built schema (skip the set-up)")
    parser.add_argument("--keep-schema", metavar="NAME", help="build into NAME and keep it")
    parser.add_argument("--build-only", action="store_true", help="build (with --keep-schema)")
    parser.add_argument(
        "--runs-cache", type=Path, help="keep the generated FIT files in DIR for the next set-up"
    )
    parser.add_argument("--profile", type=Path, help="sample each web process's stacks into DIR")
    parser.add_argument(
        "--empty-results",
        action="store_true",
        help="empty the stored results (cached_results) before the first run: a server's "
        "first minute, every result computed once",
    )
    parser.add_argument("--logs", type=Path, default=Path(tempfile.gettempdir()) / "bench-clinic")
    args = parser.parse_args()
    if args.clinician_sessions is None:
        args.clinician_sessions = max(1, args.sessions // 5)

    emit(
        f"python {platform.python_version()}, {os.cpu_count()} CPUs "
        f"({_cpu_model()}), {platform.machine()}; commit {_commit()}"
    )
    schema = args.schema or args.keep_schema or f"bench_clinic_{uuid.uuid4().hex[:8]}"
    drop = args.schema is None and args.keep_schema is None
    try:
        if args.schema is None:
            url = create_schema(schema)
            emit(f"building schema {schema}: {args.athletes} athletes x {args.years} years")
            built = build(
                url, athletes=args.athletes, years=args.years, clinicians=args.clinicians,
                per_week=args.runs_per_week, runs_cache=args.runs_cache,
            )  # fmt: skip
            emit(f"built: {built.runs} runs of {built.athletes} athletes in {built.seconds:.0f} s")
        else:
            url = schema_url(schema)
            backstride("--db", url, "db", "upgrade")  # a store built by an older version
        if args.build_only:
            return
        people = population(url)
        if args.empty_results:
            empty_results(url)
            emit("stored results emptied: the first run computes every result once")
        emit(
            f"store: {len(people.athletes)} athletes, {len(people.clinicians)} clinicians "
            f"({', '.join(f'{k}: {len(v)} athletes' for k, v in people.clinicians.items())})"
        )
        emit(
            f"run: {args.sessions} sessions ({args.clinician_sessions} clinicians) for "
            f"{args.seconds:.0f} s, think {args.think} s mean, "
            f"{args.web_processes} web processes, {args.workers} workers, "
            f"an upload of 2 runs every {args.upload_every} s"
        )
        for n in range(args.repeat):
            emit(f"\n### run {n + 1} of {args.repeat}")
            report(run_once(url, people, args, args.logs / f"run{n + 1}"))
    finally:
        if drop:
            drop_schema(schema)


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown CPU"


def _commit() -> str:
    done = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    )
    return done.stdout.strip() or "unknown"


if __name__ == "__main__":
    main()
