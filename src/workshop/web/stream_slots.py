"""Event streams capped per client address and in total (memory only).

A phone holds one ``/events/<code>`` stream; a script could hold thousands and keep
every file and the push hub busy. Beyond a cap the answer is ``503`` with
``Retry-After`` (the browser's EventSource tries again later), never a hang.
"""

from __future__ import annotations

import threading
from typing import Any

from starlette.responses import PlainTextResponse, StreamingResponse
from starlette.types import Receive, Scope, Send

from ..addresses import client_address
from .context import web_settings
from .scope import scope_headers

RETRY_AFTER_SECONDS = 10
TOO_MANY_STREAMS = "Too many live connections from your network right now. Trying again soon."


class StreamSlots:
    def __init__(self, *, max_total: int = 10_000, max_per_address: int = 2_000) -> None:
        self.max_total = max_total
        self.max_per_address = max_per_address
        self._by_address: dict[str, int] = {}
        self._total = 0
        self._lock = threading.Lock()

    def configure(self, *, max_total: int, max_per_address: int) -> None:
        with self._lock:
            self.max_total, self.max_per_address = max_total, max_per_address

    def acquire(self, address: str) -> bool:
        with self._lock:
            held = self._by_address.get(address, 0)
            if self._total >= self.max_total or held >= self.max_per_address:
                return False
            self._by_address[address] = held + 1
            self._total += 1
            return True

    def release(self, address: str) -> None:
        with self._lock:
            held = self._by_address.get(address, 0) - 1
            if held > 0:
                self._by_address[address] = held
            else:
                self._by_address.pop(address, None)
            self._total = max(0, self._total - 1)

    def held(self, address: str) -> int:
        with self._lock:
            return self._by_address.get(address, 0)


STREAM_SLOTS = StreamSlots()


def request_address(scope: Scope) -> str:
    peer = scope.get("client")
    headers = scope_headers(scope)
    return client_address(peer[0] if peer else None, headers, web_settings().trusted_proxies)


def streams_busy() -> PlainTextResponse:
    return PlainTextResponse(
        TOO_MANY_STREAMS, status_code=503, headers={"Retry-After": str(RETRY_AFTER_SECONDS)}
    )


class SlotStreamingResponse(StreamingResponse):
    """A stream that gives its slot back however it ends (even if never started)."""

    def __init__(self, *args: Any, address: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._address = address

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            STREAM_SLOTS.release(self._address)
