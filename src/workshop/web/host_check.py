"""Requests must name this server in their ``Host`` header (against DNS rebinding).

A page on the room's network could point a name it controls at this laptop's address
and then script requests to it from a participant's browser, with that name in the
``Host`` header. So a request is answered only when its host is one of: loopback
(``localhost``, ``127.x.x.x``, ``::1``), one of this machine's own interface addresses,
the host of ``WORKSHOP_PUBLIC_URL``, or a name listed in ``WORKSHOP_ALLOWED_HOSTS``
(``*`` there turns the check off). Anything else gets a plain ``400`` (a websocket is
closed), whatever the path. Pure ASGI.
"""

from __future__ import annotations

import ipaddress
import time
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send

from ..joining import list_ipv4_addresses
from .context import web_settings

REFUSED = (
    b"This server does not answer to that address. Open it with the address shown on "
    b"the projector.\n"
)
_ADDRESSES_SECONDS = 60.0  # this machine's addresses are read again at most this often


def host_of(header: str) -> str:
    """``Example.org:8501`` -> ``example.org``; ``[::1]:8501`` -> ``::1``."""
    value = header.strip().lower()
    if value.startswith("["):
        return value[1 : value.find("]")] if "]" in value else value
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


def is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class HostCheckMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._own: frozenset[str] = frozenset()
        self._own_read_at = -_ADDRESSES_SECONDS

    def own_addresses(self) -> frozenset[str]:
        now = time.monotonic()
        if now - self._own_read_at >= _ADDRESSES_SECONDS:
            self._own = frozenset(a.address for a in list_ipv4_addresses())
            self._own_read_at = now
        return self._own

    def allowed(self, host: str) -> bool:
        settings = web_settings()
        if "*" in settings.allowed_hosts or is_loopback(host):
            return True
        named = {h.lower() for h in settings.allowed_hosts}
        if settings.public_url:
            named.add((urlsplit(settings.public_url).hostname or "").lower())
        return host in named or host in self.own_addresses()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        header = next((v for k, v in scope["headers"] if k == b"host"), b"")
        if self.allowed(host_of(header.decode("latin-1"))):
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        await send(
            {
                "type": "http.response.start",
                "status": 400,
                "headers": [(b"content-type", b"text/plain; charset=utf-8")],
            }
        )
        await send({"type": "http.response.body", "body": REFUSED})
