"""An activity whose sport is unknown is load, but neither running nor cross-training (X1)."""

from __future__ import annotations

from backstride.analysis.series import daily_series, weekly_series
from backstride.analysis.table import ActivityKind, ActivityTable, activity_kind


def test_unknown_sport_counts_in_load_but_not_as_cross_training() -> None:
    # An untyped GPX night run (17 min), a 30 min swim, a 45 min row: one Monday-Sunday week.
    table = ActivityTable.from_columns(
        ["2024-01-02", "2024-01-03", "2024-01-04"],
        ["generic", "swimming", "rowing"],
        [3000.0, 1500.0, 8000.0],
        [1020.0, 1800.0, 2700.0],
    )
    assert table.kind.tolist() == [ActivityKind.UNKNOWN, ActivityKind.SWIM, ActivityKind.OTHER]
    daily = daily_series(table)
    assert daily.other_time_s[:, 0].sum() == 1800.0 + 2700.0  # not the 1020 s of "generic"
    assert daily.run_distance_m.sum() == 0.0
    assert daily.load_au[1, 0] > 0  # the session still happened
    weekly = weekly_series(daily, table)
    assert weekly.time_s_by_kind[ActivityKind.UNKNOWN, 0, 0] == 1020.0


def test_sport_words_that_say_nothing_are_unknown() -> None:
    assert activity_kind("generic") is ActivityKind.UNKNOWN
    assert activity_kind("rowing") is ActivityKind.OTHER
    assert activity_kind("generic", "strength_training") is ActivityKind.STRENGTH
