"""The phone page's HTML: a small shell around the phone app, and the screens around it.

Everything here is static text or escaped (``html.escape``); the data the app starts
from travels as JSON inside ``<script type="application/json">``, with ``<``, ``>`` and
``&`` escaped, so no session or participant text can ever end a tag. Every screen but the
live one works without JavaScript: the code entry is a plain form, the busy screen
reloads itself. Pinch-zoom stays on (no ``maximum-scale`` or ``user-scalable``).
"""

from __future__ import annotations

import json
from html import escape
from typing import Any

from .phone_assets import phone_app

PRIVACY_LINE = (
    "Anonymous: we keep a random number in this browser so you can change your answer. "
    "No name, no IP address."
)
TOO_MANY_NEW = (
    "Too many new phones joined from your network just now. "
    "This page tries again by itself in a minute."
)
STORE_BUSY = "The server is busy right now. This page tries again by itself in a moment."
NO_CODE = "Please type the code shown on the screen."
ENDED_THANKS = "You can close this page now. Your answers stay anonymous."
NO_SCRIPT = (
    "This page needs JavaScript to show the questions. Please turn JavaScript on in your "
    "browser's settings and reload, or open the link in another browser."
)
BUSY_RETRY_SECONDS = 3
TOO_MANY_RETRY_SECONDS = 60


def _json_for_script(data: Any) -> str:
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _document(title: str, body: str, *, refresh_seconds: int | None = None) -> str:
    script, stylesheet = phone_app()
    refresh = f'<meta http-equiv="refresh" content="{refresh_seconds}">' if refresh_seconds else ""
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="color-scheme" content="light">'
        f"<title>{escape(title)}</title>{refresh}"
        '<link rel="icon" href="data:,">'
        f'<link rel="stylesheet" href="{stylesheet.url}">'
        f'<script defer src="{script.url}"></script>'
        f'</head><body><main class="page">{body}'
        f'<p class="privacy">{escape(PRIVACY_LINE)}</p></main></body></html>'
    )


def code_entry_page(*, problem: str | None = None, typed: str = "") -> str:
    """A big field for the join code, for people who typed the address by hand."""
    alert = f'<div class="box error" role="alert">{escape(problem)}</div>' if problem else ""
    return _document(
        "Join a session",
        '<h1 class="title">Join a session</h1>'
        f"{alert}"
        '<form class="code-form" method="get" action="/join">'
        '<label class="label" for="code">Join code (it is on the screen)</label>'
        f'<input id="code" name="code" type="text" value="{escape(typed[:20])}" '
        'maxlength="20" placeholder="K7Q-4MX" autocomplete="off" autocapitalize="characters" '
        'autocorrect="off" spellcheck="false" enterkeyhint="go">'
        '<button class="primary" type="submit">Join</button></form>',
    )


def ended_page(title: str | None, thanks: str) -> str:
    caption = f'<p class="caption">{escape(title)}</p>' if title else ""
    return _document(
        "Thank you!",
        f'<h1 class="title">Thank you!</h1>{caption}'
        f'<div class="box success" role="status">{escape(thanks)}</div>'
        f"<p>{escape(ENDED_THANKS)}</p>",
    )


def waiting_page(message: str, *, retry_seconds: int) -> str:
    """A screen that reloads itself (the store was busy, too many new phones)."""
    return _document(
        "Please wait",
        f'<h1 class="title">Just a moment</h1><div class="box warning" role="status">'
        f"{escape(message)}</div>",
        refresh_seconds=retry_seconds,
    )


def live_page(title: str, data: dict[str, Any]) -> str:
    """The live part: the app draws the prompt from ``data`` and follows the room."""
    return _document(
        title or "Join",
        f'<noscript><div class="box warning">{escape(NO_SCRIPT)}</div></noscript>'
        '<div id="phone"></div>'
        f'<script type="application/json" id="phone-data">{_json_for_script(data)}</script>',
    )
