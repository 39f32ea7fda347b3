"""Form rules F1-F4 over a runner's :class:`~backstride.analysis.form.FormTable`.

Contract: each function takes one runner's form table (runs with steady-segment medians) and
the day ``as_of``, looks at the runs of the last ``baseline_days`` days up to ``as_of``, and
returns findings (an empty list when the data cannot support the rule: too few runs, no
cadence, no running dynamics). Thresholds are keyword arguments whose defaults come from
:data:`~backstride.rules.catalogue.CATALOGUE`. None of these rules is an injury alarm: F1
offers an optional cadence target against the runner's own speed-matched baseline, F2
compares with other runners, F3 flags only a persistent or new imbalance on flat runs, and
F4 states that backstride never advises changing foot strike.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import numpy.typing as npt

from backstride.analysis.form import (
    FormTable,
    band_index,
    cadence_at_speed,
    cadence_speed_baseline,
    trailing_true_count,
)
from backstride.analysis.table import as_day
from backstride.rules.catalogue import BAND_NAMES, CATALOGUE, GARMIN_BANDS
from backstride.rules.finding import Finding

F1, F2, F3, F4 = (CATALOGUE[k] for k in ("F1", "F2", "F3", "F4"))
_DAY = np.timedelta64(1, "D")


def _window(form: FormTable, as_of: date, days: float) -> npt.NDArray[np.bool_]:
    end = as_day(as_of)
    return (form.local_date <= end) & (form.local_date > end - int(days) * _DAY)


def pace_text(speed_mps: float) -> str:
    """A speed as a running pace, minutes:seconds per km.

    >>> pace_text(3.0)
    '5:33/km'
    """
    seconds = round(1000.0 / speed_mps)
    return f"{seconds // 60}:{seconds % 60:02d}/km"


def cadence_findings(
    form: FormTable,
    *,
    as_of: date,
    easy_speed_mps: float | None = None,
    baseline_days: float | None = None,
    min_runs: float | None = None,
    min_points: float | None = None,
    first_step: float | None = None,
    second_step: float | None = None,
) -> list[Finding]:
    """F1: cadence at the runner's easy speed from their own cadence-speed line, and the
    +5% / +10% targets; never a fixed 180.

    ``easy_speed_mps`` defaults to the median steady speed of the runs in the window (most
    runs are easy). Needs ``min_runs`` runs with cadence and ``min_points`` steady minutes.

    References
    ----------
    Evidence F1: Heiderscheit et al. 2011; Anderson et al. 2022.
    """
    baseline_days = F1.thresholds["baseline_days"] if baseline_days is None else baseline_days
    min_runs = F1.thresholds["min_runs"] if min_runs is None else min_runs
    min_points = F1.thresholds["min_points"] if min_points is None else min_points
    first_step = F1.thresholds["first_step"] if first_step is None else first_step
    second_step = F1.thresholds["second_step"] if second_step is None else second_step
    if easy_speed_mps is not None and not easy_speed_mps > 0:
        raise ValueError(f"easy_speed_mps must be > 0, got {easy_speed_mps}")
    rows = _window(form, as_of, baseline_days)
    rows &= np.isfinite(form.cadence_spm) & np.isfinite(form.speed_mps)
    if rows.sum() < min_runs:
        return []
    in_rows = rows[form.chunk_row]
    baseline = cadence_speed_baseline(
        form.chunk_speed_mps[in_rows], form.chunk_cadence_spm[in_rows], min_points=int(min_points)
    )
    if baseline is None:
        return []
    easy = easy_speed_mps if easy_speed_mps is not None else float(np.median(form.speed_mps[rows]))
    at_easy = cadence_at_speed(baseline, easy)
    latest = int(np.flatnonzero(rows)[-1])
    latest_expected = cadence_at_speed(baseline, float(form.speed_mps[latest]))
    values = {
        "easy_speed_mps": easy,
        "baseline_spm": at_easy,
        "target_5_spm": at_easy * (1 + first_step),
        "target_10_spm": at_easy * (1 + second_step),
        "slope_spm_per_mps": baseline.slope_spm_per_mps,
        "intercept_spm": baseline.intercept_spm,
        "runs": int(rows.sum()),
        "minutes": baseline.n_points,
        "latest_cadence_spm": form.cadence_spm[latest],
        "latest_vs_baseline_pct": (form.cadence_spm[latest] / latest_expected - 1) * 100,
    }
    return [F1.finding("baseline", as_of, values, display={"easy_pace": pace_text(easy)})]


#: F2 metric -> (label, unit, FormTable column, factor from the column's SI unit).
_F2_METRICS = {
    "cadence_spm": ("cadence", "spm", "cadence_spm", 1.0),
    "stance_time_ms": ("ground contact", "ms", "stance_time_s", 1000.0),
    "vertical_oscillation_cm": ("vertical oscillation", "cm", "vertical_oscillation_m", 100.0),
    "vertical_ratio_pct": ("vertical ratio", "%", "vertical_ratio_pct", 1.0),
}


def band_name(metric: str, value: float) -> str | None:
    """F2 band of one value ("green (30-69th percentile)" ...), None when NaN.

    >>> band_name("cadence_spm", 170.0), band_name("stance_time_ms", 300.0)
    ('green (30-69th percentile)', 'orange (5-29th percentile)')
    """
    edges, resolution, larger_is_better = GARMIN_BANDS[metric]
    index = int(band_index([value], edges, resolution=resolution)[0])
    if index < 0:
        return None
    return BAND_NAMES[len(edges) - index if larger_is_better else index]


def dynamics_findings(
    form: FormTable, *, as_of: date, baseline_days: float | None = None
) -> list[Finding]:
    """F2: the latest run's running dynamics in Garmin's population bands ("compared with
    other runners", never risk). Nothing when the run has none of the metrics.

    References
    ----------
    Evidence F2: Garmin Forerunner 945 manual (percentiles of Garmin users).
    """
    baseline_days = F1.thresholds["baseline_days"] if baseline_days is None else baseline_days
    rows = np.flatnonzero(_window(form, as_of, baseline_days))
    if not len(rows):
        return []
    latest = int(rows[-1])
    values: dict[str, object] = {}
    parts = []
    for metric, (label, unit, column, factor) in _F2_METRICS.items():
        value = float(getattr(form, column)[latest]) * factor
        name = band_name(metric, value)
        if name is None:
            continue
        values[metric] = value
        values[f"{metric}_band"] = name.split()[0]
        number = f"{value:.0f}" if unit in ("spm", "ms") else f"{value:.1f}"
        parts.append(f"{label} {number} {unit} {name}")
    if not parts:
        return []
    day = form.local_date[latest].item()
    activity = int(form.activity_id[latest])
    return [
        F2.finding(
            "bands",
            day,
            values,
            activity_id=activity if activity >= 0 else None,
            display={"bands": "; ".join(parts)},
        )
    ]


def balance_text(left_pct: float) -> str:
    """A GCT balance as the larger side: ``52.8% L`` or ``53.1% R``.

    >>> balance_text(47.2), balance_text(50.0)
    ('52.8% R', '50.0% L')
    """
    return f"{left_pct:.1f}% L" if left_pct >= 50 else f"{100 - left_pct:.1f}% R"


def balance_findings(
    form: FormTable,
    *,
    as_of: date,
    limit_pct: float | None = None,
    persistent_runs: float | None = None,
    flat_share_min: float | None = None,
    baseline_min_runs: float | None = None,
    new_shift_pct: float | None = None,
    baseline_days: float | None = None,
) -> list[Finding]:
    """F3: ground contact balance on flat runs; a caution only when beyond ``limit_pct`` on
    one side for ``persistent_runs`` flat runs in a row, or new against the runner's usual.

    A run is flat when at least ``flat_share_min`` of its moving time is on near-flat ground;
    a run of unknown grade (treadmill, no altitude) counts as flat. "New" means the latest
    flat run is beyond the limit while the median of at least ``baseline_min_runs`` earlier
    flat runs is within it and differs by at least ``new_shift_pct`` points.

    References
    ----------
    Evidence F3: Garmin Enduro 3 manual (unpublished manufacturer data; persistence rule is a
    design choice).
    """
    limit_pct = F3.thresholds["limit_pct"] if limit_pct is None else limit_pct
    persistent_runs = (
        F3.thresholds["persistent_runs"] if persistent_runs is None else persistent_runs
    )
    flat_share_min = F3.thresholds["flat_share_min"] if flat_share_min is None else flat_share_min
    baseline_min_runs = (
        F3.thresholds["baseline_min_runs"] if baseline_min_runs is None else baseline_min_runs
    )
    new_shift_pct = F3.thresholds["new_shift_pct"] if new_shift_pct is None else new_shift_pct
    baseline_days = F3.thresholds["baseline_days"] if baseline_days is None else baseline_days
    flat = ~(form.flat_share < flat_share_min)
    rows = np.flatnonzero(
        _window(form, as_of, baseline_days) & flat & np.isfinite(form.balance_left_pct)
    )
    if not len(rows):
        return []
    balance = form.balance_left_pct[rows]
    offset = np.round(balance - 50.0, 6)
    beyond = np.abs(offset) > limit_pct - 50.0
    latest = float(balance[-1])
    side = np.sign(offset[-1])
    same_side_beyond = beyond & (np.sign(offset) == side)
    streak = trailing_true_count(same_side_beyond)
    earlier = balance[:-1]
    usual = float(np.median(earlier)) if len(earlier) else float("nan")
    if not beyond[-1]:
        outcome = "within"
    elif streak >= persistent_runs:
        outcome = "persistent"
    elif (
        len(earlier) >= baseline_min_runs
        and abs(usual - 50.0) <= limit_pct - 50.0
        and abs(latest - usual) >= new_shift_pct
    ):
        outcome = "new"
    else:
        outcome = "isolated"
    last = int(rows[-1])
    activity = int(form.activity_id[last])
    values = {"balance_left_pct": latest, "runs": streak, "baseline_left_pct": usual}
    display = {
        "balance": balance_text(latest),
        "baseline": balance_text(usual) if np.isfinite(usual) else "unknown",
    }
    return [
        F3.finding(
            outcome,
            form.local_date[last].item(),
            values,
            activity_id=activity if activity >= 0 else None,
            display=display,
        )
    ]


def form_findings(form: FormTable, *, as_of: date) -> list[Finding]:
    """F1-F4 for one runner on ``as_of`` (F4, the foot-strike statement, whenever any run
    up to ``as_of`` has form data)."""
    found = cadence_findings(form, as_of=as_of)
    found += dynamics_findings(form, as_of=as_of)
    found += balance_findings(form, as_of=as_of)
    if (form.local_date <= as_day(as_of)).any():
        found.append(F4.finding("advice", as_of, {}))
    return found
