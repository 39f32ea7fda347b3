"""The authorization matrix of the clinic server (issue 17), generated from the app: every
route it serves (pages, every operation of /api/openapi.json, the routes outside the schema)
x role (anonymous, athlete, clinician with a share, clinician without, revoked clinician,
admin) x subject (own data, a shared athlete, an unshared athlete), each cell requested for
real and its answer asserted.

What each cell must answer comes from the route's rule in ``web/policy.py`` (its ``need``)
through :func:`expected`, a small table of this test's own; how to request each route (its
path parameters, a real form or JSON body, what an allowed request answers) is
:data:`SPECS`. A route of the app without a spec, a spec of no route, or a need the table
does not know fails :func:`test_every_route_of_the_app_is_in_the_matrix`.

Every answer is also read for the world's markers (``world.py``): an allowed read holds its
athlete's data (on the routes that show it) and no other athlete's; a refusal holds none.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import pytest

from backstride.service import sharing
from backstride.web import policy
from tests.web.clinic.conftest import PASSWORD, form_token
from tests.web.clinic.world import (
    FILES,
    World,
    holds_any,
    module_postgres_url,
    world,
)

__all__ = ["module_postgres_url", "world"]  # the module's fixtures

pytestmark = pytest.mark.postgres

Role = Literal["anonymous", "athlete", "clinician", "no_share", "revoked", "admin"]
SubjectKind = Literal["own", "shared", "unshared"]
Outcome = Literal["ok", "refused", "sign_in"]

#: The account acting in each role (world.py).
ROLES: dict[str, str | None] = {
    "anonymous": None,
    "athlete": "ana",
    "clinician": "cleo",
    "no_share": "nina",
    "revoked": "rex",
    "admin": "root",
}
#: Whose data each subject is (``?athlete=`` names them but for "own").
SUBJECTS: dict[str, str | None] = {"own": None, "shared": "sam", "unshared": "ben"}


def expected(need: str, role: str, subject: str, *, takes_id: bool = False) -> Outcome:
    """What a cell must answer, from the route's need: this test's own reading of the rules
    (clinic-spec.md, issue 17), independent of ``policy.enforce``. ``takes_id``: the path
    names a row (a share, an activity ...), the subject's."""
    if need == "public":
        return "ok"
    if role == "anonymous":
        return "sign_in"
    if need == "signed_in":
        if subject == "own":
            return "ok"
        # Given ?athlete= (the glossary from a clinician's pages), decided as a read.
        need = "read"
    if need in ("athlete", "clinician", "admin"):
        if role == "athlete" and need == "athlete":
            # The athlete's own pages ignore ?athlete=; but a row of another athlete's
            # (another's share id) is refused.
            return "refused" if takes_id and subject != "own" else "ok"
        clinician = role in ("clinician", "no_share", "revoked")
        return "ok" if (need == "clinician" and clinician) or role == need else "refused"
    # Health data: read, write, clearance, note, home.
    if role == "admin":
        return "ok" if need == "home" else "refused"  # home: the accounts page, no data
    if role == "athlete":
        return "ok" if subject == "own" and need != "note" else "refused"
    # A clinician: only the athlete who shares with them, read-only but notes and clearance.
    if subject == "own":
        return "ok" if need == "home" else "refused"  # home: the athlete list
    shares = role == "clinician" and subject == "shared"
    return "ok" if shares and need in ("read", "home", "clearance", "note") else "refused"


Params = Callable[[World, str, str], dict[str, Any]]


def no_params(world: World, role: str, subject: str) -> dict[str, Any]:
    return {}


def data_owner(role: str, subject: str) -> str:
    """The athlete whose ids a cell uses: the subject's, or for "own" the actor's (ana's,
    and sam's for accounts that have no data of their own: the ids they might try)."""
    named = SUBJECTS[subject]
    if named is not None:
        return named
    return "ana" if role in ("athlete", "anonymous") else "sam"


def activity(world: World, role: str, subject: str) -> dict[str, Any]:
    return {"activity_id": world.activity[data_owner(role, subject)]}


