"""PostgreSQL connections are checked before use only after being idle (store/db.py): a
connection the server dropped meanwhile is replaced, not handed to a request, and a busy
server does not pay a round trip per checkout."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from backstride.store import db, open_store

pytestmark = pytest.mark.postgres


def _backend_pid(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.text("SELECT pg_backend_pid()")).scalar_one())


def test_a_busy_connection_is_not_pinged_and_an_idle_one_is(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db, "PING_AFTER_IDLE_S", 0.2)
    with open_store(postgres_url, upgrade_schema=True) as store:
        engine = store.engine
        pings: list[int] = []
        real = engine.dialect.do_ping

        def counted(dbapi: object) -> bool:
            pings.append(1)
            return real(dbapi)  # type: ignore[arg-type]

        monkeypatch.setattr(engine.dialect, "do_ping", counted)
        first = _backend_pid(engine)
        for _ in range(20):  # checked out again at once, as a page's queries are
            assert _backend_pid(engine) == first
        assert pings == []
        time.sleep(0.3)
        assert _backend_pid(engine) == first
        assert pings == [1]


def test_a_connection_the_server_dropped_is_replaced(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db, "PING_AFTER_IDLE_S", 0.1)
    open_store(postgres_url, upgrade_schema=True).close()
    with open_store(postgres_url) as store, open_store(postgres_url) as other:
        before = _backend_pid(store.engine)
        with other.engine.connect() as conn:  # what a server restart does to it
            assert conn.execute(sa.text(f"SELECT pg_terminate_backend({before})")).scalar()
        time.sleep(0.2)
        after = _backend_pid(store.engine)  # no error reaches the caller
        assert after != before
