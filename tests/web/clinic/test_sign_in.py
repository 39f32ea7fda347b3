"""Signing in and out of the clinic server: anonymous requests, the session cookie and its
flags, one message for a wrong name or password, the throttle's wait, a new session at every
sign-in (no fixation), sign-out ending the session, changing a password, the admin's
one-time link (issue 17)."""

from __future__ import annotations

import re

import pytest

from backstride.service import accounts
from backstride.web.sessions import COOKIE
from tests.web.clinic.conftest import BASE, PASSWORD, Clinic, csrf, form_token, sign_in

pytestmark = pytest.mark.postgres


def test_anonymous_requests_go_to_the_sign_in_page(clinic: Clinic) -> None:
    browser = clinic.browser()
    for path in ("/", "/load", "/admin/accounts", "/no-such-page", "/account"):
        response = browser.get(path, follow_redirects=False)
        assert (response.status_code, response.headers["location"]) == (303, "/login"), path
    answer = browser.get("/api/status")
    assert answer.status_code == 401
    assert answer.json() == {"detail": "sign in first", "hint": "POST the sign-in form at /login"}
    assert browser.get("/api/openapi.json").status_code == 401
    assert browser.post("/api/pain", json={"nrs": 3}).status_code == 401
    assert browser.get("/static/app.css").status_code == 200
    page = browser.get("/login")
    assert page.status_code == 200
    assert 'name="password"' in page.text
    assert "Sign out" not in page.text


def test_sign_in_sets_a_host_only_secure_http_only_lax_cookie(clinic: Clinic) -> None:
    clinic.account("ana", "athlete")
    browser = clinic.browser()
    response = sign_in(browser, "ana", PASSWORD)
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    [cookie] = [c for c in response.headers.get_list("set-cookie") if c.startswith(COOKIE + "=")]
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "secure", "path=/", "samesite=lax"} <= flags
    assert not any(f.startswith("domain") for f in flags)  # __Host-: this host only
    token = cookie.split(";")[0].split("=", 1)[1]
    assert len(token) >= 43  # secrets.token_urlsafe(32)
    signed_in = accounts.session_of(clinic.store, token)
    assert signed_in is not None
    assert signed_in.account.name == "ana"
    page = browser.get("/account")
    assert page.status_code == 200
    assert "Signed in as ana (athlete)" in page.text


def test_a_wrong_name_and_a_wrong_password_read_the_same(clinic: Clinic) -> None:
    clinic.account("ana", "athlete")
    wrong_password = sign_in(clinic.browser(), "ana", "not the password")
    unknown_name = sign_in(clinic.browser(), "nobody", "not the password")
    assert wrong_password.status_code == unknown_name.status_code == 401
    assert "wrong account name or password" in wrong_password.text
    assert "wrong account name or password" in unknown_name.text
    assert COOKIE not in " ".join(wrong_password.headers.get_list("set-cookie"))


def test_too_many_failures_are_refused_with_the_wait(clinic: Clinic) -> None:
    clinic.account("ana", "athlete")
    browser = clinic.browser()
    for _ in range(5):
        assert sign_in(browser, "ana", "wrong password!").status_code == 401
    refused = sign_in(browser, "ana", PASSWORD)  # even the right password: not checked
    assert refused.status_code == 429
    wait = int(refused.headers["retry-after"])
    assert 0 < wait <= 15 * 60
    assert re.search(r"try again in \d+ (minutes?|seconds)", refused.text), refused.text
    assert COOKIE not in " ".join(refused.headers.get_list("set-cookie"))


def test_the_sign_in_form_needs_its_own_token(clinic: Clinic) -> None:
    clinic.account("ana", "athlete")
    browser = clinic.browser()
    browser.get("/login")
    data = {"name": "ana", "password": PASSWORD}
    assert browser.post("/login", data=data, follow_redirects=False).status_code == 403
    wrong = {**data, "csrf_token": "x" * 43}
    assert browser.post("/login", data=wrong, follow_redirects=False).status_code == 403
    other = clinic.browser()
    other.get("/login")  # another browser's token is not this one's
    stolen = {**data, "csrf_token": form_token(other)}
    assert browser.post("/login", data=stolen, follow_redirects=False).status_code == 403
    assert COOKIE not in browser.cookies


