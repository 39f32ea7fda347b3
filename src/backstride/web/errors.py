"""The one place where errors become HTTP responses.

API paths (``/api/...``) answer JSON ``{"detail": message, "hint": hint}``; pages answer the
error page with the same one line. An ``InputError`` naming a service ``field`` is told in the
API's words: the route's query or body parameter (``day`` -> ``date``, ``as_of`` -> ``on``),
also as ``"parameter"`` in the JSON; never a CLI flag. Status codes: ``InputError`` 400, a
bad request parameter 422, ``NotFoundError`` 404, an upload over the limit 413, a write
without the dashboard's token 403, too many imports at once 429, a full temporary folder 507,
``ConfigError`` 503; on the clinic server ``AuthenticationError`` 401 (sign in),
``ThrottledError`` 429 (with ``Retry-After``), ``PermissionDeniedError`` 403. Anything else
is a bug: 500 with a generic line (never a traceback to the browser).
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from backstride.errors import (
    AuthenticationError,
    BackstrideError,
    ConfigError,
    InputError,
    NotFoundError,
    PermissionDeniedError,
    ThrottledError,
)
from backstride.web.render import render_error

log = logging.getLogger("backstride.web")


class UploadTooLarge(InputError):
    """An upload bigger than the app's limit (413)."""


class NoSpaceForUpload(InputError):
    """The temporary folder filled up while an upload was saved (507); nothing is kept."""


class Refused(InputError):
    """A write without the dashboard's own token or header, or from another origin (403)."""


class ImportsBusy(InputError):
    """As many imports as the app allows are already running (429)."""


#: Status codes of the web layer's own errors (before the service's).
WEB_STATUS: tuple[tuple[type[InputError], int], ...] = (
    (UploadTooLarge, 413),
    (NoSpaceForUpload, 507),
    (Refused, 403),
    (ImportsBusy, 429),
)


def status_of(error: BackstrideError) -> int:
    for kind, code in WEB_STATUS:
        if isinstance(error, kind):
            return code
    if isinstance(error, ThrottledError):
        return 429
    if isinstance(error, AuthenticationError):
        return 401
    if isinstance(error, PermissionDeniedError):
        return 403
    if isinstance(error, NotFoundError):
        return 404
    if isinstance(error, InputError):
        return 400
    if isinstance(error, ConfigError):
        return 503
    return 400


def validation_message(error: RequestValidationError) -> str:
    """Pydantic's list of problems as one line: "on: Input should be a valid date ..."."""
    parts = []
    for item in error.errors():
        where = [str(p) for p in item.get("loc", ()) if p not in ("query", "body", "path")]
        name = ".".join(where) or "request"
        message = str(item.get("msg", "invalid value")).removeprefix("Value error, ")
        parts.append(f"{name[:40]}: {message}")
    text = "; ".join(parts) or "invalid request"
    return " ".join(text.split())  # one line, whatever names the client sent


#: A service field the API spells differently: field -> the route parameters that carry it
#: (first match wins); otherwise a field is the parameter of the same name.
FIELD_PARAMETERS: dict[str, tuple[str, ...]] = {
    "as_of": ("on",),
    "moment": ("when",),
    "growth_pct": ("growth",),
}


def _route_parameters(request: Request) -> dict[str, str]:
    """The route's parameters: Python name -> the name a client sends (its alias)."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return {}
    names: dict[str, str] = {}
    for param in (*route.dependant.query_params, *route.dependant.path_params):
        names[param.name] = param.alias
    for param in route.dependant.body_params:
        model = param.field_info.annotation
        if isinstance(model, type) and issubclass(model, BaseModel):
            for name, info in model.model_fields.items():
                names[name] = info.alias or name
        else:
            names[param.name] = param.alias
    return names


def parameter_for(request: Request, field: str) -> str | None:
    """How the route of ``request`` spells a service field (None: it has no such one)."""
    names = _route_parameters(request)
    for name in (field, *FIELD_PARAMETERS.get(field, ())):
        if name in names:
            return names[name]
    return None


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def respond(
    request: Request,
    status: int,
    message: str,
    hint: str | None = None,
    *,
    parameter: str | None = None,
) -> Response:
    if wants_json(request):
        body: dict[str, str | None] = {"detail": message, "hint": hint}
        if parameter is not None:
            body["detail"] = f"{parameter}: {message}"
            body["parameter"] = parameter
        return JSONResponse(body, status_code=status)
    return render_error(request, status, message, hint)


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""

    @app.exception_handler(BackstrideError)
    async def backstride_error(request: Request, error: BackstrideError) -> Response:
        field = error.field if isinstance(error, InputError) else None
        parameter = parameter_for(request, field) if field else None
        response = respond(
            request, status_of(error), error.message, error.hint, parameter=parameter
        )
        if isinstance(error, ThrottledError):
            response.headers["retry-after"] = str(error.retry_after_s)
        return response

    @app.exception_handler(RequestValidationError)
    async def bad_parameter(request: Request, error: RequestValidationError) -> Response:
        return respond(request, 422, validation_message(error))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> Response:
        message = error.detail if isinstance(error.detail, str) else "request refused"
        if error.status_code == 404 and message == "Not Found":
            message = f"no page at {request.url.path}"
        if error.status_code == 405:
            message = f"{request.method} is not allowed on {request.url.path}"
        return respond(request, error.status_code, message)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return respond(
            request,
            500,
            f"unexpected error: {type(error).__name__}",
            "please report it with the server's log",
        )
