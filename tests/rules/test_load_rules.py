"""Load rules L1-L6 on small histories with hand-computed numbers, and the 21 km vignette."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backstride.analysis.load import analyse_load, fitness_fatigue
from backstride.analysis.table import ActivityTable
from backstride.rules.evaluate import analyse_up_to, evaluate
from backstride.rules.finding import Finding
from backstride.rules.load import L1, load_findings, load_status
from backstride.rules.load_outcomes import spike_outcome, strain_threshold
from tests.analysis.history import runs_table, vignette


def rule_findings(table: ActivityTable, as_of: date, rule: str) -> list[Finding]:
    return [f for f in evaluate(table, as_of=as_of) if f.rule == rule]


def per_run(found: list[Finding]) -> list[Finding]:
    return [f for f in found if f.activity_id is not None]


# --- L1: single-run spike (Frandsen 2025) -------------------------------------------------


@pytest.mark.parametrize(
    ("km", "severity", "spike"),
    [
        (9.0, "ok", -0.10),
        (11.0, "ok", 0.10),  # exactly +10% is still OK
        (11.5, "caution", 0.15),
        (13.0, "caution", 0.30),
        (13.5, "high", 0.35),
        (20.0, "high", 1.00),
        (20.5, "very_high", 1.05),
        (21.0, "very_high", 1.10),
    ],
)
def test_l1_bands_hand_computed(km: float, severity: str, spike: float) -> None:
    table = runs_table(["2024-01-01", "2024-01-15"], [10.0, km])
    (finding,) = per_run(rule_findings(table, date(2024, 1, 15), "L1"))
    assert finding.severity == severity
    assert finding.activity_id == 2
    assert finding.date == date(2024, 1, 15)
    assert finding.values["spike"] == pytest.approx(spike)
    assert finding.values["longest_before_m"] == 10000.0
    assert finding.citation == "Frandsen 2025"
    assert finding.grade == "B"


def test_l1_compares_with_the_previous_30_days_only() -> None:
    # 20 km on day 0 is 31 days before day 31: out of the window, so 12 km vs 10 km.
    table = runs_table(["2024-01-01", "2024-01-20", "2024-02-01"], [20.0, 10.0, 12.0])
    (finding,) = per_run(rule_findings(table, date(2024, 2, 1), "L1"))
    assert finding.values["longest_before_m"] == 10000.0
    assert finding.severity == "caution"
    # Day 30 still sees the 20 km run.
    table = runs_table(["2024-01-01", "2024-01-20", "2024-01-31"], [20.0, 10.0, 12.0])
    (finding,) = per_run(rule_findings(table, date(2024, 1, 31), "L1"))
    assert finding.values["longest_before_m"] == 20000.0
    assert finding.severity == "ok"


def test_l1_no_runs_in_the_last_30_days_is_a_return_after_a_break() -> None:
    table = runs_table(["2024-01-01", "2024-02-15"], [10.0, 5.0])
    (finding,) = per_run(rule_findings(table, date(2024, 2, 15), "L1"))
    assert finding.severity == "high"
    assert finding.values["longest_before_m"] == 0.0
    assert finding.values["spike"] is None
    assert "after 45 days without a run" in finding.message
    assert "run-walk" in finding.message


def test_l1_first_run_in_the_data_is_information_only() -> None:
    table = runs_table(["2024-01-01"], [25.0])
    found = rule_findings(table, date(2024, 1, 1), "L1")
    assert [f.severity for f in found] == ["info", "info"]  # the run, and the next-run cap
    assert "first run" in per_run(found)[0].message


def test_l1_cap_for_the_next_long_run() -> None:
    table = runs_table(["2024-01-01", "2024-01-10"], [10.0, 12.0])
    (cap,) = [f for f in rule_findings(table, date(2024, 1, 20), "L1") if f.activity_id is None]
    assert cap.values["cap_m"] == pytest.approx(13200.0)
    assert cap.values["longest_30d_m"] == 12000.0
    assert "13.2 km" in cap.message
    assert rule_findings(table, date(2024, 2, 15), "L1") == []  # 30+ days: no runs, no cap


def test_l1_judges_only_the_runs_of_the_last_7_days() -> None:
    table = runs_table(["2024-01-01", "2024-01-05", "2024-01-12"], [10.0, 15.0, 8.0])
    runs = per_run(rule_findings(table, date(2024, 1, 12), "L1"))
    assert [f.activity_id for f in runs] == [3]
    runs = per_run(rule_findings(table, date(2024, 1, 11), "L1"))
    assert [(f.activity_id, f.severity) for f in runs] == [(2, "high")]


def test_l1_ignores_runs_after_as_of_and_cross_training() -> None:
    table = runs_table(
        ["2024-01-01", "2024-01-03", "2024-01-04"],
        [10.0, 60.0, 30.0],
        kinds=["running", "cycling", "running"],
    )
    # The ride is not a run: on 3 Jan only the first run is judged (information).
    assert [f.severity for f in per_run(rule_findings(table, date(2024, 1, 3), "L1"))] == ["info"]
    (spike,) = [f for f in rule_findings(table, date(2024, 1, 4), "L1") if f.activity_id == 3]
    assert spike.severity == "very_high"
    assert spike.values["longest_before_m"] == 10000.0


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.floats(1.0, 42.0), min_size=2, max_size=12),
    st.lists(st.integers(0, 45), min_size=12, max_size=12),
    st.sampled_from([0.001, 0.621371, 1000.0]),
)
def test_l1_is_scale_free(km: list[float], gaps: list[int], unit: float) -> None:
    # The same history in kilometres, miles or metres gives the same verdict for every run.
    days = np.datetime64("2024-01-01") + np.cumsum(gaps[: len(km)])
    base = ActivityTable.from_columns(days, ["running"] * len(km), np.array(km), np.ones(len(km)))
    scaled = ActivityTable.from_columns(
        days, ["running"] * len(km), np.array(km) * unit, np.ones(len(km))
    )
    a, b = analyse_load(base), analyse_load(scaled)
    np.testing.assert_array_equal(
        spike_outcome(a.spike, a.had_run_before), spike_outcome(b.spike, b.had_run_before)
    )


def test_vignette_21_km_after_a_month_of_10_km_longest_runs() -> None:
    table, big = vignette()
    found = rule_findings(table, big, "L1")
    (spike,) = [f for f in found if f.severity == "very_high"]
    assert spike.date == big
    assert spike.activity_id is not None
    assert spike.values["distance_m"] == 21000.0
    assert spike.values["longest_before_m"] == 10000.0
    assert spike.values["spike"] == pytest.approx(1.1)
    assert "21.0 km, 110% longer" in spike.message
    # Every Sunday of the eight weeks: above-OK L1 findings only in the week of the 21 km run.
    first_sunday = date(2024, 1, 7)
    for week in range(8):
        sunday = first_sunday + timedelta(weeks=week)
        loud = [f for f in rule_findings(table, sunday, "L1") if f.rank > 1]
        assert [f.date for f in loud] == ([big] if sunday == big else []), sunday
    # And over the whole history, run by run: one very high, the first run info, rest OK.
    la = analyse_load(table)
    codes = spike_outcome(la.spike, la.had_run_before)
    names = [L1.outcome_names[c] for c in codes]
    assert names.count("very_high") == 1
    assert names[0] == "first"
    assert set(names) == {"first", "ok", "very_high"}


# --- L2: weekly progression (Nielsen 2014) -------------------------------------------------


def two_weeks(second_week_km: float) -> ActivityTable:
    # Week 1 (Mon 1 - Sun 7 Jan): 12 + 8 = 20 km. Week 2: the given total, on Mon and Thu.
    half = second_week_km / 2
    return runs_table(
        ["2024-01-01", "2024-01-05", "2024-01-08", "2024-01-11"], [12.0, 8.0, half, half]
    )


@pytest.mark.parametrize(
    ("km", "outcome", "severity"),
    [
        (15.0, "conservative", "ok"),  # a decrease
        (22.0, "conservative", "ok"),  # exactly +10%
        (22.2, "moderate", "ok"),
        (26.0, "moderate", "ok"),  # exactly +30%
        (26.2, "steep", "caution"),
        (40.0, "steep", "caution"),
    ],
)
def test_l2_hand_computed(km: float, outcome: str, severity: str) -> None:
    (finding,) = rule_findings(two_weeks(km), date(2024, 1, 14), "L2")
    assert finding.severity == severity
    assert finding.values["run_prev_7d_m"] == 20000.0
    assert finding.values["run_7d_m"] == pytest.approx(km * 1000)
    assert finding.values["change"] == pytest.approx(km / 20 - 1)
    if outcome == "conservative":
        assert "conservative progression (not a proven safe limit)" in finding.message


def test_l2_needs_two_weeks_of_data() -> None:
    table = runs_table(["2024-01-01", "2024-01-05"], [12.0, 8.0])
    assert rule_findings(table, date(2024, 1, 7), "L2") == []  # a single week of data
    assert rule_findings(table, date(2024, 1, 13), "L2") == []  # 13 days
    assert len(rule_findings(table, date(2024, 1, 14), "L2")) == 1


def test_l2_after_a_week_off_is_a_restart_not_a_percentage() -> None:
    table = runs_table(["2024-01-01", "2024-01-17"], [10.0, 6.0])
    (finding,) = rule_findings(table, date(2024, 1, 17), "L2")
    assert finding.severity == "info"
    assert finding.values["change"] is None
    assert rule_findings(table, date(2024, 1, 31), "L2") == []  # 0 km after 0 km: nothing


def test_l2_windows_are_the_7_days_ending_on_as_of() -> None:
    # Wednesday: Thu-Wed this week vs the 7 days before, not a partial calendar week.
    table = two_weeks(26.2)
    (finding,) = rule_findings(table, date(2024, 1, 17), "L2")
    assert finding.values["run_7d_m"] == pytest.approx(13100.0)  # only Thu 11 Jan
    assert finding.values["run_prev_7d_m"] == pytest.approx(8000 + 13100)


# --- L3 / L4 / L5: context -----------------------------------------------------------------


def daily_runs(n_days: int, km: float = 5.0, start: str = "2024-01-01") -> ActivityTable:
    days = np.datetime64(start) + np.arange(n_days)
    return runs_table(list(days.astype(str)), [km] * n_days, rpe=[4.0] * n_days)


def test_l3_needs_28_days_and_is_never_more_than_information() -> None:
    table = daily_runs(40)
    (early,) = rule_findings(table, date(2024, 1, 27), "L3")
    assert early.severity == "info"
    assert "28 days of data (27 so far)" in early.message
    (steady,) = rule_findings(table, date(2024, 1, 28), "L3")
    assert steady.values["acwr"] == pytest.approx(1.0)
    assert "Williams 2017" in str(steady.values["variant"])
    assert "Context only" in steady.message
    jump = runs_table(
        [*np.datetime64("2024-01-01") + np.arange(35)], [5.0] * 28 + [20.0] * 7, rpe=[4.0] * 35
    )
    (found,) = rule_findings(jump, date(2024, 2, 4), "L3")
    assert found.severity == "info"
    assert found.values["acwr"] >= 1.5
    assert "large recent jump" in found.message


def test_l3_with_no_load_at_all_divides_by_nothing() -> None:
    zero = runs_table(
        list((np.datetime64("2024-01-01") + np.arange(35)).astype(str)),
        [5.0] * 35,
        minutes=[0.0] * 35,
    )
    assert rule_findings(zero, date(2024, 2, 4), "L3") == []


def test_l4_fitness_fatigue_values_match_the_pmc_formulas() -> None:
    table = daily_runs(10)
    (finding,) = rule_findings(table, date(2024, 1, 10), "L4")
    ff = fitness_fatigue(np.full(10, 4 * 30.0))  # 5 km at 6 min/km, RPE 4: 120 AU a day
    assert finding.values["ctl"] == pytest.approx(ff.ctl[-1])
    assert finding.values["atl"] == pytest.approx(ff.atl[-1])
    assert finding.values["tsb"] == pytest.approx(ff.ctl[-2] - ff.atl[-2])
    assert finding.severity == "info"
    assert "Coggan" in str(finding.values["variant"])


def test_l5_names_the_load_basis() -> None:
    table = runs_table(
        ["2024-01-01", "2024-01-02", "2024-01-03"],
        [5.0, 0.0, 8.0],
        kinds=["running", "swimming", "running"],
        minutes=[30.0, 45.0, 48.0],
        rpe=[4.0, np.nan, 5.0],
    )
    (finding,) = rule_findings(table, date(2024, 1, 3), "L5")
    assert finding.values["load_au"] == pytest.approx(4 * 30 + 3 * 45 + 5 * 48)
    assert (finding.values["sessions"], finding.values["rated"]) == (3, 2)
    assert "minutes x RPE 3" in finding.message
    rated = runs_table(["2024-01-01"], [5.0], rpe=[4.0])
    (finding,) = rule_findings(rated, date(2024, 1, 1), "L5")
    assert finding.values["basis"] == "sRPE (RPE x minutes)"


# --- L6: monotony and strain (Foster 1998) -------------------------------------------------


def test_l6_the_same_load_every_day_is_monotonous() -> None:
    (mono,) = [
        f for f in rule_findings(daily_runs(7), date(2024, 1, 7), "L6") if "monotony" in f.values
    ]
    assert mono.values["monotony"] == 10.0
    assert mono.severity == "caution"
    assert "add an easy or rest day" in mono.message


def test_l6_a_varied_week_is_fine_and_a_rest_week_says_nothing() -> None:
    table = runs_table(
        ["2024-01-01", "2024-01-03", "2024-01-06", "2024-01-07"], [5.0, 10.0, 5.0, 15.0]
    )
    (mono,) = [f for f in rule_findings(table, date(2024, 1, 7), "L6") if "monotony" in f.values]
    loads = np.array([30.0, 0, 60, 0, 0, 30, 90]) * 3  # minutes x RPE 3
    assert mono.values["monotony"] == pytest.approx(loads.mean() / loads.std())
    assert mono.severity == "ok"
    assert rule_findings(table, date(2024, 1, 21), "L6") == []  # no load in the window


def test_l6_strain_against_the_runners_own_90th_percentile() -> None:
    days, km = [], []
    for week in range(12):
        for offset, d in ((0, 6.0), (2, 8.0), (5, 12.0)):
            days.append(date(2024, 1, 1) + timedelta(weeks=week, days=offset))
            km.append(d)
    for offset in range(7):  # week 13: a run every day
        days.append(date(2024, 1, 1) + timedelta(weeks=12, days=offset))
        km.append(10.0)
    table = runs_table(days, km)
    (strain,) = [f for f in rule_findings(table, date(2024, 3, 31), "L6") if "strain" in f.values]
    assert strain.severity == "caution"
    assert strain.values["strain"] > strain.values["threshold"]  # type: ignore[operator]
    (usual,) = [f for f in rule_findings(table, date(2024, 3, 24), "L6") if "strain" in f.values]
    assert usual.severity == "ok"
    # Fewer than four earlier weeks: no personal threshold yet.
    assert not [f for f in rule_findings(table, date(2024, 1, 21), "L6") if "strain" in f.values]


def test_strain_threshold_hand_computed() -> None:
    strain = np.r_[np.arange(1.0, 13.0).repeat(7), 99.0][:, None]  # weeks 1..12, then today
    assert strain_threshold(strain, 84)[0] == pytest.approx(np.percentile(np.arange(1, 13), 90))
    nan_weeks = strain.copy()
    nan_weeks[:70] = np.nan
    assert np.isnan(strain_threshold(nan_weeks, 84)[0])  # only two finite weeks


# --- vectorised over athletes ----------------------------------------------------------------


def test_load_status_for_many_athletes_equals_one_at_a_time() -> None:
    rng = np.random.default_rng(7)
    tables = []
    for a in range(4):
        n = 60
        offsets = np.sort(rng.choice(120, size=n, replace=False)) + 10 * a
        tables.append((offsets, rng.uniform(3, 25, n), rng.choice([np.nan, 3.0, 6.0], n)))
    combined = ActivityTable.from_columns(
        np.datetime64("2024-01-01") + np.concatenate([t[0] for t in tables]),
        ["running"] * 240,
        np.concatenate([t[1] for t in tables]) * 1000,
        np.concatenate([t[1] for t in tables]) * 360,
        rpe=np.concatenate([t[2] for t in tables]),
        athlete=np.repeat(np.arange(4), 60),
        activity_id=np.arange(240),
    )
    as_of = date(2024, 4, 20)
    la = analyse_up_to(combined, as_of)
    assert la is not None
    status = load_status(la, combined, as_of=as_of)
    for a, (offsets, km, rpe) in enumerate(tables):
        alone = ActivityTable.from_columns(
            np.datetime64("2024-01-01") + offsets,
            ["running"] * 60,
            km * 1000,
            km * 360,
            rpe=rpe,
            activity_id=np.arange(60 * a, 60 * a + 60),
        )
        solo = analyse_up_to(alone, as_of)
        assert solo is not None
        expected = load_findings(load_status(solo, alone, as_of=as_of), solo, alone)
        got = load_findings(status, la, combined, athlete=a)
        assert [(f.rule, f.severity, f.activity_id) for f in got] == [
            (f.rule, f.severity, f.activity_id) for f in expected
        ]
        for g, e in zip(got, expected, strict=True):
            for key, value in e.values.items():
                if isinstance(value, float):
                    assert g.values[key] == pytest.approx(value, rel=1e-9), (e.rule, key)