def test_every_sign_in_makes_a_new_session(clinic: Clinic) -> None:
    clinic.account("ana", "athlete")
    browser = clinic.browser()
    browser.cookies.set(COOKIE, "planted-by-someone-else", domain="clinic.test")
    assert sign_in(browser, "ana", PASSWORD).status_code == 303
    first = browser.cookies.get(COOKIE)
    assert first
    assert first != "planted-by-someone-else"
    assert sign_in(browser, "ana", PASSWORD).status_code == 303  # signed in again
    second = browser.cookies.get(COOKIE)
    assert second != first
    assert accounts.session_of(clinic.store, first) is None  # the old one ended
    assert accounts.session_of(clinic.store, second) is not None


def test_sign_out_ends_the_session(clinic: Clinic) -> None:
    clinic.account("ana", "athlete")
    browser = clinic.signed_in("ana")
    token = browser.cookies.get(COOKIE)
    assert browser.post("/logout", follow_redirects=False).status_code == 403  # no token
    response = browser.post("/logout", data={"csrf_token": csrf(browser)}, follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (
        303,
        "/login?done=signed_out",
    )
    assert accounts.session_of(clinic.store, token) is None
    again = clinic.browser()
    again.cookies.set(COOKIE, token, domain="clinic.test")
    assert again.get("/account", follow_redirects=False).status_code == 303


def test_changing_the_password_signs_out_the_other_browsers(clinic: Clinic) -> None:
    clinic.account("ana", "athlete")
    laptop, phone = clinic.signed_in("ana"), clinic.signed_in("ana")
    new = "another long passphrase"
    wrong = laptop.post(
        "/account",
        data={"old": "not it at all", "new": new, "repeat": new, "csrf_token": csrf(laptop)},
    )
    assert wrong.status_code == 400
    assert "current password is wrong" in wrong.text
    changed = laptop.post(
        "/account",
        data={"old": PASSWORD, "new": new, "repeat": new, "csrf_token": csrf(laptop)},
        follow_redirects=False,
    )
    assert changed.status_code == 303, changed.text
    assert laptop.get("/account").status_code == 200  # a new session for this browser
    assert phone.get("/account", follow_redirects=False).status_code == 303
    assert sign_in(clinic.browser(), "ana", new).status_code == 303


def test_an_admin_link_sets_the_first_password_once(clinic: Clinic) -> None:
    clinic.account("root", "admin")
    admin = clinic.signed_in("root")
    made = admin.post(
        "/admin/accounts",
        data={
            "name": "Bea",
            "role": "clinician",
            "display_name": "Dr Bea",
            "csrf_token": csrf(admin),
        },
    )
    assert made.status_code == 200, made.text
    found = re.search(re.escape(BASE) + r"/account/password\?token=([A-Za-z0-9_-]+)", made.text)
    assert found, made.text
    link = found.group(0).removeprefix(BASE)
    bea = clinic.browser()
    form = bea.get(link)
    assert form.status_code == 200
    assert "For the account <strong>bea</strong>" in form.text
    data = {"token": found.group(1), "new": "bea's long password", "csrf_token": form_token(bea)}
    short = bea.post("/account/password", data={**data, "repeat": data["new"][:-1]})
    assert short.status_code == 400
    assert "differ" in short.text
    done = bea.post(
        "/account/password", data={**data, "repeat": data["new"]}, follow_redirects=False
    )
    assert done.headers["location"] == "/login?done=password"
    assert sign_in(clinic.browser(), "bea", "bea's long password").status_code == 303
    used = clinic.browser().get(link)
    assert used.status_code == 400
    assert "unknown, used or expired" in used.text


def test_every_answer_carries_the_security_headers_and_hsts(clinic: Clinic) -> None:
    from backstride.web.app import HSTS, SECURITY_HEADERS

    clinic.account("ana", "athlete")
    ana = clinic.signed_in("ana")
    anonymous = clinic.browser()
    answers = [
        anonymous.get("/login"),
        anonymous.get("/", follow_redirects=False),
        anonymous.get("/api/status"),
        anonymous.get("/login", headers={"host": "elsewhere.test"}),
        ana.get("/account"),
        ana.get("/api/status"),
        ana.post("/api/pain", json={"nrs": 1}),  # refused: no token
    ]
    for answer in answers:
        for name, value in (*SECURITY_HEADERS, HSTS):
            assert answer.headers.get(name.decode()) == value.decode(), (answer.url, name)
        assert answer.headers["cache-control"] == "no-store", answer.url
    assert answers[3].status_code == 400  # a host name it was not told
