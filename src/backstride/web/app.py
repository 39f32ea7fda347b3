"""The dashboard application: ``create_app(settings)`` builds the FastAPI app.

The app holds one thing, the opened store (``app.state.store``); every page and API call is
a service call on it, so any number of processes can serve the same database. Errors are
translated once, in :mod:`backstride.web.errors`.

``create_app(settings, clinic=True)`` is the clinic server (``backstride server``, docs/
clinic.md): the same pages and API per signed-in account, behind ``web/sessions.py``
(allowed hosts, session cookie, CSRF) instead of the local guard, every route under its
rule of ``web/policy.py``, the clinic's own pages (``web/clinic.py``), uploads and syncs as
jobs (``web/queue.py``), and HSTS. PostgreSQL only.
"""

from __future__ import annotations

import gc
import hmac
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backstride import __version__
from backstride.config import Settings, load_settings
from backstride.errors import ConfigError
from backstride.service import Store, open_database
from backstride.service.cache import ResultCache
from backstride.web import api, errors, guard, pages, policy, results, sessions, syncs, uploads
from backstride.web.errors import UploadTooLarge
from backstride.web.subject import LOCAL_ATHLETE, Subject

HERE = Path(__file__).resolve().parent
#: Largest upload accepted by the import page and /api/import (a Garmin export can be big).
DEFAULT_MAX_UPLOAD_BYTES = 4 * 1024**3
UPLOAD_PATHS = frozenset({"/api/import", "/import"})
#: Imports running at once; one more is refused (429) before its upload is read.
DEFAULT_MAX_IMPORTS = 2


