"""The data version on SQLite (migration 0015): triggers on the same tables as PostgreSQL's
(migration 0012) and ``athletes``; every write to them changes the version, writing a kept
output or a form summary does not."""

from __future__ import annotations

import importlib
from datetime import date
from pathlib import Path

import sqlalchemy as sa

from backstride.model import Gear
from backstride.service import add_shoe, import_paths, log_pain
from backstride.store import kept_output, open_store
from backstride.store.changes import UNVERSIONED
from backstride.store.schema import data_versions, form_summaries, metadata
from tests.conftest import DATA

RUN = DATA / "fit" / "workoutizer__run_with_coordinates.fit"
PG = importlib.import_module("backstride.store.migrations.versions.0012_athlete_data_versions")
SQLITE = importlib.import_module("backstride.store.migrations.versions.0015_sqlite_data_versions")


def test_the_sqlite_triggers_are_on_the_tables_postgresql_versions(tmp_path: Path) -> None:
    assert set(SQLITE.VERSIONED) == set(PG.VERSIONED) | {"athletes"}
    with open_store(f"sqlite:///{tmp_path / 's.db'}") as store, store.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger' "
            "AND name LIKE 'data_version_%'"
        ).all()
    triggers: dict[str, set[str]] = {}
    for table, name in rows:
        triggers.setdefault(table, set()).add(name)
    assert {t: len(n) for t, n in triggers.items()} == {t: 3 for t in SQLITE.VERSIONED}
    # a table added later is in one list or the other (as tests/store/test_data_versions.py)
    owned = {t.name for t in metadata.sorted_tables if "athlete_id" in t.c} - {"data_versions"}
    assert owned <= set(SQLITE.VERSIONED) | UNVERSIONED.keys()


def test_each_write_changes_the_version_and_keeping_does_not(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    with open_store(f"sqlite:///{path}") as store:

        def version() -> int:
            with store.engine.connect() as conn:
                return int(conn.execute(sa.select(data_versions.c.version)).scalar_one())

        import_paths(store, [RUN])
        seen = [version()]
        log_pain(store, 3, day=date(2020, 12, 11))
        seen.append(version())
        add_shoe(store, Gear(name="Pegasus", start_date=date(2020, 1, 1)))
        seen.append(version())
        assert seen == sorted(set(seen)), seen  # each write raised it
        assert kept_output.keep(str(path), "local", "k", seen[-1], b"out")
        with store.engine.begin() as conn:
            conn.execute(sa.delete(form_summaries))  # derived: recomputed, changes nothing
        assert version() == seen[-1]
        assert kept_output.look_up(str(path), "local", "k") == kept_output.Kept(seen[-1], b"out")
        with store.engine.begin() as conn:  # a deletion counts too
            conn.exec_driver_sql("DELETE FROM pain_entries")
        assert version() > seen[-1]
        assert kept_output.look_up(str(path), "local", "k").output is None
