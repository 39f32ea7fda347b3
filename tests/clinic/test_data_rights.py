"""Data rights (service.data_rights) on SQLite and PostgreSQL: an export holds every row of
the athlete in every table and their uploaded files byte for byte; a deletion leaves no row
of theirs in any table (walked from ``schema.metadata``, so a table added later is covered:
the seed must give the athlete a row in every table, or the test says which is missing),
leaves the other athlete's rows as they were, and keeps the audit log."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from backstride import service
from backstride.model import Account, Gear
from backstride.service import audit, data_rights, notes, screening, sharing
from backstride.store import Store, transaction
from backstride.store.schema import (
    account_tokens,
    cached_results,
    data_versions,
    jobs,
    login_failures,
    metadata,
    uploads,
    web_sessions,
)
from tests.clinic import strava
from tests.clinic.accounts import make_account
from tests.conftest import DATA

FIT = DATA / "fit" / "workoutizer__run_with_coordinates.fit"
OTHER_FIT = DATA / "fit" / "fitparse__garmin-fenix-5-run.fit"
NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
DAY = date(2020, 12, 12)


def _account_rows(store: Store, account: Account, files: list[bytes]) -> None:
    """The rows the accounts and jobs parts write (their services live on other branches):
    a session, a one-time link, a failed sign-in, an import job with its uploaded files."""
    with transaction(store) as conn:
        conn.execute(
            sa.insert(web_sessions).values(
                id=f"session-{account.name}".ljust(64, "0"), account_id=account.id,
                csrf_token="c" * 43, created_at=NOW, last_seen_at=NOW,
                expires_at=NOW + timedelta(hours=12),
            )
        )  # fmt: skip
        conn.execute(
            sa.insert(account_tokens).values(
                id=f"token-{account.name}".ljust(64, "0"), account_id=account.id,
                purpose="reset", created_at=NOW, expires_at=NOW + timedelta(hours=1),
            )
        )  # fmt: skip
        conn.execute(
            sa.insert(login_failures).values(name=account.name, address="10.0.0.1", at=NOW)
        )
        job_id = conn.execute(
            sa.insert(jobs)
            .values(
                athlete_id=account.athlete_id, kind="import", state="done", done=len(files),
                total=len(files), message=None, result="{}", output=b"rendered",
                output_type="application/pdf", attempts=1, created_at=NOW, updated_at=NOW,
            )
            .returning(jobs.c.id)
        ).scalar_one()  # fmt: skip
        for i, data in enumerate(files):
            conn.execute(
                sa.insert(uploads).values(
                    job_id=job_id, athlete_id=account.athlete_id, file_name=f"../run {i}.fit",
                    sha256="0" * 64, size=len(data), data=data, created_at=NOW,
                )
            )  # fmt: skip


@pytest.fixture
def seeded(store: Store) -> Iterator[dict[str, Account]]:
    """anna with a row in every table, ben with his own data, cara their clinician."""
    anna, ben = make_account(store, "anna"), make_account(store, "ben")
    cara = make_account(store, "cara", "clinician")
    for person, fit in ((anna, FIT), (ben, OTHER_FIT)):
        name = person.name
        service.import_files(store, [fit], athlete=name)
        service.add_shoe(store, Gear(name="Ghost 15", kind="shoe"), athlete=name)
        service.set_default_shoe(store, "Ghost 15", athlete=name)
        service.log_pain(store, 3, moment="next_morning", day=DAY, athlete=name)
        service.take_screen(store, {"fever": False}, day=DAY, athlete=name)
        screening.clear(store, day=DAY, by="Dr K", athlete=name)
        service.add_score(store, "odi", 22, day=DAY, athlete=name)
        service.log_done(store, "core", day=DAY, minutes=15, athlete=name)
        service.get_plan(store, as_of=DAY, athlete=name)
        strava.connect(store, name)
        strava.synced(
            store, name, 500 + person.id, start=datetime(2020, 12, 14, 7, tzinfo=UTC),
            seconds=1800, distance_m=5000.0, name="Strava run", gear=("g1", "Pegasus"),
        )  # fmt: skip
        _account_rows(store, person, [fit.read_bytes(), b"\x00not a fit\xff"])
        share = sharing.share_with(store, person, "cara", "all")
        sharing.create_invite(store, person, "summaries")
        seen = sharing.access(store, cara, person.id)
        notes.add_note(store, seen, DAY, f"note on {name}", today=DAY)
        audit.record(store, cara, person.id, "view", "/status")
        assert share.active
        # Triggers keep each athlete's data version (migrations 0012 and 0015): a row is there.
        with transaction(store) as conn:
            assert conn.execute(
                sa.select(data_versions.c.version).where(
                    data_versions.c.athlete_id == person.athlete_id
                )
            ).scalar_one()
        # A result the clinic server's processes share (store.results: PostgreSQL's).
        with transaction(store) as conn:
            conn.execute(
                sa.insert(cached_results),
                {"athlete_id": person.athlete_id, "key": "status", "version": 7,
                 "value": b"pickled status", "stored_at": NOW},
            )  # fmt: skip
    return {"anna": anna, "ben": ben, "cara": cara}


def _rows_by_table(store: Store) -> dict[str, list[dict[str, Any]]]:
    with transaction(store) as conn:
        return {
            t.name: [dict(r._mapping) for r in conn.execute(sa.select(t))]
            for t in metadata.sorted_tables
        }


def _owned_keys(store: Store, account: Account) -> dict[str, set[tuple[Any, ...]]]:
    """The primary keys of the account's rows, found independently of store/data_rights.py:
    the account and athlete rows, rows naming them in any ``athlete_id`` or ``*account_id``
    column, then rows whose foreign key reaches one of those, to a fixed point."""
    tables = _rows_by_table(store)
    keys: dict[str, set[tuple[Any, ...]]] = {t.name: set() for t in metadata.sorted_tables}

    def pk(table: sa.Table, row: dict[str, Any]) -> tuple[Any, ...]:
        return tuple(row[c.name] for c in table.primary_key.columns)

    for table in metadata.sorted_tables:
        for row in tables[table.name]:
            mine = (
                (table.name == "accounts" and row["id"] == account.id)
                or (table.name == "athletes" and row["id"] == account.athlete_id)
                or (table.name == "login_failures" and row["name"] == account.name)
                or row.get("athlete_id") == account.athlete_id
                or any(
                    row.get(c) == account.id
                    for c in ("account_id", "athlete_account_id", "clinician_account_id")
                )
            )
            if mine:
                keys[table.name].add(pk(table, row))
    changed = True
    while changed:
        changed = False
        for table in metadata.sorted_tables:
            for key in table.foreign_keys:
                parent = key.column.table
                assert isinstance(parent, sa.Table)
                if parent.name in ("accounts", "athletes"):
                    continue
                if len(parent.primary_key.columns) != 1:
                    continue
                theirs = {k[0] for k in keys[parent.name]}
                for row in tables[table.name]:
                    if row[key.parent.name] in theirs and pk(table, row) not in keys[table.name]:
                        keys[table.name].add(pk(table, row))
                        changed = True
    return keys


def test_delete_leaves_no_row_of_theirs_and_keeps_the_audit_log(
    store: Store, seeded: dict[str, Account]
) -> None:
    anna, ben = seeded["anna"], seeded["ben"]
    before = _owned_keys(store, anna)
    missing = [t for t, k in before.items() if not k]
    assert missing == [], f"seed anna a row in every table; none in {missing}"
    bens = _owned_keys(store, ben)
    everything = _rows_by_table(store)
    log_before = everything["audit_log"]

    counts = data_rights.delete_account(store, anna, now=lambda: NOW + timedelta(days=1))

    after = _rows_by_table(store)
    for table in metadata.sorted_tables:
        kept = {tuple(r[c.name] for c in table.primary_key.columns) for r in after[table.name]}
        if table.name == "audit_log":
            continue
        assert not (before[table.name] & kept), table.name
        # No column anywhere still names her.
        for row in after[table.name]:
            assert row.get("athlete_id") != anna.athlete_id, table.name
            for column in ("account_id", "athlete_account_id", "clinician_account_id"):
                assert row.get(column) != anna.id, (table.name, column)
        # Ben's rows are all there, unchanged, except where a row pointed at hers.
        bens_rows = [
            r for r in everything[table.name]
            if tuple(r[c.name] for c in table.primary_key.columns) in bens[table.name]
        ]  # fmt: skip
        for row in bens_rows:
            if table.name == "data_versions" and store.engine.dialect.name == "sqlite":
                # SQLite's triggers raise every athlete's version on any write (migration
                # 0015: a local store has one): his row stays, newer.
                (now,) = [r for r in after[table.name] if r["athlete_id"] == row["athlete_id"]]
                assert now["version"] > row["version"]
                continue
            assert row in after[table.name], (table.name, row)
    assert counts["activities"] == 2  # her FIT run and her Strava run
    assert counts["accounts"] == 1
    # The audit log stays, with the deletion added; no health data in it.
    log_after = after["audit_log"]
    assert all(row in log_after for row in log_before)
    last = max(log_after, key=lambda r: r["id"])
    assert (last["actor_name"], last["action"], last["athlete_account_id"]) == (
        "anna", "account_deleted", anna.id,
    )  # fmt: skip
    for row in log_after:
        assert "note on" not in row["detail"]
        assert "Strava run" not in row["detail"]
    assert next(e.action for e in audit.entries_for(store, anna)) == "account_deleted"
    # Ben and the clinician go on as before.
    assert [a.activity.name for a in service.list_activities(store, athlete="ben")] == [
        None,
        "Strava run",
    ]
    assert [s.athlete_name for s in sharing.shared_with(store, seeded["cara"])] == ["ben"]


def test_export_holds_every_row_and_the_files_byte_for_byte(
    store: Store, seeded: dict[str, Account]
) -> None:
    anna = seeded["anna"]
    keys = _owned_keys(store, anna)
    archive = zipfile.ZipFile(io.BytesIO(data_rights.export_account(store, anna, now=lambda: NOW)))
    names = set(archive.namelist())
    assert "README.txt" in names
    assert "exported 2026-12-07T09:00:00Z" in archive.read("README.txt").decode()
    for table in metadata.sorted_tables:
        rows = json.loads(archive.read(f"tables/{table.name}.json"))
        expected = len(keys[table.name]) if table.name != "audit_log" else None
        if expected is not None:
            assert len(rows) == expected, table.name
        if "athlete_id" in table.c:
            assert {r["athlete_id"] for r in rows} <= {anna.athlete_id}, table.name
    audit_rows = json.loads(archive.read("tables/audit_log.json"))
    assert {r["action"] for r in audit_rows} == {"share", "view"}
    assert all(r["athlete_account_id"] == anna.id for r in audit_rows)
    # Secrets are not exported; the rest of the row is.
    account = json.loads(archive.read("tables/accounts.json"))
    assert account == [
        {
            "id": anna.id, "name": "anna", "role": "athlete", "display_name": "Anna",
            "athlete_id": anna.athlete_id, "created_at": "2026-12-01T00:00:00Z",
            "password_changed_at": None, "disabled_at": None,
        }
    ]  # fmt: skip
    connection = json.loads(archive.read("tables/sync_connections.json"))[0]
    assert "credentials" not in connection
    assert json.loads(connection["state"]) == {"gear": {"g1": "Pegasus"}}
    for table, secret in (
        ("web_sessions", "csrf_token"),
        ("share_invites", "id"),
        ("jobs", "output"),
    ):
        assert all(secret not in r for r in json.loads(archive.read(f"tables/{table}.json")))
    # The uploaded files, byte for byte, under safe names.
    files = sorted(n for n in names if n.startswith("files/"))
    assert [n.split("-", 1)[1] for n in files] == ["run 0.fit", "run 1.fit"]
    assert archive.read(files[0]) == FIT.read_bytes()
    assert archive.read(files[1]) == b"\x00not a fit\xff"
    # Streams as JSON per activity: the FIT run's samples, the Strava run's.
    activities = json.loads(archive.read("tables/activities.json"))
    for activity in activities:
        streams = json.loads(archive.read(f"streams/{activity['id']}.json"))
        assert len(streams["elapsed_s"]) == activity["sample_count"]
        assert "latitude_deg" in streams
    notes_rows = json.loads(archive.read("tables/clinician_notes.json"))
    assert [n["text"] for n in notes_rows] == ["note on anna"]
    # Nothing of Ben's.
    assert "ben" not in json.dumps([json.loads(archive.read(f"tables/{t}.json"))
                                    for t in ("athletes", "accounts", "shares")])  # fmt: skip