async def _refuse(send: Send, status: int, message: str) -> None:
    body = json.dumps({"detail": message, "hint": None}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class LocalHostOnly:
    """Refuse requests whose Host header is not this machine's (DNS rebinding: a web page
    elsewhere that points its own name at 127.0.0.1 must not read the runner's data), writes
    from another origin (a form elsewhere posting blind to 127.0.0.1, another port of this
    machine included), and API writes without the dashboard's header or token
    (``web/guard.py``). A page's form is checked for its token once it is read."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.token = token.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = dict(scope["headers"])
            host = guard.host_name(headers.get(b"host", b"").decode("latin-1"))
            if not guard.is_loopback(host):
                await _refuse(
                    send,
                    400,
                    "this dashboard only answers to localhost or 127.0.0.1 (host header refused)",
                )
                return
            problem = guard.write_problem(scope["method"], scope["path"], headers)
            if problem is None and scope["path"].startswith("/api/"):
                problem = self.api_write_problem(scope["method"], headers)
            if problem is not None:
                await _refuse(send, 403, problem)
                return
        await self.app(scope, receive, send)

    def api_write_problem(self, method: str, headers: dict[bytes, bytes]) -> str | None:
        if method in guard.SAFE_METHODS or headers.get(guard.HEADER.encode()) == b"1":
            return None
        token = headers.get(guard.TOKEN_HEADER.encode(), b"")
        if token and hmac.compare_digest(token, self.token):
            return None
        return "write refused: an API write needs the header X-Backstride: 1"


#: The clinic server is only reached over HTTPS (its TLS proxy): browsers are told to keep
#: to it for two years (HSTS), so a later http:// link cannot expose the session cookie.
HSTS = (b"strict-transport-security", b"max-age=63072000; includeSubDomains")

#: Headers on every response: the dashboard loads only its own scripts, cannot be framed
#: (clickjacking), sends no referrer to other sites, and health data is not cached (issue 14).
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (
        b"content-security-policy",
        b"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        b"img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
        b"form-action 'self'; frame-ancestors 'none'",
    ),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
)


class SecurityHeaders:
    """Adds :data:`SECURITY_HEADERS` to every response, and ``Cache-Control: no-store`` to
    every one but the static files (pages and answers carry health data); :data:`HSTS` too
    on the clinic server."""

    def __init__(self, app: ASGIApp, hsts: bool = False) -> None:
        self.app = app
        self.headers = (*SECURITY_HEADERS, HSTS) if hsts else SECURITY_HEADERS

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith("/static/")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                added = [h for h in self.headers if h[0] not in names]
                if not static and b"cache-control" not in names:
                    added.append((b"cache-control", b"no-store"))
                message = {**message, "headers": [*message.get("headers", []), *added]}
            await send(message)

        await self.app(scope, receive, with_headers)


class RedFlagsFirst:
    """Every ``/api`` answer that is a JSON object carries the active red flags first
    (``red_flags``) while there are any, as every page shows them in its banner and every
    CLI ``--json`` object carries them: red flags win on every surface, including routes
    added later. Nothing is added while no red flag is active (``rules/safety.py``).

    The red flags are those of the request's subject (``web/subject.py``: on the clinic
    server the athlete the route served, on its view of the store); a clinic route about no
    athlete (the admin's, the athlete list) gets none."""

    def __init__(
        self, app: ASGIApp, store: Store, cache: ResultCache, clinic: bool = False
    ) -> None:
        self.app = app
        self.store = store
        self.cache = cache
        self.clinic = clinic

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        start: dict[str, Any] = {}
        body = bytearray()

        async def hold_json(message: Message) -> None:
            # Only a JSON answer is held back (it is small); anything else, such as the
            # import's streamed progress, passes through as it comes.
            if message["type"] == "http.response.start":
                headers = dict(message.get("headers", []))
                if headers.get(b"content-type", b"").startswith(b"application/json"):
                    start.update(message)
                    return
            elif start and message["type"] == "http.response.body":
                body.extend(message.get("body", b""))
                if not message.get("more_body", False):
                    await self.send_with_flags(start, bytes(body), send, self.subject_of(scope))
                return
            await send(message)

        await self.app(scope, receive, hold_json)

    def subject_of(self, scope: Scope) -> Subject | None:
        found = scope.get("state", {}).get("subject")
        if isinstance(found, Subject):
            return found
        if self.clinic:
            return None
        return Subject(store=self.store, athlete=LOCAL_ATHLETE, can_write=True)

    async def send_with_flags(
        self, start: dict[str, Any], content: bytes, send: Send, who: Subject | None
    ) -> None:
        if content[:1] == b"{" and who is not None:
            flags = await run_in_threadpool(lambda: results.red_flags_of(self.cache, who))
            if flags:
                value = json.loads(content)
                if "red_flags" not in value:
                    value = {"red_flags": [f.to_json() for f in flags], **value}
                    content = json.dumps(value, ensure_ascii=False).encode()
        headers = [(k, v) for k, v in start.get("headers", []) if k != b"content-length"]
        headers.append((b"content-length", str(len(content)).encode()))
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": content})


#: Results kept by the local dashboard (one athlete) and the clinic server (many).
LOCAL_CACHE_SIZE = 64
CLINIC_CACHE_SIZE = 1024


def create_app(
    settings: Settings,
    *,
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
    max_imports: int = DEFAULT_MAX_IMPORTS,
    cache_size: int | None = None,
    secret: bytes | None = None,
    clinic: bool = False,
    allowed_hosts: frozenset[str] | None = None,
) -> FastAPI:
    """The dashboard over the store ``settings`` name.

    It answers only requests for localhost/127.0.0.1/::1 and accepts only its own writes
    (``web/guard.py``). ``max_imports``: imports at once (one more is refused, 429).
    ``cache_size``: how many results (status, load ...) to keep until their data change
    (0: none) [default: 64; the clinic server 1024, as its athletes' results are kept
    side by side, each until that athlete's data change]. ``secret``: what the forms'
    token is made from [default: ``BACKSTRIDE_WEB_SECRET``, else a new random one].

    ``clinic``: the clinic server instead (see the module's docstring), answering the host
    names ``allowed_hosts`` [default: ``BACKSTRIDE_ALLOWED_HOSTS``]; ``max_imports`` then
    bounds the uploads being received at once (their imports are jobs).
    """
    if clinic:
        from backstride.service import accounts

        if (problem := accounts.clinic_database_problem(settings.database_url)) is not None:
            raise ConfigError(
                problem, hint="pass --db postgresql+psycopg://USER@HOST/DATABASE (docs/clinic.md)"
            )
        hosts = sessions.allowed_hosts() if allowed_hosts is None else allowed_hosts
        if not hosts:
            raise ConfigError(
                "the clinic server answers only the host names it is told: none given",
                hint=f"set {sessions.HOSTS_ENV}=clinic.example.org (docs/clinic.md)",
            )
    store = open_database(settings)
    if cache_size is None:
        cache_size = CLINIC_CACHE_SIZE if clinic else LOCAL_CACHE_SIZE
    cache = ResultCache(store, size=cache_size)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # What start-up allocated (modules, templates, the store) lives as long as the app:
        # moved out of the collector's reach, a full collection in a request stays short.
        gc.freeze()
        yield
        cache.close()
        store.close()

    app = FastAPI(
        title="backstride",
        version=__version__,
        description="Your running, pain diary and plan over backstride's store: the same "
        "objects as the CLI's --json. backstride does not diagnose.",
        lifespan=lifespan,
        docs_url=None,  # Swagger UI loads from a CDN; the dashboard makes no outside requests
        redoc_url=None,
        openapi_url="/api/openapi.json",
        # The clinic server: every route under its rule (web/policy.py), before it runs.
        dependencies=[Depends(policy.enforce)] if clinic else None,
    )
    app.state.clinic = clinic
    app.state.store = store
    app.state.results = cache
    app.state.settings = settings
    app.state.max_upload_bytes = max_upload_bytes
    app.state.imports = uploads.ImportSlots(max_imports)
    app.state.syncs = syncs.SyncJobs()
    app.state.strava_states = set()
    app.state.csrf_token = guard.make_token(secret if secret is not None else guard.app_secret())
    errors.install(app)

    @app.middleware("http")
    async def upload_limit(request: Request, call_next: Any) -> Response:
        # Before the multipart body is read: a 4 GB export is refused at once, not after.
        if request.method == "POST" and request.url.path in UPLOAD_PATHS:
            try:
                uploads.check_length(request.headers.get("content-length"), max_upload_bytes)
            except UploadTooLarge as e:
                return errors.respond(request, 413, e.message, e.hint)
        response: Response = await call_next(request)
        return response

    app.include_router(api.router)
    app.include_router(pages.router)
    if clinic:
        from backstride.web import clinic as clinic_routes

        app.include_router(clinic_routes.api_router)
        app.include_router(clinic_routes.router)
        try:
            policy.check_routes(app)
        except RuntimeError:
            cache.close()
            store.close()
            raise
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.add_middleware(RedFlagsFirst, store=store, cache=cache, clinic=clinic)
    if clinic:
        app.add_middleware(sessions.ClinicGuard, store=store, hosts=hosts)
    else:
        app.add_middleware(LocalHostOnly, token=app.state.csrf_token)
    app.add_middleware(SecurityHeaders, hsts=clinic)  # outermost: refusals carry them too
    return app


def app_from_environment() -> FastAPI:
    """The app for ``uvicorn backstride.web.app:app_from_environment --factory``: settings
    from the environment (``BACKSTRIDE_DATABASE_URL`` ...), as every worker process needs."""
    return create_app(load_settings())


def clinic_app_from_environment() -> FastAPI:
    """The clinic server for ``backstride server`` (uvicorn ``--factory``, each worker
    process): settings and ``BACKSTRIDE_ALLOWED_HOSTS`` from the environment."""
    return create_app(load_settings(), clinic=True)
