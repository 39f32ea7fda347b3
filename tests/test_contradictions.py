"""Smaller contradictions between views (issue 13), each pinned on a store: a strength
session counts for one practice only, and the plan offers the cross-training X1 asks for."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from backstride import service
from backstride.errors import InputError
from backstride.store import Store, open_store, transaction
from backstride.store import activities as activity_rows
from backstride.store.athletes import get_or_create_athlete
from tests.conftest import make_activity

MONDAY = date(2026, 3, 2)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(f"sqlite:///{tmp_path / 'c.db'}")
    yield opened
    opened.close()


def _add(store: Store, day: date, sport: str, seconds: int, hour: int = 7) -> None:
    start = datetime(day.year, day.month, day.day, hour, tzinfo=UTC)
    with transaction(store) as conn:
        athlete = get_or_create_athlete(conn).id
        activity_rows.add_activity(
            conn,
            athlete,
            make_activity(sport=sport, start=start.isoformat(), seconds=seconds, utc_offset_s=0),
            source_name=f"{sport}{day}{hour}.fit",
            imported_at=start,
        )


def test_a_strength_session_counts_as_core_only(store: Store) -> None:
    """40 min of strength and 45 min of cycling in a week: C1 sees 1 session, X1 and the
    load table's "other min" see 45 min, not 85."""
    for week in range(3):
        _add(store, MONDAY + timedelta(days=7 * week), "running", 1800)
    sunday = MONDAY + timedelta(days=20)
    _add(store, sunday - timedelta(days=2), "training", 2400, hour=18)
    _add(store, sunday - timedelta(days=1), "cycling", 2700, hour=18)
    status = service.get_status(store, as_of=sunday)
    x1 = [f for f in status.findings if f.rule == "X1"]
    c1 = [f for f in status.findings if f.rule == "C1"]
    assert [f.values["minutes"] for f in x1] == [45.0]
    assert [f.values["sessions"] for f in c1] == [1]
    week = service.get_load(store, weeks=1, as_of=sunday).weeks[0]
    assert week.other_minutes == pytest.approx(45.0)
    assert week.strength_sessions == 1


def test_strength_is_logged_as_core_not_as_cross_training(store: Store) -> None:
    with pytest.raises(InputError, match="core and strength session"):
        service.log_done(store, "cross", sport="strength", minutes=30)


def test_auto_cross_training_is_never_none_while_x1_asks_for_it(store: Store) -> None:
    """Four weeks of runs and no other sport: X1 says an hour a week of another sport is a
    reasonable aim, and the plan (``--cross auto``, the default) schedules it."""
    for day in range(0, 28, 2):
        _add(store, MONDAY + timedelta(days=day), "running", 1800)
    as_of = MONDAY + timedelta(days=27)
    x1 = [f for f in service.get_status(store, as_of=as_of).findings if f.rule == "X1"]
    assert [f.severity for f in x1] == ["info"]
    plan = service.get_plan(store, as_of=as_of, save=False)
    cross = [s for w in plan.weeks for s in w.sessions if s.kind == "cross"]
    assert cross
    assert {s.sport for s in cross} == {"cycle"}
    assert sum(s.duration_s or 0 for s in cross) == pytest.approx(60 * 60)
    none = service.get_plan(store, as_of=as_of, cross="none", save=False)
    assert not [s for w in none.weeks for s in w.sessions if s.kind == "cross"]


def test_each_run_quotes_the_week_total_its_header_shows_and_a_hold_says_so() -> None:
    """The plan header's week total and each run's "why" named different figures (the target
    before rounding and the runs done); a hold read "grows at most 0% a week"."""
    from backstride.coach.plan import PlanInput, Preferences, RunDone, generate_plan
    from backstride.coach.planner import km_text
    from backstride.rules.catalogue import CATALOGUE

    runs = tuple(RunDone(MONDAY + timedelta(days=d), 8000.0, 2880.0) for d in range(0, 28, 3))
    as_of = MONDAY + timedelta(days=29)  # a Tuesday: a run of this week is already done
    for growth in (0.10, 0.0):
        plan = generate_plan(
            PlanInput(as_of=as_of, runs=runs, weeks=3, preferences=Preferences(growth=growth))
        )
        for week in plan.weeks:
            quoted = {s.why for s in week.sessions if "within the weekly limits" in s.why}
            assert quoted
            for why in quoted:
                assert f"this week {km_text(week.running_distance_m)} in all" in why
        assert not any("at most 0%" in note for note in plan.notes)
    held = CATALOGUE["P3"].finding(
        "rising", as_of, {"mean_now": 4.0, "mean_before": 2.5, "week": MONDAY.isoformat()}
    )
    plan = generate_plan(PlanInput(as_of=as_of, runs=runs, findings=(held,)))
    assert any("held, not grown, because the pain rules ask for it" in n for n in plan.notes)
