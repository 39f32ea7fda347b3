"""Accounts for the clinic tests, made by ``service.accounts.create_account`` (an athlete
account owns a new ``athletes`` row of its name), without passwords (no hashing: fast)."""

from __future__ import annotations

from datetime import UTC, datetime

from backstride.model import Account, Role
from backstride.service import accounts
from backstride.store import Store

CREATED = datetime(2026, 12, 1, tzinfo=UTC)


def make_account(
    store: Store, name: str, role: Role = "athlete", *, disabled: bool = False
) -> Account:
    made = accounts.create_account(
        store, name, role, display_name=name.title(), now=lambda: CREATED
    )
    if disabled:
        made = accounts.set_disabled(store, name, True, now=lambda: CREATED)
    return made
