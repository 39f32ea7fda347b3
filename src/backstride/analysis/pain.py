"""What goes with next-morning back pain: associations, never causes.

Naming: ``*_association`` functions return :class:`Association` (or None when there is too
little data to say anything). Pure: arrays in, numbers out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
_Z95 = NormalDist().inv_cdf(0.975)

#: Fewer pairs than this and nothing is said: a correlation of 6 points is noise.
MIN_PAIRS = 8


@dataclass(frozen=True)
class Association:
    """A rank correlation between next-morning pain and one factor, with its range.

    ``rho`` is Spearman's rank correlation (-1..1, positive: more of the factor went with
    more pain the next morning); ``low``/``high`` its approximate interval (Fisher z,
    se = 1.06 / sqrt(n - 3), Fieller et al. 1957), at 95 % for the whole family of
    ``comparisons`` factors looked at together (Bonferroni: each at 1 - 0.05 / comparisons),
    so that one factor out of several is not flagged by chance; ``n`` the number of run /
    morning pairs.
    """

    factor: str
    n: int
    rho: float
    low: float
    high: float
    comparisons: int = 1

    @property
    def is_clear(self) -> bool:
        """True when the range excludes zero (still an association, not a cause)."""
        return self.low > 0 or self.high < 0

    @property
    def verdict(self) -> str:
        """The association in words, the one wording every surface shows.

        >>> Association("run distance (km)", 10, 0.8, 0.3, 0.95).verdict
        'more run distance went with more pain (an association, not a cause)'
        >>> Association("cadence (steps/min)", 10, 0.4, -0.2, 0.8).verdict
        'no clear association'
        """
        if not self.is_clear:
            return "no clear association"
        direction = "more" if self.rho > 0 else "less"
        name = self.factor.split(" (")[0]
        return f"more {name} went with {direction} pain (an association, not a cause)"


def _ranks(values: FloatArray) -> FloatArray:
    order = np.argsort(values, kind="stable")
    ranks = np.empty(len(values), dtype=np.float64)
    ranks[order] = np.arange(1, len(values) + 1, dtype=np.float64)
    # Ties share their mean rank.
    for value in np.unique(values):
        tied = values == value
        if tied.sum() > 1:
            ranks[tied] = ranks[tied].mean()
    return ranks


def rank_association(
    factor: str,
    pain: npt.ArrayLike,
    values: npt.ArrayLike,
    *,
    min_pairs: int = MIN_PAIRS,
    comparisons: int = 1,
) -> Association | None:
    """Spearman correlation of pain with a factor over the pairs where both are known.

    None below ``min_pairs`` pairs, or when either side does not vary (no correlation can
    be computed from constant values). ``comparisons``: how many factors are looked at
    together; the interval widens so that the family of them keeps 95 % (Bonferroni).

    Examples
    --------
    >>> a = rank_association("km", [1, 2, 3, 4, 5, 6, 7, 8], [5, 6, 7, 8, 9, 10, 11, 12])
    >>> a.rho, a.n, a.is_clear
    (1.0, 8, True)
    >>> rank_association("km", [1, 2, 3], [3, 2, 1]) is None
    True
    """
    p = np.asarray(pain, dtype=np.float64)
    v = np.asarray(values, dtype=np.float64)
    known = np.isfinite(p) & np.isfinite(v)
    p, v = p[known], v[known]
    n = len(p)
    if n < max(min_pairs, 4) or np.ptp(p) == 0 or np.ptp(v) == 0:
        return None
    rp, rv = _ranks(p), _ranks(v)
    rho = float(np.corrcoef(rp, rv)[0, 1])
    rho = max(-1.0, min(1.0, rho))
    if abs(rho) == 1.0:
        return Association(factor, n, rho, rho, rho, comparisons)
    z = math.atanh(rho)
    critical = NormalDist().inv_cdf(1 - 0.025 / max(1, comparisons))
    half = critical * 1.06 / math.sqrt(n - 3)
    return Association(factor, n, rho, math.tanh(z - half), math.tanh(z + half), comparisons)


@dataclass(frozen=True)
class GroupPain:
    """Mean next-morning pain after runs in one group (a shoe), with its 95 % range."""

    group: str
    n: int
    mean: float
    low: float
    high: float


def pain_by_group(
    pain: npt.ArrayLike, groups: list[str | None], *, min_per_group: int = 3
) -> list[GroupPain]:
    """Mean pain per group (normal approximation to its 95 % range); small groups left out.

    >>> [(g.group, g.n, g.mean) for g in pain_by_group([2, 4, 3, 1, 1, 1], ["a"] * 3 + ["b"] * 3)]
    [('a', 3, 3.0), ('b', 3, 1.0)]
    """
    p = np.asarray(pain, dtype=np.float64)
    out = []
    for name in sorted({g for g in groups if g is not None}):
        mask = np.array([g == name for g in groups]) & np.isfinite(p)
        n = int(mask.sum())
        if n < min_per_group:
            continue
        values = p[mask]
        mean = float(values.mean())
        half = _Z95 * float(values.std(ddof=1)) / math.sqrt(n)
        out.append(GroupPain(name, n, mean, max(0.0, mean - half), min(10.0, mean + half)))
    return out
