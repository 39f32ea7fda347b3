"""Clinician clearances and screens in the store, on SQLite and PostgreSQL (issue 12): round
trips, the latest visit up to a day, a screen judged with the visit in force, old answer names
read as they were meant, and migration 0007 on a 0006 database."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command

from backstride.service import safety, screening
from backstride.store import Store, open_store, transaction
from backstride.store import clearances as rows
from backstride.store import pain as pain_rows
from backstride.store.athletes import get_or_create_athlete
from backstride.store.db import _alembic_config, create_engine, current_revision, head_revision
from tests.rules.screen_vignettes import VIGNETTES, Vignette

D1, D2, D3 = date(2024, 3, 1), date(2024, 3, 5), date(2024, 3, 9)


def _athlete(store: Store, name: str = "runner") -> int:
    with transaction(store) as conn:
        return get_or_create_athlete(conn, name).id


def test_clearances_round_trip_oldest_first(store: Store) -> None:
    athlete = _athlete(store)
    with transaction(store) as conn:
        second = rows.add_clearance(conn, athlete, day=D2, by="Dr Lee, GP", note="ok to run")
        first = rows.add_clearance(conn, athlete, day=D1, by=None, note=None)
    with transaction(store) as conn:
        listed = rows.list_clearances(conn, athlete)
        assert [(c.id, c.day, c.by, c.note) for c in listed] == [
            (first.id, D1, None, None),
            (second.id, D2, "Dr Lee, GP", "ok to run"),
        ]
        assert all(c.recorded_at is not None and c.recorded_at.tzinfo for c in listed)
        assert rows.get_latest_clearance(conn, athlete) == listed[1]
        assert rows.get_latest_clearance(conn, athlete, until=D2 - (D2 - D1)) == listed[0]
        assert rows.get_latest_clearance(conn, athlete, until=date(2024, 2, 1)) is None
        assert rows.list_clearances(conn, _other(conn)) == []


def _other(conn: sa.Connection) -> int:
    return get_or_create_athlete(conn, "someone else").id


def test_screen_at_judges_the_latest_screen_with_the_visit_in_force(store: Store) -> None:
    screening.take_screen(store, {"fever": True}, day=D1, athlete="a")
    screening.clear(store, day=D2, by="GP", athlete="a")
    athlete = _athlete(store, "a")
    with transaction(store) as conn:
        before = screening.screen_at(conn, athlete, D1)
        after = screening.screen_at(conn, athlete, D3)
        assert screening.screen_at(conn, athlete, date(2024, 2, 1)) is None
    assert before is not None
    assert after is not None
    assert (before.blocks_training, before.clearance) == (True, None)
    assert (after.blocks_training, after.outcome, after.record.outcome) == (
        False,
        "incomplete",
        "urgent",
    )
    assert after.clearance is not None
    assert after.clearance.by == "GP"
    assert after.to_json()["clearance"] == {"date": "2024-03-05", "by": "GP", "note": None}
    assert safety.active_red_flags(store, as_of=D1, athlete="a")[0].rule == "R2"
    assert safety.active_red_flags(store, as_of=D3, athlete="a") == []


def test_a_screen_saved_after_a_visit_of_the_same_day_is_judged_after_it(store: Store) -> None:
    screening.clear(store, day=D2, athlete="b")
    result = screening.take_screen(
        store,
        dict.fromkeys(screening.FIELDS, False) | {"saddle_numbness": True},
        day=D2,
        athlete="b",
    )
    assert result.outcome == "emergency"
    latest = screening.latest_screen(store, as_of=D3, athlete="b")
    assert latest is not None
    assert latest.outcome == "emergency"


def test_a_stored_screen_with_old_answer_names_still_means_what_it_meant(store: Store) -> None:
    athlete = _athlete(store, "old")
    old = {"both_legs_or_progressive_weakness": True, "age_65_new_pain": True, "fever": False}
    with transaction(store) as conn:
        pain_rows.add_screening(conn, athlete, day=D1, answers=old, outcome="emergency")
    latest = screening.latest_screen(store, athlete="old")
    assert latest is not None
    assert latest.outcome == "emergency"
    answers = latest.to_json()["answers"]
    assert answers["both_legs_weakness_or_numbness"] is True  # type: ignore[index]
    assert answers["aged_65_or_over"] is True  # type: ignore[index]
    assert "age_65_new_pain" not in answers  # type: ignore[operator]


def test_clear_refuses_future_days_and_long_text_in_one_line(store: Store) -> None:
    from backstride.errors import InputError

    for kwargs, message in [
        ({"day": date(2199, 12, 31)}, "is in the future"),
        ({"day": date(1850, 1, 1)}, "is not a day between 1900-01-01 and 2199-12-31"),
        ({"day": D1, "by": "x" * 201}, "at most 200 are kept"),
        ({"day": D1, "note": "x" * 2001}, "at most 2000 are kept"),
        ({"day": D1, "by": "a\nb"}, "must be one line"),
    ]:
        with pytest.raises(InputError, match=message) as caught:
            screening.clear(store, athlete="c", **kwargs)  # type: ignore[arg-type]
        assert "\n" not in caught.value.message
    assert screening.latest_clearance(store, athlete="c") is None
    blank = screening.clear(store, day=D1, by="  ", note="", athlete="c")
    assert (blank.by, blank.note) == (None, None)


#: Every clearance vignette, and the first two of each tier without one.
_STORED = [v for v in VIGNETTES if v.cleared_on is not None] + [
    v
    for tier in ("emergency", "urgent", "review", "clear", "incomplete")
    for v in [v for v in VIGNETTES if v.cleared_on is None and v.expected == tier][:2]
]


@pytest.mark.parametrize("vignette", _STORED, ids=lambda v: v.name)
def test_vignettes_through_the_store_give_their_tier(tmp_path: Path, vignette: Vignette) -> None:
    with open_store(f"sqlite:///{tmp_path / 'v.db'}", upgrade_schema=True) as store:
        screening.take_screen(store, vignette.answers, day=vignette.screen_day)
        if vignette.cleared_on is not None:
            screening.clear(store, day=vignette.cleared_on)
        latest = screening.latest_screen(store, as_of=vignette.judged_on)
    assert latest is not None
    assert latest.outcome == vignette.expected
    assert latest.blocks_training is (vignette.expected in ("emergency", "urgent"))


def test_migration_0007_upgrades_a_0006_database_without_loss(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = create_engine(url)
    with engine.begin() as conn:
        command.upgrade(_alembic_config(conn), "0006")
        athlete = get_or_create_athlete(conn).id
        pain_rows.add_screening(
            conn, athlete, day=D1, answers={"cancer_history": True}, outcome="urgent"
        )
        before = conn.execute(sa.text("select * from screenings order by id")).all()
        assert "clinician_clearances" not in sa.inspect(conn).get_table_names()
    assert current_revision(engine) == "0006"
    engine.dispose()

    with open_store(url) as store:  # SQLite upgrades itself on open
        assert current_revision(store.engine) == head_revision()
        with transaction(store) as conn:
            after = conn.execute(sa.text("select * from screenings order by id")).all()
        assert after == before
        screening.clear(store, day=D2, by="GP")
        latest = screening.latest_screen(store, as_of=D3)
        assert latest is not None
        assert latest.blocks_training is False


@pytest.mark.postgres
def test_migration_0007_upgrades_a_0006_postgres_database(postgres_url: str) -> None:
    engine = create_engine(postgres_url)
    with engine.begin() as conn:
        command.upgrade(_alembic_config(conn), "0006")
    assert current_revision(engine) == "0006"
    engine.dispose()
    with open_store(postgres_url, upgrade_schema=True) as store:
        assert current_revision(store.engine) == head_revision()
        record = screening.clear(store, day=D2, note="seen")
        assert record.recorded_at is not None
        assert record.recorded_at <= datetime.now(UTC)
        assert screening.latest_clearance(store) == record
