"""Security tests of the clinic server (issue 17): session fixation, CSRF on every write
route, the cookies' flags, throttling of sign-in and of invite codes, invite-code reuse and
guessing, IDOR on every route that takes an id, the security headers on every kind of
answer, an admin seeing no health data, a disabled account's and a reset password's sessions.

The routes are walked from ``web/policy.py``'s table, so a write or an id-taking route added
later is tested too (or fails the walk for want of a spec); the requests are the
authorization matrix's (``test_authorization_matrix.send``), on the same kind of world.
"""

from __future__ import annotations

import math
import re
import secrets
from collections import Counter
from typing import Any

import pytest

from backstride.service import accounts, audit, sharing
from backstride.web import policy
from backstride.web.sessions import COOKIE, FORM_COOKIE
from tests.web.clinic.conftest import BASE, HOST, PASSWORD, form_token, sign_in
from tests.web.clinic.test_authorization_matrix import (
    ROLES,
    SPECS,
    SUBJECTS,
    expected,
    send,
)
from tests.web.clinic.world import Browser, World, finish_job, holds_any, module_postgres_url, world

__all__ = ["module_postgres_url", "world"]  # the module's fixtures

pytestmark = pytest.mark.postgres

WRITES = sorted(route for route in policy.ROUTES if route[0] != "GET")
ID_ROUTES = sorted(route for route in policy.ROUTES if "{" in route[1])
INVITE = re.compile(r"\b([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})\b")


def allowed_cell(route: tuple[str, str]) -> tuple[str, str]:
    """The first (role, subject) the matrix expects to be let through on ``route``."""
    need = policy.ROUTES[route].need
    for role in ROLES:
        for subject in SUBJECTS:
            if expected(need, role, subject, takes_id="{" in route[1]) == "ok":
                return role, subject
    raise AssertionError(f"nobody may use {route}")


# -- session fixation ---------------------------------------------------------------------------


def test_a_cookie_planted_before_sign_in_is_not_the_session_after(world: World) -> None:
    """A session token planted in a browser (a made-up one, or the attacker's own valid
    session) never becomes the victim's session: sign-in makes a new one and ends the old."""
    attacker = accounts.start_session(world.store, world.accounts["ben"]).token
    for planted in ("made-up-token-of-an-attacker", attacker):
        browser = world.anonymous()
        browser.cookies.set(COOKIE, planted, domain=HOST)
        assert sign_in(browser, "ana", PASSWORD).status_code == 303  # type: ignore[attr-defined]
        now = browser.cookies.get(COOKIE)
        assert now
        assert now != planted
        signed_in = accounts.session_of(world.store, now)
        assert signed_in is not None
        assert signed_in.account.name == "ana"
        assert accounts.session_of(world.store, planted) is None  # ended (or never was)
    stale = world.anonymous()
    stale.cookies.set(COOKIE, attacker, domain=HOST)
    assert stale.get("/api/status").status_code == 401


def test_the_old_token_is_dead_after_sign_in_and_after_sign_out(world: World) -> None:
    browser = world.sign_in("ana")
    first = browser.client.cookies.get(COOKIE)
    assert sign_in(browser.client, "ana", PASSWORD).status_code == 303  # type: ignore[attr-defined]
    second = browser.client.cookies.get(COOKIE)
    assert first != second
    replay = world.anonymous()
    replay.cookies.set(COOKIE, str(first), domain=HOST)
    assert replay.get("/api/status").status_code == 401
    token = re.search(r'name="csrf_token" value="([^"]+)"', browser.client.get("/account").text)
    assert token
    out = browser.client.post("/logout", data={"csrf_token": token.group(1)})
    assert out.status_code == 200  # followed to the sign-in page
    replay.cookies.set(COOKIE, str(second), domain=HOST)
    assert replay.get("/api/status").status_code == 401
    assert replay.get("/pain", follow_redirects=False).headers["location"] == "/login"