def own_share(world: World, role: str, subject: str) -> dict[str, Any]:
    """A share to revoke: a new one of ana's (own), sam's with cleo, ben's with spare."""
    if subject == "own" and role == "athlete":
        made = sharing.share_with(world.store, world.accounts["ana"], "spare", "all")
        return {"share_id": int(made.id)}
    return {"share_id": world.share["sam->cleo" if subject != "unshared" else "ben->spare"]}


def spare(world: World, role: str, subject: str) -> dict[str, Any]:
    return {"name": "spare"}


def a_job(world: World, role: str, subject: str) -> dict[str, Any]:
    """The subject's import job; on the shared athlete the report job cleo asked for (a
    clinician sees only the jobs they asked for: see test_security)."""
    owner = data_owner(role, subject)
    return {"job_id": world.report["sam"] if owner == "sam" else world.job[owner]}


def a_report(world: World, role: str, subject: str) -> dict[str, Any]:
    """The subject's finished report job (on the shared athlete, the one cleo asked for)."""
    return {"job_id": world.report[data_owner(role, subject)]}


@dataclass(frozen=True)
class Spec:
    """How to request one route, and what it answers when allowed."""

    params: Params = no_params
    query: dict[str, str] = field(default_factory=dict)
    query_of: Callable[[World], dict[str, str]] | None = None  # a query made from the world
    form: dict[str, str] | None = None  # a page's form (the CSRF token is added)
    json: dict[str, Any] | None = None  # an API write's body (X-CSRF-Token is sent)
    upload: bool = False  # a multipart upload of the subject's FIT file
    ok: frozenset[int] = frozenset({200})
    #: A browser of its own (the request signs in or out, or ends sessions).
    fresh: bool = False
    #: Which of the athlete's markers an allowed answer shows (world.markers indexes).
    shows: tuple[int, ...] = ()


def ok(*codes: int) -> frozenset[int]:
    return frozenset(codes)


SEE_OTHER = ok(303)
PAIN_FORM = {"nrs": "1", "when": "next_morning", "note": "matrix entry"}
NO_ANSWERS = {"saddle_numbness": "no", "bladder_bowel_change": "no", "fever": "no"}

