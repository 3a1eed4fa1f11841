"""The participant cookie: a random token the browser keeps, set by the phone page.

A phone that opens the join page for the first time gets
``workshop_participant=<random token>`` (``web/phone_page.py``), and sends it back with
every request that follows: its answers, its event stream, a reload. A reload, a second
scan of the QR code or a phone waking from sleep therefore stays the same (anonymous)
participant.

The token is signed with the installation secret (``codes.new_participant_token``), so
the answer routes refuse any token this server did not mint. Only the browser holds the
raw token; the store keeps a keyed hash per session. The cookie is ``HttpOnly`` (no
script on the page can read it), ``SameSite=Lax`` and, behind HTTPS, ``Secure``.
"""

from __future__ import annotations

from http.cookies import CookieError, SimpleCookie

from starlette.types import Scope

from ..domain.participant import PARTICIPANT_COOKIE
from .scope import scope_headers

__all__ = ["PARTICIPANT_COOKIE", "cookie_header", "is_https", "read_cookie"]
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


def is_https(scope: Scope) -> bool:
    """The browser reached us over HTTPS (itself, or through a proxy that says so)."""
    headers = scope_headers(scope)
    forwarded = headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return scope.get("scheme") == "https" or forwarded == "https"
