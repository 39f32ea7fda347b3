"""Outcome classifiers of the load rules L1-L3 and L6: numbers in, outcome codes out.

Contract: every function takes arrays (any shape, e.g. one value per athlete or per run)
and returns ``int8`` codes, the position of the verdict in the rule's ``outcomes`` in
:data:`~backstride.rules.catalogue.CATALOGUE` (-1: the rule has nothing to say). Thresholds
are keyword arguments whose defaults come from the catalogue.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from backstride.analysis.load import relative_change
from backstride.rules.catalogue import CATALOGUE

FloatArray = npt.NDArray[np.float64]
Codes = npt.NDArray[np.int8]

L1, L2, L3, L6 = (CATALOGUE[k] for k in ("L1", "L2", "L3", "L6"))


def spike_outcome(
    spike: npt.ArrayLike,
    had_run_before: npt.ArrayLike,
    *,
    caution_above: float | None = None,
    high_above: float | None = None,
    very_high_above: float | None = None,
) -> Codes:
    """L1 outcome code of each run from its spike ratio (see ``L1.outcomes`` for the order).

    Ratios are rounded to 1e-9 first, so 11 km after 10 km is exactly +10% (ok). An
    infinite ratio (no run in the previous 30 days) is ``after_break`` when the athlete ran
    before, ``first`` otherwise; NaN (unknown distance, not a run) gives -1.

    >>> codes = spike_outcome([0.1, 0.3, 1.0, 1.1, np.inf, np.inf, np.nan],
    ...                       [True, True, True, True, True, False, True])
    >>> [L1.outcome_names[c] if c >= 0 else None for c in codes]
    ['ok', 'caution', 'high', 'very_high', 'after_break', 'first', None]

    References
    ----------
    Evidence L1: Frandsen et al. 2025 (bands and hazard ratios).
    """
    caution_above = L1.thresholds["caution_above"] if caution_above is None else caution_above
    high_above = L1.thresholds["high_above"] if high_above is None else high_above
    very_high_above = (
        L1.thresholds["very_high_above"] if very_high_above is None else very_high_above
    )
    r = np.round(np.asarray(spike, np.float64), 9)
    before = np.asarray(had_run_before, bool)
    code = np.select(
        [
            np.isnan(r),
            np.isposinf(r) & before,
            np.isposinf(r),
            r <= caution_above,
            r <= high_above,
            r <= very_high_above,
        ],
        [
            -1,
            L1.code("after_break"),
            L1.code("first"),
            L1.code("ok"),
            L1.code("caution"),
            L1.code("high"),
        ],
        L1.code("very_high"),
    )
    return code.astype(np.int8)


def progression_outcome(
    current_m: npt.ArrayLike,
    previous_m: npt.ArrayLike,
    *,
    flag_above: float | None = None,
    conservative_at_most: float | None = None,
) -> Codes:
    """L2 outcome code from this window's running distance and the previous window's.

    A window without running after one with running is ``no_running`` (a pause, nothing
    to judge), not a "-100%" conservative progression.

    >>> codes = progression_outcome([10.0, 12.0, 14.0, 5.0, 0.0, 0.0],
    ...                             [10.0, 10.0, 10.0, 0.0, 0.0, 8.0])
    >>> [L2.outcome_names[c] if c >= 0 else None for c in codes]
    ['conservative', 'moderate', 'steep', 'restart', None, 'no_running']

    References
    ----------
    Evidence L2: Nielsen et al. 2014; Buist et al. 2008.
    """
    flag_above = L2.thresholds["flag_above"] if flag_above is None else flag_above
    conservative_at_most = (
        L2.thresholds["conservative_at_most"]
        if conservative_at_most is None
        else conservative_at_most
    )
    change = np.round(relative_change(current_m, previous_m), 9)
    code = np.select(
        [
            np.isnan(change),
            np.isposinf(change),
            np.asarray(current_m, np.float64) <= 0.0,
            change <= conservative_at_most,
            change <= flag_above,
        ],
        [
            -1,
            L2.code("restart"),
            L2.code("no_running"),
            L2.code("conservative"),
            L2.code("moderate"),
        ],
        L2.code("steep"),
    )
    return code.astype(np.int8)


def acwr_outcome(
    acwr: npt.ArrayLike,
    days_of_data: npt.ArrayLike,
    *,
    chronic_days: float | None = None,
    large_jump_at: float | None = None,
) -> Codes:
    """L3 outcome code: always context (``info``), ``large_jump`` at 1.5 and above.

    >>> [L3.outcome_names[c] for c in acwr_outcome([1.0, 1.6, np.nan], [40, 40, 10])]
    ['context', 'large_jump', 'too_early']
    """
    chronic_days = L3.thresholds["chronic_days"] if chronic_days is None else chronic_days
    large_jump_at = L3.thresholds["large_jump_at"] if large_jump_at is None else large_jump_at
    a = np.asarray(acwr, np.float64)
    days = np.asarray(days_of_data)
    code = np.select(
        [days < chronic_days, np.isnan(a), a >= large_jump_at],
        [L3.code("too_early"), -1, L3.code("large_jump")],
        L3.code("context"),
    )
    return code.astype(np.int8)


def monotony_outcome(monotony: npt.ArrayLike, *, monotony_above: float | None = None) -> Codes:
    """L6 monotony outcome: ``monotonous`` above 2.0, else ``varied``; NaN gives -1.

    >>> monotony_outcome([1.2, 2.5, np.nan]).tolist()
    [0, 1, -1]
    """
    monotony_above = L6.thresholds["monotony_above"] if monotony_above is None else monotony_above
    m = np.asarray(monotony, np.float64)
    code = np.where(
        np.isnan(m), -1, np.where(m > monotony_above, L6.code("monotonous"), L6.code("varied"))
    )
    return code.astype(np.int8)


def strain_threshold(
    strain: FloatArray,
    row: int,
    *,
    weeks: float | None = None,
    percentile: float | None = None,
    min_weeks: float | None = None,
) -> FloatArray:
    """Each athlete's own strain percentile over the same weekday of the previous weeks.

    Uses ``strain[row - 7k]`` for ``k = 1..weeks`` (finite, positive values only: a week
    without training is no measure of the runner's usual strain, and a threshold of 0 would
    flag any training after a break); NaN with fewer than ``min_weeks`` of them.

    >>> s = np.r_[np.zeros(7 * 12), np.full(7, 80.0)][:, None]
    >>> strain_threshold(s, 90, weeks=12, percentile=90, min_weeks=4).tolist()
    [nan]

    >>> s = np.r_[np.full(7 * 4, 100.0), np.full(7, 300.0)][:, None]
    >>> strain_threshold(s, 34, weeks=12, percentile=90, min_weeks=4).tolist()
    [100.0]
    """
    weeks = L6.thresholds["strain_weeks"] if weeks is None else weeks
    percentile = L6.thresholds["strain_percentile"] if percentile is None else percentile
    min_weeks = L6.thresholds["strain_min_weeks"] if min_weeks is None else min_weeks
    lags = [row - 7 * k for k in range(1, int(weeks) + 1) if row - 7 * k >= 0]
    if len(lags) < min_weeks:
        return np.full(strain.shape[1], np.nan)
    earlier = strain[lags]
    return column_percentile(
        np.where(earlier > 0, earlier, np.nan), percentile, min_count=int(min_weeks)
    )


def column_percentile(values: FloatArray, q: float, *, min_count: int = 1) -> FloatArray:
    """``q``-th percentile of the finite values of each column (linear interpolation, as
    :func:`numpy.nanpercentile`), NaN for columns with fewer than ``min_count`` of them.

    Sorts all columns at once instead of ``nanpercentile``'s per-column fallback.

    >>> column_percentile(np.array([[1.0, np.nan], [2.0, 5.0], [3.0, np.nan]]), 50).tolist()
    [2.0, 5.0]
    """
    ordered = np.sort(values, axis=0)  # NaN sorts last
    count = np.isfinite(values).sum(axis=0)
    position = (np.maximum(count, 1) - 1) * (q / 100.0)
    below = np.floor(position).astype(np.int64)
    above = np.minimum(below + 1, np.maximum(count - 1, 0))
    columns = np.arange(values.shape[1])
    low, high = ordered[below, columns], ordered[above, columns]
    out: FloatArray = low + (high - low) * (position - below)
    out[count < max(min_count, 1)] = np.nan
    return out