#: Every route of the clinic app: how to request it (see :class:`Spec`).
SPECS: dict[tuple[str, str], Spec] = {
    ("GET", "/"): Spec(),
    ("GET", "/load"): Spec(),
    ("GET", "/pain"): Spec(shows=(0,)),
    ("POST", "/pain/log"): Spec(form=PAIN_FORM, ok=SEE_OTHER),
    ("POST", "/pain/screen"): Spec(form=NO_ANSWERS, ok=SEE_OTHER),
    ("POST", "/pain/clearance"): Spec(form={"by": "Dr Cleo", "note": "seen"}, ok=SEE_OTHER),
    ("GET", "/form"): Spec(),
    ("GET", "/shoes"): Spec(),
    ("GET", "/plan"): Spec(),
    ("GET", "/activities"): Spec(shows=(1,)),
    ("GET", "/activities/{activity_id}"): Spec(params=activity, shows=(1,)),
    ("GET", "/import"): Spec(),
    ("POST", "/import"): Spec(upload=True, ok=SEE_OTHER),
    ("GET", "/report"): Spec(),
    ("GET", "/glossary"): Spec(),
    ("GET", "/sync"): Spec(),
    # No Strava application is configured: the page says so (400), after the rule let it in.
    ("POST", "/sync/strava/connect"): Spec(form={}, ok=ok(400)),
    # intervals.icu is a closed port here: the connection check fails (400).
    ("POST", "/sync/intervals/connect"): Spec(
        form={"athlete_id": "i12345", "api_key": "k" * 24}, ok=ok(400)
    ),
    ("POST", "/sync/{service}/run"): Spec(
        params=lambda w, r, s: {"service": "intervals"}, form={}, ok=SEE_OTHER
    ),
    ("POST", "/sync/{service}/disconnect"): Spec(
        params=lambda w, r, s: {"service": "intervals"}, form={}, ok=SEE_OTHER
    ),
    ("GET", "/api/status"): Spec(),
    ("GET", "/api/load"): Spec(),
    ("GET", "/api/load/chart"): Spec(),
    ("GET", "/api/form"): Spec(),
    ("GET", "/api/pain"): Spec(shows=(0,)),
    ("POST", "/api/pain"): Spec(json={"nrs": 1, "note": "matrix entry"}, ok=ok(201)),
    ("GET", "/api/pain/associations"): Spec(),
    ("GET", "/api/screen/questions"): Spec(),
    ("POST", "/api/screen"): Spec(json={"answers": {k: False for k in NO_ANSWERS}}, ok=ok(201)),
    ("GET", "/api/screen/latest"): Spec(),
    ("POST", "/api/screen/clearance"): Spec(json={"by": "Dr Cleo", "note": "seen"}, ok=ok(201)),
    ("GET", "/api/screen/clearance"): Spec(),
    ("GET", "/api/red-flags"): Spec(),
    ("GET", "/api/shoes"): Spec(),
    ("GET", "/api/activities"): Spec(shows=(1,)),
    ("GET", "/api/activities/{activity_id}"): Spec(params=activity, shows=(1,)),
    ("GET", "/api/activities/{activity_id}/streams"): Spec(params=activity),
    ("GET", "/api/plan"): Spec(),
    ("GET", "/api/plan/review"): Spec(),
    ("GET", "/api/plan/marks"): Spec(),
    ("GET", "/api/exercises"): Spec(query={"routine": "warmup"}),
    ("GET", "/api/report"): Spec(),
    ("POST", "/api/import"): Spec(upload=True, ok=ok(202)),
    ("GET", "/api/sync"): Spec(),
    ("POST", "/api/sync/intervals/connect"): Spec(
        json={"athlete_id": "i12345", "api_key": "k" * 24}, ok=ok(400, 502)
    ),
    ("POST", "/api/sync/{service}"): Spec(
        params=lambda w, r, s: {"service": "intervals"}, json={}, ok=ok(202)
    ),
    ("POST", "/api/sync/{service}/disconnect"): Spec(
        params=lambda w, r, s: {"service": "intervals"}, json={}, ok=ok(200)
    ),
    ("GET", "/api/openapi.json"): Spec(),
    ("GET", "/login"): Spec(),
    ("POST", "/login"): Spec(fresh=True, ok=SEE_OTHER),
    ("GET", "/account/password"): Spec(query_of=lambda w: {"token": w.link}),
    # An unknown link: the page says so; the rule (public) let it in.
    ("POST", "/account/password"): Spec(
        form={"token": "not-a-link", "new": "a long new password", "repeat": "a long new password"},
        ok=ok(400),
    ),
    ("POST", "/logout"): Spec(form={}, fresh=True, ok=SEE_OTHER),
    ("GET", "/account"): Spec(),
    # Two new passwords that differ: refused before the old one is checked (nothing counted).
    ("POST", "/account"): Spec(
        form={"old": "x", "new": "one new password", "repeat": "another password"}, ok=ok(400)
    ),
    ("GET", "/sharing"): Spec(),
    ("POST", "/sharing/invite"): Spec(form={"scope": "summaries"}),
    ("POST", "/sharing/share"): Spec(form={"clinician": "spare", "scope": "all"}, ok=SEE_OTHER),
    ("POST", "/sharing/{share_id}/revoke"): Spec(params=own_share, form={}, ok=SEE_OTHER),
    # A made-up code: refused as unknown (400), after the rule let the clinician in.
    ("POST", "/sharing/redeem"): Spec(form={"code": "ABCD-EFGH-JKMN"}, ok=ok(400)),
    ("GET", "/audit"): Spec(),
    ("GET", "/account/export"): Spec(),
    ("GET", "/account/delete"): Spec(),
    # Not confirmed (the name not typed): nothing deleted (400), after the rule let it in.
    ("POST", "/account/delete"): Spec(form={"confirm": "no"}, ok=ok(400)),
    ("GET", "/notes"): Spec(),
    ("POST", "/notes"): Spec(form={"text": "matrix note"}, ok=SEE_OTHER),
    ("GET", "/admin/accounts"): Spec(),
    ("POST", "/admin/accounts"): Spec(form={"role": "athlete", "display_name": "New"}),
    ("POST", "/admin/accounts/{name}/link"): Spec(params=spare, form={}),
    ("POST", "/admin/accounts/{name}/disable"): Spec(params=spare, form={}, ok=SEE_OTHER),
    ("POST", "/admin/accounts/{name}/enable"): Spec(params=spare, form={}, ok=SEE_OTHER),
    ("GET", "/api/jobs/{job_id}"): Spec(params=a_job),
    ("GET", "/api/jobs/{job_id}/output"): Spec(params=a_report, shows=(2,)),
    ("POST", "/report"): Spec(form={"from": "2013-01-01", "to": "2013-12-31"}, ok=SEE_OTHER),
}

