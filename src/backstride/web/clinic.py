"""The clinic server's own pages (docs/clinic.md): sign-in and out, the account, the
password link, an athlete's sharing, audit log, export and deletion, a clinician's athlete
list and notes, an admin's accounts; and ``GET /api/jobs/{id}``.

Each route's rule (who may use it) is in ``web/policy.py``'s table, applied before the
route runs; the routes here only do their use case. Forms are checked for the session's
token (``guard.check_form``; before sign-in the sign-in form's own token), and every
message shown comes from the service or from this module, never from the query string.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Annotated, Any, Literal, cast

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from backstride.errors import (
    AuthenticationError,
    BackstrideError,
    InputError,
    ThrottledError,
)
from backstride.model import ROLES, SHARE_SCOPES, Account
from backstride.service import Store
from backstride.service.clock import local_today
from backstride.web import errors, guard, policy, queue, results, sessions
from backstride.web.params import (
    MAX_ID,
    On,
    check_day,
    check_record_day,
    no_control_characters,
    parse_day,
)
from backstride.web.render import page
from backstride.web.subject import keep_params, subject

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api", tags=["api"])

#: Notices a redirect may ask for by name (``?done=``): the words are this table's, so a link
#: from elsewhere cannot put text on a page.
NOTICES = {
    "signed_out": "You are signed out.",
    "password": "Your password is set: sign in with it.",
    "deleted": "Your account and every record of yours are deleted.",
    "changed": "Your password is changed; your other sessions are signed out.",
    "shared": "Shared.",
    "revoked": "Share revoked: that clinician's next request is refused.",
    "redeemed": "Invite code accepted: the athlete is on your list.",
    "noted": "Note added.",
    "disabled": "Account disabled; its sessions are ended.",
    "enabled": "Account enabled.",
}


def _store(request: Request) -> Store:
    found: Store = request.app.state.store
    return found


def _account(request: Request) -> Account:
    return policy.signed_in(request)


def _notice(request: Request) -> str | None:
    return NOTICES.get(request.query_params.get("done") or "")


#: Fields kept as typed: a password's spaces are part of it.
SECRET_FIELDS = frozenset({"password", "old", "new", "repeat"})


def _text(form: FormData, name: str, *, limit: int = 200) -> str:
    """A text field, stripped (passwords as typed), without control characters, at most
    ``limit`` characters: else one line naming the field."""
    value = form.get(name)
    if isinstance(value, UploadFile):
        raise InputError(f"{name} must be text, not a file")
    text = value or ""
    if name not in SECRET_FIELDS:
        text = text.strip()
    try:
        no_control_characters(text)
    except ValueError as e:
        raise InputError(f"{name} {e}") from None
    if len(text) > limit:
        raise InputError(f"{name} is too long (at most {limit} characters)")
    return text


async def _form(
    request: Request, handle: Callable[[FormData], Awaitable[Response] | Response]
) -> Response:
    """A form post: read, its token checked (403 without it), then handled."""
    async with request.form(max_files=0, max_fields=20) as form:
        guard.check_form(request, form)
        result = handle(form)
        if isinstance(result, Response):
            return result
        return await result


def _redirect(request: Request, path: str, **params: str) -> Response:
    """303 to one of this server's own paths (never a URL from the request)."""
    target = request.url.replace(path=path, query="").include_query_params(**params)
    return RedirectResponse(str(target.path) + (f"?{target.query}" if target.query else ""), 303)


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def wait_text(seconds: int) -> str:
    """How long to wait, in words.

    >>> wait_text(40), wait_text(61), wait_text(900)
    ('40 seconds', '2 minutes', '15 minutes')
    """
    if seconds < 60:
        return f"{max(seconds, 1)} seconds"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def _with_form_token(request: Request, render: Callable[[], Response]) -> Response:
    """A page shown before sign-in: its forms carry the form cookie's token (a new one when
    the browser has none yet)."""
    if request.state.csrf_token:
        return render()
    holder = Response()
    request.state.csrf_token = sessions.new_form_token(holder)
    response = render()
    for name, value in holder.raw_headers:
        if name == b"set-cookie":
            response.raw_headers.append((name, value))
    return response


# -- sign-in and out ---------------------------------------------------------------------------


