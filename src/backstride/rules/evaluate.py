"""Every rule for one athlete (:func:`evaluate`) or for a whole cohort (:func:`evaluate_cohort`).

Contract: inputs are the activity table (and, for form rules, the runner's
:class:`~backstride.analysis.form.FormTable` built from stored streams), the day ``as_of``
and optional per-shoe settings; nothing after ``as_of`` is looked at. :func:`evaluate`
returns one athlete's :class:`~backstride.rules.finding.Finding` list, most pressing first.
:func:`evaluate_cohort` returns, without building any finding, every athlete's most
pressing severity per rule and light per practice (form rules excluded: they need streams).
"""

from __future__ import annotations

import ctypes
import multiprocessing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from backstride.analysis.form import FormTable
from backstride.analysis.load import LoadAnalysis, analyse_load
from backstride.analysis.table import ActivityTable, AthleteChunks, as_day
from backstride.model import Gear
from backstride.rules.catalogue import CATALOGUE, PRACTICE_NAMES
from backstride.rules.finding import Finding, most_pressing
from backstride.rules.form import form_findings
from backstride.rules.habits import habit_findings, habit_status
from backstride.rules.load import load_findings, load_status
from backstride.rules.practices import light_codes
from backstride.rules.shoes import shoe_findings, shoe_severity_ranks

Codes = npt.NDArray[np.int8]
T = TypeVar("T")


def analyse_up_to(table: ActivityTable, as_of: date) -> LoadAnalysis | None:
    """Load analysis of every activity up to ``as_of`` (None when there is none)."""
    earlier = table.local_date[table.local_date <= as_day(as_of)]
    if not len(earlier):
        return None
    return analyse_load(table, first_day=earlier.min(), last_day=as_of)


def evaluate(
    table: ActivityTable,
    *,
    as_of: date,
    athlete: int = 0,
    form: FormTable | None = None,
    gear: Mapping[int, Gear] | None = None,
    analysis: LoadAnalysis | None = None,
) -> list[Finding]:
    """All findings for one athlete on ``as_of``, most pressing first.

    ``gear`` maps the table's shoe ids to the runner's :class:`~backstride.model.Gear`
    (names, limits, retired). ``analysis`` may be passed to reuse one :func:`analyse_up_to`
    over many athletes.

    >>> t = ActivityTable.from_columns(["2024-01-01", "2024-01-31"], ["running"] * 2,
    ...     [10000.0, 21000.0], [3600.0, 7200.0])
    >>> [(f.rule, f.severity) for f in evaluate(t, as_of=date(2024, 1, 31))][:2]
    [('L1', 'very_high'), ('L6', 'ok')]
    """
    found: list[Finding] = []
    analysis = analysis if analysis is not None else analyse_up_to(table, as_of)
    if analysis is not None:
        status = load_status(analysis, table, as_of=as_of)
        found += load_findings(status, analysis, table, athlete=athlete)
        found += habit_findings(habit_status(analysis, as_of=as_of), athlete=athlete)
        found += shoe_findings(table, as_of=as_of, athlete=athlete, gear=gear)
    if form is not None:
        found += form_findings(form, as_of=as_of)
    return most_pressing(found)


@dataclass(frozen=True, eq=False)
class CohortStatus:
    """Most pressing severity rank per athlete and rule (``ranks[athlete, rule]``, -1:
    nothing), and the practice lights they give (codes into
    :data:`~backstride.rules.practices.LIGHTS`)."""

    as_of: date
    rules: tuple[str, ...]
    ranks: Codes

    def lights(self) -> dict[str, Codes]:
        """Practice name -> light code per athlete."""
        out = {}
        for practice in PRACTICE_NAMES:
            cols = [i for i, r in enumerate(self.rules) if CATALOGUE[r].practice == practice]
            worst = self.ranks[:, cols].max(axis=1) if cols else np.full(len(self.ranks), -1)
            out[practice] = light_codes(worst)
        return out


