"""Load metrics: hand-computed values, edge cases, and invariances shared by a registry."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from backstride.analysis.load import (
    acute_chronic_ratio,
    analyse_load,
    banister_trimp,
    fitness_fatigue,
    relative_change,
    run_spike_ratio,
    training_monotony,
    training_strain,
)
from backstride.analysis.windows import ewma, trailing_max, trailing_sum
from tests.analysis.history import runs_table, vignette

Metric = Callable[[np.ndarray], np.ndarray]

#: Ratios: unchanged when every load is multiplied by the same positive factor.
SCALE_FREE: dict[str, Metric] = {
    "acwr_ewma": lambda x: acute_chronic_ratio(x),
    "acwr_uncoupled": lambda x: acute_chronic_ratio(x, variant="uncoupled"),
    "monotony": lambda x: training_monotony(x),
    "spike": lambda x: run_spike_ratio(x, trailing_max(x, 30)),
}
#: Totals and averages: multiplied by the factor.
SCALE_LINEAR: dict[str, Metric] = {
    "ewma_7": lambda x: ewma(x, span=7),
    "trailing_sum_7": lambda x: trailing_sum(x, 7),
    "ctl": lambda x: fitness_fatigue(x).ctl,
    "atl": lambda x: fitness_fatigue(x).atl,
    "tsb": lambda x: fitness_fatigue(x).tsb,
    "strain": lambda x: training_strain(x),
}

#: Realistic daily loads: rest days (0) or 0.01-2000 AU; no subnormal floats.
daily_loads = arrays(
    np.float64,
    st.integers(30, 120),
    elements=st.one_of(st.just(0.0), st.floats(0.01, 2000.0)),
)


@pytest.mark.parametrize("name", sorted(SCALE_FREE))
@settings(max_examples=40, deadline=None)
@given(x=daily_loads, factor=st.sampled_from([0.001, 0.5, 3.0, 1609.344]))
def test_ratios_are_unchanged_when_loads_are_scaled(
    name: str, x: np.ndarray, factor: float
) -> None:
    metric = SCALE_FREE[name]
    np.testing.assert_allclose(metric(x * factor), metric(x), rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("name", sorted(SCALE_LINEAR))
@settings(max_examples=40, deadline=None)
@given(x=daily_loads, factor=st.sampled_from([0.5, 3.0, 60.0]))
def test_totals_scale_with_the_loads(name: str, x: np.ndarray, factor: float) -> None:
    metric = SCALE_LINEAR[name]
    np.testing.assert_allclose(metric(x * factor), metric(x) * factor, rtol=1e-7, atol=1e-6)


@pytest.mark.parametrize("name", sorted(SCALE_FREE | SCALE_LINEAR))
def test_metrics_never_look_ahead(name: str) -> None:
    rng = np.random.default_rng(1)
    x = rng.gamma(2.0, 40.0, size=90)
    changed = x.copy()
    changed[60:] = rng.gamma(2.0, 400.0, size=30)
    metric = (SCALE_FREE | SCALE_LINEAR)[name]
    np.testing.assert_array_equal(metric(changed)[:60], metric(x)[:60])


def test_relative_change_and_spike_edge_cases() -> None:
    change = relative_change([13.0, 5.0, 0.0, 7.0], [10.0, 0.0, 0.0, 7.0])
    assert change[0] == pytest.approx(0.3)
    assert np.isposinf(change[1])
    assert np.isnan(change[2])
    assert change[3] == 0.0
    assert run_spike_ratio([21.0], [10.0])[0] == pytest.approx(1.1)
    assert np.isnan(run_spike_ratio([np.nan], [10.0])[0])


@settings(max_examples=60, deadline=None)
@given(st.floats(0.1, 100.0), st.floats(0.1, 100.0), st.sampled_from([1e-3, 1.0, 1000.0, 1609.344]))
def test_spike_ratio_is_scale_free(run: float, longest: float, unit: float) -> None:
    # The same runs in km, m or miles give the same spike.
    assert run_spike_ratio([run * unit], [longest * unit])[0] == pytest.approx(run / longest - 1)


def test_acwr_needs_28_days_and_a_chronic_load() -> None:
    ratio = acute_chronic_ratio(np.full(30, 10.0))
    assert np.isnan(ratio[:27]).all()
    np.testing.assert_allclose(ratio[27:], 1.0)
    assert np.isnan(acute_chronic_ratio(np.zeros(40))).all()  # 0 / 0: no ratio, no error


def test_acwr_hand_computed_variants() -> None:
    load = np.r_[np.full(21, 10.0), np.full(7, 20.0)]
    assert acute_chronic_ratio(load, variant="uncoupled")[27] == pytest.approx(2.0)
    # EWMA: a constant 10 for 28 days is exactly 10 in both averages (bias-corrected), then a
    # 40 on day 28: acute 0.25*40 + 0.75*10 = 17.5 (bias correction ~1), chronic by hand.
    load = np.r_[np.full(28, 10.0), 40.0]
    lam = 2 / 29
    raw = lam * 40 + (1 - lam) * 10 * (1 - (1 - lam) ** 28)
    chronic = raw / (1 - (1 - lam) ** 29)
    acute = (0.25 * 40 + 0.75 * 10 * (1 - 0.75**28)) / (1 - 0.75**29)
    assert acute_chronic_ratio(load)[28] == pytest.approx(acute / chronic)


def test_acwr_counts_days_from_each_athletes_first_day() -> None:
    load = np.zeros((60, 2))
    load[:, 0] = 10.0
    load[20:, 1] = 10.0
    ratio = acute_chronic_ratio(load, first_day=np.array([0, 20]))
    assert not np.isnan(ratio[27, 0])
    assert np.isnan(ratio[46, 1])
    np.testing.assert_allclose(ratio[47:, 1], 1.0)


def test_acwr_rejects_bad_windows_and_variants() -> None:
    with pytest.raises(ValueError, match="acute_days < chronic_days"):
        acute_chronic_ratio(np.ones(40), acute_days=28, chronic_days=7)
    with pytest.raises(ValueError, match="variant"):
        acute_chronic_ratio(np.ones(40), variant="rolling")  # type: ignore[arg-type]


def test_fitness_fatigue_hand_computed() -> None:
    ff = fitness_fatigue([42.0, 0.0, 0.0])
    # Coggan: CTL 42/42 = 1, then 1 - 1/42; ATL 42/7 = 6, then 6 * 6/7.
    assert ff.ctl.tolist() == pytest.approx([1.0, 41 / 42, (41 / 42) ** 2])
    assert ff.atl.tolist() == pytest.approx([6.0, 36 / 7, 216 / 49])
    assert ff.tsb.tolist() == pytest.approx([0.0, -5.0, 41 / 42 - 36 / 7])  # yesterday's
    exact = fitness_fatigue([42.0], variant="exponential")
    assert exact.ctl[0] == pytest.approx(42 * (1 - np.exp(-1 / 42)))
    assert "exponential" in exact.variant
    assert "Coggan" in ff.variant
    with pytest.raises(ValueError, match="variant"):
        fitness_fatigue([1.0], variant="banister")  # type: ignore[arg-type]


def test_monotony_and_strain_hand_computed() -> None:
    week = [0.0, 100, 0, 100, 0, 100, 100]  # mean 400/7, population SD 49.487
    mean, sd = 400 / 7, np.std(week)
    assert training_monotony(week)[-1] == pytest.approx(mean / sd)
    assert training_strain(week)[-1] == pytest.approx(400 * mean / sd)
    assert np.isnan(training_monotony(week)[:6]).all()
    assert training_monotony(np.full(7, 50.0))[-1] == 10.0  # SD 0: capped, no division error
    assert training_monotony(np.full(7, 50.0), cap=4.0)[-1] == 4.0
    assert training_monotony(np.zeros(7))[-1] == 0.0  # all rest days
    assert np.isnan(training_monotony(np.ones(3))).all()  # fewer days than the window


def test_banister_trimp_hand_computed() -> None:
    hrr = 100 / 140
    men = 60 * hrr * 0.64 * np.exp(1.92 * hrr)
    women = 60 * hrr * 0.86 * np.exp(1.67 * hrr)
    kw = {"hr_rest_bpm": 50.0, "hr_max_bpm": 190.0}
    assert banister_trimp([3600.0], [150.0], sex="male", **kw)[0] == pytest.approx(men)
    assert banister_trimp([3600.0], [150.0], sex="female", **kw)[0] == pytest.approx(women)
    assert np.isnan(banister_trimp([3600.0], [np.nan], sex="male", **kw)[0])
    with pytest.raises(ValueError, match="hr_max_bpm > hr_rest_bpm"):
        banister_trimp([1.0], [1.0], hr_rest_bpm=60, hr_max_bpm=50, sex="male")


def test_analyse_load_spike_inputs_for_the_vignette() -> None:
    table, big = vignette()
    la = analyse_load(table)
    row = int(np.flatnonzero(table.local_date == np.datetime64(big))[0])
    assert la.longest_before_m[row] == 10000.0
    assert la.spike[row] == pytest.approx(1.1)
    assert la.had_run_before.sum() == len(table) - 1  # all but the first run
    assert np.isposinf(la.spike[0])


def test_analyse_load_no_runs_in_previous_30_days() -> None:
    table = runs_table(["2024-01-01", "2024-03-01"], [10.0, 5.0])
    la = analyse_load(table)
    assert la.longest_before_m.tolist() == [0.0, 0.0]
    assert np.isposinf(la.spike).all()
    assert la.had_run_before.tolist() == [False, True]


def test_analyse_load_monotony_waits_for_a_full_week_of_data() -> None:
    table = runs_table(["2024-01-04", "2024-01-05"], [5.0, 5.0])  # Thursday start
    la = analyse_load(table, last_day="2024-01-14")
    assert np.isnan(la.monotony[:9, 0]).all()
    assert not np.isnan(la.monotony[9, 0])


def test_analyse_load_ignores_non_runs_and_unknown_distances_for_spikes() -> None:
    table = runs_table(
        ["2024-01-01", "2024-01-02", "2024-01-03"],
        [10.0, 40.0, np.nan],
        kinds=["running", "cycling", "running"],
        minutes=[60.0, 60.0, 30.0],
    )
    la = analyse_load(table)
    assert np.isnan(la.spike[1:]).all()
    assert la.longest_before_m[2] == 10000.0
