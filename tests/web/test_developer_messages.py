"""Streamlit's developer messages (clear the caches, debug shutdown, ...) never reach the
runtime from a browser; every other message passes untouched."""

from __future__ import annotations

import asyncio

import pytest
from streamlit.proto.BackMsg_pb2 import BackMsg

from workshop.web.developer_messages import (
    DEVELOPER_MESSAGES,
    DeveloperMessagesMiddleware,
    is_developer_message,
    top_level_fields,
)


def test_the_field_numbers_are_the_installed_streamlits():
    numbers = {f.name: f.number for f in BackMsg.DESCRIPTOR.fields}
    assert {name: numbers[name] for name in DEVELOPER_MESSAGES} == DEVELOPER_MESSAGES


def frame(**fields) -> bytes:
    message = BackMsg()
    for name, value in fields.items():
        if name == "rerun_script":
            message.rerun_script.query_string = value
        else:
            setattr(message, name, value)
    return message.SerializeToString()


@pytest.mark.parametrize("name", sorted(DEVELOPER_MESSAGES))
def test_each_developer_message_is_recognised(name):
    assert is_developer_message(frame(**{name: True}))


def test_ordinary_messages_are_not():
    assert not is_developer_message(frame(rerun_script="code=K7Q4MX"))
    assert not is_developer_message(frame(app_heartbeat=True))
    assert not is_developer_message(frame(stop_script=True))
    assert not is_developer_message(b"")
    assert not is_developer_message(b"\xff\xff\xff")  # malformed: left to Streamlit
    assert top_level_fields(frame(rerun_script="x")) == {11}


def test_the_middleware_drops_them_on_the_stream_only():
    async def run(path: str, frames: list[bytes]) -> list[bytes]:
        queue = [{"type": "websocket.receive", "bytes": f} for f in frames]
        queue.append({"type": "websocket.disconnect", "code": 1000})
        seen: list[bytes] = []

        async def receive():
            return queue.pop(0)

        async def app(scope, receive, send):
            while (message := await receive())["type"] == "websocket.receive":
                seen.append(message["bytes"])

        async def send(message):  # pragma: no cover - the app sends nothing here
            pass

        await DeveloperMessagesMiddleware(app)({"type": "websocket", "path": path}, receive, send)
        return seen

    rerun, clear = frame(rerun_script="q"), frame(clear_cache=True)
    shutdown = frame(debug_shutdown_runtime=True)
    assert asyncio.run(run("/_stcore/stream", [clear, rerun, shutdown])) == [rerun]
    assert asyncio.run(run("/other", [clear])) == [clear]