# -- CSRF ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("route", WRITES, ids=[f"{m} {p}" for m, p in WRITES])
def test_every_write_needs_the_sessions_token_from_the_sites_own_origin(
    world: World, route: tuple[str, str]
) -> None:
    """Without the token, with a wrong one, with another session's, from another origin (or
    a browser saying cross-site): 403, and nothing of anyone's data in the answer; with the
    browser's own token from its own origin: the route's answer (not 403)."""
    role, subject = allowed_cell(route)
    if ROLES[role] is None:
        other_browser = world.anonymous()
        other_browser.get("/login")
        other = form_token(other_browser)
    else:
        other = world.browser("ben" if ROLES[role] != "ben" else "ana").token
    assert other
    refusals: dict[str, Any] = {
        "no token": send(world, route, role, subject, token=""),
        "wrong token": send(world, route, role, subject, token="x" * 43),
        "another session's token": send(world, route, role, subject, token=other),
        "another origin": send(
            world, route, role, subject, headers={"origin": "https://evil.example"}
        ),
        "plain http origin": send(
            world, route, role, subject, headers={"origin": f"http://{HOST}"}
        ),
        "cross-site fetch": send(
            world, route, role, subject, headers={"sec-fetch-site": "cross-site"}
        ),
    }
    for what, response in refusals.items():
        assert response.status_code == 403, (route, what, response.status_code, response.text[:200])
        assert holds_any(response.text, world.others_markers(None)) == [], (route, what)
    right = send(world, route, role, subject, headers={"origin": BASE})
    assert right.status_code != 403, (route, right.text[:300])
    assert right.status_code in SPECS[route].ok, (route, right.status_code, right.text[:300])


def test_the_walk_covers_every_write(world: World) -> None:
    served = {r for r in policy.app_routes(world.app) if r[0] != "GET"}
    assert served == set(WRITES)


# -- cookies ------------------------------------------------------------------------------------


def _cookie(response: Any, name: str) -> dict[str, str]:
    [raw] = [c for c in response.headers.get_list("set-cookie") if c.startswith(name + "=")]
    parts = [p.strip() for p in raw.split(";")]
    flags = {
        p.split("=", 1)[0].lower(): (p.split("=", 1)[1] if "=" in p else "") for p in parts[1:]
    }
    return {"value": parts[0].split("=", 1)[1], **flags}


def test_the_cookies_flags(world: World) -> None:
    browser = world.anonymous()
    page = browser.get("/login")
    form = _cookie(page, FORM_COOKIE)
    assert FORM_COOKIE.startswith("__Host-")
    assert {"httponly", "secure", "path"} <= set(form)
    assert form["path"] == "/"
    assert "domain" not in form
    data = {"name": "ana", "password": PASSWORD, "csrf_token": form["value"]}
    signed = browser.post("/login", data=data, follow_redirects=False)
    assert signed.status_code == 303
    session = _cookie(signed, COOKIE)
    assert COOKIE.startswith("__Host-")
    assert session["samesite"].lower() == "lax"  # a link from a mail keeps the session
    assert {"httponly", "secure"} <= set(session)
    assert session["path"] == "/"
    assert "domain" not in session
    assert 0 < int(session["max-age"]) <= 7 * 24 * 3600
    token = re.search(r'name="csrf_token" value="([^"]+)"', browser.get("/account").text)
    assert token
    out = browser.post("/logout", data={"csrf_token": token.group(1)}, follow_redirects=False)
    cleared = _cookie(out, COOKIE)
    assert cleared["value"] in ("", '""')
    assert int(cleared.get("max-age", "0")) <= 0
    assert {"secure", "httponly"} <= set(cleared)


# -- throttling, invite codes -------------------------------------------------------------------


def test_the_sixth_sign_in_attempt_is_refused_with_retry_after(world: World) -> None:
    accounts.create_account(world.store, "tina", "athlete", password=PASSWORD)
    browser = world.anonymous()
    for _ in range(5):
        assert sign_in(browser, "tina", "not her password").status_code == 401  # type: ignore[attr-defined]
    refused: Any = sign_in(browser, "tina", PASSWORD)
    assert refused.status_code == 429
    assert 0 < int(refused.headers["retry-after"]) <= 15 * 60
    assert COOKIE not in " ".join(refused.headers.get_list("set-cookie"))


def test_one_address_guessing_many_names_is_throttled(world: World) -> None:
    """20 failures from one address, each for another name: the 21st is refused, whatever
    the name (spraying one password over many accounts)."""
    from starlette.testclient import TestClient

    def from_address(address: str) -> TestClient:
        return TestClient(world.app, base_url=BASE, client=(address, 4000))

    sprayer = from_address("203.0.113.7")
    for i in range(20):
        assert sign_in(sprayer, f"guess{i:02d}", "Winter2026!!").status_code == 401  # type: ignore[attr-defined]
    refused: Any = sign_in(sprayer, "ana", PASSWORD)
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) > 0
    assert sign_in(from_address("198.51.100.1"), "ana", PASSWORD).status_code == 303  # type: ignore[attr-defined]


