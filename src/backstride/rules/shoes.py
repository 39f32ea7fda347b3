"""Shoe rules S1 (mileage: inspect, then consider replacing) and S2 (rotation).

Contract: :func:`shoe_outcome` classifies any number of shoes at once;
:func:`shoe_severity_ranks` gives every athlete's most pressing S1/S2 severity (cohorts);
:func:`shoe_findings` gives one athlete's findings, using the runner's
:class:`~backstride.model.Gear` records (keyed by the ids in the table's ``shoe_id``) for
names, per-shoe limits, distance run before tracking and retirement; without a record a shoe
gets the catalogue's 480 / 800 km. Mileage counts runs and walks up to ``as_of``; a shoe is
in use when worn in the last ``active_days`` days and not retired. Mileage marks are
convention, never presented as injury-proven.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import numpy as np
import numpy.typing as npt

from backstride.analysis.shoes import shoe_mileage, shoes_in_rotation
from backstride.analysis.table import ActivityKind, ActivityTable, as_day
from backstride.model import Gear
from backstride.rules.catalogue import CATALOGUE
from backstride.rules.finding import SEVERITY_RANK, Finding

S1, S2 = CATALOGUE["S1"], CATALOGUE["S2"]
_DAY = np.timedelta64(1, "D")
#: A pair is in use (S1 judges it) when worn in the last this many days.
ACTIVE_DAYS = 90
Codes = npt.NDArray[np.int8]


def shoe_outcome(
    distance_km: npt.ArrayLike,
    *,
    inspect_km: npt.ArrayLike | None = None,
    replace_km: npt.ArrayLike | None = None,
) -> Codes:
    """S1 outcome code of each shoe: ``ok``, ``inspect`` from ``inspect_km`` (480 km),
    ``replace`` from ``replace_km`` (800 km); limits left out are the catalogue's, read now.

    >>> [S1.outcome_names[c] for c in shoe_outcome([479.9, 480.0, 800.0])]
    ['ok', 'inspect', 'replace']

    References
    ----------
    Evidence S1: Cook 1985; Verdejo & Mills 2004; Wang 2010; convention (300-500 mi).
    """
    km = np.asarray(distance_km, np.float64)
    inspect_km = S1.thresholds["inspect_km"] if inspect_km is None else inspect_km
    replace_km = S1.thresholds["replace_km"] if replace_km is None else replace_km
    code = np.select(
        [km >= np.asarray(replace_km), km >= np.asarray(inspect_km)],
        [S1.code("replace"), S1.code("inspect")],
        S1.code("ok"),
    )
    return code.astype(np.int8)


def shoe_severity_ranks(
    table: ActivityTable,
    *,
    as_of: date,
    active_days: int = ACTIVE_DAYS,
    min_pairs: float | None = None,
    window_days: float | None = None,
) -> tuple[Codes, Codes]:
    """Every athlete's most pressing S1 and S2 severity rank (-1: nothing), default limits
    (the catalogue's, read now, for a limit left out)."""
    min_pairs = S2.thresholds["min_pairs"] if min_pairs is None else min_pairs
    window_days = S2.thresholds["window_days"] if window_days is None else window_days
    mileage = shoe_mileage(table, as_of=as_of)
    active = mileage.last_day > as_day(as_of) - active_days * _DAY
    ranks = np.array([SEVERITY_RANK[o.severity] for o in S1.outcomes.values()], np.int8)
    s1 = np.full(table.n_athletes, -1, np.int8)
    np.maximum.at(
        s1, mileage.athlete[active], ranks[shoe_outcome(mileage.distance_m[active] / 1000)]
    )
    pairs = shoes_in_rotation(table, as_of=as_of, days=int(window_days))
    s2 = np.where(
        pairs >= min_pairs,
        SEVERITY_RANK[S2.outcomes["rotation"].severity],
        np.where(pairs == 1, SEVERITY_RANK[S2.outcomes["single"].severity], -1),
    ).astype(np.int8)
    return s1, s2


def shoe_findings(
    table: ActivityTable,
    *,
    as_of: date,
    athlete: int = 0,
    gear: Mapping[int, Gear] | None = None,
    active_days: int = ACTIVE_DAYS,
    inspect_km: float | None = None,
    replace_km: float | None = None,
    min_pairs: float | None = None,
    window_days: float | None = None,
) -> list[Finding]:
    """One athlete's S1 findings (one per shoe in use) and S2 finding on ``as_of``.

    When the athlete ran in the last ``window_days`` days without any shoe recorded, S1
    says so (``untracked``) instead. A limit left out is the catalogue's, read now.

    >>> t = ActivityTable.from_columns(["2024-03-01", "2024-03-02"], ["running"] * 2,
    ...     [300_000.0, 200_000.0], [3600.0] * 2, shoe_id=[5, 5])
    >>> [(f.rule, f.severity, f.message) for f in shoe_findings(t, as_of=date(2024, 3, 3),
    ...     gear={5: Gear(name="Trail shoe")})]  # doctest: +NORMALIZE_WHITESPACE
    [('S1', 'caution', 'Trail shoe: 500 km, past 480 km: inspect the midsole and outsole for
      wear.'), ('S2', 'info', 'One pair of shoes used in the last 30 days: alternating 2 or
      more pairs went with fewer injuries.')]
    """
    inspect_km = S1.thresholds["inspect_km"] if inspect_km is None else inspect_km
    replace_km = S1.thresholds["replace_km"] if replace_km is None else replace_km
    min_pairs = S2.thresholds["min_pairs"] if min_pairs is None else min_pairs
    window_days = S2.thresholds["window_days"] if window_days is None else window_days
    gear = gear or {}
    end = as_day(as_of)
    mileage = shoe_mileage(table, as_of=as_of)
    found = []
    for i in np.flatnonzero(mileage.athlete == athlete):
        shoe = int(mileage.shoe_id[i])
        record = gear.get(shoe, Gear(name=f"Shoe {shoe}"))
        if (
            record.retired
            or record.kind != "shoe"
            or mileage.last_day[i] <= end - active_days * _DAY
        ):
            continue
        inspect = record.inspect_at_m / 1000 if record.inspect_at_m is not None else inspect_km
        replace = record.replace_at_m / 1000 if record.replace_at_m is not None else replace_km
        distance = float(mileage.distance_m[i]) + record.initial_distance_m
        km = distance / 1000
        outcome = S1.outcome_names[shoe_outcome(km, inspect_km=inspect, replace_km=replace)]
        values = {
            "shoe_id": shoe,
            "distance_m": distance,
            "initial_distance_m": record.initial_distance_m,
            "activities": mileage.activities[i],
            "inspect_km": inspect,
            "replace_km": replace,
            "first_day": str(mileage.first_day[i]),
            "last_day": str(mileage.last_day[i]),
        }
        found.append(S1.finding(outcome, as_of, values, display={"shoe": record.name, "km": km}))
    recent = (
        (table.athlete == athlete)
        & (table.kind == ActivityKind.RUN)
        & (table.local_date <= end)
        & (table.local_date > end - int(window_days) * _DAY)
    )
    if recent.any() and not (table.shoe_id[recent] >= 0).any():
        found.append(S1.finding("untracked", as_of, {"runs": int(recent.sum())}))
    pairs = int(shoes_in_rotation(table, as_of=as_of, days=int(window_days))[athlete])
    if pairs >= min_pairs:
        found.append(S2.finding("rotation", as_of, {"pairs": pairs}))
    elif pairs == 1:
        found.append(S2.finding("single", as_of, {"pairs": pairs}))
    return found


def idle_shoes_summary(
    table: ActivityTable,
    *,
    as_of: date,
    gear: Mapping[int, Gear],
    athlete: int = 0,
    active_days: int = ACTIVE_DAYS,
) -> str | None:
    """What the shoes light says when S1 and S2 found nothing but the runner has shoes: no
    pair worn in the last ``active_days`` days, and each pair not retired with its distance
    up to ``as_of`` (None without such a pair: the catalogue's "nothing yet" line stands).

    >>> t = ActivityTable.from_columns(["2024-01-06"], ["running"], [6000.0], [1800.0],
    ...     shoe_id=[5])
    >>> idle_shoes_summary(t, as_of=date(2024, 6, 6),
    ...     gear={5: Gear(name="Ghost 15", initial_distance_m=600_000.0)})
    'No runs in your shoes in the last 90 days, so none is judged; your shoes: Ghost 15 606 km.'
    """
    mileage = shoe_mileage(table, as_of=as_of)
    run_m = {
        int(s): float(d)
        for s, d, a in zip(mileage.shoe_id, mileage.distance_m, mileage.athlete, strict=True)
        if a == athlete
    }
    pairs = [
        f"{g.name} {(run_m.get(gear_id, 0.0) + g.initial_distance_m) / 1000:.0f} km"
        for gear_id, g in gear.items()
        if not g.retired and g.kind == "shoe"
    ]
    if not pairs:
        return None
    return (
        f"No runs in your shoes in the last {active_days} days, so none is judged; your "
        f"shoes: {', '.join(pairs)}."
    )
