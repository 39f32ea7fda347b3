"""The numbers behind the dashboard's charts that no other use case returns yet.

``load_chart``: each run with its L1 spike level, the daily ACWR and fitness/fatigue lines
(context), and each week's load by kind of activity (cross-training stacked). ``shoe_chart``:
the shoes with the S1 marks their bars are drawn against. ``activity_streams``: one
activity's streams thinned to a drawable number of points. Every verdict here is a
catalogue rule's (L1, L2, S1); nothing is decided in this module.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt

from backstride.analysis.load import LoadAnalysis, analyse_load
from backstride.analysis.table import ActivityKind, ActivityTable, session_load_au
from backstride.coach import exercises
from backstride.errors import InputError
from backstride.model import StoredActivity
from backstride.rules.catalogue import CATALOGUE
from backstride.rules.finding import SEVERITY_RANK
from backstride.rules.load import l1_run_findings
from backstride.service.clock import local_today
from backstride.service.load import LoadHistory, LoadWeek, get_load
from backstride.service.status import activity_table_of
from backstride.store import Store, transaction
from backstride.store import activities as activity_rows
from backstride.store.athletes import DEFAULT_ATHLETE, get_or_create_athlete
from backstride.units import Channel

#: Kinds stacked in the weekly load bars, in drawing order.
KINDS: tuple[str, ...] = tuple(k.name.lower() for k in ActivityKind)
#: At most this many points per stream reach the browser.
MAX_POINTS = 1500


def _round(value: float, digits: int = 3) -> float | None:
    return round(float(value), digits) if math.isfinite(value) else None


def _series(values: npt.NDArray[np.float64], digits: int) -> list[float | None]:
    rounded = np.round(values, digits)
    return [float(v) if math.isfinite(v) else None for v in rounded.tolist()]


@dataclass(frozen=True)
class LoadChart:
    """What the load page draws; ``history`` is the ``load --json`` object itself."""

    history: LoadHistory
    runs: list[dict[str, Any]]
    days: list[str]
    acwr: list[float | None]
    fitness: list[float | None]
    fatigue: list[float | None]
    load_by_kind: dict[str, list[float]]
    variants: dict[str, str]

    def to_json(self) -> dict[str, object]:
        data = self.history.to_json()
        weeks: list[dict[str, Any]] = data["weeks"]  # type: ignore[assignment]
        for week, row in zip(weeks, self.history.weeks, strict=True):
            week["l2_flag"] = _l2_flag(row)
        for i, week in enumerate(weeks):
            week["load_by_kind_au"] = {k: v[i] for k, v in self.load_by_kind.items()}
        data["runs"] = [dict(r) for r in self.runs]  # the object may be cached: copies out
        data["daily"] = {
            "date": self.days,
            "acwr": self.acwr,
            "fitness_au": self.fitness,
            "fatigue_au": self.fatigue,
            "label": "context only, not an injury alarm (L3)",
            "acwr_variant": self.variants["acwr"],
            "fitness_variant": self.variants["fitness"],
        }
        return data


def _l2_flag(week: LoadWeek) -> bool:
    """A week drawn in its L2 colour: L2's verdict on it is a caution or more (the week table's
    verdict)."""
    return week.l2 is not None and week.l2.rank >= SEVERITY_RANK["caution"]


def load_chart(
    store: Store, *, weeks: int = 26, as_of: date | None = None, athlete: str = DEFAULT_ATHLETE
) -> LoadChart:
    """The load page's data for the last ``weeks`` Monday-Sunday weeks up to ``as_of``."""
    if isinstance(weeks, bool) or not 1 <= weeks <= 520:
        raise InputError(f"weeks must be between 1 and 520, not {weeks}", field="weeks")
    day = as_of or local_today()
    history = get_load(store, weeks=weeks, as_of=day, athlete=athlete)
    with transaction(store) as conn:
        athlete_id = get_or_create_athlete(conn, athlete).id
        # Columns, not a StoredActivity per row: 10 years in ~10 ms instead of ~150 (issue 7).
        shown = activity_rows.list_activity_columns(conn, athlete_id, until=day)
    first = history.weeks[0].monday
    last = history.weeks[-1].monday + timedelta(days=6)
    runs: list[dict[str, Any]] = []
    days: list[str] = []
    acwr: list[float | None] = []
    fitness: list[float | None] = []
    fatigue: list[float | None] = []
    by_kind = {k: [0.0] * len(history.weeks) for k in KINDS}
    variants = {"acwr": "", "fitness": ""}
    if len(shown):
        table = activity_table_of(shown)
        analysis = analyse_load(table, first_day=table.local_date.min(), last_day=day)
        variants = {"acwr": analysis.acwr_variant, "fitness": analysis.fitness.variant}
        runs = _runs(table, analysis, first)
        start = int((np.datetime64(first) - analysis.daily.first_day).astype(int))
        stop = int((np.datetime64(day) - analysis.daily.first_day).astype(int)) + 1
        lo = max(start, 0)
        days = [(first + timedelta(days=i - start)).isoformat() for i in range(lo, stop)]
        acwr = _series(analysis.acwr[lo:stop, 0], 3)
        fitness = _series(analysis.fitness.ctl[lo:stop, 0], 1)
        fatigue = _series(analysis.fitness.atl[lo:stop, 0], 1)
        load, _ = session_load_au(table, assumed_rpe=analysis.daily.assumed_rpe)
        week = (table.local_date - np.datetime64(first)).astype(np.int64) // 7
        inside = (week >= 0) & (table.local_date <= np.datetime64(last))
        for kind in ActivityKind:
            mask = inside & (table.kind == kind)
            sums = np.bincount(week[mask], weights=load[mask], minlength=len(history.weeks))
            by_kind[kind.name.lower()] = [round(float(v), 1) for v in sums[: len(history.weeks)]]
    return LoadChart(
        history=history,
        runs=runs,
        days=days,
        acwr=acwr,
        fitness=fitness,
        fatigue=fatigue,
        load_by_kind=by_kind,
        variants=variants,
    )