def _invite(world: World, athlete: str, scope: str = "all") -> str:
    browser = world.browser(athlete)
    page = browser.client.post(
        "/sharing/invite", data={"scope": scope, "csrf_token": browser.token}
    )
    assert page.status_code == 200, page.text[:300]
    found = INVITE.search(page.text)
    assert found, page.text
    return found.group(1)


def _redeem(world: World, clinician: str, code: str, browser: Browser | None = None) -> Any:
    browser = browser or world.browser(clinician)
    return browser.client.post(
        "/sharing/redeem",
        data={"code": code, "csrf_token": browser.token},
        follow_redirects=False,
    )


def test_a_redeemed_invite_code_is_refused_for_a_second_clinician(world: World) -> None:
    accounts.create_account(world.store, "ivy", "athlete", password=PASSWORD)
    accounts.create_account(world.store, "hugo", "clinician", password=PASSWORD)
    accounts.create_account(world.store, "otto", "clinician", password=PASSWORD)
    world.accounts["ivy"] = accounts.get_account(world.store, "ivy")
    code = _invite(world, "ivy")
    first = _redeem(world, "hugo", code)
    assert (first.status_code, first.headers.get("location")) == (303, "/?done=redeemed")
    ivy = str(world.id_of("ivy"))
    assert world.browser("hugo").client.get("/", params={"athlete": ivy}).status_code == 200
    again = _redeem(world, "otto", code)
    assert again.status_code == 400
    assert "unknown or used invite code" in again.text
    refused = world.browser("otto").client.get("/api/status", params={"athlete": ivy})
    assert refused.status_code == 403
    shares = sharing.shares_of(world.store, world.accounts["ivy"])
    assert [(s.clinician_name, s.active) for s in shares] == [("hugo", True)]


def test_guessing_invite_codes_is_refused_then_throttled(world: World) -> None:
    accounts.create_account(world.store, "gus", "clinician", password=PASSWORD)
    world.accounts["gus"] = accounts.get_account(world.store, "gus")
    gus = world.session("gus", address="192.0.2.50")  # an address of its own
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base32, as the codes

    def guess() -> str:
        raw = "".join(secrets.choice(alphabet) for _ in range(12))
        return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"

    for _ in range(sharing.INVITE_FAILURES_ALLOWED):
        refused = _redeem(world, "gus", guess(), gus)
        assert refused.status_code == 400, refused.text[:300]
        assert "unknown or used invite code" in refused.text
    code = _invite(world, "ben")  # even a real code waits now
    throttled = _redeem(world, "gus", code, gus)
    assert throttled.status_code == 429, throttled.text[:300]
    assert int(throttled.headers["retry-after"]) > 0
    assert sharing.shared_with(world.store, accounts.get_account(world.store, "gus")) == []


# -- IDOR ---------------------------------------------------------------------------------------


#: For each path parameter: another athlete's row (ben's) as ana or cleo would try it;
#: None for parameters that name no athlete's row (a service's or an account's name).
def _ben_share(world: World) -> int:
    return world.share["ben->spare"]


OTHER_ROW: dict[str, Any] = {
    "activity_id": lambda w: w.activity["ben"],
    "share_id": _ben_share,
    "job_id": lambda w: w.report["ben"],  # a finished one: its output is there to leak
    "service": None,
    "name": None,
}


def test_every_id_taking_route_has_an_idor_case() -> None:
    names = {n for _, path in ID_ROUTES for n in re.findall(r"\{(\w+)\}", path)}
    assert names <= set(OTHER_ROW), names - set(OTHER_ROW)
    assert all(len(re.findall(r"\{(\w+)\}", path)) == 1 for _, path in ID_ROUTES)
    assert len(ROW_ROUTES) >= 5  # activities (page, API, streams), shares, jobs


ROW_ROUTES = [r for r in ID_ROUTES if OTHER_ROW.get(re.findall(r"\{(\w+)\}", r[1])[0])]


