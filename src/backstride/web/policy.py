"""Who may use each route of the clinic server, in one table: :data:`ROUTES`.

Every route (method and path, as FastAPI declares it) has a :class:`Rule`; the clinic app
refuses to start when a route has none, or when the table names a route that does not
exist (:func:`check_routes`), so a route added later cannot be served by accident, and the
authorization tests walk this table. :func:`enforce` runs before every route of the clinic
app (an app-wide dependency): it applies the rule to the signed-in account and, for a rule
about health data, makes THE access decision (``service.sharing.access``) and leaves its
answer as the request's :class:`~backstride.web.subject.Subject`; a clinician's view of an
athlete is audited here (``service.audit``), with the route and query, never health data.

The needs, from the most open:

- ``public``: anyone, signed in or not (sign-in, the password-link page).
- ``signed_in``: any account; no health data (sign-out, own account, glossary, schema).
  Given ``?athlete=`` (the glossary opened from a clinician's pages) it is a ``read``.
- ``read``: an athlete's own data, or a clinician's view of an athlete who shares with them
  (``?athlete=<account id>``); admins never. Clinician reads are audited (``view``, or the
  rule's own action such as ``report``).
- ``write``: the athlete's own data only (a clinician is refused: read-only).
- ``clearance``: the athlete, or a clinician with a share (the clinician clearance).
- ``note``: a clinician with a share (dated clinician notes).
- ``home``: ``/``: the athlete's overview, the clinician's athlete list (or with
  ``?athlete=`` that athlete's overview, as ``read``), the admin's accounts.
- ``athlete``, ``clinician``, ``admin``: pages of that role's own (sharing, audit, export,
  deletion; redeeming an invite code; managing accounts).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import FastAPI, Query, Request
from fastapi.routing import APIRoute

from backstride.errors import AuthenticationError, InputError, PermissionDeniedError
from backstride.model import Account
from backstride.web.params import MAX_ID
from backstride.web.subject import ATHLETE_PARAM, Subject, subject

Need = Literal[
    "public", "signed_in", "read", "write", "clearance", "note", "home", "athlete",
    "clinician", "admin",
]  # fmt: skip
#: The needs that concern an athlete's health data (an access decision, a subject).
HEALTH_NEEDS: frozenset[str] = frozenset({"read", "write", "clearance", "note", "home"})


@dataclass(frozen=True)
class Rule:
    """What a route needs, and what a clinician's use of it is audited as."""

    need: Need
    audit: str | None = None

    @property
    def audit_action(self) -> str | None:
        """``view`` for every health read unless the rule names another action."""
        if self.audit is not None:
            return self.audit
        return "view" if self.need in ("read", "home") else None


READ, WRITE = Rule("read"), Rule("write")

