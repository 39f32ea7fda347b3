"""Synthetic training histories for the analysis and rules tests (no I/O, fixed seeds)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import numpy as np

from backstride.analysis.form import FormSummary, FormTable
from backstride.analysis.table import ActivityKind, ActivityTable


def runs_table(
    days: Sequence[str | date],
    distances_km: Sequence[float],
    *,
    minutes: Sequence[float] | None = None,
    rpe: Sequence[float] | None = None,
    kinds: Sequence[str] | None = None,
    shoe_id: Sequence[int] | None = None,
    athlete: Sequence[int] | None = None,
    n_athletes: int | None = None,
) -> ActivityTable:
    """A table of activities (runs unless ``kinds`` says otherwise), ids 1, 2, 3 ..."""
    n = len(days)
    return ActivityTable.from_columns(
        [str(d) for d in days],
        list(kinds) if kinds is not None else ["running"] * n,
        np.asarray(distances_km, dtype=float) * 1000.0,
        np.asarray(minutes if minutes is not None else [6.0 * d for d in distances_km]) * 60.0,
        rpe=rpe,
        shoe_id=shoe_id,
        athlete=athlete,
        activity_id=np.arange(1, n + 1),
        n_athletes=n_athletes,
    )


def vignette() -> tuple[ActivityTable, date]:
    """Eight weeks of runs (Mon 10, Wed 6, Sat 8 km) with one 21 km run on Sunday of week 5.

    Before it the longest run of any 30 days is 10 km, so the 21 km run is +110% (L1 very
    high); every other run is at most the longest of its previous 30 days (L1 ok).
    """
    start = date(2024, 1, 1)  # a Monday
    days: list[date] = []
    km: list[float] = []
    for week in range(8):
        monday = start + timedelta(weeks=week)
        for offset, distance in ((0, 10.0), (2, 6.0), (5, 8.0)):
            days.append(monday + timedelta(days=offset))
            km.append(distance)
    big = start + timedelta(weeks=4, days=6)
    days.append(big)
    km.append(21.0)
    order = np.argsort(days)
    return runs_table([days[i] for i in order], [km[i] for i in order]), big


def form_table(
    speeds: Sequence[float],
    cadences: Sequence[float],
    *,
    balance: Sequence[float] | None = None,
    flat_share: Sequence[float] | None = None,
    first_day: date = date(2024, 3, 1),
    gct_s: float = np.nan,
    vo_m: float = np.nan,
    ratio_pct: float = np.nan,
) -> FormTable:
    """One run a day with the given steady speed and cadence (ten steady minutes each)."""
    n = len(speeds)
    summaries = [
        FormSummary(
            steady_s=600.0,
            speed_mps=speeds[i],
            cadence_spm=cadences[i],
            step_length_m=speeds[i] * 60 / cadences[i],
            vertical_oscillation_m=vo_m,
            vertical_ratio_pct=ratio_pct,
            stance_time_s=gct_s,
            balance_left_pct=balance[i] if balance is not None else np.nan,
            power_w=np.nan,
            flat_share=flat_share[i] if flat_share is not None else 1.0,
            chunk_speed_mps=np.full(10, speeds[i]),
            chunk_cadence_spm=np.full(10, cadences[i]),
        )
        for i in range(n)
    ]
    dates = [first_day + timedelta(days=i) for i in range(n)]
    return FormTable.from_summaries([str(d) for d in dates], np.arange(100, 100 + n), summaries)


KINDS = {k.name.lower(): k for k in ActivityKind}