def _login_page(
    request: Request, *, error: str | None = None, name: str = "", status_code: int = 200
) -> Response:
    context = {"title": "Sign in", "error": error, "name": name, "notice": _notice(request)}
    return _with_form_token(
        request, lambda: page(request, "login.html", context, status_code=status_code)
    )


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request) -> Response:
    if policy.account_of(request) is not None:
        return _redirect(request, "/")
    return _login_page(request)


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request) -> Response:
    """Sign in: a new session every time (no fixation), the old one ended; wrong name and
    wrong password are one message; too many failures are refused with the wait."""

    async def sign_in(form: FormData) -> Response:
        from backstride.service import accounts

        name = _text(form, "name", limit=64)
        password = _text(form, "password", limit=1024)
        store = _store(request)
        try:
            account = await run_in_threadpool(
                lambda: accounts.authenticate(store, name, password, address=_address(request))
            )
        except ThrottledError as e:
            response = _login_page(
                request,
                error=f"{e.message}: try again in {wait_text(e.retry_after_s)}",
                name=name,
                status_code=429,
            )
            response.headers["retry-after"] = str(e.retry_after_s)
            return response
        except AuthenticationError as e:
            return _login_page(request, error=e.message, name=name, status_code=401)
        old = request.state.session_token
        if old:
            await run_in_threadpool(accounts.end_session, store, old)
        new = await run_in_threadpool(accounts.start_session, store, account)
        response = _redirect(request, "/")
        sessions.set_session_cookie(response, new.token)
        response.delete_cookie(sessions.FORM_COOKIE, path="/", secure=True, httponly=True)
        return response

    try:
        return await _form(request, sign_in)
    except InputError as e:
        if isinstance(e, errors.Refused):
            raise
        return _login_page(request, error=e.message, status_code=400)


@router.post("/logout", response_class=HTMLResponse)
async def logout(request: Request) -> Response:
    def sign_out(form: FormData) -> Response:
        from backstride.service import accounts

        accounts.end_session(_store(request), request.state.session_token)
        response = _redirect(request, "/login", done="signed_out")
        sessions.clear_session_cookie(response)
        return response

    return await _form(request, sign_out)


# -- the account -------------------------------------------------------------------------------


def _account_page(
    request: Request, *, error: str | None = None, status_code: int = 200
) -> Response:
    context = {
        "title": "Account",
        "account_row": _account(request),
        "error": error,
        "notice": _notice(request),
    }
    return page(request, "account.html", context, status_code=status_code)


@router.get("/account", response_class=HTMLResponse)
def account_page(request: Request) -> Response:
    return _account_page(request)


@router.post("/account", response_class=HTMLResponse)
async def change_password(request: Request) -> Response:
    """A new password: the old one checked; every other session of the account ends, this
    browser gets a new session."""

    def change(form: FormData) -> Response:
        from backstride.service import accounts

        store, account = _store(request), _account(request)
        new = _text(form, "new", limit=1024)
        if new != _text(form, "repeat", limit=1024):
            raise InputError("the two new passwords differ", field="new")
        fresh = accounts.change_password(
            store, account, _text(form, "old", limit=1024), new, address=_address(request)
        )
        response = _redirect(request, "/account", done="changed")
        sessions.set_session_cookie(response, fresh.token)
        return response

    try:
        return await _form(request, change)
    except (InputError, AuthenticationError) as e:
        if isinstance(e, errors.Refused | ThrottledError):
            raise
        return _account_page(request, error=e.message, status_code=400)


def _password_page(
    request: Request, token: str, *, error: str | None = None, status_code: int = 200
) -> Response:
    """The form to set a password, when the link still works (else one line saying so)."""
    from backstride.service import accounts

    try:
        name: str | None = accounts.link_account(_store(request), token).name
    except AuthenticationError:
        name, error, status_code = None, "This link is unknown, used or expired.", 400
    context = {"title": "Set your password", "token": token, "name": name, "error": error}
    return _with_form_token(
        request, lambda: page(request, "password.html", context, status_code=status_code)
    )


@router.get("/account/password", response_class=HTMLResponse)
def password_page(request: Request, token: Annotated[str, Query(max_length=200)] = "") -> Response:
    """The page an admin's one-time link opens: set the password of that account."""
    return _password_page(request, token)