#: Every route of the clinic server: (method, path) -> its rule.
ROUTES: dict[tuple[str, str], Rule] = {
    # -- pages (web/pages.py) --------------------------------------------------------------
    ("GET", "/"): Rule("home"),
    ("GET", "/load"): READ,
    ("GET", "/pain"): READ,
    ("POST", "/pain/log"): WRITE,
    ("POST", "/pain/screen"): WRITE,
    ("POST", "/pain/clearance"): Rule("clearance"),
    ("GET", "/form"): READ,
    ("GET", "/shoes"): READ,
    ("GET", "/plan"): READ,
    ("GET", "/activities"): READ,
    ("GET", "/activities/{activity_id}"): READ,
    ("GET", "/import"): WRITE,
    ("POST", "/import"): WRITE,
    ("GET", "/report"): READ,
    ("GET", "/glossary"): Rule("signed_in"),
    ("GET", "/sync"): WRITE,
    ("POST", "/sync/strava/connect"): WRITE,
    ("POST", "/sync/intervals/connect"): WRITE,
    ("POST", "/sync/{service}/run"): WRITE,
    ("POST", "/sync/{service}/disconnect"): WRITE,
    # -- the JSON API (web/api.py) ---------------------------------------------------------
    ("GET", "/api/status"): READ,
    ("GET", "/api/load"): READ,
    ("GET", "/api/load/chart"): READ,
    ("GET", "/api/form"): READ,
    ("GET", "/api/pain"): READ,
    ("POST", "/api/pain"): WRITE,
    ("GET", "/api/pain/associations"): READ,
    ("GET", "/api/screen/questions"): Rule("signed_in"),
    ("POST", "/api/screen"): WRITE,
    ("GET", "/api/screen/latest"): READ,
    ("POST", "/api/screen/clearance"): Rule("clearance"),
    ("GET", "/api/screen/clearance"): READ,
    ("GET", "/api/red-flags"): READ,
    ("GET", "/api/shoes"): READ,
    ("GET", "/api/activities"): READ,
    ("GET", "/api/activities/{activity_id}"): READ,
    ("GET", "/api/activities/{activity_id}/streams"): READ,
    ("GET", "/api/plan"): READ,
    ("GET", "/api/plan/review"): READ,
    ("GET", "/api/plan/marks"): READ,
    ("GET", "/api/exercises"): Rule("signed_in"),
    ("GET", "/api/report"): Rule("read", audit="report"),
    ("POST", "/api/import"): WRITE,
    ("GET", "/api/sync"): WRITE,
    ("POST", "/api/sync/intervals/connect"): WRITE,
    ("POST", "/api/sync/{service}"): WRITE,
    ("POST", "/api/sync/{service}/disconnect"): WRITE,
    ("GET", "/api/openapi.json"): Rule("signed_in"),
    # -- the clinic's own pages and API (web/clinic.py) ------------------------------------
    ("GET", "/login"): Rule("public"),
    ("POST", "/login"): Rule("public"),
    ("GET", "/account/password"): Rule("public"),
    ("POST", "/account/password"): Rule("public"),
    ("POST", "/logout"): Rule("signed_in"),
    ("GET", "/account"): Rule("signed_in"),
    ("POST", "/account"): Rule("signed_in"),
    ("GET", "/sharing"): Rule("athlete"),
    ("POST", "/sharing/invite"): Rule("athlete"),
    ("POST", "/sharing/share"): Rule("athlete"),
    ("POST", "/sharing/{share_id}/revoke"): Rule("athlete"),
    ("POST", "/sharing/redeem"): Rule("clinician"),
    ("GET", "/audit"): Rule("athlete"),
    ("GET", "/account/export"): Rule("athlete"),
    ("GET", "/account/delete"): Rule("athlete"),
    ("POST", "/account/delete"): Rule("athlete"),
    ("GET", "/notes"): READ,
    ("POST", "/notes"): Rule("note"),
    ("GET", "/admin/accounts"): Rule("admin"),
    ("POST", "/admin/accounts"): Rule("admin"),
    ("POST", "/admin/accounts/{name}/link"): Rule("admin"),
    ("POST", "/admin/accounts/{name}/disable"): Rule("admin"),
    ("POST", "/admin/accounts/{name}/enable"): Rule("admin"),
    ("GET", "/api/jobs/{job_id}"): READ,
    ("GET", "/api/jobs/{job_id}/output"): Rule("read", audit="report"),
    ("POST", "/report"): READ,  # a report job (the route audits it); no athlete data changes
}


def app_routes(app: FastAPI) -> list[tuple[str, str]]:
    """Every (method, path) the app serves (HEAD aside), the static files aside."""
    found: list[tuple[str, str]] = []

    def walk(items: list[Any], prefix: str) -> None:
        for route in items:
            if isinstance(route, APIRoute):
                methods = sorted(route.methods or ())
                found.extend((m, prefix + route.path) for m in methods if m != "HEAD")
            elif hasattr(route, "original_router"):  # an included router (FastAPI >= 0.116)
                walk(route.original_router.routes, prefix)
            elif hasattr(route, "routes") and not getattr(route, "path", "").startswith("/static"):
                walk(route.routes, prefix + getattr(route, "path", ""))

    walk(list(app.routes), "")
    if app.openapi_url:
        found.append(("GET", app.openapi_url))
    return found


def check_routes(app: FastAPI) -> None:
    """Refuse to build a clinic app with a route the table does not cover, or a table entry
    no route has (both are mistakes that would go unnoticed otherwise)."""
    served = set(app_routes(app))
    missing = sorted(served - set(ROUTES))
    stale = sorted(set(ROUTES) - served)
    if missing or stale:
        raise RuntimeError(
            f"web/policy.py ROUTES does not match the app: no rule for {missing}, "
            f"rules for routes that do not exist {stale}"
        )


def rule_of(request: Request) -> Rule:
    """The rule of the route serving ``request`` (PermissionDeniedError when none: fail shut)."""
    route = request.scope.get("route")
    path = getattr(route, "path", None)
    method = "GET" if request.method == "HEAD" else request.method
    found = ROUTES.get((method, str(path)))
    if found is None:
        raise PermissionDeniedError("no access rule for this route")
    return found


def account_of(request: Request) -> Account | None:
    found = getattr(request.state, "account", None)
    return found if isinstance(found, Account) else None


def signed_in(request: Request) -> Account:
    account = account_of(request)
    if account is None:
        raise AuthenticationError("sign in first", hint="open /login")
    return account


