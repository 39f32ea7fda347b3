"""Form rules F1-F4 on synthetic form tables with known answers, and on real watch files."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from backstride.analysis.form import FormTable, form_summary
from backstride.ingest import read_activities
from backstride.rules.form import (
    balance_findings,
    balance_text,
    band_name,
    cadence_findings,
    dynamics_findings,
    form_findings,
    pace_text,
)
from tests.analysis.history import form_table
from tests.conftest import DATA

AS_OF = date(2024, 3, 31)


def test_f1_baseline_at_easy_speed_and_the_5_and_10_percent_targets() -> None:
    # cadence = 130 + 12 x speed; median speed 3.0 m/s -> 166 spm -> 174.3 / 182.6 targets.
    speeds = [2.5, 3.0, 3.5, 2.8, 3.0, 3.2, 3.0]
    form = form_table(speeds, [130 + 12 * s for s in speeds])
    (finding,) = cadence_findings(form, as_of=AS_OF)
    assert finding.severity == "ok"
    assert finding.rule == "F1"
    assert finding.values["easy_speed_mps"] == pytest.approx(3.0)
    assert finding.values["baseline_spm"] == pytest.approx(166.0)
    assert finding.values["target_5_spm"] == pytest.approx(166.0 * 1.05)
    assert finding.values["target_10_spm"] == pytest.approx(166.0 * 1.10)
    assert finding.values["slope_spm_per_mps"] == pytest.approx(12.0)
    assert finding.values["latest_vs_baseline_pct"] == pytest.approx(0.0, abs=1e-9)
    assert "5:33/km" in finding.message
    assert "about 166 steps/min" in finding.message
    assert "about 174 (+5%)" in finding.message
    assert "up to 183 (+10%)" in finding.message


def test_f1_targets_follow_the_runner_never_a_fixed_180() -> None:
    form = form_table([3.0] * 5, [150.0] * 5)
    (finding,) = cadence_findings(form, as_of=AS_OF)
    assert finding.values["target_5_spm"] == pytest.approx(157.5)
    assert finding.values["target_10_spm"] == pytest.approx(165.0)
    (fast,) = cadence_findings(form_table([3.0] * 5, [185.0] * 5), as_of=AS_OF)
    assert fast.values["target_5_spm"] == pytest.approx(194.25)  # above 180: still relative
    (easy,) = cadence_findings(form, as_of=AS_OF, easy_speed_mps=2.5)
    assert easy.values["easy_speed_mps"] == 2.5


def test_f1_needs_three_recent_runs_with_cadence() -> None:
    assert cadence_findings(form_table([3.0] * 2, [170.0] * 2), as_of=AS_OF) == []
    no_cadence = form_table([3.0] * 5, [np.nan] * 5)
    assert cadence_findings(no_cadence, as_of=AS_OF) == []
    no_speed = form_table([np.nan] * 5, [170.0] * 5)  # treadmill without a foot pod
    assert cadence_findings(no_speed, as_of=AS_OF) == []
    with pytest.raises(ValueError, match="easy_speed_mps"):
        cadence_findings(form_table([3.0] * 5, [170.0] * 5), as_of=AS_OF, easy_speed_mps=0.0)
    old = form_table([3.0] * 5, [170.0] * 5)  # runs from 1 March: outside a 10-day window
    assert cadence_findings(old, as_of=AS_OF, baseline_days=10) == []
    assert cadence_findings(old, as_of=date(2024, 2, 1)) == []  # before any run


@pytest.mark.parametrize(
    ("metric", "value", "band"),
    [
        ("cadence_spm", 152.0, "red"),
        ("cadence_spm", 153.0, "orange"),
        ("cadence_spm", 170.0, "green"),
        ("cadence_spm", 183.0, "blue"),
        ("cadence_spm", 183.6, "purple"),  # shown as 184
        ("stance_time_ms", 217.0, "purple"),
        ("stance_time_ms", 248.0, "blue"),
        ("stance_time_ms", 249.0, "green"),
        ("stance_time_ms", 308.0, "orange"),
        ("stance_time_ms", 309.0, "red"),
        ("vertical_oscillation_cm", 6.3, "purple"),
        ("vertical_oscillation_cm", 9.7, "green"),
        ("vertical_oscillation_cm", 11.6, "red"),
        ("vertical_ratio_pct", 6.1, "blue"),
        ("vertical_ratio_pct", 10.1, "orange"),
        ("vertical_ratio_pct", 10.2, "red"),
    ],
)
def test_f2_garmin_bands(metric: str, value: float, band: str) -> None:
    name = band_name(metric, value)
    assert name is not None
    assert name.startswith(band)


def test_f2_reports_the_latest_run_compared_with_other_runners() -> None:
    form = form_table([3.0] * 3, [170.0] * 3, gct_s=0.300, vo_m=0.063, ratio_pct=10.2)
    (finding,) = dynamics_findings(form, as_of=AS_OF)
    assert finding.severity == "info"
    assert finding.activity_id == 102
    assert finding.values["cadence_spm_band"] == "green"
    assert finding.values["stance_time_ms"] == pytest.approx(300.0)
    assert finding.values["stance_time_ms_band"] == "orange"
    assert finding.values["vertical_oscillation_cm_band"] == "purple"
    assert finding.values["vertical_ratio_pct_band"] == "red"
    assert "not a risk measure" in finding.message


def test_f2_with_no_running_dynamics_shows_only_cadence_or_nothing() -> None:
    (finding,) = dynamics_findings(form_table([3.0], [170.0]), as_of=AS_OF)
    assert set(finding.values) == {"cadence_spm", "cadence_spm_band"}
    assert dynamics_findings(form_table([3.0], [np.nan]), as_of=AS_OF) == []


def test_f3_within_the_limit_is_ok_including_exactly_52_2() -> None:
    for left in (52.2, 47.8, 50.0):
        (finding,) = balance_findings(form_table([3.0], [170.0], balance=[left]), as_of=AS_OF)
        assert finding.severity == "ok"
        assert "within" in finding.message


def test_f3_one_run_beyond_is_only_worth_watching() -> None:
    (finding,) = balance_findings(
        form_table([3.0] * 2, [170.0] * 2, balance=[50.1, 47.7]), as_of=AS_OF
    )
    assert finding.severity == "ok"
    assert "52.3% R" in finding.message
    assert "not persistent" in finding.message


def test_f3_three_flat_runs_beyond_on_one_side_is_persistent() -> None:
    form = form_table([3.0] * 4, [170.0] * 4, balance=[50.0, 52.5, 52.9, 53.1])
    (finding,) = balance_findings(form, as_of=AS_OF)
    assert finding.severity == "caution"
    assert finding.values["runs"] == 3
    assert "last 3 flat runs" in finding.message
    assert "53.1% L" in finding.message
    # Sides must agree: left, right, left is not a persistent imbalance.
    alternating = form_table([3.0] * 3, [170.0] * 3, balance=[52.5, 47.4, 52.6])
    (finding,) = balance_findings(alternating, as_of=AS_OF)
    assert finding.severity == "ok"


def test_f3_new_against_the_runners_usual_balance() -> None:
    form = form_table([3.0] * 6, [170.0] * 6, balance=[50.4, 50.6, 50.5, 50.3, 50.5, 53.0])
    (finding,) = balance_findings(form, as_of=AS_OF)
    assert finding.severity == "caution"
    assert finding.values["baseline_left_pct"] == 50.5
    assert "new against your usual 50.5% L" in finding.message


def test_f3_ignores_hilly_runs_and_keeps_runs_of_unknown_grade() -> None:
    form = form_table(
        [3.0] * 4,
        [170.0] * 4,
        balance=[53.0, 53.0, 53.0, 50.0],
        flat_share=[1.0, 0.5, np.nan, 0.4],
    )
    (finding,) = balance_findings(form, as_of=AS_OF)
    # Flat runs: the 1st (flat) and the 3rd (treadmill): two in a row beyond, not three.
    assert finding.severity == "ok"
    assert finding.activity_id == 102
    assert balance_findings(form_table([3.0], [170.0]), as_of=AS_OF) == []  # no balance data


def test_f4_is_a_statement_whenever_there_is_form_data() -> None:
    found = form_findings(form_table([3.0] * 3, [170.0] * 3), as_of=AS_OF)
    (f4,) = [f for f in found if f.rule == "F4"]
    assert f4.severity == "info"
    assert "does not advise changing your foot strike" in f4.message
    assert form_findings(form_table([3.0], [170.0]), as_of=date(2024, 1, 1)) == []


def test_text_helpers() -> None:
    assert pace_text(3.0) == "5:33/km"
    assert pace_text(1000 / 300) == "5:00/km"
    assert balance_text(47.2) == "52.8% R"
    assert balance_text(52.8) == "52.8% L"


def test_form_rules_on_real_watch_files() -> None:
    names = [
        "fit-parser-js__running-with-developer-data.fit",
        "fitparse__activity-small-fenix2-run.fit",
    ]
    summaries = [
        form_summary(read_activities((DATA / "fit" / n).read_bytes())[0].streams) for n in names
    ]
    table = FormTable.from_summaries(["2024-03-01", "2024-03-08"], [1, 2], summaries)
    found = {f.rule: f for f in form_findings(table, as_of=date(2024, 3, 10))}
    assert set(found) == {"F2", "F3", "F4"}  # F1 needs three runs
    bands = found["F2"].values
    assert bands["cadence_spm_band"] in {"orange", "green", "blue"}
    assert 180 <= bands["stance_time_ms"] <= 300  # type: ignore[operator]
    assert found["F3"].activity_id == 1  # only the Stryd run has balance
    assert found["F3"].severity == "ok"
