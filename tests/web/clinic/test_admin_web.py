"""The admin's accounts page (issue 17): create with a role (the invite link shown once),
bad input in one line, disable (the account's sessions end at once) and enable; nobody else
may use it."""

from __future__ import annotations

import pytest

from tests.web.clinic.conftest import PASSWORD, Clinic, csrf, sign_in

pytestmark = pytest.mark.postgres


def test_disabling_ends_the_sessions_and_enabling_lets_them_back(clinic: Clinic) -> None:
    clinic.account("root", "admin")
    clinic.account("ana", "athlete")
    root, ana = clinic.signed_in("root"), clinic.signed_in("ana")
    token = csrf(root)
    assert ana.get("/account").status_code == 200
    off = root.post(
        "/admin/accounts/ana/disable", data={"csrf_token": token}, follow_redirects=False
    )
    assert (off.status_code, off.headers["location"]) == (303, "/admin/accounts?done=disabled")
    assert ana.get("/account", follow_redirects=False).status_code == 303
    assert sign_in(clinic.browser(), "ana", PASSWORD).status_code == 401
    assert "disabled" in root.get("/admin/accounts").text
    own = root.post("/admin/accounts/root/disable", data={"csrf_token": token})
    assert own.status_code == 400
    assert "cannot disable your own account" in own.text
    on = root.post("/admin/accounts/ana/enable", data={"csrf_token": token}, follow_redirects=False)
    assert on.status_code == 303
    assert sign_in(clinic.browser(), "ana", PASSWORD).status_code == 303


def test_bad_input_is_one_line_and_others_are_refused(clinic: Clinic) -> None:
    clinic.account("root", "admin")
    clinic.account("ana", "athlete")
    root = clinic.signed_in("root")
    token = csrf(root)
    bad_role = root.post(
        "/admin/accounts", data={"name": "zed", "role": "god", "csrf_token": token}
    )
    assert bad_role.status_code == 400
    assert "role must be one of athlete, clinician, admin" in bad_role.text
    bad_name = root.post(
        "/admin/accounts", data={"name": "a b", "role": "athlete", "csrf_token": token}
    )
    assert bad_name.status_code == 400
    assert "an account name is 3-64 characters" in bad_name.text
    taken = root.post(
        "/admin/accounts", data={"name": "ana", "role": "athlete", "csrf_token": token}
    )
    assert taken.status_code == 400
    reset = root.post("/admin/accounts/ana/link", data={"csrf_token": token})
    assert reset.status_code == 200
    assert "Password reset link for ana" in reset.text
    assert root.post("/admin/accounts/nobody/link", data={"csrf_token": token}).status_code == 404
    ana = clinic.signed_in("ana")
    for path in ("/admin/accounts", "/admin/accounts/root/disable", "/admin/accounts/ana/link"):
        assert ana.post(path, data={"csrf_token": csrf(ana), "name": "x"}).status_code == 403
