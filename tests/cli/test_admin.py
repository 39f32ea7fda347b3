"""`backstride admin` (issue 17): accounts managed from the server's shell, PostgreSQL only;
passwords only from standard input; errors one line, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from typer.testing import CliRunner

from backstride.cli.app import app
from backstride.errors import AuthenticationError, InputError
from backstride.service import accounts
from backstride.store import open_store

PASSWORD = "correct horse battery"


@pytest.fixture
def url(postgres_url: str) -> str:
    open_store(postgres_url, upgrade_schema=True).close()  # `backstride db upgrade`
    return postgres_url


def admin(url: str, *args: str, stdin: str | None = None) -> Any:
    return CliRunner().invoke(app, ["--db", url, "admin", *args], input=stdin)


def one_line_error(result: Any) -> str:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("error: ")
    assert len(lines) <= 2  # and a hint
    return str(lines[0])


@pytest.mark.postgres
def test_create_user_with_a_password_from_stdin_then_list(url: str) -> None:
    empty = admin(url, "list")
    assert empty.stdout.strip() == "No accounts yet: backstride admin create-user NAME --role admin"
    assert json.loads(admin(url, "list", "--json").stdout) == []
    done = admin(url, "create-user", "Doc", "--role", "clinician", "--password-stdin", "--json",
                 stdin=PASSWORD + "\n")  # fmt: skip
    assert done.exit_code == 0, done.output
    created = json.loads(done.stdout)
    assert created["link"] is None
    assert {k: created["account"][k] for k in ("name", "role", "has_password", "disabled")} == {
        "name": "doc", "role": "clinician", "has_password": True, "disabled": False
    }  # fmt: skip
    assert PASSWORD not in done.output
    with open_store(url) as store:
        assert accounts.authenticate(store, "doc", PASSWORD, address="127.0.0.1").name == "doc"

    listed = admin(url, "list", "--json")
    assert listed.exit_code == 0, listed.output
    [row] = json.loads(listed.stdout)
    assert row == created["account"]
    assert set(row) == {"id", "name", "role", "display_name", "athlete", "created_at",
                        "has_password", "disabled"}  # fmt: skip
    assert "red_flags" not in listed.stdout  # an admin sees no health data
    text = admin(url, "list")
    assert "doc" in text.stdout
    assert "clinician" in text.stdout


@pytest.mark.postgres
@pytest.mark.postgres
def test_create_user_without_a_password_prints_a_working_invite_link(url: str) -> None:
    done = admin(url, "create-user", "anna", "--role", "athlete", "--display-name", "Anna B.",
                 "--base-url", "https://clinic.example.org/", "--json")  # fmt: skip
    assert done.exit_code == 0, done.output
    out = json.loads(done.stdout)
    assert out["account"]["athlete"] == "anna"
    assert out["account"]["has_password"] is False
    link = out["link"]
    assert link["purpose"] == "invite"
    assert link["expires_in_s"] == 3 * 24 * 3600
    parts = urlsplit(link["url"])
    assert (parts.scheme, parts.netloc, parts.path) == (
        "https", "clinic.example.org", "/account/password"
    )  # fmt: skip
    [token] = parse_qs(parts.query)["token"]
    with open_store(url) as store:
        assert accounts.link_account(store, token).name == "anna"
        accounts.redeem_link(store, token, PASSWORD)
    text = admin(url, "create-user", "bob.smith", "--role", "athlete")
    assert text.exit_code == 0, text.output
    assert "created athlete account bob.smith" in text.stdout
    assert "/account/password?token=" in text.stdout


@pytest.mark.postgres
def test_reset_link_disable_and_enable(url: str) -> None:
    admin(url, "create-user", "anna", "--role", "athlete", "--password-stdin", stdin=PASSWORD)
    reset = admin(url, "reset-link", "ANNA", "--json")
    assert reset.exit_code == 0, reset.output
    link = json.loads(reset.stdout)["link"]
    assert link["purpose"] == "reset"
    assert link["expires_in_s"] == 3600
    assert link["url"].startswith("/account/password?token=")

    with open_store(url) as store:
        session = accounts.start_session(store, accounts.get_account(store, "anna"))
    disabled = admin(url, "disable", "anna")
    assert disabled.exit_code == 0, disabled.output
    assert "disabled athlete account anna" in disabled.stdout
    with open_store(url) as store:
        assert accounts.session_of(store, session.token) is None
        with pytest.raises(AuthenticationError):
            accounts.authenticate(store, "anna", PASSWORD, address="127.0.0.1")
    assert json.loads(admin(url, "list", "--json").stdout)[0]["disabled"] is True
    enabled = admin(url, "enable", "anna", "--json")
    assert json.loads(enabled.stdout)["disabled"] is False
    with open_store(url) as store:
        assert accounts.authenticate(store, "anna", PASSWORD, address="127.0.0.1")
    assert one_line_error(admin(url, "disable", "nobody")) == "error: no account called 'nobody'"


@pytest.mark.postgres
def test_errors_are_one_line(url: str) -> None:
    assert one_line_error(admin(url, "create-user", "eve", "--role", "boss")) == (
        "error: --role: a role is athlete, clinician or admin, not 'boss'"
    )
    short = admin(url, "create-user", "eve", "--role", "admin", "--password-stdin", stdin="short")
    assert one_line_error(short).startswith("error: --password-stdin: a password needs at least")
    empty = admin(url, "create-user", "eve", "--role", "admin", "--password-stdin", stdin="")
    assert one_line_error(empty) == "error: --password-stdin: no password on standard input"
    assert one_line_error(admin(url, "create-user", "e", "--role", "admin")).startswith(
        "error: NAME: an account name is 3-64 characters"
    )
    admin(url, "create-user", "eve", "--role", "admin")
    assert "already exists" in one_line_error(admin(url, "create-user", "EVE", "--role", "admin"))
    assert "no account called 'nobody'" in one_line_error(admin(url, "reset-link", "nobody"))
    # Usage errors exit 2: no role, and no way to give a password as an argument.
    assert admin(url, "create-user", "eve2").exit_code == 2
    assert admin(url, "create-user", "eve2", "--role", "admin", "--password", "x").exit_code == 2


def test_sqlite_is_refused_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "local.db"
    for args in (["list"], ["create-user", "anna", "--role", "admin"], ["disable", "anna"]):
        line = one_line_error(admin(f"sqlite:///{path}", *args))
        assert line.startswith("error: the clinic server needs PostgreSQL: ")
    assert not path.exists()


def test_a_typed_password_is_asked_twice_without_echo(monkeypatch: pytest.MonkeyPatch) -> None:
    from backstride.cli import admin as admin_cli

    class Terminal:
        def isatty(self) -> bool:
            return True

    typed = iter([PASSWORD, PASSWORD, PASSWORD, "a typo in it"])
    monkeypatch.setattr(admin_cli.sys, "stdin", Terminal())
    monkeypatch.setattr(admin_cli.getpass, "getpass", lambda prompt: next(typed))
    assert admin_cli._read_password() == PASSWORD
    with pytest.raises(InputError, match="differ"):
        admin_cli._read_password()
