"""The clinic server's front door (``backstride server``): which hosts it answers, who is
signed in, and which writes it accepts. The local dashboard's is ``app.LocalHostOnly``.

- **Hosts**: only the names in ``BACKSTRIDE_ALLOWED_HOSTS`` (comma-separated, e.g.
  ``clinic.example.org``) are answered; others get 400 (a rebound or mistyped name).
- **Sessions**: the cookie :data:`COOKIE` (``__Host-`` prefix: Secure, Path=/, no Domain;
  HttpOnly, SameSite=Lax so a link from a mail keeps you signed in) holds a random token;
  ``service.accounts.session_of`` turns it into the account (only its SHA-256 is stored).
  Anonymous requests get 303 to ``/login`` (pages) or 401 (``/api``), except the sign-in
  page, the password-link page and the static files (:data:`PUBLIC_PATHS`).
- **Writes** (any method but GET/HEAD/OPTIONS) must come from the server's own origin
  (scheme, host and port of the request; ``Sec-Fetch-Site`` same-origin or none) and carry
  the session's CSRF token: an API write as ``X-CSRF-Token`` (checked here), a form as the
  field ``csrf_token`` (checked by ``guard.check_form`` once the form is read). Before
  sign-in the forms carry the token of :data:`FORM_COOKIE` (double submit), so a page
  elsewhere cannot sign a browser in to the attacker's account either.
"""

from __future__ import annotations

import hmac
import json
import os
import secrets
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from backstride.service import Store
from backstride.web import guard

#: The session cookie. ``__Host-`` makes browsers refuse it unless Secure, Path=/, no Domain.
COOKIE = "__Host-backstride"
#: The sign-in form's own token before there is a session (double submit).
FORM_COOKIE = "__Host-backstride-form"
#: The cookie's lifetime: the sessions' absolute limit (``service.accounts``: 7 days).
COOKIE_MAX_AGE_S = 7 * 24 * 3600
#: Host names the clinic server answers to (comma-separated).
HOSTS_ENV = "BACKSTRIDE_ALLOWED_HOSTS"
#: What anonymous requests may reach.
PUBLIC_PATHS = frozenset({"/login", "/account/password"})
PUBLIC_PREFIXES = ("/static/",)


def allowed_hosts(environ: dict[str, str] | None = None) -> frozenset[str]:
    """The host names of ``BACKSTRIDE_ALLOWED_HOSTS``, lower case, without ports.

    >>> sorted(allowed_hosts({"BACKSTRIDE_ALLOWED_HOSTS": "Clinic.example.org, [::1]:8443"}))
    ['::1', 'clinic.example.org']
    """
    value = (os.environ if environ is None else environ).get(HOSTS_ENV, "")
    return frozenset(guard.host_name(h) for h in value.split(",") if h.strip())


def is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


def own_origin_problem(origin: str, scheme: str, host_header: str) -> str | None:
    """Why a write with this ``Origin`` is not the server's own (None: it is): scheme, host
    and port must be the request's own.

    >>> own_origin_problem("https://clinic.example.org", "https", "clinic.example.org")
    >>> own_origin_problem("https://evil.example", "https", "clinic.example.org")
    'cross-site request refused (Origin is another site)'
    >>> own_origin_problem("http://clinic.example.org", "https", "clinic.example.org")
    'cross-site request refused (Origin is another site)'
    """
    default = 443 if scheme == "https" else 80
    o_scheme, sep, rest = origin.strip().lower().partition("://")
    o_host, o_port = guard.split_host(rest, 443 if o_scheme == "https" else 80)
    host, port = guard.split_host(host_header, default)
    if not sep or "/" in rest or (o_scheme, o_host, o_port) != (scheme, host, port):
        return "cross-site request refused (Origin is another site)"
    return None


def cookie_of(headers: dict[bytes, bytes], name: str) -> str | None:
    """One cookie's value from the Cookie header (the first of that name)."""
    raw = headers.get(b"cookie", b"").decode("latin-1")
    for part in raw.split(";"):
        key, sep, value = part.strip().partition("=")
        if sep and key == name:
            return value.strip().strip('"')
    return None


