"""Shoe rules S1/S2 and habit rules X1/C1 with hand-computed numbers."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from backstride.analysis.load import analyse_load
from backstride.model import Gear
from backstride.rules.finding import Finding
from backstride.rules.habits import habit_findings, habit_status
from backstride.rules.shoes import shoe_findings, shoe_outcome, shoe_severity_ranks
from tests.analysis.history import runs_table

AS_OF = date(2024, 3, 31)


def shoe_table(km_per_run: float, runs: int = 10, shoe: int = 5):  # type: ignore[no-untyped-def]
    days = (np.datetime64("2024-03-31") - np.arange(runs)[::-1]).astype(str)
    return runs_table(list(days), [km_per_run] * runs, shoe_id=[shoe] * runs)


@pytest.mark.parametrize(
    ("km", "outcome"), [(479.9, "ok"), (480.0, "inspect"), (799.9, "inspect"), (800.0, "replace")]
)
def test_s1_thresholds(km: float, outcome: str) -> None:
    found = [f for f in shoe_findings(shoe_table(km / 10), as_of=AS_OF) if f.rule == "S1"]
    (finding,) = found
    assert finding.values["distance_m"] == pytest.approx(km * 1000)
    expected = {"ok": "ok", "inspect": "caution", "replace": "caution"}[outcome]
    assert finding.severity == expected
    if outcome == "replace":
        assert "consider replacing" in finding.message


def test_s1_limits_are_configurable_per_shoe_and_retired_shoes_are_skipped() -> None:
    table = shoe_table(35.0)  # 350 km
    gear = {5: Gear(name="Racers", inspect_at_m=300_000, replace_at_m=400_000)}
    (finding,) = [f for f in shoe_findings(table, as_of=AS_OF, gear=gear) if f.rule == "S1"]
    assert finding.severity == "caution"
    assert finding.message.startswith("Racers: 350 km, past 300")
    retired = {5: Gear(name="Old", retired=True)}
    assert [f.rule for f in shoe_findings(table, as_of=AS_OF, gear=retired)] == ["S2"]
    # Distance run before the shoe was tracked counts toward its mileage.
    worn = {5: Gear(name="Worn", initial_distance_m=500_000)}
    (finding,) = [f for f in shoe_findings(table, as_of=AS_OF, gear=worn) if f.rule == "S1"]
    assert finding.values["distance_m"] == 850_000
    assert "consider replacing" in finding.message
    assert shoe_outcome([350.0], inspect_km=300, replace_km=400).tolist() == [1]


def test_s1_untracked_and_long_unused_shoes() -> None:
    untracked = runs_table(["2024-03-20", "2024-03-25"], [10.0, 8.0])
    (finding,) = shoe_findings(untracked, as_of=AS_OF)
    assert finding.rule == "S1"
    assert finding.severity == "info"
    old = runs_table(["2023-06-01", "2024-03-25"], [10.0, 8.0], shoe_id=[3, -1])
    assert [f.rule for f in shoe_findings(old, as_of=AS_OF)] == ["S1"]  # untracked only
    assert [f.values.get("shoe_id") for f in shoe_findings(old, as_of=date(2023, 6, 2))] == [
        3,
        None,
    ]


def test_s2_rotation() -> None:
    two = runs_table(["2024-03-10", "2024-03-20"], [10.0, 8.0], shoe_id=[1, 2])
    (s2,) = [f for f in shoe_findings(two, as_of=AS_OF) if f.rule == "S2"]
    assert s2.severity == "ok"
    assert s2.values["pairs"] == 2
    (s2,) = [f for f in shoe_findings(two, as_of=date(2024, 4, 12)) if f.rule == "S2"]
    assert s2.severity == "info"
    assert s2.values["pairs"] == 1


def test_shoe_severity_ranks_for_a_cohort() -> None:
    table = runs_table(
        ["2024-03-30", "2024-03-30", "2024-03-29"],
        [500.0, 10.0, 8.0],
        shoe_id=[1, 2, 3],
        athlete=[0, 0, 1],
        n_athletes=3,
    )
    s1, s2 = shoe_severity_ranks(table, as_of=AS_OF)
    assert s1.tolist() == [2, 1, -1]  # caution, ok, nothing
    assert s2.tolist() == [1, 0, -1]  # rotation ok, single info, nothing


def habits(table, as_of: date) -> list[Finding]:  # type: ignore[no-untyped-def]
    return habit_findings(habit_status(analyse_load(table, last_day=as_of), as_of=as_of))


def week_with(kinds: list[str], minutes: list[float]):  # type: ignore[no-untyped-def]
    days = [f"2024-01-0{i + 1}" for i in range(len(kinds))]
    return runs_table(days, [0.0] * len(kinds), kinds=kinds, minutes=minutes)


@pytest.mark.parametrize(("minutes", "severity"), [(59.0, "info"), (60.0, "ok"), (90.0, "ok")])
def test_x1_an_hour_a_week_of_other_sport(minutes: float, severity: str) -> None:
    table = week_with(["running", "cycling", "swimming"], [30.0, minutes - 20, 20.0])
    (x1,) = [f for f in habits(table, date(2024, 1, 7)) if f.rule == "X1"]
    assert x1.severity == severity
    assert x1.values["minutes"] == pytest.approx(minutes)


def test_x1_counts_in_load_but_not_in_running_distance() -> None:
    table = runs_table(["2024-01-01", "2024-01-02"], [10.0, 60.0], kinds=["running", "cycling"])
    la = analyse_load(table, last_day="2024-01-07")
    assert la.daily.run_distance_m[:, 0].sum() == 10000.0
    assert la.daily.load_au[1, 0] > 0


@pytest.mark.parametrize(("sessions", "severity"), [(1, "caution"), (2, "ok"), (3, "ok")])
def test_c1_two_to_three_strength_sessions(sessions: int, severity: str) -> None:
    table = week_with(["running"] + ["training"] * sessions, [30.0] + [20.0] * sessions)
    (c1,) = [f for f in habits(table, date(2024, 1, 7)) if f.rule == "C1"]
    assert c1.severity == severity
    assert c1.values["sessions"] == sessions


def test_c1_none_ever_recorded_is_information_and_lapsed_is_a_caution() -> None:
    table = week_with(["running", "running"], [30.0, 30.0])
    (c1,) = [f for f in habits(table, date(2024, 1, 7)) if f.rule == "C1"]
    assert c1.severity == "info"
    assert "No strength or core sessions recorded" in c1.message
    lapsed = runs_table(["2024-01-01", "2024-01-15"], [0.0, 5.0], kinds=["training", "running"])
    (c1,) = [f for f in habits(lapsed, date(2024, 1, 21)) if f.rule == "C1"]
    assert c1.severity == "caution"
    assert c1.values["sessions"] == 0


def test_habits_need_a_full_week_of_data() -> None:
    table = week_with(["running", "cycling"], [30.0, 30.0])
    assert habits(table, date(2024, 1, 6)) == []
    assert {f.rule for f in habits(table, date(2024, 1, 7))} == {"X1", "C1"}