def evaluate_cohort(
    table: ActivityTable,
    *,
    as_of: date,
    analysis: LoadAnalysis | None = None,
    chunk_athletes: int = 250,
    jobs: int = 1,
) -> CohortStatus:
    """Load, habit and shoe rules for every athlete of ``table`` at once (no findings built).

    Athletes are processed ``chunk_athletes`` at a time (unless ``analysis`` for the whole
    table is given), which keeps memory bounded for large cohorts; with ``jobs`` > 1 the
    chunks are shared among that many worker processes (:func:`map_athlete_chunks`).

    >>> t = ActivityTable.from_columns(["2024-01-01", "2024-01-31", "2024-01-31"],
    ...     ["running"] * 3, [10000.0, 21000.0, 5000.0], [3600.0, 7200.0, 1800.0],
    ...     athlete=[0, 0, 1])
    >>> c = evaluate_cohort(t, as_of=date(2024, 1, 31))
    >>> c.ranks[:, c.rules.index("L1")].tolist(), c.lights()["gradual_mileage"].tolist()
    ([4, 0], [3, 4])
    """
    if analysis is not None or table.n_athletes <= chunk_athletes:
        return _cohort_ranks(table, as_of, analysis)
    parts = map_athlete_chunks(
        lambda part: _cohort_ranks(part, as_of, None),
        table,
        chunk_athletes=chunk_athletes,
        jobs=jobs,
    )
    rules = next((p.rules for p in parts if p.rules), ())
    ranks = [
        p.ranks if p.rules else np.full((len(p.ranks), len(rules)), -1, np.int8) for p in parts
    ]
    return CohortStatus(as_of, rules, np.concatenate(ranks))


#: What the worker processes of :func:`map_athlete_chunks` inherit when they are forked.
_FORKED: tuple[Callable[[ActivityTable], Any], AthleteChunks] | None = None


def map_athlete_chunks(
    function: Callable[[ActivityTable], T],
    table: ActivityTable,
    *,
    chunk_athletes: int = 250,
    jobs: int = 1,
) -> list[T]:
    """``function`` of each part of ``table.athlete_chunks(chunk_athletes)``, in order.

    With ``jobs`` > 1 the parts are shared among that many worker processes, forked from
    this one, so that they inherit ``function`` and the table without copying or pickling
    them (only the results travel back, pickled). Where processes cannot be forked (not on
    Linux or macOS), or with one part or one job, the parts are done here, one by one.
    Each part is made where it is used (:meth:`ActivityTable.chunked`), so this process
    does not make them all before the workers start (issue 15).
    Fork only from a process without other threads running NumPy or holding locks: the
    CLI and the benchmarks are such processes.
    """
    global _FORKED
    chunks = table.chunked(chunk_athletes)
    n_parts = len(chunks)
    if jobs <= 1 or n_parts <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return [function(chunks.part(k)[1]) for k in range(n_parts)]
    _FORKED = (function, chunks)
    pool = multiprocessing.get_context("fork").Pool(
        min(jobs, n_parts), initializer=_keep_freed_memory
    )
    try:
        results: list[T] = pool.map(_forked_chunk, range(n_parts), chunksize=1)
        pool.close()
        pool.join()
    finally:
        pool.terminate()
        _FORKED = None
    return results


#: glibc's ``mallopt`` parameters (malloc.h) and what a worker sets them to.
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_MMAP_THRESHOLD = 32 << 20  # glibc's largest on 64-bit systems
_TRIM_THRESHOLD = 1 << 30


def _keep_freed_memory() -> None:
    """Make a worker's malloc keep the memory NumPy frees for the next part (glibc only).

    A part's series are arrays of a few MB (250 athletes x 3,652 days of float64). By
    default glibc maps each such array afresh from the kernel and unmaps it when freed, and
    gives memory freed at the top of the heap back at once: every part then pays the kernel
    for zeroed pages all over again. Serving them from the heap and keeping it cut the
    workers' CPU by ~15 % on the 10,000-athlete benchmark (BENCHMARKS.md). A worker lives
    only for one :func:`map_athlete_chunks` call, so the memory it keeps is returned when
    it ends. Elsewhere (another C library: no ``mallopt``) nothing changes."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD)
    mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD)


def _forked_chunk(index: int) -> Any:
    assert _FORKED is not None, "called outside a worker of map_athlete_chunks"
    function, chunks = _FORKED
    return function(chunks.part(index)[1])


def _cohort_ranks(table: ActivityTable, as_of: date, analysis: LoadAnalysis | None) -> CohortStatus:
    analysis = analysis if analysis is not None else analyse_up_to(table, as_of)
    if analysis is None:
        return CohortStatus(as_of, (), np.zeros((table.n_athletes, 0), np.int8))
    ranks = load_status(analysis, table, as_of=as_of).severity_ranks()
    ranks |= habit_status(analysis, as_of=as_of).severity_ranks()
    ranks["S1"], ranks["S2"] = shoe_severity_ranks(table, as_of=as_of)
    rules = tuple(ranks)
    return CohortStatus(as_of, rules, np.stack([ranks[r] for r in rules], axis=1))
