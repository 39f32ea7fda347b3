"""The per-athlete data version (migration 0012) on PostgreSQL: every table of an athlete's
data bumps its owner's version on each write, and only its owner's; the result cache keys
an athlete's results on it (``store/changes.py``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from backstride import service
from backstride.model import Gear
from backstride.service import notes, sharing
from backstride.service.pipeline import athlete_id_for
from backstride.service.screening import clear
from backstride.store import Store, open_store, results, transaction
from backstride.store import sync as sync_rows
from backstride.store.changes import UNVERSIONED, ChangeToken
from backstride.store.schema import activities, data_versions, metadata, pain_entries
from tests.clinic import strava
from tests.clinic.accounts import make_account
from tests.conftest import DATA

pytestmark = pytest.mark.postgres

RUN = DATA / "fit" / "workoutizer__run_with_coordinates.fit"
#: Tables without an ``athlete_id`` whose rows are still an athlete's data (through their
#: activity or sync connection): they carry the trigger too.
HANGING = ("laps", "streams", "sync_items")


@pytest.fixture
def pg(postgres_url: str) -> Iterator[Store]:
    with open_store(postgres_url, upgrade_schema=True) as store:
        yield store


def version(store: Store, athlete: str) -> int:
    athlete_id = athlete_id_for(store, athlete)
    with store.engine.connect() as conn:
        found = conn.execute(
            sa.select(data_versions.c.version).where(data_versions.c.athlete_id == athlete_id)
        ).scalar()
    return int(found or 0)


def test_every_table_of_an_athletes_data_has_the_triggers(pg: Store) -> None:
    """A table with an ``athlete_id`` (from the declared schema) has the three triggers,
    unless ``store.changes.UNVERSIONED`` says why not; a new one fails here until a
    migration gives it the triggers or the list its reason."""
    with pg.engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = "
                "t.tgrelid WHERE c.relnamespace = current_schema()::regnamespace "
                "AND t.tgname LIKE 'data_version_%'"
            )
        ).all()
    triggers: dict[str, set[str]] = {}
    for table, name in rows:
        triggers.setdefault(table, set()).add(name)
    owned = {t.name for t in metadata.sorted_tables if "athlete_id" in t.c}
    owned.discard(data_versions.name)
    assert UNVERSIONED.keys() <= owned  # the exclusions name real tables
    expected = (owned - UNVERSIONED.keys()) | set(HANGING)
    missing = {t for t in expected if len(triggers.get(t, set())) != 3}
    assert not missing, f"tables of an athlete's data without the data_version triggers: {missing}"
    assert set(triggers) == expected  # and nothing else (form_summaries, jobs ... bump none)


def test_a_write_to_one_athletes_diary_changes_their_token_only(pg: Store) -> None:
    a, b = athlete_id_for(pg, "anna"), athlete_id_for(pg, "bert")

    def token(athlete_id: int) -> str:  # what the result cache keys their results on
        found = results.look_up(pg.engine, [(athlete_id, "k", None)])
        return f"athlete:{athlete_id}:{found[0].version}"

    database = ChangeToken(pg)
    try:
        before_a, before_b = token(a), token(b)
        assert before_a == f"athlete:{a}:0"  # no row yet: version 0
        assert token(a) == before_a  # a read changes nothing
        service.log_pain(pg, 4, day=date(2025, 6, 1), athlete="anna")
        assert token(a) != before_a
        assert token(b) == before_b
        # Several at once (the clinician's list): the same versions, one query.
        found = results.look_up(pg.engine, [(b, "k", None), (a, "k", None), (a, "j", None)])
        assert [f"athlete:{i}:{f.version}" for i, f in zip((b, a, a), found, strict=True)] == [
            before_b,
            token(a),
            token(a),
        ]
        # The database-wide token (results about no athlete) still moves with any write.
        assert str(database.current()).startswith("postgresql:")
    finally:
        database.close()


def _import(store: Store, athlete: str) -> None:
    report = service.import_paths(store, [RUN], athlete=athlete)
    assert report.imported == 1


def _shoe(store: Store, athlete: str) -> None:
    service.add_shoe(store, Gear(name="Pegasus"), athlete=athlete)


def _plan(store: Store, athlete: str) -> None:
    service.get_plan(store, as_of=date(2025, 6, 1), save=True, athlete=athlete)


def _screen(store: Store, athlete: str) -> None:
    service.take_screen(store, {"fever": True}, day=date(2025, 6, 1), athlete=athlete)


def _clearance(store: Store, athlete: str) -> None:
    clear(store, day=date(2025, 6, 2), by="Dr Ruiz", athlete=athlete)


def _pain(store: Store, athlete: str) -> None:
    service.log_pain(store, 3, day=date(2025, 6, 1), athlete=athlete)


WRITES: dict[str, Callable[[Store, str], None]] = {
    "import": _import,
    "pain entry": _pain,
    "screen": _screen,
    "clearance": _clearance,
    "shoe": _shoe,
    "plan save": _plan,
}


@pytest.mark.parametrize("what", list(WRITES))
def test_each_kind_of_write_changes_its_owners_version(pg: Store, what: str) -> None:
    make_account(pg, "anna"), make_account(pg, "bert")
    before = version(pg, "anna"), version(pg, "bert")
    WRITES[what](pg, "anna")
    assert version(pg, "anna") > before[0]
    assert version(pg, "bert") == before[1]


def test_a_clinicians_note_changes_the_athletes_version(pg: Store) -> None:
    anna = make_account(pg, "anna")
    cara = make_account(pg, "cara", "clinician")
    sharing.share_with(pg, anna, "cara", "all")
    before = version(pg, "anna")
    notes.add_note(pg, sharing.access(pg, cara, anna.id), date(2025, 6, 1), "Seen; fine.")
    assert version(pg, "anna") == before + 1


def test_a_deleted_activity_and_a_synced_one_change_the_version(pg: Store) -> None:
    make_account(pg, "anna")
    strava.connect(pg, "anna")
    before = version(pg, "anna")
    (activity_id,) = strava.synced(
        pg, "anna", 5, start=datetime(2025, 6, 1, 7, tzinfo=UTC), seconds=1800,
        distance_m=5000.0, name="Easy",
    )  # fmt: skip
    synced = version(pg, "anna")
    assert synced > before
    with transaction(pg) as conn:
        assert sync_rows.forget_source(conn, athlete_id_for(pg, "anna"), activity_id, "strava:5")
    assert version(pg, "anna") == synced + 1


def test_a_statement_on_a_child_table_alone_bumps_through_its_activity(pg: Store) -> None:
    """laps and streams carry their own trigger: a write to them alone (no statement on
    ``activities`` in the transaction) still changes the owner's version."""
    _import(pg, "anna")
    before = version(pg, "anna")
    with pg.engine.begin() as conn:
        conn.execute(sa.text("UPDATE laps SET intensity = 'active'"))
    assert version(pg, "anna") == before + 1
    with pg.engine.begin() as conn:
        conn.execute(sa.text("UPDATE streams SET codec = codec"))
    assert version(pg, "anna") == before + 2