#: Allowed answers that differ by role: the admin's home is a redirect to the accounts page,
#: a signed-in browser's sign-in page a redirect home.
OK_BY_ROLE: dict[tuple[str, str, str], frozenset[int]] = {
    ("GET", "/", "admin"): SEE_OTHER,
    **{("GET", "/login", r): SEE_OTHER for r in ROLES if r != "anonymous"},
}


def cell_id(route: tuple[str, str], role: str, subject: str) -> str:
    return f"{route[0]} {route[1]} | {role} | {subject}"


CELLS = [(route, role, subject) for route in SPECS for role in ROLES for subject in SUBJECTS]


def is_api(path: str) -> bool:
    return path.startswith("/api/")


#: ``send``'s token: the browser's own (its session's, or an anonymous one's form token).
OWN_TOKEN = "<own>"


def send(
    world: World,
    route: tuple[str, str],
    role: str,
    subject: str,
    *,
    token: str = OWN_TOKEN,
    headers: dict[str, str] | None = None,
) -> Any:
    """The cell's request, as the role's browser makes it; ``token`` instead of the
    browser's own ("" for none) and more ``headers`` for the CSRF tests."""
    method, template = route
    spec = SPECS[route]
    actor = ROLES[role]
    if actor is None:
        client = world.anonymous()
        client.get("/login")  # a browser that opened the sign-in page: its form token
        own = form_token(client)
    else:
        browser = world.session(actor) if spec.fresh else world.browser(actor)
        client, own = browser.client, browser.token
    sent = own if token == OWN_TOKEN else token
    extra = dict(headers or {})
    path = template.format(**spec.params(world, role, subject))
    query = dict(spec.query) | (spec.query_of(world) if spec.query_of else {})
    named = SUBJECTS[subject]
    if named is not None:
        query["athlete"] = str(world.id_of(named))
    if method == "GET":
        return client.get(path, params=query, headers=extra, follow_redirects=False)
    data: dict[str, str] = dict(spec.form or {})
    if route == ("POST", "/login"):
        data = {"name": actor or "ana", "password": PASSWORD}
    if route == ("POST", "/admin/accounts"):
        data["name"] = f"new{len(world.accounts)}x{abs(hash((role, subject, sent))) % 10**6}"
    if spec.json is not None:
        if sent:
            extra["x-csrf-token"] = sent
        return client.post(path, params=query, json=spec.json, headers=extra)
    if sent:
        data["csrf_token"] = sent
    files = None
    if spec.upload:
        fit = FILES[data_owner(role, subject)]
        files = {"files": (fit.name, fit.read_bytes(), "application/octet-stream")}
        if is_api(path) and sent:
            extra["x-csrf-token"] = sent
    return client.post(
        path, params=query, data=data, files=files, headers=extra, follow_redirects=False
    )


def visible_athletes(route: tuple[str, str], role: str, subject: str) -> set[str]:
    """The athletes whose data an allowed answer may hold."""
    if role == "admin" or ROLES[role] is None:
        return set()
    if role == "athlete":
        return {"ana"}
    if role == "clinician":
        return {"sam"}  # the one athlete who shares with cleo (her list, her dashboards)
    return set()


