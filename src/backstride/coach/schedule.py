"""Which weekdays get which session: run days spread over the week, hard days apart, core
sessions never on consecutive days (also across the end of a week).

Weekdays are numbers, Monday 0 to Sunday 6. Every choice is a fixed set of weekdays used in
every week of a plan, so a rule that holds within a week (no two core days in a row) also
holds from one Sunday to the next Monday.
"""

from __future__ import annotations

from itertools import combinations

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def cyclic_gap(a: int, b: int) -> int:
    """Days between two weekdays going round the week either way (0-3).

    >>> cyclic_gap(6, 0), cyclic_gap(1, 4)
    (1, 3)
    """
    d = abs(a - b) % 7
    return min(d, 7 - d)


def run_days(days_per_week: int, long_run_day: int) -> tuple[int, ...]:
    """``days_per_week`` weekdays spread evenly round the week from the long-run day.

    >>> run_days(3, 6), run_days(4, 6), run_days(2, 5)
    ((1, 4, 6), (1, 3, 4, 6), (2, 5))
    """
    if not 1 <= days_per_week <= 7:
        raise ValueError(f"days_per_week must be 1 to 7, got {days_per_week}")
    chosen = {(long_run_day + int(i * 7 / days_per_week + 0.5)) % 7 for i in range(days_per_week)}
    return tuple(sorted(chosen))


def quality_day(days: tuple[int, ...], long_run_day: int) -> int | None:
    """The run day for the week's one harder session: not the long run, not next to it, as
    far from it as possible; None when no run day qualifies.

    >>> quality_day((1, 3, 4, 6), 6), quality_day((0, 6), 6)
    (3, None)
    """
    allowed = [d for d in days if cyclic_gap(d, long_run_day) >= 2]
    if not allowed:
        return None
    return max(allowed, key=lambda d: (cyclic_gap(d, long_run_day), -d))


def spaced_days(
    count: int, *, avoid: tuple[int, ...] = (), prefer: tuple[int, ...] = ()
) -> tuple[int, ...]:
    """``count`` weekdays with at least one free day between any two (round the week),
    overlapping ``avoid`` as little as possible and ``prefer`` as much as possible; ties go
    to the earliest days.

    >>> spaced_days(3, avoid=(1, 4, 6)), spaced_days(2, avoid=(0, 1, 2, 3, 4, 6))
    ((0, 2, 5), (0, 5))
    >>> spaced_days(3, prefer=(6,))
    (1, 3, 6)
    """
    if not 0 <= count <= 3:
        raise ValueError(f"at most 3 weekdays can be spaced apart, got {count}")
    best: tuple[int, ...] | None = None
    best_key: tuple[int, int, tuple[int, ...]] | None = None
    for combo in combinations(range(7), count):
        if any(cyclic_gap(a, b) < 2 for a, b in combinations(combo, 2)):
            continue
        key = (sum(d in avoid for d in combo), -sum(d in prefer for d in combo), combo)
        if best_key is None or key < best_key:
            best, best_key = combo, key
    assert best is not None
    return best


def free_days(
    count: int, *, taken: tuple[int, ...], also_avoid: tuple[int, ...] = ()
) -> tuple[int, ...]:
    """Up to ``count`` weekdays outside ``taken``, apart from each other where possible and
    outside ``also_avoid`` where possible (cross-training days).

    >>> free_days(2, taken=(1, 4, 6), also_avoid=(0, 2, 5)), free_days(2, taken=(0, 1, 2, 3, 4, 5))
    ((0, 3), (6,))
    """
    open_days = [d for d in range(7) if d not in taken]
    best: tuple[int, ...] = ()
    best_key: tuple[int, int, int, tuple[int, ...]] | None = None
    for n in range(min(count, len(open_days)), 0, -1):
        for combo in combinations(open_days, n):
            adjacent = sum(cyclic_gap(a, b) < 2 for a, b in combinations(combo, 2))
            key = (-n, adjacent, sum(d in also_avoid for d in combo), combo)
            if best_key is None or key < best_key:
                best, best_key = combo, key
    return best
