"""No client can exhaust the server: limits on TCP connections, below Streamlit.

Streamlit 1.67 serves ``st.App`` with uvicorn's h11 protocol, which has no deadline for
a connection that never sends a request (nor one that sends it a byte at a time), and
no cap per client: 1,030 silent sockets from one device used up the 1,024 open files and
froze every phone. ``GuardedH11Protocol`` adds, per connection:

- a read deadline: the request's headers and body must arrive within
  ``read_seconds`` of the connection (or of the previous response), else it is closed;
- a cap per client address and in total, sized from the open-file limit; beyond it the
  connection gets ``503`` with ``Retry-After`` at once and is closed, never a hang.

Addresses live in memory only (a set of open transports per address), never stored or
logged. ``install`` hands the protocol to uvicorn; see ``server.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import resource
import socket
from dataclasses import dataclass
from typing import Any

import h11
import uvicorn
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware
from uvicorn.protocols.http.h11_impl import H11Protocol

RESERVED_FILES = 128  # for the database, logs, templates and the like
RETRY_AFTER_SECONDS = 5
BUSY_REPLY = (
    b"HTTP/1.1 503 Service Unavailable\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"Retry-After: %d\r\n"
    b"Connection: close\r\n"
    b"Content-Length: %d\r\n\r\n%s"
)
BUSY_TEXT = b"The server is busy right now. Please try again in a few seconds.\n"


def raise_open_file_limit() -> int:
    """Raise this process's soft open-file limit to the hard one; return the soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        target = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):  # not allowed here: keep the limit we have
            pass
    return soft


# A stopping server waits this long for open responses (phones' event streams last up to a
# minute), then closes them: the browsers reconnect to the next process on their own.
SHUTDOWN_GRACE_SECONDS = 3.0


