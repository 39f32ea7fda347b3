"""The loopback redirect of Strava's authorization-code flow: a one-shot HTTP listener on
127.0.0.1 that catches the ``code`` (and ``scope`` and ``state``) Strava's authorization
page sends the browser back with (RFC 8252 §7.3). It answers that one request with a short
page and stops; it listens on the loopback address only, so nothing else can reach it.
"""

from __future__ import annotations

import html
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlsplit

from backstride.sync.errors import AccessError


@dataclass(frozen=True)
class Redirect:
    """What the browser brought back."""

    code: str | None
    scope: str
    state: str | None
    error: str | None


class LoopbackListener:
    """``with LoopbackListener() as listener:`` then ``listener.redirect_uri`` for the
    authorization URL and ``listener.wait(timeout)`` for the redirect."""

    def __init__(self, port: int = 0) -> None:
        self._caught: list[Redirect] = []
        self._done = threading.Event()
        caught, done = self._caught, self._done

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                query = parse_qs(urlsplit(self.path).query)
                if not ({"code", "error"} & set(query)):
                    self.send_response(404)
                    self.end_headers()
                    return

                def one(key: str) -> str | None:
                    return query.get(key, [None])[0]

                redirect = Redirect(one("code"), one("scope") or "", one("state"), one("error"))
                words = (
                    "backstride is connected to Strava. You can close this tab."
                    if redirect.code
                    else f"Strava said: {redirect.error}. Nothing was connected."
                )
                body = f"<!doctype html><title>backstride</title><p>{html.escape(words)}</p>"
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write(body.encode())
                if not caught:
                    caught.append(redirect)
                done.set()

            def log_message(self, format: str, *args: object) -> None:
                pass  # no request lines on the runner's terminal

        self._server = HTTPServer(("127.0.0.1", port), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def redirect_uri(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/"

    def __enter__(self) -> LoopbackListener:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def wait(self, timeout: float) -> Redirect:
        """The redirect, or an :class:`AccessError` after ``timeout`` seconds."""
        if not self._done.wait(timeout):
            raise AccessError(
                f"no answer from Strava's authorization page within {timeout:.0f} s",
                hint="run `backstride strava connect` again and approve in the browser",
            )
        return self._caught[0]
