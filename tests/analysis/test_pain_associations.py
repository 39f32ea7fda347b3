"""Associations between next-morning pain and run factors: hand-checked numbers, silence
below the minimum, ranges that widen with fewer pairs."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from backstride.analysis.pain import pain_by_group, rank_association


def test_spearman_matches_a_hand_computed_value() -> None:
    # Ranks of x: 1..8; pain ranks with one swap (3<->4): d^2 sum = 2,
    # rho = 1 - 6*2 / (8*63) = 0.97619...
    pain = [1, 2, 4, 3, 5, 6, 7, 8]
    km = [5, 6, 7, 8, 9, 10, 11, 12]
    a = rank_association("km", pain, km)
    assert a is not None
    assert a.rho == pytest.approx(1 - 12 / 504)
    z, half = math.atanh(a.rho), 1.959963984540054 * 1.06 / math.sqrt(5)
    assert (a.low, a.high) == pytest.approx((math.tanh(z - half), math.tanh(z + half)))
    assert a.is_clear


def test_silent_below_the_minimum_and_for_constant_values() -> None:
    assert rank_association("km", [1, 2, 3, 4, 5, 6, 7], [1, 2, 3, 4, 5, 6, 7]) is None
    assert rank_association("km", [3] * 10, list(range(10))) is None
    # Pairs with a missing value do not count.
    assert rank_association("km", [1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 3, 4, 5, 6, 7, np.nan]) is None


def test_no_association_has_a_range_that_spans_zero() -> None:
    pain = [2, 5, 1, 4, 3, 2, 5, 1, 4, 3]
    km = [5, 6, 7, 8, 9, 10, 11, 12, 13, 14]
    a = rank_association("km", pain, km)
    assert a is not None
    assert a.low < 0 < a.high
    assert not a.is_clear


@given(
    st.lists(st.integers(0, 10), min_size=8, max_size=40),
    st.floats(0.1, 100),
)
def test_correlation_is_unchanged_by_the_unit_of_the_factor(pain: list[int], scale: float) -> None:
    km = list(range(len(pain)))
    a = rank_association("km", pain, km)
    b = rank_association("m", pain, [k * scale for k in km])
    assert (a is None) == (b is None)
    if a is not None and b is not None:
        assert a.rho == pytest.approx(b.rho)
        assert a.low <= a.rho <= a.high


def test_pain_by_shoe_leaves_out_small_groups_and_stays_on_the_scale() -> None:
    groups = ["A", "A", "A", "B", "B", None]
    found = pain_by_group([9, 10, 10, 1, 2, 5], groups)
    assert [(g.group, g.n) for g in found] == [("A", 3)]
    assert found[0].mean == pytest.approx(29 / 3)
    assert found[0].high <= 10.0


def test_several_factors_at_once_widen_the_range_so_chance_is_not_flagged() -> None:
    """Issue 13: with 3 factors looked at together, a correlation that is "clear" on its own
    at 95 % (rho 0.66 over 10 pairs: low +0.01) is not clear for the family of three
    (Bonferroni, low -0.16), and says so in words."""
    pain = [1, 6, 3, 5, 4, 9, 2, 8, 7, 10]
    factor = list(range(1, 11))
    alone = rank_association("cadence (steps/min)", pain, factor)
    family = rank_association("cadence (steps/min)", pain, factor, comparisons=3)
    assert alone is not None
    assert family is not None
    assert alone.rho == family.rho == pytest.approx(0.661, abs=0.001)
    assert alone.low == pytest.approx(0.0086, abs=0.001)
    assert family.low == pytest.approx(-0.164, abs=0.001)
    assert alone.is_clear
    assert not family.is_clear
    assert family.verdict == "no clear association"
    assert alone.verdict == "more cadence went with more pain (an association, not a cause)"