@dataclass(frozen=True, slots=True)
class ConnectionLimits:
    max_total: int
    max_per_address: int
    read_seconds: float
    keep_alive_seconds: float

    @classmethod
    def sized_from(
        cls,
        open_files: int,
        *,
        max_total: int = 0,
        max_per_address: int = 0,
        read_seconds: float = 10.0,
        keep_alive_seconds: float = 5.0,
    ) -> ConnectionLimits:
        """0 means "from the open-file limit": all but a reserve, a quarter per address."""
        total = max_total or max(64, open_files - RESERVED_FILES)
        per_address = max_per_address or max(32, total // 4)
        return cls(total, min(per_address, total), read_seconds, keep_alive_seconds)


class ConnectionLedger:
    """Open connections per client address (closed ones are pruned lazily)."""

    def __init__(self) -> None:
        self._by_address: dict[str, set[asyncio.BaseTransport]] = {}
        self._all: set[asyncio.BaseTransport] = set()

    @staticmethod
    def _prune(transports: set[asyncio.BaseTransport]) -> None:
        transports.difference_update([t for t in transports if t.is_closing()])

    def admit(
        self, address: str, transport: asyncio.BaseTransport, limits: ConnectionLimits
    ) -> bool:
        if len(self._all) >= limits.max_total:
            self._prune(self._all)
            for key, transports in list(self._by_address.items()):
                self._prune(transports)
                if not transports:
                    del self._by_address[key]
            if len(self._all) >= limits.max_total:
                return False
        mine = self._by_address.setdefault(address, set())
        if len(mine) >= limits.max_per_address:
            self._prune(mine)
            if len(mine) >= limits.max_per_address:
                return False
        mine.add(transport)
        self._all.add(transport)
        return True

    def open_count(self, address: str) -> int:
        return sum(1 for t in self._by_address.get(address, ()) if not t.is_closing())


LEDGER = ConnectionLedger()


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a read deadline and connection caps (see above)."""

    limits = ConnectionLimits.sized_from(1024)
    trusted_proxies: tuple[str, ...] = ()

    def __init__(self, config: Any, *args: Any, **kwargs: Any) -> None:
        _drop_uvicorn_proxy_headers(config)
        super().__init__(config, *args, **kwargs)
        self._read_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        _send_without_delay(transport)
        address = self.client[0] if self.client else "unknown"
        limits = self.limits
        if address in self.trusted_proxies:  # the proxy carries every client: total only
            limits = ConnectionLimits(
                limits.max_total, limits.max_total, limits.read_seconds, limits.keep_alive_seconds
            )
        if not LEDGER.admit(address, transport, limits):
            body = BUSY_TEXT
            transport.write(BUSY_REPLY % (RETRY_AFTER_SECONDS, len(body), body))
            transport.close()
            return
        self._arm_read_deadline()

    def _arm_read_deadline(self) -> None:
        self._cancel_read_deadline()
        self._read_deadline = self.loop.call_later(self.limits.read_seconds, self._read_too_slow)

    def _cancel_read_deadline(self) -> None:
        if self._read_deadline is not None:
            self._read_deadline.cancel()
            self._read_deadline = None

    def _request_read(self) -> bool:
        return self.conn.their_state in (h11.DONE, h11.MUST_CLOSE)

    def _read_too_slow(self) -> None:
        self._read_deadline = None
        if self.transport.get_protocol() is not self:  # upgraded to a websocket meanwhile
            return
        if self._request_read() or self.transport.is_closing():
            return
        self.transport.close()  # headers or body still incomplete: a slow or silent client

    def handle_events(self) -> None:
        super().handle_events()
        if self._read_deadline is not None and (
            self._request_read() or self.transport.get_protocol() is not self
        ):
            self._cancel_read_deadline()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and self.conn.their_state is h11.IDLE:
            self._arm_read_deadline()  # the next request on this connection, if any

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_read_deadline()
        super().connection_lost(exc)


def _send_without_delay(transport: asyncio.BaseTransport) -> None:
    """Turn Nagle's algorithm off for this connection (TCP_NODELAY).

    uvicorn writes a response's headers and body in separate writes. asyncio sets
    TCP_NODELAY only on sockets whose ``proto`` is IPPROTO_TCP, and Streamlit's listening
    socket is made with ``proto`` 0, so without this the body waited for the client's
    delayed ACK: ~40 ms on every response of a reused connection (measured: a phone's
    answer on keep-alive 44 ms -> ~1 ms).
    """
    sock = transport.get_extra_info("socket")
    if sock is None or sock.family not in (socket.AF_INET, socket.AF_INET6):
        return
    with contextlib.suppress(OSError):  # the client is already gone: nothing to speed up
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def _drop_uvicorn_proxy_headers(config: Any) -> None:
    """uvicorn believes X-Forwarded-For from 127.0.0.1 by default; workshop decides that
    itself (``WORKSHOP_TRUSTED_PROXIES``, see ``workshop.addresses``), so the app must
    see the real peer."""
    if isinstance(config.loaded_app, ProxyHeadersMiddleware):
        config.loaded_app = config.loaded_app.app


def install(limits: ConnectionLimits, trusted_proxies: tuple[str, ...]) -> None:
    """Make every uvicorn server this process starts use ``GuardedH11Protocol``.

    Streamlit builds uvicorn's ``Config`` itself (no option for these), and imports
    server.py from inside ``Config.load``; the protocol class and keep-alive are read
    again when the server starts listening, so they are set there.
    """
    GuardedH11Protocol.limits = limits
    GuardedH11Protocol.trusted_proxies = trusted_proxies
    if getattr(uvicorn.Server.startup, "_workshop_guarded", False):
        return
    original = uvicorn.Server.startup

    async def startup(self: uvicorn.Server, sockets: Any = None) -> None:
        self.config.http_protocol_class = GuardedH11Protocol
        self.config.timeout_keep_alive = limits.keep_alive_seconds  # type: ignore[assignment]
        self.config.timeout_graceful_shutdown = SHUTDOWN_GRACE_SECONDS  # type: ignore[assignment]
        await original(self, sockets=sockets)

    startup._workshop_guarded = True  # type: ignore[attr-defined]
    uvicorn.Server.startup = startup  # type: ignore[method-assign]