@router.post("/account/password", response_class=HTMLResponse)
async def set_password(request: Request) -> Response:
    """The new password for the link's account; the link is used up, the account's sessions
    end, and the browser goes to the sign-in page."""

    async def redeem(form: FormData) -> Response:
        from backstride.service import accounts

        token = _text(form, "token", limit=200)
        try:
            new = _text(form, "new", limit=1024)
            if new != _text(form, "repeat", limit=1024):
                raise InputError("the two passwords differ", field="new")
            await run_in_threadpool(accounts.redeem_link, _store(request), token, new)
        except AuthenticationError:
            return _password_page(request, token)
        except InputError as e:
            return _password_page(request, token, error=e.message, status_code=400)
        return _redirect(request, "/login", done="password")

    return await _form(request, redeem)


# -- an athlete's sharing, audit log, export, deletion ----------------------------------------


def _sharing_page(
    request: Request,
    *,
    code: str | None = None,
    code_scope: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    from backstride.service import sharing

    account = _account(request)
    context = {
        "title": "Sharing",
        "shares": sharing.shares_of(_store(request), account),
        "withheld": sharing.strava_withheld(_store(request), account).words,
        "scopes": SHARE_SCOPES,
        "code": code,
        "code_scope": code_scope,
        "error": error,
        "notice": _notice(request),
    }
    return page(request, "sharing.html", context, status_code=status_code)


def _scope(form: FormData) -> str:
    scope = _text(form, "scope", limit=20) or "all"
    if scope not in SHARE_SCOPES:
        raise InputError(f"scope must be one of {', '.join(SHARE_SCOPES)}", field="scope")
    return scope


async def _form_on_page(
    request: Request, handle: Callable[[FormData], Response], again: Callable[..., Response]
) -> Response:
    """A form post whose input errors are shown on its own page again (``again``, called
    with ``error`` and ``status_code``); refusals (no token, no permission) stay refusals."""
    try:
        return await _form(request, handle)
    except BackstrideError as e:
        if isinstance(e, errors.Refused):
            raise
        return again(request, error=e.message, status_code=errors.status_of(e))


async def _sharing_form(request: Request, handle: Callable[[FormData], Response]) -> Response:
    return await _form_on_page(request, handle, _sharing_page)


@router.get("/sharing", response_class=HTMLResponse)
def sharing_page(request: Request) -> Response:
    """Who sees your data: your shares (revocable), an invite code, sharing by name."""
    return _sharing_page(request)


@router.post("/sharing/invite", response_class=HTMLResponse)
async def create_invite(request: Request) -> Response:
    """A new one-time invite code, shown on this answer only (it is stored as a hash)."""

    def make(form: FormData) -> Response:
        from backstride.service import sharing

        scope = _scope(form)
        code = sharing.create_invite(_store(request), _account(request), scope)
        return _sharing_page(request, code=code, code_scope=scope)

    return await _sharing_form(request, make)


@router.post("/sharing/share", response_class=HTMLResponse)
async def share_with(request: Request) -> Response:
    def share(form: FormData) -> Response:
        from backstride.service import sharing

        name = _text(form, "clinician", limit=64)
        if not name:
            raise InputError("name the clinician's account", field="clinician")
        sharing.share_with(_store(request), _account(request), name, _scope(form))
        return _redirect(request, "/sharing", done="shared")

    return await _sharing_form(request, share)


@router.post("/sharing/{share_id}/revoke", response_class=HTMLResponse)
async def revoke(request: Request, share_id: Annotated[int, Path(ge=1, le=MAX_ID)]) -> Response:
    def end(form: FormData) -> Response:
        from backstride.service import sharing

        sharing.revoke_share(_store(request), _account(request), share_id)
        return _redirect(request, "/sharing", done="revoked")

    return await _sharing_form(request, end)


@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request) -> Response:
    """Who saw what of your data, and when (newest first)."""
    from backstride.service import audit

    entries = [e.to_json() for e in audit.entries_for(_store(request), _account(request))]
    return page(request, "audit.html", {"title": "Audit", "entries": entries})


