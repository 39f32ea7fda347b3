"""Which requests the dashboard answers, and which writes it accepts (issue 14).

There is no login: the dashboard only listens on this machine (``backstride serve``
refuses any other address). What is left are web pages elsewhere that the runner's own
browser opens:

- **DNS rebinding**: only a ``Host`` of localhost, 127.x.x.x or [::1] is answered.
- **Cross-site writes**: a POST (any method but GET/HEAD/OPTIONS) must come from the
  dashboard's own origin. An ``Origin`` naming anything else is refused, including another
  port on this machine (another loopback port is another site); so is a browser's
  ``Sec-Fetch-Site`` saying ``cross-site`` or ``same-site``. Then every write carries proof
  that it came from the dashboard itself: a form its token (:data:`TOKEN_FIELD`, rendered
  into every form from a secret of the app), a script the header ``X-Backstride: 1`` (a
  form on another site cannot send a header, and a script there would need a CORS
  preflight the dashboard never grants) or the token as ``X-CSRF-Token``.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import os
import secrets

from starlette.datastructures import FormData
from starlette.requests import Request

from backstride.web.errors import Refused
from backstride.web.subject import token_of

#: A script's proof that it is the dashboard's own (fetch from another origin cannot send
#: it without a CORS preflight, which is never granted).
HEADER = "x-backstride"
TOKEN_HEADER = "x-csrf-token"
TOKEN_FIELD = "csrf_token"
#: A fixed secret for several worker processes behind one address (hex, 32 bytes or more);
#: otherwise each app makes its own when it starts.
SECRET_ENV = "BACKSTRIDE_WEB_SECRET"
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def app_secret(environ: dict[str, str] | None = None) -> bytes:
    """The secret forms' tokens are made from: ``BACKSTRIDE_WEB_SECRET`` or a new random one."""
    value = (os.environ if environ is None else environ).get(SECRET_ENV, "").strip()
    if value:
        try:
            secret = bytes.fromhex(value)
        except ValueError:
            secret = b""
        if len(secret) < 16:
            raise ValueError(f"{SECRET_ENV} must be at least 32 hex digits")
        return secret
    return secrets.token_bytes(32)


def make_token(secret: bytes) -> str:
    """The token every form of this app carries (the same for all: there are no sessions)."""
    return hmac.new(secret, b"backstride form token v1", hashlib.sha256).hexdigest()


def token_ok(request: Request, value: str | None) -> bool:
    expected = token_of(request)
    return (
        bool(value)
        and bool(expected)
        and hmac.compare_digest(str(value).encode(), expected.encode())
    )


def has_proof_header(request: Request) -> bool:
    """The request carries the token as ``X-CSRF-Token``, or (local dashboard only: there
    are no sessions) ``X-Backstride: 1``."""
    if token_ok(request, request.headers.get(TOKEN_HEADER)):
        return True
    clinic = getattr(request.app.state, "clinic", False)
    return not clinic and request.headers.get(HEADER) == "1"


def check_form(request: Request, form: FormData) -> None:
    """A page's form post must carry the token (or the header): else :class:`Refused`."""
    if has_proof_header(request):
        return
    value = form.get(TOKEN_FIELD)
    if not isinstance(value, str) or not token_ok(request, value):
        raise Refused(
            "write refused: the form's token is missing or out of date",
            hint="reload the page and try again",
        )


def is_loopback(host: str) -> bool:
    """True for an address only this machine can reach (never a name like 127.0.0.1.evil.com).

    >>> [is_loopback(h) for h in ("localhost", "127.0.0.2", "::1", "127.0.0.1.example", "")]
    [True, True, True, False, False]
    """
    if host in LOCAL_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def split_host(header: str, default_port: int = 80) -> tuple[str, int | None]:
    """A Host header's (or an origin's netloc) host and port; port None when unreadable.

    >>> split_host("[::1]:8000"), split_host("localhost"), split_host("127.0.0.1:x")
    (('::1', 8000), ('localhost', 80), ('127.0.0.1', None))
    """
    value = header.strip().lower()
    if value.startswith("["):
        end = value.find("]")
        if end < 0:
            return value, None
        host, rest = value[1:end], value[end + 1 :]
    elif value.count(":") == 1:
        host, _, port = value.partition(":")
        rest = ":" + port
    else:
        host, rest = value, ""
    if not rest:
        return host, default_port
    port_text = rest.removeprefix(":")
    if not port_text.isdigit() or rest[:1] != ":" or not 0 < int(port_text) < 65536:
        return host, None
    return host, int(port_text)


def host_name(header: str) -> str:
    """The host of a Host header without its port ("[::1]:8000" -> "::1")."""
    return split_host(header)[0]


def origin_problem(origin: str, host_header: str) -> str | None:
    """Why a write with this ``Origin`` is not the dashboard's own (None: it is).

    >>> origin_problem("http://127.0.0.1:8000", "127.0.0.1:8000") is None
    True
    >>> origin_problem("http://localhost:8000", "127.0.0.1:8000") is None
    True
    >>> origin_problem("http://127.0.0.1:9999", "127.0.0.1:8000")
    'cross-site request refused (Origin is another port of this machine)'
    >>> origin_problem("null", "127.0.0.1:8000")
    'cross-site request refused (Origin is not local)'
    """
    scheme, sep, rest = origin.strip().lower().partition("://")
    host, port = split_host(rest, 443 if scheme == "https" else 80)
    if not sep or scheme != "http" or not is_loopback(host) or "/" in rest:
        return "cross-site request refused (Origin is not local)"
    if port is None or port != split_host(host_header)[1]:
        return "cross-site request refused (Origin is another port of this machine)"
    return None


def write_problem(method: str, path: str, headers: dict[bytes, bytes]) -> str | None:
    """Why a write is refused before it is read (None: go on; a page's form is checked for
    its token once it is read)."""
    if method in SAFE_METHODS:
        return None
    origin = headers.get(b"origin")
    if origin is not None:
        problem = origin_problem(origin.decode("latin-1"), headers.get(b"host", b"").decode())
        if problem:
            return problem
    fetch_site = headers.get(b"sec-fetch-site", b"").decode("latin-1").lower()
    if fetch_site and fetch_site not in ("same-origin", "none"):
        return f"cross-site request refused (Sec-Fetch-Site: {fetch_site[:20]})"
    return None
