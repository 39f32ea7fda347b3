"""The dashboard's result cache: reused while the database is unchanged, never older than
the data, whoever wrote it (this app, another connection, another process)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from backstride import service
from backstride.service.cache import ResultCache
from backstride.store import open_store
from backstride.store.changes import ChangeToken
from tests.conftest import ROOT
from tests.web.conftest import DemoStore, client_for


def _red_flag() -> dict[str, bool | None]:
    answers: dict[str, bool | None] = {q.field: False for q in service.SCREEN_QUESTIONS}
    answers["saddle_numbness"] = True
    return answers


def test_a_repeated_page_is_served_from_the_cache_and_equals_a_fresh_one(
    db: DemoStore,
) -> None:
    on = db.as_of.isoformat()
    with client_for(db.url) as cached, client_for(db.url, cache_size=0) as fresh:
        results: ResultCache = cached.app.state.results  # type: ignore[attr-defined]
        first = cached.get(f"/api/status?on={on}").json()
        misses = results.misses
        for _ in range(3):
            assert cached.get(f"/api/status?on={on}").json() == first
        assert results.misses == misses  # no recomputation
        assert results.hits >= 3
        assert first == fresh.get(f"/api/status?on={on}").json()
        chart = cached.get(f"/api/load/chart?on={on}&weeks=520").json()
        assert chart == fresh.get(f"/api/load/chart?on={on}&weeks=520").json()
        assert cached.get(f"/api/load/chart?on={on}&weeks=520").json() == chart


def test_a_write_by_another_connection_is_seen_at_once(db: DemoStore) -> None:
    with client_for(db.url) as client:
        assert client.get("/api/status").json()["training_suspended"] is False
        assert client.get("/api/status").json()["training_suspended"] is False  # cached
        with open_store(db.url) as other:
            service.take_screen(other, _red_flag())
        assert client.get("/api/status").json()["training_suspended"] is True


def test_a_write_by_another_process_is_seen_at_once(db: DemoStore) -> None:
    with client_for(db.url) as client:
        before = client.get("/api/pain?weeks=520").json()["entries"]
        assert client.get("/api/pain?weeks=520").json()["entries"] == before  # cached
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
        done = subprocess.run(
            [sys.executable, "-m", "backstride", "--db", db.url, "pain", "log", "6",
             "--date", "2023-09-03", "--when", "next-morning"],
            env=env, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        after = client.get("/api/pain?weeks=520").json()["entries"]
        assert [e["nrs"] for e in after] == [*(e["nrs"] for e in before), 6]


def test_the_token_changes_with_every_commit_and_only_then(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 't.db'}"
    store = open_store(url)
    token = ChangeToken(store)
    try:
        service.list_activities(store)  # the first call creates the local athlete: a write
        first = token.current()
        assert first is not None
        assert token.current() == first
        service.list_activities(store)  # now a read, which commits nothing
        assert token.current() == first
        service.take_screen(store, _red_flag())
        second = token.current()
        assert second != first
        assert token.current() == second
    finally:
        token.close()
        store.close()


def test_an_in_memory_database_is_never_cached() -> None:
    with open_store("sqlite://") as store:
        cache = ResultCache(store)
        calls = []
        for _ in range(2):
            cache.get("k", lambda: calls.append(1))
        assert len(calls) == 2
        cache.close()


@pytest.mark.postgres
def test_the_token_on_postgresql(postgres_url: str) -> None:
    store = open_store(postgres_url, upgrade_schema=True)
    token = ChangeToken(store)
    try:
        first = token.current()
        assert first is not None
        assert first.startswith("postgresql:")
        service.take_screen(store, _red_flag())
        assert token.current() != first
    finally:
        token.close()
        store.close()


@pytest.mark.postgres
def test_the_dashboard_on_postgresql(postgres_url: str) -> None:
    """Upload a real run, look at it, and see another connection's write at once."""
    from tests.conftest import DATA

    run = DATA / "fit" / "workoutizer__run_with_coordinates.fit"
    open_store(postgres_url, upgrade_schema=True).close()
    with client_for(postgres_url) as client:
        imported = client.post("/api/import", files=[("files", (run.name, run.read_bytes()))])
        assert imported.json()["imported"] == 1
        on = "2020-12-11"
        chart = client.get(f"/api/load/chart?on={on}&weeks=4").json()
        assert [r["l1"] for r in chart["runs"]] == ["first"]
        assert client.get("/api/status").json()["training_suspended"] is False
        assert client.get("/api/status").json()["training_suspended"] is False  # cached
        with open_store(postgres_url) as other:
            service.take_screen(other, _red_flag())
        assert client.get("/api/status").json()["training_suspended"] is True
        assert 'class="redflag"' in client.get(f"/load?on={on}").text
