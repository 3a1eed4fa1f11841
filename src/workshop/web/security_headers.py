"""Security headers on every response, and Streamlit's metrics endpoint off.

- ``X-Content-Type-Options: nosniff`` everywhere;
- on HTML pages (their URL may carry a facilitator or presenter key):
  ``X-Frame-Options: DENY``, ``Content-Security-Policy: frame-ancestors 'none'``
  (no other site can frame a page and trick a click) and ``Referrer-Policy:
  no-referrer`` (a key in the URL never leaves in a Referer header);
- on the phone's join page (``/join``) a strict Content-Security-Policy: nothing but
  this server's own script, stylesheet and requests, nothing inline, no plugins, no
  other origins, no base or form retargeting;
- ``/_stcore/metrics`` answers 404 unless ``WORKSHOP_METRICS=1``: it tells anyone how
  busy the server is and what it runs.

Pure ASGI, so websockets and streamed responses pass untouched.
"""

from __future__ import annotations

import os

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

METRICS_PATH = "/_stcore/metrics"
PAGE_HEADERS = {
    "x-frame-options": "DENY",
    "content-security-policy": "frame-ancestors 'none'",
    "referrer-policy": "no-referrer",
}


JOIN_PATH = "/join"
# The phone page is this server's own small HTML (web/phone_html.py): its script and
# stylesheet are files from here, it talks only to here, and nothing runs inline.
JOIN_PAGE_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)


def metrics_enabled() -> bool:
    return os.environ.get("WORKSHOP_METRICS", "").strip().lower() in ("1", "true", "yes")


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope.get("path", "").rstrip("/").endswith(METRICS_PATH) and not metrics_enabled():
            await send(
                {
                    "type": "http.response.start",
                    "status": 404,
                    "headers": [(b"content-type", b"text/plain; charset=utf-8")],
                }
            )
            await send({"type": "http.response.body", "body": b"Not found.\n"})
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["x-content-type-options"] = "nosniff"
                if headers.get("content-type", "").lower().startswith("text/html"):
                    for name, value in PAGE_HEADERS.items():
                        headers[name] = value
                    if scope.get("path", "").rstrip("/") == JOIN_PATH:
                        headers["content-security-policy"] = JOIN_PAGE_POLICY
            await send(message)

        await self.app(scope, receive, send_with_headers)