def test_one_bump_per_transaction_and_none_for_a_rolled_back_savepoint(pg: Store) -> None:
    """Many statements of one transaction bump once; a bump inside a savepoint rolled back
    is undone with it, and a later write of the transaction bumps again (its note of what
    was bumped went with the savepoint)."""
    anna = athlete_id_for(pg, "anna")
    row = {
        "athlete_id": anna,
        "local_date": date(2025, 6, 1),
        "moment": "next_morning",
        "nrs": 2,
        "leg_symptoms": "none",
        "created_at": datetime(2025, 6, 1, tzinfo=UTC),
    }
    with pg.engine.begin() as conn:
        for _ in range(3):
            conn.execute(sa.insert(pain_entries), row)
    assert version(pg, "anna") == 1
    with pg.engine.begin() as conn:
        saved = conn.begin_nested()
        conn.execute(sa.insert(pain_entries), row)
        saved.rollback()
        conn.execute(sa.insert(pain_entries), row)
    assert version(pg, "anna") == 2
    with pg.engine.begin() as conn:
        saved = conn.begin_nested()
        conn.execute(sa.insert(pain_entries), row)
        saved.rollback()
    assert version(pg, "anna") == 2  # nothing of it was kept


def test_deleting_an_athlete_takes_their_version_along(pg: Store) -> None:
    _import(pg, "anna")
    _import(pg, "bert")
    assert version(pg, "anna") > 0
    bert = version(pg, "bert")
    anna_id = athlete_id_for(pg, "anna")
    with pg.engine.begin() as conn:  # the cascade deletes rows of every versioned table
        conn.execute(sa.text("DELETE FROM athletes WHERE id = :id"), {"id": anna_id})
    with pg.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(activities)).scalar() == 1
        assert (
            conn.execute(
                sa.select(data_versions.c.athlete_id).where(data_versions.c.athlete_id == anna_id)
            ).all()
            == []
        )
    assert version(pg, "bert") == bert


def test_the_downgrade_removes_the_table_the_triggers_and_the_function(pg: Store) -> None:
    from alembic import command

    from backstride.store.db import _alembic_config

    def objects() -> set[str]:
        with pg.engine.connect() as conn:
            return set(
                conn.execute(
                    sa.text(
                        "SELECT t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                        "WHERE t.tgname LIKE 'data_version_%' "
                        "AND c.relnamespace = current_schema()::regnamespace UNION "
                        "SELECT proname FROM pg_proc WHERE proname = 'bump_data_version' "
                        "AND pronamespace = current_schema()::regnamespace UNION "
                        "SELECT tablename FROM pg_tables WHERE tablename = 'data_versions' "
                        "AND schemaname = current_schema()"
                    )
                ).scalars()
            )

    assert objects() == {
        "data_version_insert", "data_version_update", "data_version_delete",
        "bump_data_version", "data_versions",
    }  # fmt: skip
    with pg.engine.begin() as conn:
        command.downgrade(_alembic_config(conn), "0011")
    assert objects() == set()
