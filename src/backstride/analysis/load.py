"""Training-load metrics over daily series: spikes, ACWR, CTL/ATL/TSB, monotony, strain.

Contract: inputs are daily matrices ``(n_days, ...)`` with time on axis 0 (one column per
athlete, as :func:`~backstride.analysis.series.daily_series` builds them) and every output has
the same shape, row ``t`` using only rows ``<= t`` (no look-ahead). Missing days are zeros.
Windows are counted in days and passed as keyword arguments; the thresholds that turn these
numbers into advice live in ``backstride.rules.catalogue``, not here.
:func:`analyse_load` computes everything at once for every athlete.

Naming: functions are named for what they return (``acute_chronic_ratio``,
``training_monotony``, ``run_spike_ratio``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

import numpy as np
import numpy.typing as npt

from backstride.analysis.series import DailySeries, all_within, daily_series
from backstride.analysis.table import ActivityKind, ActivityTable, DayLike, day_index
from backstride.analysis.windows import (
    ewma,
    time_columns,
    trailing_max,
    trailing_sum,
    trailing_sum_at,
)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def relative_change(current: npt.ArrayLike, previous: npt.ArrayLike) -> FloatArray:
    """``current / previous - 1``: +inf when only ``previous`` is 0, NaN when both are.

    >>> relative_change([13.0, 5.0, 0.0], [10.0, 0.0, 0.0]).round(9).tolist()
    [0.3, inf, nan]
    """
    c = np.asarray(current, dtype=np.float64)
    p = np.asarray(previous, dtype=np.float64)
    out = np.empty(np.broadcast(c, p).shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        np.divide(c, p, out=out)
    out -= 1.0
    zero = p == 0
    if zero.any():  # x/0 is already inf; only 0/0 needs a decision (no change to judge)
        out[zero & (c == 0)] = np.nan
    return out


def run_spike_ratio(distance_m: npt.ArrayLike, longest_before_m: npt.ArrayLike) -> FloatArray:
    """Single-run spike: distance over the longest run of the previous 30 days, minus 1.

    Scale-free (metres or miles give the same number); +inf when there was no run before.

    >>> run_spike_ratio([21000.0, 9000.0], [10000.0, 10000.0]).round(9).tolist()
    [1.1, -0.1]

    References
    ----------
    Evidence L1: Frandsen et al. 2025, Br J Sports Med 59(17):1203-1210.
    """
    return relative_change(distance_m, longest_before_m)


def acute_chronic_ratio(
    daily_load: npt.ArrayLike,
    *,
    acute_days: int = 7,
    chronic_days: int = 28,
    variant: Literal["ewma", "uncoupled"] = "ewma",
    first_day: npt.ArrayLike | None = None,
) -> FloatArray:
    """Acute:chronic workload ratio, NaN until ``chronic_days`` of data exist.

    Parameters
    ----------
    daily_load : array, shape (n_days, ...)
    acute_days, chronic_days : int, keyword-only
    variant : {"ewma", "uncoupled"}, keyword-only
        ``"ewma"``: EWMA(span=acute) / EWMA(span=chronic), each started at the athlete's
        ``first_day`` with start-up bias correction (weights renormalised over the days seen,
        as pandas ``adjust=True``), so a constant load gives exactly 1. ``"uncoupled"``:
        mean of days ``t-6..t`` / mean of days ``t-27..t-7`` (Windt & Gabbett 2019).
    first_day : int array, shape (...), keyword-only
        Row of each column's first day of data (default 0). Earlier rows are NaN, as is any
        row with fewer than ``chronic_days`` days of data or a zero chronic load.

    Examples
    --------
    A constant load gives 1 from day 28 on (NaN before); three weeks at 10 then a week at
    20 gives an uncoupled ratio of 20 / 10:

    >>> acute_chronic_ratio(np.full(30, 10.0))[[26, 27, 29]].round(12).tolist()
    [nan, 1.0, 1.0]
    >>> load = np.r_[np.full(21, 10.0), np.full(7, 20.0)]
    >>> float(acute_chronic_ratio(load, variant="uncoupled")[27])
    2.0

    References
    ----------
    Evidence L3: Williams et al. 2017; Lolli et al. 2019; Impellizzeri et al. 2021.
    """
    if not 1 <= acute_days < chronic_days:
        raise ValueError(f"need 1 <= acute_days < chronic_days, got {acute_days}, {chronic_days}")
    load, shape = time_columns(daily_load)
    n = load.shape[0]
    start = np.zeros(load.shape[1], np.int64) if first_day is None else np.ravel(first_day)
    # Only the first rows of each column are special (before its first day, too early for a
    # ratio, not yet bias-free), so only the rows up to the latest such row are looked at.
    latest_start = int(start.max()) if len(start) else 0
    if variant == "ewma":
        seen = load
        if latest_start > 0:  # loads before a column's first day do not count
            seen = load.copy()
            head = np.arange(latest_start)[:, None] - start[None, :]
            seen[:latest_start][head < 0] = 0.0
        acute = ewma(seen, span=acute_days, initial=0.0)
        chronic = ewma(seen, span=chronic_days, initial=0.0)
        # Bias correction: divide by the weight of the days seen, 1 - decay^(age+1). It is
        # exactly 1 in floating point once decay^(age+1) < 2^-54, so later rows are skipped.
        for average, days in ((acute, acute_days), (chronic, chronic_days)):
            decay = 1.0 - 2.0 / (days + 1.0)
            settled = math.ceil(54 * math.log(2) / -math.log(decay)) if decay > 0 else 0
            rows = min(n, latest_start + settled)
            age = np.maximum(np.arange(rows)[:, None] - start[None, :], 0)
            average[:rows] /= 1.0 - decay ** (np.arange(rows) + 1.0)[age]
    elif variant == "uncoupled":
        acute = trailing_sum(load, acute_days) / acute_days
        # Days t-27 .. t-7: a trailing window of 21 days ending 7 days ago.
        lagged = np.zeros_like(load)
        lagged[acute_days:] = trailing_sum(load, chronic_days - acute_days)[:-acute_days]
        chronic = lagged / (chronic_days - acute_days)
    else:
        raise ValueError(f"variant must be 'ewma' or 'uncoupled', got {variant!r}")
    # Divided in place (acute is this function's own array), then NaN wherever chronic is
    # not positive: what dividing only where chronic > 0 into a NaN matrix gives (a NaN
    # chronic gives NaN either way), without the matrix of NaNs and the masked divide.
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        ratio = np.divide(acute, chronic, out=acute)
    ratio[chronic <= 0] = np.nan
    rows = min(n, latest_start + chronic_days - 1)
    head = ratio[:rows]
    head[np.arange(rows)[:, None] - start[None, :] < chronic_days - 1] = np.nan
    return ratio.reshape(shape)


@dataclass(frozen=True, eq=False)
class FitnessFatigue:
    """CTL ("fitness"), ATL ("fatigue") and TSB ("form") in load units per day."""

    ctl: FloatArray
    atl: FloatArray
    tsb: FloatArray
    variant: str
    """The EWMA form used, in words (shown next to the numbers)."""


def fitness_fatigue(
    daily_load: npt.ArrayLike,
    *,
    fitness_days: int = 42,
    fatigue_days: int = 7,
    variant: Literal["coggan", "exponential"] = "coggan",
) -> FitnessFatigue:
    """Banister/Coggan performance-management values: a performance view, not injury risk.

    ``"coggan"``: ``CTL[t] = CTL[t-1] + (load[t] - CTL[t-1]) / 42`` (TrainingPeaks);
    ``"exponential"``: the same with ``k = 1 - exp(-1/42)``; ATL likewise with 7 days. Both
    start at 0. ``TSB[t] = CTL[t-1] - ATL[t-1]`` (yesterday's values, TSB[0] = 0).

    Examples
    --------
    >>> ff = fitness_fatigue([42.0, 0.0], fitness_days=42, fatigue_days=7)
    >>> ff.ctl.round(4).tolist(), ff.atl.round(4).tolist(), ff.tsb.tolist()
    ([1.0, 0.9762], [6.0, 5.1429], [0.0, -5.0])

    References
    ----------
    Evidence L4: Banister et al. 1975; Coggan / TrainingPeaks Performance Manager.
    """
    if variant == "coggan":
        a_ctl, a_atl = 1.0 / fitness_days, 1.0 / fatigue_days
        name = f"Coggan PMC, 1/tau weights, CTL {fitness_days} d / ATL {fatigue_days} d"
    elif variant == "exponential":
        a_ctl, a_atl = 1.0 - math.exp(-1.0 / fitness_days), 1.0 - math.exp(-1.0 / fatigue_days)
        name = f"exponential, 1 - exp(-1/tau) weights, CTL {fitness_days} d / ATL {fatigue_days} d"
    else:
        raise ValueError(f"variant must be 'coggan' or 'exponential', got {variant!r}")
    ctl = ewma(daily_load, alpha=a_ctl, initial=0.0)
    atl = ewma(daily_load, alpha=a_atl, initial=0.0)
    tsb = np.empty_like(ctl)
    tsb[:1] = 0.0
    np.subtract(ctl[:-1], atl[:-1], out=tsb[1:])
    return FitnessFatigue(ctl=ctl, atl=atl, tsb=tsb, variant=f"{name}, TSB from yesterday")


def training_monotony(
    daily_load: npt.ArrayLike, *, window_days: int = 7, cap: float = 10.0
) -> FloatArray:
    """Foster's monotony: mean / SD of the last ``window_days`` daily loads (rest days = 0).

    The SD is the population SD (ddof=0). A window with a positive mean and no spread gives
    ``cap``; an all-rest window gives 0; the first ``window_days - 1`` rows are NaN.

    >>> training_monotony([0.0, 100, 0, 100, 0, 100, 100]).round(3).tolist()[-1]
    1.155
    >>> training_monotony(np.full(7, 50.0)).tolist()[-1]
    10.0

    References
    ----------
    Evidence L6: Foster 1998, Med Sci Sports Exerc 30(7):1164-1168.
    """
    x, shape = time_columns(daily_load)
    return monotony_from_sums(
        trailing_sum(x, window_days), trailing_sum(x * x, window_days), window_days, cap=cap
    ).reshape(shape)


def monotony_from_sums(
    total: FloatArray, total_of_squares: FloatArray, window_days: int, *, cap: float = 10.0
) -> FloatArray:
    """Monotony from the window sums of loads and of squared loads (first rows NaN).

    ``SD^2 = E[x^2] - mean^2``: rounding can only matter when the SD is a tiny fraction of
    the mean, where the monotony is capped anyway.

    Days 0-5 have no full window; on day 6 the week 0, 100, 0, 100, 0, 100, 100 sums to 400
    and its squares to 40,000: mean 57.14, SD 49.49.

    >>> total, squares = np.r_[np.zeros(6), 400.0], np.r_[np.zeros(6), 40000.0]
    >>> monotony_from_sums(total, squares, 7).round(4).tolist()[-2:]
    [nan, 1.1547]
    """
    mean = total / window_days
    sd = total_of_squares / window_days
    mono = np.multiply(mean, mean)  # a scratch array first, the monotony in the end
    sd -= mono
    np.maximum(sd, 0.0, out=sd)
    np.sqrt(sd, out=sd)
    with np.errstate(divide="ignore", invalid="ignore"):
        np.divide(mean, sd, out=mono)
    rest = mean == 0  # a week of rest is not monotonous training
    np.divide(mean, cap, out=mean)
    mono[sd <= mean] = cap  # SD at most mean / cap, which includes SD 0 with a positive mean
    mono[rest] = 0.0
    mono[: window_days - 1] = np.nan
    return mono


def training_strain(
    daily_load: npt.ArrayLike, *, window_days: int = 7, cap: float = 10.0
) -> FloatArray:
    """Foster's strain: load of the last ``window_days`` days times their monotony.

    >>> training_strain([0.0, 100, 0, 100, 0, 100, 100]).round(1).tolist()[-1]
    461.9
    """
    return trailing_sum(daily_load, window_days) * training_monotony(
        daily_load, window_days=window_days, cap=cap
    )


def banister_trimp(
    duration_s: npt.ArrayLike,
    avg_hr_bpm: npt.ArrayLike,
    *,
    hr_rest_bpm: float,
    hr_max_bpm: float,
    sex: Literal["male", "female"],
) -> FloatArray:
    """Banister's exponential TRIMP from average heart rate (NaN where HR is unknown).

    ``minutes x HRr x 0.64 e^(1.92 HRr)`` (men) or ``0.86 e^(1.67 HRr)`` (women), with
    ``HRr = (HR - rest) / (max - rest)`` clipped to 0..1.

    >>> round(float(banister_trimp([3600.0], [150.0], hr_rest_bpm=50, hr_max_bpm=190,
    ...     sex="male")[0]), 1)
    108.1

    References
    ----------
    Evidence L7: Banister 1975 (coefficients via secondary sources).
    """
    if not hr_max_bpm > hr_rest_bpm > 0:
        raise ValueError(f"need hr_max_bpm > hr_rest_bpm > 0, got {hr_max_bpm}, {hr_rest_bpm}")
    k, b = {"male": (0.64, 1.92), "female": (0.86, 1.67)}[sex]
    hrr = np.clip(
        (np.asarray(avg_hr_bpm, np.float64) - hr_rest_bpm) / (hr_max_bpm - hr_rest_bpm), 0, 1
    )
    return np.asarray(duration_s, np.float64) / 60.0 * hrr * k * np.exp(b * hrr)


#: Up to this many days of a 7-day total are added from their own windows (trailing_sum_at:
#: a Python step per day of each window); more take the whole series.
_FEW_ROWS = 8


@dataclass(frozen=True, eq=False)
class LoadAnalysis:
    """Every load metric for every athlete and day, plus the per-run spike inputs.

    Daily matrices have the shape of ``daily.load_au``. Per-activity arrays are aligned with
    the table's rows: ``day`` is the row's day in the series (-1 outside it),
    ``longest_before_m`` the longest run of the previous ``spike_days`` days, ``spike`` the
    L1 ratio (NaN for non-runs, runs outside the series and runs of unknown distance) and
    ``had_run_before`` whether the athlete has any earlier run in the series.

    ``run_distance_7d_m``, ``other_time_7d_s`` and ``strength_sessions_7d`` are computed
    on first use: the rules read a few days of them (:meth:`run_distance_7d_at`,
    :meth:`habit_totals_7d`), only a table of weeks reads more.
    """

    daily: DailySeries
    acwr: FloatArray
    fitness: FitnessFatigue
    monotony: FloatArray
    strain: FloatArray
    longest_run_30d_m: FloatArray
    load_7d_au: FloatArray
    day: IntArray
    longest_before_m: FloatArray
    spike: FloatArray
    had_run_before: npt.NDArray[np.bool_]
    acwr_variant: str

    @cached_property
    def run_distance_7d_m(self) -> FloatArray:
        """Running distance of the 7 days ending on each day (L2), in metres."""
        return trailing_sum(self.daily.run_distance_m, 7)

    def run_distance_7d_at(self, rows: IntArray) -> FloatArray:
        """``run_distance_7d_m[rows]``, the same numbers bit for bit (:meth:`_total_7d_at`)."""
        return self._total_7d_at("run_distance_7d_m", self.daily.run_distance_m, rows)

    def _total_7d_at(self, name: str, daily: npt.ArrayLike, rows: IntArray) -> FloatArray:
        """The 7-day series ``name`` (of ``daily``) at ``rows``: from the series when it is
        computed already or many rows are asked (then computed once), else added from each
        row's own window (``trailing_sum_at``, the same numbers bit for bit)."""
        if name in self.__dict__ or len(rows) > _FEW_ROWS:
            out: FloatArray = getattr(self, name)[rows]
            return out
        return trailing_sum_at(daily, 7, rows)

    @cached_property
    def other_time_7d_s(self) -> FloatArray:
        """Cross-training time of the 7 days ending on each day (X1), in seconds."""
        return trailing_sum(self.daily.other_time_s, 7)

    @cached_property
    def strength_sessions_7d(self) -> FloatArray:
        """Strength and core sessions of the 7 days ending on each day (C1)."""
        return trailing_sum(self.daily.strength_sessions, 7)

    def habit_totals_7d(self, row: int) -> tuple[FloatArray, FloatArray]:
        """``other_time_7d_s[row]`` and ``strength_sessions_7d[row]``, the same numbers
        bit for bit, from the days of that one window (issue 15)."""
        at = np.array([row])
        other = self._total_7d_at("other_time_7d_s", self.daily.other_time_s, at)[0]
        strength = self._total_7d_at("strength_sessions_7d", self.daily.strength_sessions, at)[0]
        return other, strength


def analyse_load(
    table: ActivityTable,
    *,
    first_day: DayLike | None = None,
    last_day: DayLike | None = None,
    assumed_rpe: float = 3.0,
    spike_days: int = 30,
    acute_days: int = 7,
    chronic_days: int = 28,
    fitness_days: int = 42,
    fatigue_days: int = 7,
    monotony_days: int = 7,
    monotony_cap: float = 10.0,
) -> LoadAnalysis:
    """Daily series and every load metric in one pass (see the functions above for each).

    Monotony and strain are NaN before an athlete's first full ``monotony_days`` of data, so
    days before they started never count as "weeks" in their personal strain percentile.

    >>> t = ActivityTable.from_columns(["2024-01-01", "2024-01-31"], ["running"] * 2,
    ...     [10000.0, 21000.0], [3600.0, 7200.0])
    >>> la = analyse_load(t)
    >>> la.longest_before_m.tolist(), la.spike.round(2).tolist(), la.had_run_before.tolist()
    ([0.0, 10000.0], [inf, 1.1], [False, True])
    """
    daily = daily_series(table, first_day=first_day, last_day=last_day, assumed_rpe=assumed_rpe)
    load = daily.load_au
    n_days, n_athletes = daily.n_days, daily.n_athletes
    load_7d = trailing_sum(load, monotony_days)
    squares = np.multiply(load, load)
    monotony = monotony_from_sums(
        load_7d, trailing_sum(squares, monotony_days), monotony_days, cap=monotony_cap
    )
    # Before an athlete's first full window there is no week to judge (only the rows up to
    # the latest athlete's first full window are looked at).
    first_full = np.minimum(daily.first_active_day + monotony_days - 1, n_days)
    head = monotony[: int(first_full.max(initial=0))]
    head[np.arange(len(head))[:, None] < first_full[None, :]] = np.nan

    # The longest run of days t-30 .. t-1 is the trailing 30-day maximum of day t-1.
    longest_30d = trailing_max(daily.long_run_m, spike_days)
    day = day_index(table.local_date, daily.first_day)
    # Usually every row is inside the series (analyse_up_to starts it at the first day):
    # then no row needs the masks for rows outside it.
    inside = None if all_within(day, n_days) else (day >= 0) & (day < n_days)
    is_run = table.kind == ActivityKind.RUN
    if inside is not None:
        is_run &= inside
    previous = day - 1
    np.clip(previous, 0, n_days - 1, out=previous)
    previous *= n_athletes
    previous += table.athlete
    longest_before = longest_30d.ravel().take(previous)
    longest_before[day <= 0] = 0.0
    if inside is not None:
        longest_before[~inside] = np.nan
    # The spike of the runs only (gathered by index), NaN for every other row: cheaper than
    # computing every row and masking the rest out with a random-looking mask (issue 15).
    runs = np.flatnonzero(is_run)
    spike = np.full(len(day), np.nan)
    spike[runs] = run_spike_ratio(table.distance_m.take(runs), longest_before.take(runs))
    if inside is not None:
        day[~inside] = -1

    return LoadAnalysis(
        daily=daily,
        acwr=acute_chronic_ratio(
            load,
            acute_days=acute_days,
            chronic_days=chronic_days,
            first_day=daily.first_active_day,
        ),
        fitness=fitness_fatigue(load, fitness_days=fitness_days, fatigue_days=fatigue_days),
        monotony=monotony,
        strain=load_7d * monotony,
        longest_run_30d_m=longest_30d,
        load_7d_au=load_7d,
        day=day,
        longest_before_m=longest_before,
        spike=spike,
        had_run_before=is_run & (daily.first_run_day.take(table.athlete) < day),
        acwr_variant=f"EWMA {acute_days}/{chronic_days} d, Williams 2017, bias-corrected start",
    )
