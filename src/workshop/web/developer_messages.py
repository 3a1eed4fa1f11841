"""Streamlit's developer messages are dropped on the way in, whoever sends them.

Streamlit's browser client can ask the server to clear the app-wide caches
(``clear_cache``: the database engine and pool are rebuilt), to change run-on-save, to
read git info, or to drop its websocket or shut the runtime down (debug messages). Any
tab can send them, a participant's too, and a workshop never needs them from a browser:
this middleware reads each message coming in on Streamlit's websocket and leaves those
out. Everything else (reruns, widget values, heartbeats) passes untouched.

Pure ASGI: only websocket messages on ``/_stcore/stream`` are looked at. The frames are
Streamlit's ``BackMsg`` protobuf; its top-level field numbers are read here with the
standard library (``web/`` never imports Streamlit). tests/web/test_developer_messages.py
checks them against the installed Streamlit, so an upgrade that renumbers fails loudly.
"""

from __future__ import annotations

import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# BackMsg field numbers (Streamlit 1.67) of the messages left out.
DEVELOPER_MESSAGES = {
    "clear_cache": 5,
    "set_run_on_save": 6,
    "load_git_info": 12,
    "debug_disconnect_websocket": 14,
    "debug_shutdown_runtime": 15,
}
_DEVELOPER_FIELDS = frozenset(DEVELOPER_MESSAGES.values())
STREAM_PATH = "/_stcore/stream"
LOG = logging.getLogger(__name__)


def top_level_fields(data: bytes) -> set[int] | None:
    """The field numbers at the top level of a protobuf message; None if malformed."""
    found: set[int] = set()
    at = 0

    def varint() -> int:
        nonlocal at
        value = shift = 0
        while True:
            if at >= len(data) or shift > 63:
                raise ValueError
            byte = data[at]
            at += 1
            value |= (byte & 0x7F) << shift
            if not byte & 0x80:
                return value
            shift += 7

    try:
        while at < len(data):
            tag = varint()
            number, wire = tag >> 3, tag & 7
            if wire == 0:
                varint()
            elif wire == 1:
                at += 8
            elif wire == 2:
                length = varint()  # read first: ``at`` moves past the length itself
                at += length
            elif wire == 5:
                at += 4
            else:
                raise ValueError
            if at > len(data):
                raise ValueError
            found.add(number)
    except ValueError:
        return None
    return found


def is_developer_message(data: bytes | None) -> bool:
    """Whether a websocket frame is one of Streamlit's developer messages."""
    if not data:
        return False
    fields = top_level_fields(data)
    # A malformed frame is not ours to judge: Streamlit answers it itself.
    return bool(fields and fields & _DEVELOPER_FIELDS)


class DeveloperMessagesMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket" or not scope.get("path", "").endswith(STREAM_PATH):
            await self.app(scope, receive, send)
            return

        async def receive_without_developer_messages() -> Message:
            while True:
                message = await receive()
                if message["type"] == "websocket.receive" and is_developer_message(
                    message.get("bytes")
                ):
                    LOG.info("a developer message from a browser was ignored")
                    continue
                return message

        await self.app(scope, receive_without_developer_messages, send)