@pytest.mark.parametrize("route", ROW_ROUTES, ids=[f"{m} {p}" for m, p in ROW_ROUTES])
@pytest.mark.parametrize("viewer", ["ana", "cleo"])
def test_another_athletes_id_is_not_found(
    world: World, route: tuple[str, str], viewer: str
) -> None:
    """ana (own data) and cleo (looking at sam, who shares with her) ask for one of ben's
    rows: 404 or 403, nothing of ben's in the answer, and nothing changed."""
    method, template = route
    [param] = re.findall(r"\{(\w+)\}", template)
    other = OTHER_ROW[param]
    if param == "job_id" and not world.job:
        pytest.skip("no jobs: clinic-jobs is not merged into this branch yet")
    browser = world.browser(viewer)
    path = template.replace(f"{{{param}}}", str(other(world)))
    query = {"athlete": str(world.id_of("sam"))} if viewer == "cleo" else {}
    if method == "GET":
        response = browser.client.get(path, params=query, follow_redirects=False)
    else:
        data = {**(SPECS[route].form or {}), "csrf_token": browser.token}
        response = browser.client.post(path, params=query, data=data, follow_redirects=False)
    assert response.status_code in (403, 404), (route, viewer, response.status_code)
    assert holds_any(response.text, list(world.markers["ben"])) == [], (route, viewer)
    active = sharing.shares_of(world.store, world.accounts["ben"])
    assert [s.id for s in active if s.active] == [world.share["ben->spare"]]


# -- headers ------------------------------------------------------------------------------------

SECURITY_HEADERS = {
    "content-security-policy": "frame-ancestors 'none'",
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "strict-transport-security": "max-age=63072000",
}


def test_security_headers_on_every_kind_of_answer(world: World) -> None:
    ana = world.browser("ana").client
    anonymous = world.anonymous()
    answers: dict[str, tuple[Any, bool]] = {
        "page": (ana.get("/pain"), True),
        "api": (ana.get("/api/status"), True),
        "404 page": (ana.get("/no-such-page"), True),
        "404 api": (ana.get(f"/api/activities/{world.activity['ben']}"), True),
        "403": (ana.get("/api/status", params={"athlete": world.id_of("ben")}), True),
        "401": (anonymous.get("/api/status"), True),
        "303 to sign-in": (anonymous.get("/pain", follow_redirects=False), True),
        "sign-in page": (anonymous.get("/login"), True),
        "csrf refusal": (ana.post("/api/pain", json={"nrs": 1}), True),
        "wrong host": (
            world.anonymous().get("/login", headers={"host": "evil.example"}),
            True,
        ),
        "static": (anonymous.get("/static/app.css"), False),
    }
    for what, (response, data) in answers.items():
        for name, value in SECURITY_HEADERS.items():
            assert value in response.headers.get(name, ""), (what, name, response.headers)
        csp = response.headers["content-security-policy"]
        assert "default-src 'self'" in csp
        assert "script-src 'self'" in csp
        assert "unsafe-eval" not in csp
        if data:
            assert response.headers.get("cache-control") == "no-store", (what, response.headers)
    assert answers["wrong host"][0].status_code == 400
    assert answers["static"][0].status_code == 200


# -- roles --------------------------------------------------------------------------------------


def test_an_admin_sees_no_health_data_on_any_health_route(world: World) -> None:
    admin = world.browser("root").client
    markers = world.others_markers(None)
    walked = 0
    for (method, template), rule in policy.ROUTES.items():
        if method != "GET" or rule.need not in policy.HEALTH_NEEDS:
            continue
        spec = SPECS[(method, template)]
        for subject, named in SUBJECTS.items():
            path = template.format(**spec.params(world, "admin", subject))
            query = dict(spec.query) | ({"athlete": str(world.id_of(named))} if named else {})
            response = admin.get(path, params=query, follow_redirects=False)
            walked += 1
            if template == "/":
                assert response.headers["location"] == "/admin/accounts", response.text[:200]
            else:
                assert response.status_code == 403, (template, subject, response.status_code)
            assert holds_any(response.text, markers) == [], (template, subject)
    accounts_page = admin.get("/admin/accounts")
    assert accounts_page.status_code == 200
    assert holds_any(accounts_page.text, markers) == []
    assert walked >= 3 * 25