def athlete_param(request: Request) -> int | None:
    """``?athlete=<account id>``: whose data a clinician asks for (None: not given)."""
    raw = request.query_params.get(ATHLETE_PARAM)
    if raw is None or raw == "":
        return None
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_ID:
        raise InputError(f"athlete must be an account id, not {raw[:20]!r}", field="athlete")
    return int(raw)


def decide(request: Request, account: Account) -> Subject:
    """THE access decision for this request (``service.sharing.access``) as its subject."""
    from backstride.service import sharing

    store = request.app.state.store
    access = sharing.access(store, account, athlete_param(request))
    clinician = account.role == "clinician"
    return Subject(
        store=access.store(store),
        athlete=access.athlete_name,
        can_write=bool(access.can_write),
        view=str(access.scope),
        params=((ATHLETE_PARAM, str(access.athlete.id)),) if clinician else (),
        access=access,
    )


AthleteQuery = Annotated[
    int | None,
    Query(
        alias=ATHLETE_PARAM,
        ge=1,
        le=MAX_ID,
        description="The athlete (account id) a clinician looks at; an athlete leaves it out "
        "(their own data).",
    ),
]


def enforce(request: Request, athlete: AthleteQuery = None) -> None:
    """The app-wide dependency of the clinic app: the route's rule applied (see the module's
    docstring); for health routes the subject decided and a clinician's view audited.
    ``athlete`` is declared here so every operation of the schema shows it (and a value
    that is not an id is a 422 before anything else); :func:`athlete_param` reads it."""
    rule = rule_of(request)
    if rule.need == "public":
        return
    account = signed_in(request)
    need = rule.need
    if need == "signed_in":
        if athlete_param(request) is None:
            return
        # A page about no athlete opened from a clinician's pages (the glossary): it keeps
        # the athlete, so it is decided (and its red-flag banner audited) like a read.
        need = "read"
    if need in ("athlete", "clinician", "admin"):
        if account.role != need:
            raise PermissionDeniedError(f"this page is for {need} accounts")
        return
    if need == "home":
        if account.role == "admin" or (
            account.role == "clinician" and athlete_param(request) is None
        ):
            return  # the route shows the admin's accounts, the clinician's athlete list
    if account.role == "admin":
        raise PermissionDeniedError("an administrator's account sees no health data")
    found = decide(request, account)
    if need == "write" and not found.can_write:
        raise PermissionDeniedError(
            "read-only: a clinician sees a shared athlete's data but cannot change it",
            hint="a clinician can add notes and the clearance of a red flag",
        )
    if need == "note" and not found.by_clinician:
        raise PermissionDeniedError("only a clinician the athlete shares with adds notes")
    if need == "clearance" and not (found.can_write or found.by_clinician):
        raise PermissionDeniedError("only the athlete or their clinician records a clearance")
    request.state.subject = found
    if found.by_clinician and request.method in ("GET", "HEAD"):
        # Every read of a clinician's is audited: as its rule says, else as a view (the
        # glossary opened with ``?athlete=`` has no action of its own).
        audit(request, rule.audit_action or "view")


def audit(request: Request, action: str, detail: str | None = None) -> None:
    """Record that the signed-in clinician did ``action`` on the request's athlete; the
    detail is the route and its query (never health data) unless given."""
    found = subject(request)
    if not found.by_clinician:
        return
    from backstride.service import audit as audit_log

    query = request.url.query
    where = request.url.path + (f"?{query}" if query else "")
    audit_log.record(
        request.app.state.store,
        found.access.viewer,
        found.account_id,
        action,
        (detail or where)[:500],
    )


def clearance_subject(request: Request) -> Subject:
    """The subject of a clearance: the athlete, or a clinician who has a share."""
    found = subject(request)
    if not (found.can_write or found.by_clinician):
        raise PermissionDeniedError("only the athlete or their clinician records a clearance")
    return found


def clinician_name(found: Subject) -> str | None:
    """The clinician's name a clearance is recorded by when they give none (else None)."""
    if not found.by_clinician:
        return None
    viewer = found.access.viewer
    return str(viewer.display_name or viewer.name)


def record_clearance(
    request: Request, who: Subject, *, day: date | None, by: str | None, note: str | None
) -> Any:
    """The clearance of a red flag: a clinician's (``service.clinic.record_clearance``, on
    the base store, by the clinician's account name), audited; or the athlete's own record
    of a visit (``by`` as they typed it)."""
    from backstride.service import clinic, screening

    if who.by_clinician:
        record = clinic.record_clearance(request.app.state.store, who.access, day=day, note=note)
        audit(request, "clearance", f"clearance of {record.day.isoformat()}")
        return record
    return screening.clear(who.store, day=day, by=by, note=note, athlete=who.athlete)
