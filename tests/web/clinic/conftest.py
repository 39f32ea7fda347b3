"""A clinic server (``create_app(settings, clinic=True)``) on a fresh PostgreSQL schema, and
browsers (test clients) signed in to it as accounts of each role.

The clients speak https to ``clinic.test`` (the allowed host): the session cookie is
``__Host-`` and Secure, so a client over plain http would never send it back.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi import FastAPI

from backstride.config import Settings
from backstride.model import Account
from backstride.service import accounts
from backstride.store import Store, open_store
from backstride.web import create_app
from backstride.web.sessions import COOKIE, FORM_COOKIE

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's TestClient asks for httpx2
    from starlette.testclient import TestClient

HOST = "clinic.test"
BASE = f"https://{HOST}"
PASSWORD = "correct horse battery"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Clinic:
    """The app, the store under it (for setting up accounts and checking what is stored)."""

    app: FastAPI
    store: Store
    url: str

    def browser(self) -> TestClient:
        """A new browser (its own cookies), not signed in."""
        return TestClient(self.app, base_url=BASE, raise_server_exceptions=False)

    def account(self, name: str, role: str, **kwargs: str) -> Account:
        return accounts.create_account(self.store, name, role, password=PASSWORD, **kwargs)

    def signed_in(self, name: str, password: str = PASSWORD) -> TestClient:
        """A browser signed in as ``name`` through the sign-in form."""
        browser = self.browser()
        response = sign_in(browser, name, password)
        assert response.status_code == 303, response.text
        assert browser.cookies.get(COOKIE)
        return browser


def sign_in(browser: TestClient, name: str, password: str) -> object:
    """The sign-in form filled in and sent (its own token first, as a browser gets it)."""
    page = browser.get("/login", follow_redirects=False)
    # Signed in already: the page sends the browser home, and its forms carry the session's.
    token = form_token(browser) if page.status_code == 200 else csrf(browser)
    return browser.post(
        "/login",
        data={"name": name, "password": password, "csrf_token": token},
        follow_redirects=False,
    )


def form_token(browser: TestClient) -> str:
    return str(browser.cookies.get(FORM_COOKIE) or "")


def csrf(browser: TestClient, path: str = "/account") -> str:
    """The session's token, as the pages render it into their forms."""
    page = browser.get(path)
    found = TOKEN.search(page.text)
    assert found, (path, page.status_code, page.text[:300])
    return found.group(1)


@pytest.fixture
def clinic(postgres_url: str) -> Iterator[Clinic]:
    with open_store(postgres_url, upgrade_schema=True) as store:
        settings = Settings(database_url=postgres_url, jobs="1")
        app = create_app(settings, clinic=True, allowed_hosts=frozenset({HOST}))
        try:
            yield Clinic(app, store, postgres_url)
        finally:
            app.state.results.close()
            app.state.store.close()
