"""Shoe mileage, rotation and weekly history from the activity table."""

from __future__ import annotations

import numpy as np

from backstride.analysis.shoes import shoe_distance_by_week, shoe_mileage, shoes_in_rotation
from tests.analysis.history import runs_table


def table():  # type: ignore[no-untyped-def]
    return runs_table(
        ["2024-01-01", "2024-01-03", "2024-01-05", "2024-01-06", "2024-01-08", "2024-02-20"],
        [10.0, 12.0, 40.0, 3.0, 8.0, 5.0],
        kinds=["running", "running", "cycling", "walking", "running", "running"],
        shoe_id=[7, 7, 7, 9, -1, 9],
        athlete=[0, 0, 0, 0, 0, 1],
    )


def test_mileage_counts_runs_and_walks_per_shoe() -> None:
    m = shoe_mileage(table())
    assert m.shoe_id.tolist() == [7, 9]
    assert m.distance_m.tolist() == [22000.0, 8000.0]  # the ride and the unshod run do not count
    assert m.activities.tolist() == [2, 2]
    assert [str(d) for d in m.first_day] == ["2024-01-01", "2024-01-06"]
    assert [str(d) for d in m.last_day] == ["2024-01-03", "2024-02-20"]


def test_mileage_stops_at_as_of() -> None:
    m = shoe_mileage(table(), as_of="2024-01-02")
    assert m.shoe_id.tolist() == [7]
    assert m.distance_m.tolist() == [10000.0]
    assert len(shoe_mileage(table(), as_of="2023-12-31").shoe_id) == 0


def test_rotation_counts_shoes_run_in_during_the_window() -> None:
    t = runs_table(
        ["2024-01-01", "2024-01-20", "2024-01-25"], [8.0] * 3, shoe_id=[1, 2, 2], n_athletes=2
    )
    assert shoes_in_rotation(t, as_of="2024-01-30").tolist() == [2, 0]
    assert shoes_in_rotation(t, as_of="2024-01-31").tolist() == [1, 0]
    assert shoes_in_rotation(t, as_of="2024-01-30", days=5).tolist() == [0, 0]


def test_weekly_distance_per_shoe() -> None:
    ids, weeks = shoe_distance_by_week(table(), first_monday="2024-01-01", n_weeks=3)
    assert ids.tolist() == [7, 9]
    assert weeks.tolist() == [[22000.0, 3000.0], [0.0, 0.0], [0.0, 0.0]]
    np.testing.assert_array_equal(np.cumsum(weeks, axis=0)[-1], [22000.0, 3000.0])
