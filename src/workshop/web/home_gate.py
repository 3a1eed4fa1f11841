"""``/`` from another device, without an admin password: straight to the join page.

Without ``WORKSHOP_ADMIN_PASSWORD`` only the laptop itself facilitates (``ui/home.py``
draws nothing else for anyone). A participant who shortens the QR address to ``/`` would
otherwise download the facilitator's whole Streamlit frontend to be told so; a redirect
to ``/join`` (a few KB) answers first. Requests through a proxy never count as the
laptop (``addresses.is_loopback``). Pure ASGI: websockets and streams pass untouched.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from ..addresses import is_loopback
from .context import web_settings
from .scope import scope_headers

JOIN_PATH = "/join"


class HomeGateMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope.get("method") in ("GET", "HEAD")
            and scope.get("path") == "/"
            and not web_settings().admin_password
        ):
            headers = scope_headers(scope)
            peer = scope.get("client")
            if not is_loopback(peer[0] if peer else None, headers):
                await send(
                    {
                        "type": "http.response.start",
                        "status": 303,
                        "headers": [
                            (b"location", JOIN_PATH.encode()),
                            (b"cache-control", b"no-store"),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": b""})
                return
        await self.app(scope, receive, send)
