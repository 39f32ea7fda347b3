"""Benchmark: every load series and rule over 10 years of daily data, for one athlete and for
10,000 athletes at once, against a straightforward pandas implementation of the same metrics.

Not a test: run it by hand and copy the table into BENCHMARKS.md.

    PYTHONPATH=src python benchmarks/bench_rules.py
    PYTHONPATH=src python benchmarks/bench_rules.py --athletes 1000 --repeat 3

"All series and rules" means: daily and weekly series (running distance/time/long run, load,
cross-training time per sport, strength sessions), L1 spike for every run, EWMA ACWR, CTL/ATL/
TSB, monotony, strain and its personal 90th percentile, the L1-L6/X1/C1/S1/S2 verdicts on the
last day, and (one athlete) the Finding objects. The pandas version computes the same numbers
from a long DataFrame with pivot/resample/rolling/ewm; the script checks that both agree.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from typing import Any

import numpy as np

from backstride.analysis.series import weekly_series
from backstride.analysis.table import ActivityKind, ActivityTable
from backstride.rules.evaluate import (
    analyse_up_to,
    evaluate,
    evaluate_cohort,
    map_athlete_chunks,
)

AS_OF = date(2025, 12, 31)


def synthetic_table(n_athletes: int, years: int, seed: int = 0) -> ActivityTable:
    """One activity a day per athlete: runs on ~70% of days, otherwise another sport."""
    rng = np.random.default_rng(seed)
    n_days = 365 * years + years // 4
    first = np.datetime64(AS_OF) - np.timedelta64(n_days - 1, "D")
    n = n_days * n_athletes
    athlete = np.repeat(np.arange(n_athletes, dtype=np.int64), n_days)
    day = np.tile(np.arange(n_days), n_athletes)
    run = rng.random(n) < 0.7
    other = rng.choice(
        np.array(
            [ActivityKind.RIDE, ActivityKind.SWIM, ActivityKind.STRENGTH, ActivityKind.WALK],
            dtype=np.int8,
        ),
        n,
    )
    kind = np.where(run, np.int8(ActivityKind.RUN), other).astype(np.int8)
    km = np.where(run, rng.gamma(4.0, 2.5, n), rng.gamma(2.0, 5.0, n))
    minutes = np.where(run, km * rng.uniform(4.5, 7.0, n), rng.uniform(20, 90, n))
    rpe = np.where(rng.random(n) < 0.5, rng.integers(2, 9, n).astype(float), np.nan)
    shoe = np.where(run, athlete * 3 + rng.integers(0, 2, n), -1)
    return ActivityTable(
        local_date=(first + day).astype("datetime64[D]"),
        kind=kind,
        distance_m=km * 1000,
        duration_s=minutes * 60,
        rpe=rpe,
        avg_hr_bpm=np.full(n, np.nan),
        shoe_id=shoe,
        athlete=athlete,
        activity_id=np.arange(n, dtype=np.int64),
        n_athletes=n_athletes,
    )


def backstride_all(table: ActivityTable, *, findings: bool) -> dict[str, Any]:
    """Series, load analysis and rule verdicts for every athlete (+ one athlete's findings)."""
    analysis = analyse_up_to(table, AS_OF)
    assert analysis is not None
    weekly = weekly_series(analysis.daily, table)
    cohort = evaluate_cohort(table, as_of=AS_OF, analysis=analysis)
    out: dict[str, Any] = {"analysis": analysis, "weekly": weekly, "cohort": cohort}
    if findings:
        out["findings"] = evaluate(table, as_of=AS_OF, analysis=analysis)
    return out


def backstride_cohort(table: ActivityTable, chunk: int, jobs: int) -> dict[str, Any]:
    """The same for a large cohort, ``chunk`` athletes at a time (what a cohort report does),
    the chunks shared among ``jobs`` worker processes (``map_athlete_chunks``, as
    ``evaluate_cohort(jobs=...)`` does).

    Keeps the per-chunk results that a report would show (weekly series, verdicts, lights).
    """

    def one_chunk(part: ActivityTable) -> tuple[Any, Any, Any]:
        out = backstride_all(part, findings=False)
        return out["weekly"].run_distance_m, out["cohort"].ranks, out["cohort"].lights()

    parts = map_athlete_chunks(one_chunk, table, chunk_athletes=chunk, jobs=jobs)
    return {
        "weekly_km_all": np.concatenate([weekly for weekly, _, _ in parts], axis=1) / 1000,
        "ranks_all": np.concatenate([ranks for _, ranks, _ in parts]),
        "lights_all": [lights for _, _, lights in parts],
    }


def pandas_all(table: ActivityTable) -> dict[str, Any]:
    """The same metrics the straightforward pandas way (wide frames: day x athlete)."""
    import pandas as pd

    df = pd.DataFrame(
        {
            "athlete": table.athlete,
            "date": table.local_date,
            "kind": table.kind,
            "km": table.distance_m / 1000,
            "min": table.duration_s / 60,
            "rpe": table.rpe,
            "shoe": table.shoe_id,
        }
    )
    df["load"] = df["rpe"].fillna(3.0) * df["min"]
    df["is_run"] = df["kind"] == ActivityKind.RUN
    start = df["date"].min() - pd.Timedelta(days=df["date"].min().day_of_week)
    days = pd.date_range(start, pd.Timestamp(AS_OF), freq="D")

    def wide(frame: pd.DataFrame, column: str, how: str = "sum") -> pd.DataFrame:
        pivot = frame.pivot_table(index="date", columns="athlete", values=column, aggfunc=how)
        return pivot.reindex(index=days, fill_value=0.0).fillna(0.0)

    runs = df[df["is_run"]]
    run_km = wide(runs, "km")
    long_run = wide(runs, "km", "max")
    load = wide(df, "load")
    other_min = wide(df[~df["is_run"]], "min")
    strength = wide(df[df["kind"] == ActivityKind.STRENGTH].assign(n=1.0), "n")

    weekly_km = run_km.resample("W-SUN").sum()
    weekly_long = long_run.resample("W-SUN").max()
    weekly_by_kind = df.groupby(["athlete", "kind", pd.Grouper(key="date", freq="W-SUN")])[
        "min"
    ].sum()

    longest_before = long_run.rolling(30, min_periods=1).max().shift(1).fillna(0.0)
    lookup = longest_before.stack()
    key = pd.MultiIndex.from_arrays([runs["date"], runs["athlete"]])
    with np.errstate(divide="ignore"):
        spike = runs["km"].to_numpy() / lookup.reindex(key).to_numpy() - 1

    first_day = df.groupby("athlete")["date"].min()
    started = pd.DataFrame(
        days.to_numpy()[:, None] >= first_day.to_numpy()[None, :], index=days, columns=load.columns
    )
    seen = load.where(started)
    acute = seen.ewm(span=7, adjust=True).mean()
    chronic = seen.ewm(span=28, adjust=True).mean()
    age = started.cumsum()
    acwr = (acute / chronic).where((age >= 28) & (chronic > 1e-12))

    padded = pd.concat([load.iloc[:1] * 0, load])
    ctl = padded.ewm(alpha=1 / 42, adjust=False).mean().iloc[1:]
    atl = padded.ewm(alpha=1 / 7, adjust=False).mean().iloc[1:]
    tsb = (ctl - atl).shift(1).fillna(0.0)

    roll = load.rolling(7)
    mean, sd = roll.mean(), roll.std(ddof=0)
    monotony = (mean / sd).where(sd > 1e-9, np.where(mean > 0, 10.0, 0.0)).clip(upper=10.0)
    monotony = monotony.where(age >= 7)
    load_7d = load.rolling(7, min_periods=1).sum()
    strain = load_7d * monotony
    row = len(days) - 1
    threshold = strain.iloc[[row - 7 * k for k in range(1, 13)]].quantile(0.9)

    run_7d = run_km.rolling(7, min_periods=1).sum()
    change = run_7d.iloc[row] / run_7d.iloc[row - 7] - 1
    other_7d = other_min.rolling(7, min_periods=1).sum().iloc[row]
    strength_7d = strength.rolling(7, min_periods=1).sum().iloc[row]
    shoe_km = runs[runs["shoe"] >= 0].groupby("shoe")["km"].sum()

    verdicts = {
        "L1": pd.cut(spike, [-np.inf, 0.1, 0.3, 1.0, np.inf], labels=False),
        "L2": np.select([change <= 0.1, change <= 0.3], [0, 1], 2),
        "L3": (acwr.iloc[row] >= 1.5).to_numpy(),
        "L6": (monotony.iloc[row] > 2.0).to_numpy() | (strain.iloc[row] > threshold).to_numpy(),
        "X1": (other_7d >= 60).to_numpy(),
        "C1": (strength_7d >= 2).to_numpy(),
        "S1": np.select([shoe_km >= 800, shoe_km >= 480], [2, 1], 0),
    }
    return {
        "weekly_km": weekly_km,
        "weekly_long": weekly_long,
        "weekly_by_kind": weekly_by_kind,
        "spike": spike,
        "acwr": acwr,
        "ctl": ctl,
        "tsb": tsb,
        "monotony": monotony,
        "strain": strain,
        "verdicts": verdicts,
    }


def check_agreement(ours: dict[str, Any], theirs: dict[str, Any], table: ActivityTable) -> float:
    """Largest relative difference between the two implementations' main metrics."""
    la = ours["analysis"]
    row = la.daily.index_of(AS_OF)  # the series runs on to the Sunday after as_of
    pairs = [
        (la.acwr[row], theirs["acwr"].iloc[-1].to_numpy()),
        (la.fitness.ctl[row], theirs["ctl"].iloc[-1].to_numpy()),
        (la.fitness.tsb[row], theirs["tsb"].iloc[-1].to_numpy()),
        (la.monotony[row], theirs["monotony"].iloc[-1].to_numpy()),
        (la.strain[row], theirs["strain"].iloc[-1].to_numpy()),
        (ours["weekly"].run_distance_m[-1] / 1000, theirs["weekly_km"].iloc[-1].to_numpy()),
        (la.spike[table.kind == ActivityKind.RUN], theirs["spike"]),
    ]
    worst = 0.0
    for a, b in pairs:
        a, b = np.asarray(a, float), np.asarray(b, float)
        both = np.isfinite(a) & np.isfinite(b)
        assert (np.isfinite(a) == np.isfinite(b)).all(), "NaN/inf patterns differ"
        scale = np.maximum(np.abs(b[both]), 1e-9)
        worst = max(worst, float(np.max(np.abs(a[both] - b[both]) / scale, initial=0.0)))
    return worst


#: CPU seconds (this process, its worker processes) of the last run of each timed() call.
LAST_CPU: list[tuple[float, float]] = []


def timed(function: Callable[[], Any], repeat: int) -> tuple[float, float, Any, float]:
    """Best and median wall time of ``repeat`` runs, the last result, and the median CPU time
    of this process and its worker processes together."""
    times, cpus, result = [], [], None
    split = (0.0, 0.0)
    for _ in range(repeat):
        gc.collect()
        own, workers = _cpu_s()
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
        own_after, workers_after = _cpu_s()
        split = (own_after - own, workers_after - workers)
        cpus.append(sum(split))
    LAST_CPU.append(split)
    return min(times), statistics.median(times), result, statistics.median(cpus)


def _cpu_s() -> tuple[float, float]:
    """CPU time (user + system) of this process, and of its finished child processes."""
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--athletes", type=int, default=10_000)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3, help="repeats of the cohort runs")
    parser.add_argument("--single-repeat", type=int, default=30)
    parser.add_argument("--chunk", type=int, default=250, help="athletes per chunk")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes for the cohort")
    parser.add_argument("--no-pandas", action="store_true", help="skip pandas on the cohort")
    args = parser.parse_args()

    rows: list[tuple[str, str, int, float, float, float]] = []
    one = synthetic_table(1, args.years, seed=1)
    best, median, ours, cpu = timed(lambda: backstride_all(one, findings=True), args.single_repeat)
    rows.append(("1 athlete", "backstride (NumPy), incl. findings", len(one), best, median, cpu))
    best_pd, median_pd, theirs, cpu = timed(
        lambda: pandas_all(one), max(3, args.single_repeat // 5)
    )
    rows.append(("1 athlete", "pandas, same metrics", len(one), best_pd, median_pd, cpu))
    agree_one = check_agreement(ours, theirs, one)
    n_findings = len(ours["findings"])

    many = synthetic_table(args.athletes, args.years, seed=2)
    chunk = args.chunk
    load_before = os.getloadavg()
    best_c, median_c, ours, cpu = timed(
        lambda: backstride_cohort(many, chunk, args.jobs), args.repeat
    )
    label = f"backstride (NumPy), {chunk:,} athletes per chunk, {args.jobs} process(es)"
    rows.append((f"{args.athletes:,} athletes", label, len(many), best_c, median_c, cpu))
    load_after = os.getloadavg()
    own_cpu, worker_cpu = LAST_CPU[-1]
    # On free cores the workers run side by side: the wall time is at least this process's
    # CPU time plus the workers' shared among the cores (equal when the chunks balance).
    cores = min(max(args.jobs, 1), _cpus())
    bound = (
        f"last cohort run's CPU: {own_cpu:.2f} s in this process + {worker_cpu:.2f} s in "
        f"workers; on {cores} free core(s): about {own_cpu + worker_cpu / cores:.2f} s wall"
    )
    weekly_km = ours.pop("weekly_km_all")
    ours = {}
    gc.collect()
    cohort_ratio = agreement = ""
    if not args.no_pandas:
        best_cp, median_cp, theirs, cpu = timed(lambda: pandas_all(many), 1)
        label = "pandas, same metrics"
        rows.append((f"{args.athletes:,} athletes", label, len(many), best_cp, median_cp, cpu))
        agree_weeks = float(np.max(np.abs(weekly_km - theirs["weekly_km"].to_numpy())))
        last = next(
            part for first, part in many.athlete_chunks(chunk) if first + chunk >= args.athletes
        )
        agree_many = check_agreement(backstride_all(last, findings=False), pandas_all(last), last)
        cohort_ratio = f"pandas / backstride, {args.athletes:,} athletes (best): "
        cohort_ratio += f"{best_cp / best_c:.1f}x"
        agreement = f", last cohort chunk {agree_many:.1e}; weekly km, whole cohort: "
        agreement += f"{agree_weeks:.1e} km"

    emit(f"python {platform.python_version()}, numpy {np.__version__}, ", end="")
    import pandas as pd

    emit(f"pandas {pd.__version__}, {platform.machine()}, cpus: {_cpus()}")
    emit()
    emit(f"load average before/after the backstride cohort runs: {load_before} / {load_after}")
    emit()
    emit("| data | implementation | activities | best (s) | median (s) | median CPU (s) |")
    emit("|---|---|---:|---:|---:|---:|")
    for data, impl, n, b, m, c in rows:
        emit(f"| {data} | {impl} | {n:,} | {b:.4f} | {m:.4f} | {c:.4f} |")
    emit()
    emit(f"pandas / backstride, 1 athlete (best): {best_pd / best:.1f}x")
    emit(bound)
    if cohort_ratio:
        emit(cohort_ratio)
    emit(f"findings for the one athlete: {n_findings}")
    emit(f"largest relative difference vs pandas: 1 athlete {agree_one:.1e}{agreement}")


def emit(line: str = "", end: str = "\n") -> None:
    """Write one line of the report to stdout."""
    sys.stdout.write(line + end)


def _cpus() -> int:
    return len(os.sched_getaffinity(0))


if __name__ == "__main__":
    main()
