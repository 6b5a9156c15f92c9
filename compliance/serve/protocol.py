"""uvicorn's HTTP/1.1 protocol (h11) with two things it lacks: a deadline for a request's headers, so a client that
connects and sends them a byte at a time (or never) is disconnected instead of holding a connection for ever, and
the security headers on the plain 400 it answers a malformed request with (which never reaches the application).
"""

from __future__ import annotations

import asyncio
import logging

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

log = logging.getLogger("compliance.serve")

HEADER_SECONDS = 10.0
SECURITY_HEADERS = [
    (b"content-security-policy", b"default-src 'none'; base-uri 'none'; form-action 'self'; "
                                 b"frame-ancestors 'none'; sandbox"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cache-control", b"no-store"),
]


class GuardedH11Protocol(H11Protocol):
    header_seconds = HEADER_SECONDS
    header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        self._await_headers()

    def connection_lost(self, exc) -> None:
        self._stop_waiting()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self.header_timer is None and (self.cycle is None or self.cycle.response_complete):
            self._await_headers()  # the next request on a kept-alive connection has begun: the same deadline
        super().data_received(data)

    def handle_events(self) -> None:
        cycle = self.cycle
        super().handle_events()
        if self.cycle is not cycle:  # a request's headers have all arrived
            self._stop_waiting()

    def _await_headers(self) -> None:
        self._stop_waiting()
        self.header_timer = self.loop.call_later(self.header_seconds, self._too_slow)

    def _stop_waiting(self) -> None:
        if self.header_timer is not None:
            self.header_timer.cancel()
            self.header_timer = None

    def _too_slow(self) -> None:
        self.header_timer = None
        if not self.transport.is_closing():
            client = self.client[0] if self.client else "?"
            log.warning("headers not complete within %g s from %s: disconnected", self.header_seconds, client)
            self.transport.close()

    def send_400_response(self, msg: str) -> None:
        """uvicorn's own answer (and its one log line, said before this is called), with the security headers."""
        headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"connection", b"close"), *SECURITY_HEADERS]
        for event in (h11.Response(status_code=400, headers=headers, reason=b"Bad Request"),
                      h11.Data(data=msg.encode("ascii")), h11.EndOfMessage()):
            try:
                self.transport.write(self.conn.send(event))
            except h11.LocalProtocolError:  # a response had begun already: nothing more can be said on it
                break
        self.transport.close()


def protocol(header_seconds: float = HEADER_SECONDS) -> type[GuardedH11Protocol]:
    return type("GuardedH11Protocol", (GuardedH11Protocol,), {"header_seconds": header_seconds})
