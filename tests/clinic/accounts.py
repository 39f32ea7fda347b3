"""Account rows for the clinic tests, inserted directly (the accounts service lives on its
own branch; these rows are what ``service.accounts.create_account`` stores: an athlete
account owns an ``athletes`` row of its name)."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from backstride.model import Account, Role
from backstride.store import Store, transaction
from backstride.store.athletes import get_or_create_athlete
from backstride.store.schema import accounts
from backstride.store.sharing import find_account


def make_account(
    store: Store, name: str, role: Role = "athlete", *, disabled: bool = False
) -> Account:
    now = datetime(2026, 12, 1, tzinfo=UTC)
    with transaction(store) as conn:
        athlete_id = get_or_create_athlete(conn, name).id if role == "athlete" else None
        conn.execute(
            sa.insert(accounts).values(
                name=name,
                role=role,
                display_name=name.title(),
                password_hash="$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2g",
                athlete_id=athlete_id,
                created_at=now,
                disabled_at=now if disabled else None,
            )
        )
        found = find_account(conn, name=name)
    assert found is not None
    return found