def set_session_cookie(response: Response, token: str) -> None:
    response.set_cookie(
        COOKIE,
        token,
        max_age=COOKIE_MAX_AGE_S,
        path="/",
        secure=True,
        httponly=True,
        samesite="lax",
    )


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(COOKIE, path="/", secure=True, httponly=True, samesite="lax")


def new_form_token(response: Response) -> str:
    """A token for the forms of a page shown before sign-in, and its cookie."""
    token = secrets.token_urlsafe(32)
    response.set_cookie(FORM_COOKIE, token, path="/", secure=True, httponly=True, samesite="strict")
    return token


async def _answer(
    send: Send, status: int, body: dict[str, Any] | None, headers: list[tuple[bytes, bytes]]
) -> None:
    content = b"" if body is None else json.dumps(body).encode()
    all_headers = [*headers, (b"content-length", str(len(content)).encode())]
    if body is not None:
        all_headers.append((b"content-type", b"application/json"))
    await send({"type": "http.response.start", "status": status, "headers": all_headers})
    await send({"type": "http.response.body", "body": content})


class ClinicGuard:
    """Hosts, sessions and writes of the clinic server (see the module's docstring).

    It leaves in ``scope["state"]`` (``request.state``): ``account`` (the signed-in
    ``model.Account``, or None), ``csrf_token`` (what this request's forms must carry) and
    ``session_token`` (the cookie's value, to end the session on sign-out)."""

    def __init__(self, app: ASGIApp, store: Store, hosts: frozenset[str]) -> None:
        self.app = app
        self.store = store
        self.hosts = hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        host_header = headers.get(b"host", b"").decode("latin-1")
        if guard.host_name(host_header) not in self.hosts:
            await _refuse(send, 400, "this server does not answer to that host name")
            return
        method, path = scope["method"], scope["path"]
        write = method not in guard.SAFE_METHODS
        if path.startswith(PUBLIC_PREFIXES) and not write:
            await self.app(scope, receive, send)  # static files: no session to look up
            return
        if write and (problem := self.origin_problem(scope, headers, host_header)):
            await _refuse(send, 403, problem)
            return
        state = scope.setdefault("state", {})
        state["account"] = None
        state["session_token"] = None
        state["csrf_token"] = cookie_of(headers, FORM_COOKIE) or ""
        token = cookie_of(headers, COOKIE)
        if token:
            signed_in = await run_in_threadpool(_session_of, self.store, token)
            if signed_in is not None:
                state["account"] = signed_in.account
                state["csrf_token"] = signed_in.csrf_token
                state["session_token"] = token
        if state["account"] is None and not is_public(path):
            if path.startswith("/api/") or path == "/api":
                await _answer(
                    send,
                    401,
                    {"detail": "sign in first", "hint": "POST the sign-in form at /login"},
                    [(b"www-authenticate", b'Cookie realm="backstride"')],
                )
            else:
                await _answer(send, 303, None, [(b"location", b"/login")])
            return
        if write and path.startswith("/api/"):
            sent = headers.get(guard.TOKEN_HEADER.encode(), b"").decode("latin-1")
            expected = str(state["csrf_token"])
            if not (sent and expected and hmac.compare_digest(sent, expected)):
                await _refuse(
                    send, 403, "write refused: an API write needs the session's X-CSRF-Token"
                )
                return
        await self.app(scope, receive, send)

    @staticmethod
    def origin_problem(scope: Scope, headers: dict[bytes, bytes], host: str) -> str | None:
        origin = headers.get(b"origin")
        if origin is not None:
            scheme = str(scope.get("scheme", "http"))
            problem = own_origin_problem(origin.decode("latin-1"), scheme, host)
            if problem:
                return problem
        fetch_site = headers.get(b"sec-fetch-site", b"").decode("latin-1").lower()
        if fetch_site and fetch_site not in ("same-origin", "none"):
            return f"cross-site request refused (Sec-Fetch-Site: {fetch_site[:20]})"
        return None


def _session_of(store: Store, token: str) -> Any:
    from backstride.service import accounts

    return accounts.session_of(store, token)


async def _refuse(send: Send, status: int, message: str) -> None:
    await _answer(send, status, {"detail": message, "hint": None}, [])