def test_a_disabled_accounts_session_stops_working(world: World) -> None:
    accounts.create_account(world.store, "dora", "athlete", password=PASSWORD)
    dora = world.sign_in("dora")
    assert dora.client.get("/api/status").status_code == 200
    admin = world.browser("root")
    off = admin.client.post(
        "/admin/accounts/dora/disable", data={"csrf_token": admin.token}, follow_redirects=False
    )
    assert off.status_code == 303
    assert dora.client.get("/api/status").status_code == 401
    assert dora.client.get("/pain", follow_redirects=False).headers["location"] == "/login"
    assert sign_in(world.anonymous(), "dora", PASSWORD).status_code == 401  # type: ignore[attr-defined]
    on = admin.client.post(
        "/admin/accounts/dora/enable", data={"csrf_token": admin.token}, follow_redirects=False
    )
    assert on.status_code == 303
    assert dora.client.get("/api/status").status_code == 401  # that session stays ended


def test_a_password_reset_ends_the_accounts_sessions(world: World) -> None:
    accounts.create_account(world.store, "reza", "athlete", password=PASSWORD)
    laptop = world.sign_in("reza")
    assert laptop.client.get("/api/status").status_code == 200
    admin = world.browser("root")
    issued = admin.client.post("/admin/accounts/reza/link", data={"csrf_token": admin.token})
    assert issued.status_code == 200
    found = re.search(re.escape(BASE) + r"/account/password\?token=([A-Za-z0-9_-]+)", issued.text)
    assert found, issued.text[:500]
    phone = world.anonymous()
    assert phone.get(found.group(0).removeprefix(BASE)).status_code == 200
    new = "reza's brand new password"
    done = phone.post(
        "/account/password",
        data={"token": found.group(1), "new": new, "repeat": new, "csrf_token": form_token(phone)},
        follow_redirects=False,
    )
    assert done.headers["location"] == "/login?done=password"
    assert laptop.client.get("/api/status").status_code == 401
    assert sign_in(world.anonymous(), "reza", new).status_code == 303  # type: ignore[attr-defined]


def test_a_revoked_clinicians_next_request_is_refused(world: World) -> None:
    accounts.create_account(world.store, "vera", "athlete", password=PASSWORD)
    accounts.create_account(world.store, "walt", "clinician", password=PASSWORD)
    vera = accounts.get_account(world.store, "vera")
    share = sharing.share_with(world.store, vera, "walt", "all")
    walt = world.sign_in("walt")
    assert walt.client.get("/api/status", params={"athlete": vera.id}).status_code == 200
    athlete = world.sign_in("vera")
    gone = athlete.client.post(
        f"/sharing/{share.id}/revoke", data={"csrf_token": athlete.token}, follow_redirects=False
    )
    assert gone.status_code == 303
    assert walt.client.get("/api/status", params={"athlete": vera.id}).status_code == 403
    assert walt.client.get("/pain", params={"athlete": vera.id}).status_code == 403


def test_a_stolen_session_cannot_guess_the_password_through_the_password_change(
    world: World,
) -> None:
    """The password change checks the current password under the sign-in's throttle: five
    wrong ones, and the sixth try is refused with the wait, the right password too."""
    accounts.create_account(world.store, "cyd", "athlete", password=PASSWORD)
    world.accounts["cyd"] = accounts.get_account(world.store, "cyd")
    thief = world.session("cyd", address="192.0.2.77")
    new = "a password the thief picks"
    for i in range(5):
        data = {"old": f"guess number {i}", "new": new, "repeat": new, "csrf_token": thief.token}
        wrong = thief.client.post("/account", data=data)
        assert wrong.status_code == 400, wrong.text[:300]
        assert "current password is wrong" in wrong.text
    data = {"old": PASSWORD, "new": new, "repeat": new, "csrf_token": thief.token}
    refused = thief.client.post("/account", data=data, follow_redirects=False)
    assert refused.status_code == 429, refused.text[:300]
    assert int(refused.headers["retry-after"]) > 0
    assert sign_in(world.anonymous("192.0.2.78"), "cyd", new).status_code != 303  # type: ignore[attr-defined]


