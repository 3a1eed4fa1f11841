"""A minimal Server-Sent Events client on asyncio streams (what a phone's EventSource does).

HTTP/1.1 GET, chunked or plain body, ``data:`` / ``retry:`` fields; when the stream
ends or fails it reconnects after the server's ``retry`` delay, as EventSource does.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Mapping
from urllib.parse import urlsplit


class SseClient:
    def __init__(
        self,
        base_url: str,
        path: str,
        on_event: Callable[[str], Awaitable[None] | None],
        *,
        cookies: Mapping[str, str] | None = None,
    ) -> None:
        parts = urlsplit(base_url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.path = path
        self.on_event = on_event
        self.cookies = dict(cookies or {})
        self.retry = 3.0
        self.connects = 0
        self.failures = 0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run_forever(), name="sse")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None

    async def _run_forever(self) -> None:
        while True:
            try:
                await self._stream_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                self.failures += 1
            await asyncio.sleep(self.retry)

    async def _stream_once(self) -> None:
        reader, writer = await asyncio.open_connection(self.host, self.port)
        try:
            cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            request = (
                f"GET {self.path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
                "Accept: text/event-stream\r\nCache-Control: no-cache\r\n"
                + (f"Cookie: {cookie}\r\n" if cookie else "")
                + "\r\n"
            )
            writer.write(request.encode("latin-1"))
            await writer.drain()
            status = await reader.readline()
            if b" 200 " not in status:
                raise ConnectionError(f"SSE {self.path}: {status!r}")
            chunked = False
            while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
                name, _, value = line.decode("latin-1").partition(":")
                if name.strip().lower() == "transfer-encoding" and "chunked" in value.lower():
                    chunked = True
            self.connects += 1
            buffer = b""
            async for data in _body(reader, chunked):
                buffer += data
                while b"\n\n" in buffer:
                    block, buffer = buffer.split(b"\n\n", 1)
                    await self._dispatch(block.decode("utf-8"))
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _dispatch(self, block: str) -> None:
        data: list[str] = []
        for line in block.splitlines():
            field, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if field == "data":
                data.append(value)
            elif field == "retry" and value.isdigit():
                self.retry = int(value) / 1000
        if data:
            outcome = self.on_event("\n".join(data))
            if outcome is not None:
                await outcome


async def _body(reader: asyncio.StreamReader, chunked: bool):  # type: ignore[no-untyped-def]
    if not chunked:
        while data := await reader.read(65536):
            yield data
        return
    while True:
        size_line = await reader.readline()
        if not size_line:
            return
        size = int(size_line.split(b";")[0].strip() or b"0", 16)
        if size == 0:
            return
        data = await reader.readexactly(size)
        await reader.readexactly(2)  # CRLF after each chunk
        yield data