@router.get("/account/export")
def export(request: Request) -> Response:
    """Everything of yours: the original files and every row, as one zip."""
    from backstride.service import audit, data_rights

    account = _account(request)
    data = data_rights.export_account(_store(request), account)
    audit.record(_store(request), account, account.id, "export", request.url.path)
    name = f"backstride-export-{account.name}-{local_today().isoformat()}.zip"
    return Response(
        data,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _delete_page(request: Request, *, error: str | None = None, status: int = 200) -> Response:
    context = {"title": "Delete my account", "error": error}
    return page(request, "delete.html", context, status_code=status)


@router.get("/account/delete", response_class=HTMLResponse)
def delete_page(request: Request) -> Response:
    return _delete_page(request)


@router.post("/account/delete", response_class=HTMLResponse)
async def delete_account(request: Request) -> Response:
    """Delete the account and every record of it, once its name is typed as confirmation."""

    def delete(form: FormData) -> Response:
        from backstride.service import data_rights

        account = _account(request)
        if _text(form, "confirm", limit=64) != account.name:
            return _delete_page(
                request, error=f"type {account.name} to delete; nothing was deleted", status=400
            )
        data_rights.delete_account(_store(request), account)
        response = _redirect(request, "/login", done="deleted")
        sessions.clear_session_cookie(response)
        return response

    return await _form(request, delete)


# -- a clinician's athletes and notes ----------------------------------------------------------


def home(request: Request, on: date | None) -> Response:
    """``/`` of an account that looks at no athlete: the admin's accounts, the clinician's
    athlete list (``web/policy.py`` let only these through without a subject)."""
    account = _account(request)
    if account.role == "admin":
        return _redirect(request, "/admin/accounts")
    return _athletes_page(request, on)


def _athletes_page(
    request: Request, on: date | None, *, error: str | None = None, status_code: int = 200
) -> Response:
    from backstride.service import clinic

    rows = clinic.athlete_list(
        _store(request),
        _account(request),
        on or local_today(),
        standings_of=results.standings(request),
    )
    context = {
        "title": "Athletes",
        "rows": [r.to_json() for r in rows],
        "error": error,
        "notice": _notice(request),
    }
    return page(request, "athletes.html", context, on=on, status_code=status_code)


@router.post("/sharing/redeem", response_class=HTMLResponse)
async def redeem_invite(request: Request) -> Response:
    """A clinician enters an athlete's invite code: the athlete joins their list."""

    def redeem(form: FormData) -> Response:
        from backstride.service import sharing

        code = _text(form, "code", limit=40)
        sharing.redeem_invite(_store(request), _account(request), code, address=_address(request))
        return _redirect(request, "/", done="redeemed")

    try:
        return await _form(request, redeem)
    except BackstrideError as e:
        if isinstance(e, errors.Refused):
            raise
        page = _athletes_page(request, None, error=e.message, status_code=errors.status_of(e))
        if isinstance(e, ThrottledError):  # too many wrong codes: say when to try again
            page.headers["retry-after"] = str(e.retry_after_s)
        return page


def _notes_page(
    request: Request, *, error: str | None = None, status_code: int = 200, on: date | None = None
) -> Response:
    from backstride.service import notes

    who = subject(request)
    found = notes.list_notes(request.app.state.store, who.access)
    context = {
        "title": "Notes",
        "notes": found,
        "can_note": who.by_clinician,
        "error": error,
        "notice": _notice(request),
        "today": local_today().isoformat(),
    }
    return page(request, "notes.html", context, on=on, status_code=status_code)


@router.get("/notes", response_class=HTMLResponse)
def notes_page(request: Request, on: On = None) -> Response:
    """The clinician's dated notes on the athlete (the athlete sees the notes on them)."""
    return _notes_page(request, on=on)


@router.post("/notes", response_class=HTMLResponse)
async def add_note(request: Request) -> Response:
    def add(form: FormData) -> Response:
        from backstride.service import notes

        who = subject(request)
        raw_day = _text(form, "date", limit=10)
        try:
            day = date.fromisoformat(raw_day) if raw_day else local_today()
            check_record_day(day)
        except ValueError as e:
            raise InputError(f"date {raw_day[:20]!r}: {e}", field="day") from None
        text = _text(form, "text", limit=4000)
        notes.add_note(request.app.state.store, who.access, day, text)
        policy.audit(request, "note", f"note of {day.isoformat()}")
        return _redirect(request, "/notes", **keep_params(request), done="noted")

    return await _form_on_page(request, add, _notes_page)


# -- an admin's accounts -----------------------------------------------------------------------


def _base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _accounts_page(
    request: Request,
    *,
    link: dict[str, str] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    from backstride.service import accounts

    context = {
        "title": "Accounts",
        "accounts": accounts.list_accounts(_store(request)),
        "roles": ROLES,
        "link": link,
        "error": error,
        "notice": _notice(request),
    }
    return page(request, "admin_accounts.html", context, status_code=status_code)


def _issue(request: Request, name: str, purpose: str) -> dict[str, str]:
    from backstride.service import accounts

    token = accounts.issue_link(
        _store(request),
        name,
        cast(Literal["invite", "reset"], purpose),
        by=_account(request),
    )
    url = accounts.link_url(token, _base_url(request))
    return {"name": name, "purpose": purpose, "url": url}


async def _admin_form(request: Request, handle: Callable[[FormData], Response]) -> Response:
    return await _form_on_page(request, handle, _accounts_page)


@router.get("/admin/accounts", response_class=HTMLResponse)
def accounts_page(request: Request) -> Response:
    """Every account (no health data): create, issue an invite or reset link, disable."""
    return _accounts_page(request)


@router.post("/admin/accounts", response_class=HTMLResponse)
async def create_account(request: Request) -> Response:
    """A new account and its invite link, shown on this answer only."""

    def create(form: FormData) -> Response:
        from backstride.service import accounts

        role = _text(form, "role", limit=20)
        if role not in ROLES:
            raise InputError(f"role must be one of {', '.join(ROLES)}", field="role")
        made = accounts.create_account(
            _store(request),
            _text(form, "name", limit=64),
            role,
            display_name=_text(form, "display_name", limit=200) or None,
        )
        return _accounts_page(request, link=_issue(request, made.name, "invite"))

    return await _admin_form(request, create)


AccountName = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")]


@router.post("/admin/accounts/{name}/link", response_class=HTMLResponse)
async def issue_link(request: Request, name: AccountName) -> Response:
    """An invite link (no password yet) or a reset link, shown once."""

    def issue(form: FormData) -> Response:
        from backstride.service import accounts

        found = accounts.get_account(_store(request), name)
        purpose = "reset" if found.has_password else "invite"
        return _accounts_page(request, link=_issue(request, found.name, purpose))

    return await _admin_form(request, issue)


@router.post("/admin/accounts/{name}/disable", response_class=HTMLResponse)
async def disable(request: Request, name: AccountName) -> Response:
    def off(form: FormData) -> Response:
        from backstride.service import accounts

        if name.lower() == _account(request).name:
            raise InputError("you cannot disable your own account")
        accounts.set_disabled(_store(request), name, True)
        return _redirect(request, "/admin/accounts", done="disabled")

    return await _admin_form(request, off)


@router.post("/admin/accounts/{name}/enable", response_class=HTMLResponse)
async def enable(request: Request, name: AccountName) -> Response:
    def on(form: FormData) -> Response:
        from backstride.service import accounts

        accounts.set_disabled(_store(request), name, False)
        return _redirect(request, "/admin/accounts", done="enabled")

    return await _admin_form(request, on)


# -- the clinician report as a job ------------------------------------------------------------


def _form_day(form: FormData, name: str) -> date:
    """A required day of the form, in the range the service judges."""
    raw = _text(form, name, limit=10)
    day = parse_day(raw, name, check_day, field=name)
    if day is None:
        raise InputError(f"{name} {raw!r} is not a date (YYYY-MM-DD)", field=name)
    return day


@router.post("/report", response_class=HTMLResponse)
async def make_report(request: Request) -> Response:
    """The clinician report's PDF, rendered by a worker (it takes a few seconds); the page
    follows the job (``/report?job=ID``) and then links to its download. A clinician's
    report is made from their view of the store, and audited."""

    def make(form: FormData) -> Response:
        who = subject(request)
        job_id = queue.submit_report(request, who, _form_day(form, "from"), _form_day(form, "to"))
        policy.audit(request, "report", f"report job {job_id}")
        return _redirect(request, "/report", **keep_params(request), job=str(job_id))

    return await _form(request, make)


# -- jobs --------------------------------------------------------------------------------------


@api_router.get(
    "/jobs/{job_id}",
    summary="a background job (an upload's import, a sync, a report): state and progress",
)
def job(request: Request, job_id: Annotated[int, Path(ge=1, le=MAX_ID)]) -> dict[str, Any]:
    return queue.job_view(request, subject(request), job_id)


@api_router.get(
    "/jobs/{job_id}/output",
    summary="what a finished job made (the clinician report's PDF), as a download",
    response_class=Response,
)
def job_output(request: Request, job_id: Annotated[int, Path(ge=1, le=MAX_ID)]) -> Response:
    data, media_type = queue.job_output(request, subject(request), job_id)
    name = f"backstride-{job_id}.pdf" if media_type == "application/pdf" else f"job-{job_id}"
    return Response(
        data,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
