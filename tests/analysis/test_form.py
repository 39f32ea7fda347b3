"""Form over steady segments: real watch files, synthetic runs, the cadence-speed baseline."""

from __future__ import annotations

import functools

import numpy as np
import pytest

from backstride.analysis.form import (
    FormSummary,
    FormTable,
    band_index,
    cadence_at_speed,
    cadence_speed_baseline,
    form_summary,
    trailing_true_count,
)
from backstride.ingest import read_activities
from backstride.model import Activity, Streams
from backstride.units import Channel
from tests.conftest import DATA

STRYD_RUN = "fit-parser-js__running-with-developer-data.fit"  # Fenix 5X + HRM dynamics + Stryd
FENIX2_RUN = "fitparse__activity-small-fenix2-run.fit"  # Fenix 2 + HRM-Run: VO, GCT only


@functools.cache
def real_run(name: str) -> Activity:
    (activity,) = read_activities((DATA / "fit" / name).read_bytes())
    return activity


@functools.cache
def real_form(name: str) -> FormSummary:
    return form_summary(real_run(name).streams)


@pytest.mark.parametrize("name", [STRYD_RUN, FENIX2_RUN])
def test_real_runs_give_plausible_steady_form(name: str) -> None:
    activity, form = real_run(name), real_form(name)
    assert activity.sport == "running"
    assert 0.4 * activity.summary.elapsed_s < form.steady_s < activity.summary.elapsed_s
    assert 150 <= form.cadence_spm <= 200
    assert 2.0 <= form.speed_mps <= 6.0
    assert 0.8 <= form.step_length_m <= 1.6
    # Step length is speed / step rate: the medians must agree to a few percent.
    assert form.step_length_m == pytest.approx(form.speed_mps * 60 / form.cadence_spm, rel=0.05)
    assert 0.05 <= form.vertical_oscillation_m <= 0.13
    assert 0.18 <= form.stance_time_s <= 0.32
    assert 0.7 <= form.flat_share <= 1.0
    # About one steady minute per 60 s of steady running (segments lose partial minutes).
    assert 0.6 * form.steady_s / 60 <= len(form.chunk_cadence_spm) <= form.steady_s / 60 + 1
    assert (150 <= form.chunk_cadence_spm).all()
    assert (form.chunk_cadence_spm <= 200).all()


def test_the_stryd_run_has_balance_power_and_vertical_ratio() -> None:
    form = real_form(STRYD_RUN)
    assert 45.0 <= form.balance_left_pct <= 55.0
    assert 150.0 <= form.power_w <= 450.0
    assert 5.0 <= form.vertical_ratio_pct <= 10.0
    # Steady medians differ from the whole-file medians: the first minutes and stops are out.
    streams = real_run(STRYD_RUN).streams
    assert form.cadence_spm >= float(np.median(streams.channels[Channel.CADENCE_SPM]))


def test_the_fenix2_run_has_no_balance_or_power_but_a_derived_step_length() -> None:
    form = real_form(FENIX2_RUN)
    assert np.isnan(form.balance_left_pct)
    assert np.isnan(form.power_w)
    assert Channel.STEP_LENGTH_M not in real_run(FENIX2_RUN).streams.channels
    assert 0.9 <= form.step_length_m <= 1.5  # from speed x 60 / cadence
    # Vertical ratio from VO / step length, as Garmin defines it.
    assert form.vertical_ratio_pct == pytest.approx(
        form.vertical_oscillation_m / form.step_length_m * 100, rel=0.1
    )


def test_a_runner_with_no_running_dynamics_gets_nan_not_zero() -> None:
    t = np.arange(900.0)
    streams = Streams(
        t, {Channel.SPEED_MPS: np.full(900, 3.2), Channel.CADENCE_SPM: np.full(900, 168.0)}
    )
    form = form_summary(streams)
    assert form.cadence_spm == 168.0
    assert form.step_length_m == pytest.approx(3.2 * 60 / 168)
    for name in ("vertical_oscillation_m", "vertical_ratio_pct", "stance_time_s"):
        assert np.isnan(getattr(form, name))
    assert np.isnan(form.balance_left_pct)
    assert np.isnan(form.power_w)
    assert np.isnan(form.flat_share)  # no altitude: grade unknown


def test_a_run_without_cadence_has_no_minute_pairs() -> None:
    t = np.arange(900.0)
    form = form_summary(Streams(t, {Channel.SPEED_MPS: np.full(900, 3.0)}))
    assert np.isnan(form.cadence_spm)
    assert len(form.chunk_cadence_spm) == 0


def test_form_table_sorts_runs_by_date_and_keeps_minutes_with_their_run() -> None:
    def summary(cadence: float, minutes: int) -> FormSummary:
        return FormSummary(
            60.0 * minutes,
            3.0,
            cadence,
            1.0,
            np.nan,
            np.nan,
            np.nan,
            np.nan,
            np.nan,
            1.0,
            np.full(minutes, 3.0),
            np.full(minutes, cadence),
        )

    table = FormTable.from_summaries(
        ["2024-03-05", "2024-03-01"], [2, 1], [summary(170.0, 2), summary(160.0, 3)]
    )
    assert table.activity_id.tolist() == [1, 2]
    assert table.cadence_spm.tolist() == [160.0, 170.0]
    assert table.chunk_row.tolist() == [0, 0, 0, 1, 1]
    assert table.chunk_cadence_spm.tolist() == [160.0] * 3 + [170.0] * 2
    with pytest.raises(ValueError, match="same length"):
        FormTable.from_summaries(["2024-03-05"], [1, 2], [summary(170.0, 1)])


def test_cadence_speed_baseline_hand_computed() -> None:
    base = cadence_speed_baseline([2.5, 3.0, 3.5] * 4, [160.0, 166.0, 172.0] * 4)
    assert base is not None
    assert base.slope_spm_per_mps == pytest.approx(12.0)
    assert base.intercept_spm == pytest.approx(130.0)
    assert cadence_at_speed(base, 3.25) == pytest.approx(169.0)
    assert (base.n_points, base.speed_min_mps, base.speed_max_mps) == (12, 2.5, 3.5)


def test_cadence_baseline_edge_cases() -> None:
    assert cadence_speed_baseline([3.0] * 5, [170.0] * 5) is None  # too few minutes
    narrow = cadence_speed_baseline([3.0, 3.1] * 6, [168.0, 172.0] * 6)
    assert narrow is not None
    assert narrow.slope_spm_per_mps == 0.0
    assert narrow.intercept_spm == pytest.approx(170.0)
    falling = cadence_speed_baseline([2.5, 3.5] * 6, [175.0, 165.0] * 6)
    assert falling is not None
    assert falling.slope_spm_per_mps == 0.0
    with_nan = cadence_speed_baseline([3.0, np.nan] * 10, [170.0, 170.0] * 10)
    assert with_nan is not None
    assert with_nan.n_points == 10


def test_band_index_rounds_to_the_published_resolution() -> None:
    edges = [153, 164, 174, 184]
    values = [152.4, 152.6, 163.4, 173.4, 183.0, 183.6, np.nan]
    assert band_index(values, edges, resolution=1).tolist() == [0, 1, 1, 2, 3, 4, -1]
    vo_edges = [6.4, 8.2, 9.8, 11.6]
    assert band_index([6.34, 6.44, 8.14, 8.16], vo_edges, resolution=0.1).tolist() == [0, 1, 1, 2]


def test_trailing_true_count() -> None:
    assert trailing_true_count([True, False, True, True]) == 2
    assert trailing_true_count([True, True]) == 2
    assert trailing_true_count([True, False]) == 0
    assert trailing_true_count([]) == 0