def test_every_clinician_read_is_audited_and_the_athlete_sees_it(world: World) -> None:
    """cleo reads every health route of sam's: one audit entry each (the route, its action,
    no health data); nina's refused tries leave nothing; sam's Audit page lists cleo."""
    sam = world.accounts["sam"]
    before = {e.id for e in audit.entries_for(world.store, sam)}
    cleo, nina = world.browser("cleo").client, world.browser("nina").client
    query = {"athlete": str(world.id_of("sam"))}
    read: dict[str, str] = {}
    for (method, template), rule in sorted(policy.ROUTES.items()):
        if method != "GET" or rule.need not in ("read", "home"):
            continue
        path = template.format(**SPECS[(method, template)].params(world, "clinician", "shared"))
        assert cleo.get(path, params=query).status_code == 200, path
        assert nina.get(path, params=query).status_code == 403, path
        read[path] = rule.audit_action or ""
    entries = [e for e in audit.entries_for(world.store, sam) if e.id not in before]
    assert {e.actor_name for e in entries} == {"cleo"}
    by_path = {e.detail.split("?")[0]: e.action for e in entries}
    assert by_path == read
    assert {"view", "report"} <= set(read.values())
    for entry in entries:
        assert holds_any(entry.detail, world.others_markers(None)) == []
        assert f"athlete={world.id_of('sam')}" in entry.detail
    page = world.sign_in("sam").client.get("/audit")
    assert page.status_code == 200
    assert "cleo" in page.text
    assert "nina" not in page.text


def _first_position(world: World, athlete: str) -> tuple[float, float]:
    """The first recorded position of the athlete's run, as the store holds it."""
    from backstride import service

    streams = service.get_activity(world.store, world.activity[athlete], athlete=athlete)
    channels = streams.activity.streams.channels
    lat, lon = (
        next(float(v) for v in channels[name] if math.isfinite(v))
        for name in ("latitude_deg", "longitude_deg")
    )
    return lat, lon


def test_a_summaries_share_shows_no_position_on_any_route(world: World) -> None:
    """A clinician with a "summaries" share reads every health route of the athlete: no
    position channel and none of the run's coordinates anywhere."""
    accounts.create_account(world.store, "sue", "clinician", password=PASSWORD)
    world.accounts["sue"] = accounts.get_account(world.store, "sue")
    sharing.share_with(world.store, world.accounts["sam"], "sue", "summaries")
    query = {"athlete": str(world.id_of("sam"))}
    lat, lon = _first_position(world, "sam")
    everything = world.browser("cleo").client.get(
        f"/api/activities/{world.activity['sam']}", params=query
    )
    assert "latitude_deg" in everything.text  # the "all" share has the positions
    coordinates = [f"{lat:.4f}"[:-1], f"{lon:.4f}"[:-1]]  # 3 decimals: about 100 m
    sue = world.session("sue").client
    walked = 0
    for (method, template), rule in sorted(policy.ROUTES.items()):
        if method != "GET" or rule.need not in ("read", "home"):
            continue
        path = template.format(**SPECS[(method, template)].params(world, "clinician", "shared"))
        response = sue.get(path, params=query)
        # cleo's report job is not sue's (test_a_report_made_from_one_view_...): not found.
        mine = not template.startswith("/api/jobs/")
        assert response.status_code == (200 if mine else 404), (path, response.text[:200])
        walked += 1
        for secret in ("latitude_deg", "longitude_deg", *coordinates):
            assert secret not in response.text, (path, secret)
    assert walked >= 20


XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_what_one_account_writes_is_shown_escaped_to_another(world: World) -> None:
    """Stored across accounts (a clinician's note read by the athlete, an athlete's diary
    read by the clinician, a display name an admin typed) or reflected (a name in an error
    line): shown as text, never as markup."""
    from backstride import service

    query = {"athlete": str(world.id_of("sam"))}
    cleo = world.browser("cleo")
    noted = cleo.client.post(
        "/notes",
        params=query,
        data={"text": XSS, "csrf_token": cleo.token},
        follow_redirects=False,
    )
    assert noted.status_code == 303, noted.text[:300]
    service.log_pain(world.store, 3, moment="next_morning", note=XSS, athlete="sam")
    accounts.create_account(world.store, "xena", "clinician", display_name=XSS)
    sharing.share_with(world.store, world.accounts["sam"], "xena", "all")
    sam = world.session("sam")
    ana = world.browser("ana")
    stranger = world.anonymous("192.0.2.99")
    stranger.get("/login")
    shown = {
        "sam's notes": sam.client.get("/notes"),
        "sam's sharing page": sam.client.get("/sharing"),
        "cleo's view of sam's pain": cleo.client.get("/pain", params=query),
        "cleo's notes on sam": cleo.client.get("/notes", params=query),
        "the admin's accounts": world.browser("root").client.get("/admin/accounts"),
        "a name in an error line": ana.client.post(
            "/sharing/share", data={"clinician": XSS[:60], "csrf_token": ana.token}
        ),
        "a name on the sign-in page": stranger.post(
            "/login", data={"name": XSS[:60], "password": "x", "csrf_token": form_token(stranger)}
        ),
    }
    for what, response in shown.items():
        assert response.status_code < 500, (what, response.status_code)
        assert "<script>alert" not in response.text, what
        assert "<img src=x" not in response.text, what
    assert shown["a name on the sign-in page"].status_code in (400, 401)
    assert shown["a name in an error line"].status_code == 400
    assert "&lt;script&gt;alert" in shown["sam's notes"].text
    assert "&lt;script&gt;alert" in shown["cleo's view of sam's pain"].text