def _runs(table: ActivityTable, analysis: LoadAnalysis, first: date) -> list[dict[str, Any]]:
    """Each run shown, with L1's verdict on it (``rules.load.l1_run_findings``, the one
    per-run verdict status and the report show too)."""
    rows = np.flatnonzero(table.local_date >= np.datetime64(first))
    out = []
    for finding in l1_run_findings(analysis, table, rows):
        distance = float(finding.values["distance_m"])  # type: ignore[arg-type]
        out.append(
            {
                "date": finding.date.isoformat(),
                "activity_id": finding.activity_id,
                # 0 m shows as no distance, like an unknown one.
                "distance_m": _round(distance or math.nan, 1),
                "spike_ratio": _round(float(finding.values["spike"] or math.nan), 4),
                "l1": finding.outcome,
                "severity": finding.severity,
                "message": finding.message,
            }
        )
    return out


def shoe_marks() -> dict[str, float]:
    """The S1 marks (metres) a pair is drawn against when it has no limits of its own."""
    t = CATALOGUE["S1"].thresholds
    return {"inspect_at_m": t["inspect_km"] * 1000.0, "replace_at_m": t["replace_km"] * 1000.0}


#: Streams the activity page draws, in order.
STREAM_CHANNELS: tuple[Channel, ...] = (
    Channel.SPEED_MPS,
    Channel.HEART_RATE_BPM,
    Channel.CADENCE_SPM,
    Channel.CADENCE_RPM,
    Channel.POWER_W,
    Channel.ALTITUDE_M,
    Channel.VERTICAL_OSCILLATION_M,
    Channel.STANCE_TIME_S,
    Channel.STANCE_TIME_BALANCE_LEFT_PCT,
    Channel.STEP_LENGTH_M,
)


def activity_streams(stored: StoredActivity, *, max_points: int = MAX_POINTS) -> dict[str, Any]:
    """The activity's streams as lists, thinned to at most ``max_points`` samples (each kept
    point is the mean of its bucket, so a short spike is smoothed, never invented)."""
    if max_points < 2:
        raise InputError(f"max points must be 2 or more, not {max_points}", field="max_points")
    streams = stored.activity.streams
    n = len(streams)
    step = max(1, math.ceil(n / max_points))
    buckets = (n + step - 1) // step

    def thin(values: npt.NDArray[np.float64], digits: int) -> list[float | None]:
        if step == 1:
            return _series(values, digits)
        padded = np.full(buckets * step, np.nan)
        padded[:n] = values
        shaped = padded.reshape(buckets, step)
        finite = np.isfinite(shaped)
        counts = finite.sum(axis=1)
        sums = np.where(finite, shaped, 0.0).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            means = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
        return _series(means, digits)

    channels = {str(ch): thin(streams.channels[ch], 4) for ch in STREAM_CHANNELS if streams.has(ch)}
    return {
        "activity_id": stored.id,
        "samples": n,
        "step": step,
        "elapsed_s": thin(streams.elapsed_s, 1) if n else [],
        "channels": channels,
    }


def routine_cards(routine_ids: list[str]) -> list[dict[str, Any]]:
    """The exercise cards of the routines a plan names (each routine once, in order)."""
    cards = []
    for routine_id in dict.fromkeys(routine_ids):
        chosen = exercises.routine(routine_id)
        cards.append(
            {
                "routine": chosen.id,
                "name": chosen.name,
                "minutes": chosen.minutes,
                "rules": list(chosen.rules),
                "exercises": [
                    {
                        "id": e.id,
                        "name": e.name,
                        "dose": exercises.dose_text(e),
                        "trains": e.trains,
                        "cues": list(e.cues),
                        "if_it_hurts": e.if_it_hurts,
                    }
                    for e in exercises.exercises_of(chosen)
                ],
            }
        )
    return cards