@pytest.mark.parametrize(("route", "role", "subject"), CELLS, ids=[cell_id(*c) for c in CELLS])
def test_cell(world: World, route: tuple[str, str], role: str, subject: str) -> None:
    method, path = route
    spec = SPECS[route]
    need = policy.ROUTES[route].need
    outcome = expected(need, role, subject, takes_id="{" in path)
    if route in OUTSIDE_ENFORCE and outcome == "refused":
        outcome = "ok"  # ?athlete= is not read there: the schema holds no one's data
    response = send(world, route, role, subject)
    status = response.status_code
    where = f"{cell_id(route, role, subject)}: {status} {response.text[:300]!r}"
    if outcome == "sign_in":
        if is_api(path):
            assert status == 401, where
        else:
            assert (status, response.headers.get("location")) == (303, "/login"), where
    elif outcome == "refused":
        assert status in REFUSED.get((route, role), ok(403)), where
    else:
        allowed = OK_BY_ROLE.get((method, path, role), spec.ok)
        assert status in allowed, where
    text = response.text
    if outcome == "ok":
        may_see = visible_athletes(route, role, subject)
        hidden = [m for a, ms in world.markers.items() if a not in may_see for m in ms]
        leaked = holds_any(text, hidden)
        assert leaked == [], where
        if spec.shows and method == "GET":
            [athlete] = may_see
            for index in spec.shows:
                assert world.markers[athlete][index] in text, where
    else:
        assert holds_any(text, world.others_markers(None)) == [], where


#: Routes the app-wide ``policy.enforce`` does not run on (FastAPI's schema route is not an
#: APIRoute): only the guard's sign-in holds (anonymous: 401), for any ``?athlete=``.
OUTSIDE_ENFORCE = frozenset({("GET", "/api/openapi.json")})

#: Refusals other than 403: another athlete's share id is "not found" to an athlete.
REFUSED: dict[tuple[tuple[str, str], str], frozenset[int]] = {
    (("POST", "/sharing/{share_id}/revoke"), "athlete"): ok(404),
}


def test_every_route_of_the_app_is_in_the_matrix(world: World) -> None:
    """The matrix covers exactly the app's routes: those of the OpenAPI schema and those
    outside it; every route's rule has a need :func:`expected` knows."""
    served = set(policy.app_routes(world.app))
    schema = world.browser("ana").client.get("/api/openapi.json").json()
    operations = {
        (method.upper(), path) for path, item in schema["paths"].items() for method in item
    }
    assert operations, "the schema lists no operation"
    assert operations <= served
    outside = served - operations
    assert ("GET", "/") in outside  # pages: outside the schema
    assert ("POST", "/login") in outside
    assert set(SPECS) == served, (sorted(served - set(SPECS)), sorted(set(SPECS) - served))
    assert set(policy.ROUTES) == served
    needs = {rule.need for rule in policy.ROUTES.values()}
    for need in needs:
        for role in ROLES:
            for subject in SUBJECTS:
                assert expected(need, role, subject) in ("ok", "refused", "sign_in")
    assert len(CELLS) == len(served) * len(ROLES) * len(SUBJECTS)


def test_the_rules_read_as_their_routes(world: World) -> None:
    """A second look at the table, independent of it: writes never need only "read" or
    "signed_in" but sign-out and the password change; nothing outside the sign-in and
    password-link pages is public; /admin is the admin's; health pages are never "signed_in"."""
    for (method, path), rule in policy.ROUTES.items():
        if method == "POST" and path != "/report":  # a report job: no athlete data changes
            assert rule.need != "read", (method, path)
            if rule.need == "signed_in":
                assert path in ("/logout", "/account"), path
        if rule.need == "public":
            assert path in ("/login", "/account/password"), path
        if path.startswith("/admin"):
            assert rule.need == "admin", path
        if rule.need == "signed_in" and method == "GET":
            assert path in (
                "/glossary", "/api/screen/questions", "/api/exercises", "/api/openapi.json",
                "/account",
            ), path  # fmt: skip
