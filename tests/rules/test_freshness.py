"""Stale data (issue 16): hand-computed cases of ``rules.freshness.data_freshness``.

The rule: stale when nothing new for at least 7 days and the runs per week over the 8 weeks
up to the latest activity, times the weeks without data, reach 2 runs.
"""

from __future__ import annotations

from datetime import date, timedelta

from backstride.analysis.table import ActivityTable
from backstride.rules.freshness import data_freshness

LAST = date(2026, 3, 1)  # a Sunday


def table(days: list[date], sport: str = "running") -> ActivityTable:
    n = len(days)
    iso = [d.isoformat() for d in days]
    return ActivityTable.from_columns(iso, [sport] * n, [8000.0] * n, [2700.0] * n)


def four_a_week(weeks: int = 8) -> list[date]:
    """Sunday, Thursday, Tuesday, Monday of each week up to LAST: 4 runs a week."""
    return [LAST - timedelta(days=k) for k in range(7 * weeks) if k % 7 in (0, 3, 5, 6)]


def test_four_runs_a_week_and_nothing_for_9_days_is_stale() -> None:
    runs = four_a_week()
    assert len(runs) == 32
    verdict = data_freshness(table(runs), LAST, as_of=LAST + timedelta(days=9))
    # 32 runs in 8 weeks: 4 a week; 9 days: 4 * 9 / 7 = 5.14 runs expected >= 2.
    assert verdict.state == "stale"
    assert verdict.days_without_data == 9
    assert verdict.runs_per_week == 4.0
    assert verdict.expected_runs is not None
    assert round(verdict.expected_runs, 2) == 5.14
    assert verdict.message is not None
    assert "9 days" in verdict.message
    assert "about 4 times a week" in verdict.message
    assert "2026-03-01" in verdict.message
    json = verdict.to_json()
    assert json["stale"] is True
    assert json["last_activity"] == "2026-03-01"


def test_a_week_is_never_stale_however_often_one_runs() -> None:
    verdict = data_freshness(table(four_a_week()), LAST, as_of=LAST + timedelta(days=6))
    # 4 * 6 / 7 = 3.4 runs expected, but 6 days < 7.
    assert verdict.state == "fresh"
    assert verdict.message is None
    assert data_freshness(table(four_a_week()), LAST, as_of=LAST + timedelta(days=7)).stale


def test_a_monthly_runner_is_not_stale_after_9_days() -> None:
    # Runs on LAST, 28 and 56 days before: the window (LAST-56, LAST] holds 2: 0.25 a week.
    runs = [LAST, LAST - timedelta(days=28), LAST - timedelta(days=56)]
    verdict = data_freshness(table(runs), LAST, as_of=LAST + timedelta(days=9))
    assert verdict.runs_per_week == 0.25
    assert verdict.state == "fresh"  # 0.25 * 9 / 7 = 0.32 runs expected
    # 0.25 * 55 / 7 = 1.96 < 2; 0.25 * 56 / 7 = 2.0: stale from the 56th day.
    assert not data_freshness(table(runs), LAST, as_of=LAST + timedelta(days=55)).stale
    assert data_freshness(table(runs), LAST, as_of=LAST + timedelta(days=56)).stale


def test_an_empty_store_says_to_import() -> None:
    verdict = data_freshness(table([]), None, as_of=LAST)
    assert verdict.state == "empty"
    assert verdict.message is not None
    assert "import" in verdict.message
    assert verdict.to_json()["days_without_data"] is None


def test_an_import_since_the_latest_run_counts_as_data() -> None:
    # Imported yesterday, the latest run 9 days ago: the runner rested, nothing is missing.
    verdict = data_freshness(
        table(four_a_week()), LAST + timedelta(days=8), as_of=LAST + timedelta(days=9)
    )
    assert verdict.state == "fresh"
    assert verdict.days_without_data == 1
    # An import after the day judged counts as that day.
    later = data_freshness(table(four_a_week()), date(2026, 6, 1), as_of=LAST + timedelta(days=9))
    assert later.days_without_data == 0
    assert later.last_import == LAST + timedelta(days=9)


def test_other_sports_are_data_but_not_expected_runs() -> None:
    rides = table(four_a_week(), sport="cycling")
    verdict = data_freshness(rides, LAST, as_of=LAST + timedelta(days=30))
    assert verdict.runs_per_week == 0.0
    assert verdict.state == "fresh"
    # Activities after the day judged are left out.
    assert data_freshness(table(four_a_week()), None, as_of=LAST - timedelta(days=60)).state == (
        "empty"
    )
