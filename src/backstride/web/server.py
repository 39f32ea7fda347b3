"""uvicorn's HTTP/1.1 protocol with deadlines for slow clients (issue 14: slowloris).

uvicorn closes an idle connection between requests (``timeout_keep_alive``) but waits for
ever on a request whose headers or body trickle in. :class:`DeadlineH11Protocol` adds two
deadlines while the server waits on the client: the whole request head must arrive within
:data:`HEAD_TIMEOUT_S` of the connection (or of the previous response), and a body may not
stall for more than :data:`BODY_IDLE_TIMEOUT_S`; past either, the connection is closed.
While the app works on a response (an import that takes minutes) no deadline runs.
``backstride serve`` names it to uvicorn by import path (``http=``), as it names the app.
"""

from __future__ import annotations

import asyncio

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

#: Seconds a client has to send a request's whole head (request line and headers).
HEAD_TIMEOUT_S = 10.0
#: Seconds a request body may stall before the connection is closed.
BODY_IDLE_TIMEOUT_S = 30.0


class DeadlineH11Protocol(H11Protocol):
    """H11Protocol closing connections whose request head or body is too slow."""

    head_timeout_s = HEAD_TIMEOUT_S
    body_idle_timeout_s = BODY_IDLE_TIMEOUT_S
    _deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm(self.head_timeout_s)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self._follow()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._follow()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _follow(self) -> None:
        """Arm the deadline that fits what the server waits for now."""
        state = self.conn.their_state
        if state is h11.SEND_BODY:
            self._arm(self.body_idle_timeout_s)  # each piece of body restarts it
        elif state is h11.IDLE and self.conn.our_state is h11.IDLE:
            if self._deadline is None:  # the next head: one deadline from its first byte
                self._arm(self.head_timeout_s)
        else:
            self._disarm()  # the request is in: the app's turn, no deadline

    def _arm(self, seconds: float) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(seconds, self._expired)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expired(self) -> None:
        self._deadline = None
        waiting = self.conn.their_state in (h11.IDLE, h11.SEND_BODY)
        if waiting and not self.transport.is_closing():
            self.transport.close()