def _report_job(browser: Browser, query: dict[str, str]) -> int:
    made = browser.client.post(
        "/report",
        params=query,
        data={"from": "2013-01-01", "to": "2013-12-31", "csrf_token": browser.token},
        follow_redirects=False,
    )
    assert made.status_code == 303, made.text[:300]
    found = re.search(r"[?&]job=(\d+)", made.headers["location"])
    assert found, made.headers["location"]
    return int(found.group(1))


def test_a_report_made_from_one_view_is_not_given_to_a_narrower_one(world: World) -> None:
    """A report job's PDF is made from its maker's view of the store: the athlete's own (with
    Strava API data and positions), or a clinician's share ("all", "summaries"). Only its
    maker and the athlete get it: another clinician of the athlete, whose view may be
    narrower, gets "not found" for the job, its page and its PDF."""
    accounts.create_account(world.store, "una", "clinician", password=PASSWORD)
    world.accounts["una"] = accounts.get_account(world.store, "una")
    sharing.share_with(world.store, world.accounts["sam"], "una", "summaries")
    query = {"athlete": str(world.id_of("sam"))}
    sam, cleo, una = world.session("sam"), world.browser("cleo"), world.session("una")
    own = _report_job(sam, {})
    by_cleo = _report_job(cleo, query)
    finish_job(world.url, own, b"%PDF own view: everything")
    finish_job(world.url, by_cleo, b"%PDF cleo's view: all")
    for job_id, makers in ((own, {"sam"}), (by_cleo, {"sam", "cleo"})):
        for name, browser, params in (
            ("sam", sam, {}),
            ("cleo", cleo, query),
            ("una", una, query),
        ):
            pdf = browser.client.get(f"/api/jobs/{job_id}/output", params=params)
            view = browser.client.get(f"/api/jobs/{job_id}", params=params)
            page = browser.client.get("/report", params={**params, "job": str(job_id)})
            if name in makers:
                assert pdf.status_code == 200, (job_id, name, pdf.text[:200])
                assert pdf.content.startswith(b"%PDF")
                assert view.status_code == 200, (job_id, name)
                assert page.status_code == 200, (job_id, name)
            else:
                assert pdf.status_code == 404, (job_id, name, pdf.status_code)
                assert b"%PDF" not in pdf.content
                assert view.status_code == 404, (job_id, name, view.status_code)
                assert page.status_code == 404, (job_id, name, page.status_code)


def test_two_athletes_in_one_query_never_give_the_unshared_ones_data(world: World) -> None:
    """``?athlete=`` twice (parameter pollution): the decision and the data are about the
    same athlete, so cleo gets sam's data or a refusal on every read route, never ben's."""
    cleo = world.browser("cleo").client
    sam, ben = str(world.id_of("sam")), str(world.id_of("ben"))
    answered = Counter()
    for (method, template), rule in sorted(policy.ROUTES.items()):
        if method != "GET" or rule.need not in ("read", "home"):
            continue
        path = template.format(**SPECS[(method, template)].params(world, "clinician", "shared"))
        for pair in ((ben, sam), (sam, ben)):
            query = "&".join(f"athlete={a}" for a in pair)
            response = cleo.get(f"{path}?{query}", follow_redirects=False)
            answered[response.status_code] += 1
            assert response.status_code in (200, 403), (path, pair, response.status_code)
            assert holds_any(response.text, list(world.markers["ben"])) == [], (path, pair)
    assert answered[200] >= 20
    assert answered[403] >= 20
