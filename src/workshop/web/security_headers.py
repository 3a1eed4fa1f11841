"""Security headers on every response, and Streamlit's metrics endpoint off.

- ``X-Content-Type-Options: nosniff`` everywhere;
- on HTML pages (their URL may carry a facilitator or presenter key):
  ``X-Frame-Options: DENY``, ``Content-Security-Policy: frame-ancestors 'none'``
  (no other site can frame a page and trick a click) and ``Referrer-Policy:
  no-referrer`` (a key in the URL never leaves in a Referer header);
- on the phone's join page (``/join``) a full Content-Security-Policy, as strict as
  Streamlit's frontend allows: scripts only from this server (plus the one inline
  script of Streamlit's ``index.html``, allowed by its hash, and the components' blob
  modules), no plugins, no other origins for anything, no base or form retargeting;
- ``/_stcore/metrics`` answers 404 unless ``WORKSHOP_METRICS=1``: it tells anyone how
  busy the server is and what it runs.

Pure ASGI, so websockets and streamed responses pass untouched.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import sys
from functools import lru_cache
from pathlib import Path

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

METRICS_PATH = "/_stcore/metrics"
PAGE_HEADERS = {
    "x-frame-options": "DENY",
    "content-security-policy": "frame-ancestors 'none'",
    "referrer-policy": "no-referrer",
}


JOIN_PATH = "/join"
STREAMLIT_INDEX = "streamlit/static/index.html"  # looked up on sys.path: no import


@lru_cache(maxsize=1)
def inline_script_hashes() -> tuple[str, ...]:
    """CSP hashes of the inline scripts in the installed Streamlit's ``index.html``."""
    for folder in sys.path:
        index = Path(folder) / STREAMLIT_INDEX
        if index.is_file():
            html = index.read_text(encoding="utf-8")
            bodies = re.findall(r"<script>(.*?)</script>", html, flags=re.S)
            return tuple(
                "'sha256-" + base64.b64encode(hashlib.sha256(b.encode()).digest()).decode() + "'"
                for b in bodies
            )
    return ()


def join_page_policy() -> str:
    scripts = " ".join(("'self'", *inline_script_hashes(), "blob:"))
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src {scripts}",
            "style-src 'self' 'unsafe-inline'",  # Streamlit's emotion styles are inline
            "img-src 'self' data: blob:",
            "font-src 'self' data:",
            "connect-src 'self' ws: wss:",
            "worker-src 'self' blob:",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
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
                        headers["content-security-policy"] = join_page_policy()
            await send(message)

        await self.app(scope, receive, send_with_headers)
