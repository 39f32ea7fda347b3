"""EWMA and rolling windows against plain loops (the obvious, slow definitions)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from backstride.analysis.windows import (
    ewma,
    preceding_max,
    trailing_max,
    trailing_sum,
    trailing_sum_at,
)


def ewma_loop(x: np.ndarray, alpha: float, initial: float | None = None) -> np.ndarray:
    out = np.empty_like(x, dtype=float)
    state = x[0] if initial is None else initial
    for t in range(len(x)):
        state = alpha * x[t] + (1 - alpha) * state
        out[t] = state
    return out


loads = arrays(np.float64, st.integers(1, 200), elements=st.floats(0, 1000, allow_subnormal=False))


def test_ewma_hand_computed() -> None:
    # span 7 -> alpha 0.25: 4, then 0.75 * 4 = 3, then 0.75 * 3 = 2.25
    assert ewma([4.0, 0.0, 0.0], span=7).tolist() == [4.0, 3.0, 2.25]
    assert ewma([4.0, 0.0], alpha=0.5, initial=0.0).tolist() == [2.0, 1.0]
    assert ewma([5.0, 7.0], alpha=1.0).tolist() == [5.0, 7.0]
    assert ewma(np.zeros(0), span=7).shape == (0,)


def test_ewma_rejects_bad_parameters() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        ewma([1.0], span=7, alpha=0.2)
    with pytest.raises(ValueError, match="exactly one"):
        ewma([1.0])
    with pytest.raises(ValueError, match="alpha must be in"):
        ewma([1.0], alpha=0.0)
    with pytest.raises(ValueError, match="scalar"):
        ewma(3.0, span=7)


def test_ewma_across_many_block_boundaries_matches_the_loop() -> None:
    rng = np.random.default_rng(4)
    x = rng.gamma(2.0, 50.0, size=3653)
    for alpha in (2 / 8, 2 / 29, 1 / 42, 1 - np.exp(-1 / 42)):
        np.testing.assert_allclose(ewma(x, alpha=alpha), ewma_loop(x, alpha), rtol=1e-12)
        np.testing.assert_allclose(
            ewma(x, alpha=alpha, initial=0.0), ewma_loop(x, alpha, 0.0), rtol=1e-12
        )


def test_ewma_columns_are_independent() -> None:
    rng = np.random.default_rng(5)
    x = rng.random((100, 3, 2))
    out = ewma(x, span=28)
    assert out.shape == x.shape
    np.testing.assert_allclose(out[:, 1, 0], ewma(x[:, 1, 0], span=28))


@settings(max_examples=80, deadline=None)
@given(loads, st.floats(0.01, 1.0))
def test_ewma_matches_the_recursion(x: np.ndarray, alpha: float) -> None:
    np.testing.assert_allclose(ewma(x, alpha=alpha), ewma_loop(x, alpha), rtol=1e-9, atol=1e-9)


@settings(max_examples=60, deadline=None)
@given(st.floats(0, 1e4, allow_subnormal=False), st.integers(1, 400), st.integers(1, 60))
def test_ewma_of_a_constant_is_the_constant(value: float, n: int, span: int) -> None:
    np.testing.assert_allclose(ewma(np.full(n, value), span=span), value, rtol=1e-12)


def test_trailing_windows_hand_computed() -> None:
    assert trailing_sum([1.0, 2, 3, 4], 2).tolist() == [1.0, 3.0, 5.0, 7.0]
    assert trailing_max([3.0, 1, 2, 0, 0], 3).tolist() == [3.0, 3.0, 3.0, 2.0, 2.0]
    assert trailing_max([1.0, 4.0], 10).tolist() == [1.0, 4.0]
    assert trailing_max(np.zeros(0), 3).shape == (0,)
    assert preceding_max([10.0, 0, 0, 21, 10], days=2).tolist() == [0.0, 10.0, 10.0, 0.0, 21.0]
    with pytest.raises(ValueError, match="window"):
        trailing_sum([1.0], 0)
    with pytest.raises(ValueError, match="window"):
        trailing_max([1.0], 0)


@settings(max_examples=80, deadline=None)
@given(loads, st.integers(1, 40))
def test_trailing_windows_match_loops(x: np.ndarray, window: int) -> None:
    sums = [x[max(0, t - window + 1) : t + 1].sum() for t in range(len(x))]
    maxima = [x[max(0, t - window + 1) : t + 1].max() for t in range(len(x))]
    before = [x[max(0, t - window) : t].max() if t else 0.0 for t in range(len(x))]
    np.testing.assert_allclose(trailing_sum(x, window), sums, rtol=1e-9, atol=1e-6)
    np.testing.assert_array_equal(trailing_max(x, window), maxima)
    np.testing.assert_array_equal(preceding_max(x, days=window), before)


def test_a_window_of_zeros_sums_to_exactly_zero_after_large_loads() -> None:
    # A difference of running totals would leave rounding residue here (and an absurd ratio).
    x = np.r_[np.full(3000, 1234.567), np.zeros(40)]
    assert (trailing_sum(x, 28)[-12:] == 0.0).all()


def test_trailing_sum_at_some_rows_hand_computed() -> None:
    # Window 2 over 1, 2, 3, 4: row 0 has only itself, row 3 is 3 + 4.
    assert trailing_sum_at([1.0, 2, 3, 4], 2, [0, 3]).tolist() == [1.0, 7.0]
    # Two columns, window longer than the series: every row sums from the start.
    x = np.array([[1.0, 10.0], [2.0, 20.0], [3.0, 30.0]])
    assert trailing_sum_at(x, 7, [2, 1]).tolist() == [[6.0, 60.0], [3.0, 30.0]]
    with pytest.raises(ValueError, match="window"):
        trailing_sum_at([1.0], 0, [0])
    with pytest.raises(IndexError, match="outside"):
        trailing_sum_at([1.0, 2.0], 2, [2])


@settings(max_examples=80, deadline=None)
@given(loads, st.integers(1, 40), st.data())
def test_trailing_sum_at_is_the_full_sum_bit_for_bit(
    x: np.ndarray, window: int, data: st.DataObject
) -> None:
    # The rules read one day of a window sum (issue 15); it must be the series' own number,
    # not one added in another order (a threshold compare could flip on the last bit).
    rows = data.draw(st.lists(st.integers(0, len(x) - 1), min_size=1, max_size=5))
    full = trailing_sum(x, window)[rows]
    at = trailing_sum_at(x, window, rows)
    assert full.tobytes() == at.tobytes()
