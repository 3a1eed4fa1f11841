"""The participant cookie: a random token the browser keeps, set on page loads.

A phone that opens the join page for the first time gets
``workshop_participant=<random token>`` on the HTML response. The browser sends it back
with the websocket upgrade that follows, so the page reads it with
``st.context.cookies`` on its very first run. A reload, a second scan of the QR code or
a phone waking from sleep therefore stays the same (anonymous) participant.

The token is signed with the installation secret (``codes.new_participant_token``), so
the answer routes refuse any token this server did not mint. Minting is limited per
client address (``guards.MINT_GUARD``, in memory only): beyond it the page loads without
a cookie, and the join page says in words to wait.

Only the browser holds the raw token; the store keeps a keyed hash per session. The
cookie is ``HttpOnly`` (no script on the page can read it), ``SameSite=Lax`` and, behind
HTTPS, ``Secure``. Pure ASGI, so websockets and streamed responses pass untouched.
"""

from __future__ import annotations

from collections.abc import Callable
from http.cookies import CookieError, SimpleCookie

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..addresses import client_address
from ..domain.codes import is_issued_token, new_participant_token
from ..domain.participant import PARTICIPANT_COOKIE
from ..guards import MINT_GUARD
from .context import installation_secret, web_settings

__all__ = ["PARTICIPANT_COOKIE", "ParticipantCookieMiddleware", "cookie_header", "read_cookie"]
ONE_YEAR_SECONDS = 31_536_000


def read_cookie(header_value: str, name: str) -> str | None:
    """The value of cookie ``name`` in a ``Cookie:`` header, or None (also if malformed)."""
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(header_value)
    except CookieError:
        return None
    morsel = jar.get(name)
    return morsel.value if morsel is not None else None


def cookie_header(token: str, *, secure: bool, max_age: int = ONE_YEAR_SECONDS) -> str:
    """The ``Set-Cookie`` value for a participant token."""
    parts = [f"{PARTICIPANT_COOKIE}={token}", "Path=/", f"Max-Age={max_age}", "SameSite=Lax"]
    if secure:
        parts.append("Secure")
    parts.append("HttpOnly")
    return "; ".join(parts)


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}


def _is_https(scope: Scope, headers: dict[str, str]) -> bool:
    forwarded = headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return scope.get("scheme") == "https" or forwarded == "https"


def _is_page_response(message: Message, request_headers: dict[str, str]) -> bool:
    """An HTML page, or a 304 answering a page request (the browser reuses its copy)."""
    response_headers = MutableHeaders(raw=message.get("headers", []))
    content_type = response_headers.get("content-type", "").lower()
    if content_type.startswith("text/html"):
        return True
    return message.get("status") == 304 and "text/html" in request_headers.get("accept", "")


def _trusted_proxies() -> tuple[str, ...]:
    return web_settings().trusted_proxies


def scope_address(scope: Scope, trusted_proxies: tuple[str, ...]) -> str:
    """The client address abuse limits count against (see ``workshop.addresses``)."""
    peer = scope.get("client")
    return client_address(peer[0] if peer else None, _headers(scope), trusted_proxies)


class ParticipantCookieMiddleware:
    """Give every browser that has no issued participant cookie a fresh one on HTML pages."""

    def __init__(
        self,
        app: ASGIApp,
        secret: Callable[[], bytes] = installation_secret,
        trusted_proxies: Callable[[], tuple[str, ...]] = _trusted_proxies,
    ) -> None:
        self.app = app
        self._secret = secret
        self._trusted_proxies = trusted_proxies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        secret = self._secret()
        if is_issued_token(read_cookie(headers.get("cookie", ""), PARTICIPANT_COOKIE), secret):
            await self.app(scope, receive, send)
            return
        secure = _is_https(scope, headers)

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start" and _is_page_response(message, headers):
                address = scope_address(scope, self._trusted_proxies())
                if MINT_GUARD.take(address):
                    response_headers = MutableHeaders(scope=message)
                    token = new_participant_token(secret)
                    response_headers.append("set-cookie", cookie_header(token, secure=secure))
            await send(message)

        await self.app(scope, receive, send_with_cookie)
