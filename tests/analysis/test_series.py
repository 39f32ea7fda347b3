"""The activity table, session load and daily/weekly series, against hand-computed totals."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backstride.analysis.series import (
    daily_series,
    monday_on_or_before,
    weekly_maxima,
    weekly_series,
    weekly_totals,
)
from backstride.analysis.table import (
    ActivityKind,
    ActivityTable,
    LoadBasis,
    activity_kind,
    as_day,
    session_load_au,
)
from tests.analysis.history import runs_table


@pytest.mark.parametrize(
    ("sport", "sub_sport", "kind"),
    [
        ("running", None, ActivityKind.RUN),
        ("running", "trail", ActivityKind.RUN),
        ("running", "treadmill", ActivityKind.RUN),
        ("walking", None, ActivityKind.WALK),
        ("hiking", None, ActivityKind.WALK),
        ("cycling", "indoor_cycling", ActivityKind.RIDE),
        ("e_biking", None, ActivityKind.RIDE),
        ("swimming", "lap_swimming", ActivityKind.SWIM),
        ("training", None, ActivityKind.STRENGTH),
        ("training", "strength_training", ActivityKind.STRENGTH),
        ("training", "pilates", ActivityKind.STRENGTH),
        ("fitness_equipment", "strength_training", ActivityKind.STRENGTH),
        ("training", "yoga", ActivityKind.OTHER),
        ("training", "cardio_training", ActivityKind.OTHER),
        ("fitness_equipment", "elliptical", ActivityKind.OTHER),
        ("rowing", None, ActivityKind.OTHER),
    ],
)
def test_activity_kind_of_fit_sports(sport: str, sub_sport: str | None, kind: ActivityKind) -> None:
    assert activity_kind(sport, sub_sport) is kind


def test_from_columns_maps_sport_names_and_fills_missing_columns() -> None:
    table = ActivityTable.from_columns(
        ["2024-01-01", "2024-01-02"], ["running", "swimming"], [5000.0, 1500.0], [1800.0, 2400.0]
    )
    assert table.kind.tolist() == [ActivityKind.RUN, ActivityKind.SWIM]
    assert np.isnan(table.rpe).all()
    assert np.isnan(table.avg_hr_bpm).all()
    assert table.shoe_id.tolist() == [-1, -1]
    assert table.activity_id.tolist() == [-1, -1]
    assert table.n_athletes == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"distance_m": [-1.0]}, "distance_m and duration_s must be >= 0"),
        ({"rpe": [11.0]}, "CR-10 scale"),
        ({"athlete": [2], "n_athletes": 2}, "athlete index 2 >= n_athletes 2"),
        ({"kind": [9]}, "ActivityKind codes"),
        ({"distance_m": [1.0, 2.0]}, "distance_m has shape (2,), expected (1,)"),
    ],
)
def test_table_rejects_bad_columns(change: dict[str, object], message: str) -> None:
    columns: dict[str, object] = {
        "local_date": ["2024-01-01"],
        "kind": ["running"],
        "distance_m": [1000.0],
        "duration_s": [300.0],
    }
    columns.update(change)
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        ActivityTable.from_columns(**columns)  # type: ignore[arg-type]


def test_table_requires_day_precision_dates() -> None:
    table = runs_table(["2024-01-01"], [5.0])
    with pytest.raises(ValueError, match="datetime64"):
        ActivityTable(
            table.local_date.astype("datetime64[s]"),
            table.kind,
            table.distance_m,
            table.duration_s,
            table.rpe,
            table.avg_hr_bpm,
            table.shoe_id,
            table.athlete,
            table.activity_id,
        )


def test_session_load_is_rpe_times_minutes_with_a_named_fallback() -> None:
    table = runs_table(
        ["2024-01-01"] * 3, [10.0, 5.0, 0.0], minutes=[50.0, 30.0, 40.0], rpe=[4.0, np.nan, 0.0]
    )
    load, basis = session_load_au(table, assumed_rpe=3.0)
    assert load.tolist() == [200.0, 90.0, 0.0]
    assert basis.tolist() == [LoadBasis.SRPE, LoadBasis.DURATION, LoadBasis.SRPE]


def test_session_load_of_unknown_duration_is_zero_and_bad_rating_is_refused() -> None:
    table = ActivityTable.from_columns(["2024-01-01"], ["running"], [5000.0], [np.nan])
    assert session_load_au(table)[0].tolist() == [0.0]
    with pytest.raises(ValueError, match="assumed_rpe"):
        session_load_au(table, assumed_rpe=12.0)


def test_monday_alignment_and_day_conversion() -> None:
    assert str(monday_on_or_before(np.datetime64("2024-01-01"))) == "2024-01-01"
    assert str(monday_on_or_before(np.datetime64("2024-01-07"))) == "2024-01-01"
    assert str(monday_on_or_before(np.datetime64("1970-01-01"))) == "1969-12-29"
    assert as_day("2024-02-29") == np.datetime64("2024-02-29")


def test_daily_series_hand_computed_two_athletes_with_a_gap() -> None:
    # Athlete 0: two runs on Tue (5 + 8 km), a swim on Thu, nothing the next week, a run
    # the Sunday after (gap). Athlete 1: one strength session on Wed.
    table = runs_table(
        ["2024-01-02", "2024-01-02", "2024-01-04", "2024-01-21", "2024-01-03"],
        [5.0, 8.0, 1.5, 12.0, 0.0],
        minutes=[25.0, 40.0, 30.0, 60.0, 45.0],
        rpe=[4.0, 5.0, np.nan, 6.0, 7.0],
        kinds=["running", "running", "swimming", "running", "training"],
        athlete=[0, 0, 0, 0, 1],
    )
    d = daily_series(table, assumed_rpe=3.0)
    assert str(d.first_day) == "2024-01-01"
    assert d.n_days == 21
    assert d.n_athletes == 2
    assert d.run_distance_m[1, 0] == 13000.0
    assert d.long_run_m[1, 0] == 8000.0
    assert d.run_count[1, 0] == 2
    assert d.run_time_s[1, 0] == 65 * 60
    assert d.load_au[1, 0] == 4 * 25 + 5 * 40
    assert d.load_au[3, 0] == 3 * 30  # unrated swim: minutes x assumed RPE
    assert d.other_time_s[3, 0] == 30 * 60
    assert d.run_distance_m[7:20, 0].sum() == 0  # the gap is zeros
    assert d.run_distance_m[20, 0] == 12000.0
    assert d.strength_sessions[2, 1] == 1
    assert d.load_au[2, 1] == 7 * 45
    assert d.first_active_day.tolist() == [1, 2]
    assert d.first_run_day.tolist() == [1, 21]
    assert d.load_basis_counts.tolist() == [[3, 1], [1, 0]]
    assert d.index_of("2024-01-21") == 20
    with pytest.raises(ValueError, match="outside the series"):
        d.index_of("2024-02-01")


def test_daily_series_range_drops_activities_outside_it() -> None:
    table = runs_table(["2023-12-31", "2024-01-03", "2024-01-20"], [5.0, 6.0, 7.0])
    d = daily_series(table, first_day="2024-01-01", last_day="2024-01-07")
    assert d.n_days == 7
    assert d.run_distance_m[:, 0].sum() == 6000.0
    assert d.days[0] == np.datetime64("2024-01-01")
    assert d.days[-1] == np.datetime64("2024-01-07")


def test_daily_series_of_an_empty_table_needs_a_range() -> None:
    empty = runs_table([], [])
    with pytest.raises(ValueError, match="empty table"):
        daily_series(empty)
    d = daily_series(empty, first_day="2024-01-03", last_day="2024-01-09")
    assert d.n_days == 14
    assert d.load_au.sum() == 0
    assert d.first_active_day.tolist() == [14]
    with pytest.raises(ValueError, match="before first_day"):
        daily_series(empty, first_day="2024-01-09", last_day="2024-01-03")


def test_weekly_series_weeks_start_on_monday() -> None:
    # Sunday 7 Jan belongs to the week of Monday 1 Jan; Monday 8 Jan starts the next one.
    table = runs_table(
        ["2024-01-01", "2024-01-07", "2024-01-08", "2024-01-10"],
        [10.0, 21.0, 5.0, 40.0],
        kinds=["running", "running", "running", "cycling"],
        minutes=[60.0, 130.0, 30.0, 90.0],
    )
    w = weekly_series(daily_series(table), table)
    assert w.mondays.tolist() == [np.datetime64("2024-01-01"), np.datetime64("2024-01-08")]
    assert w.run_distance_m[:, 0].tolist() == [31000.0, 5000.0]
    assert w.long_run_m[:, 0].tolist() == [21000.0, 5000.0]
    assert w.run_count[:, 0].tolist() == [2, 1]
    assert w.time_s_by_kind[ActivityKind.RIDE, :, 0].tolist() == [0.0, 5400.0]
    assert w.sessions_by_kind[ActivityKind.RUN, :, 0].tolist() == [2, 1]
    assert w.other_time_s[:, 0].tolist() == [0.0, 5400.0]


def test_single_week_of_data_gives_one_week() -> None:
    table = runs_table(["2024-01-03"], [8.0])
    w = weekly_series(daily_series(table), table)
    assert w.run_distance_m.shape == (1, 1)


def test_weekly_reductions_need_whole_weeks() -> None:
    with pytest.raises(ValueError, match="whole weeks"):
        weekly_totals(np.zeros(10))
    with pytest.raises(ValueError, match="whole weeks"):
        weekly_maxima(np.zeros(10))


@st.composite
def random_tables(draw: st.DrawFn) -> ActivityTable:
    n = draw(st.integers(1, 40))
    athletes = draw(st.integers(1, 3))
    offsets = draw(st.lists(st.integers(0, 60), min_size=n, max_size=n))
    km = draw(st.lists(st.floats(0, 50, allow_nan=False), min_size=n, max_size=n))
    kinds = draw(st.lists(st.sampled_from(list(ActivityKind)), min_size=n, max_size=n))
    who = draw(st.lists(st.integers(0, athletes - 1), min_size=n, max_size=n))
    rpe = draw(st.lists(st.one_of(st.just(np.nan), st.floats(0, 10)), min_size=n, max_size=n))
    return ActivityTable.from_columns(
        np.datetime64("2024-01-01") + np.array(offsets),
        np.array(kinds, dtype=np.int8),
        np.array(km) * 1000,
        np.array(km) * 360,
        rpe=rpe,
        athlete=who,
        n_athletes=athletes,
    )


@settings(max_examples=60, deadline=None)
@given(random_tables())
def test_weekly_totals_equal_the_sum_of_daily_ones(table: ActivityTable) -> None:
    d = daily_series(table)
    w = weekly_series(d, table)
    for name in ("run_distance_m", "run_time_s", "load_au", "other_time_s", "strength_sessions"):
        daily = getattr(d, name)
        np.testing.assert_allclose(getattr(w, name), daily.reshape(-1, 7, d.n_athletes).sum(1))
        np.testing.assert_allclose(getattr(w, name).sum(0), daily.sum(0))
    # Per-kind weekly time adds up to the table's total duration per athlete.
    for a in range(table.n_athletes):
        mine = table.athlete == a
        np.testing.assert_allclose(w.time_s_by_kind[:, :, a].sum(), table.duration_s[mine].sum())
        run = mine & (table.kind == ActivityKind.RUN)
        np.testing.assert_allclose(d.run_distance_m[:, a].sum(), table.distance_m[run].sum())
