"""What a phone's browser does over plain HTTP, on asyncio streams: EventSource and fetch.

``SseClient`` is the page's ``EventSource``: an HTTP/1.1 GET with
``Accept: text/event-stream`` and the browser's cookies; ``data:`` and ``retry:`` fields;
when the stream ends (the server ends each one after 30 s) or the connection fails, it
connects again after the server's ``retry`` delay, as EventSource does. A response other
than 200 puts an EventSource in its CLOSED state for good: then ``on_closed`` runs (what
the page does about it) after ``closed_retry`` seconds, and the client listens again, as
the phone page does (``workshop/ui/phone_app/phone.js``); without ``on_closed`` it stops.

``HttpClient`` is ``fetch``: requests on kept-alive connections, a new connection when
none is idle or the server closed the idle one (as a browser does), bodies with
``Content-Length``, chunked, or up to the end of the connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
import time
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

DEFAULT_RETRY = 3.0  # an EventSource's delay before the server named one (Chromium: 3 s)
CLOSED_RETRY = 5.0  # the phone page's RETRY_MS after its EventSource closed


class HttpStatusError(ConnectionError):
    """The server answered an EventSource with a status other than 200."""

    def __init__(self, status: int, path: str) -> None:
        super().__init__(f"SSE {path}: HTTP {status}")
        self.status = status


def cookie_header(cookies: Mapping[str, str]) -> str:
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def _target(url: str) -> tuple[str, int, str]:
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.hostname or "127.0.0.1", parts.port or 80, path


async def _read_head(reader: asyncio.StreamReader) -> tuple[int, dict[str, list[str]]]:
    status, headers, _size = await _read_head_sized(reader)
    return status, headers


async def _read_head_sized(
    reader: asyncio.StreamReader,
) -> tuple[int, dict[str, list[str]], int]:
    """(status, headers, bytes of the status line and headers as they came)."""
    status_line = await reader.readline()
    size = len(status_line)
    if not status_line:
        raise ConnectionResetError("the server closed the connection before answering")
    try:
        status = int(status_line.split(b" ", 2)[1])
    except (IndexError, ValueError):
        raise ConnectionError(f"not an HTTP response: {status_line[:80]!r}") from None
    headers: dict[str, list[str]] = {}
    while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
        size += len(line)
        name, _, value = line.decode("latin-1").partition(":")
        headers.setdefault(name.strip().lower(), []).append(value.strip())
    return status, headers, size + len(line)


async def _body(
    reader: asyncio.StreamReader, headers: dict[str, list[str]]
) -> AsyncIterator[bytes]:
    """The response body as it arrives: chunked, ``Content-Length`` or up to EOF."""
    if any("chunked" in v.lower() for v in headers.get("transfer-encoding", [])):
        while True:
            size_line = await reader.readline()
            if not size_line:
                raise asyncio.IncompleteReadError(b"", None)
            size = int(size_line.split(b";")[0].strip() or b"0", 16)
            if size == 0:
                await reader.readline()  # the CRLF after the last chunk (no trailers)
                return
            data = await reader.readexactly(size)
            await reader.readexactly(2)  # CRLF after each chunk
            yield data
    elif "content-length" in headers:
        left = int(headers["content-length"][0])
        while left > 0:
            data = await reader.read(min(left, 65536))
            if not data:
                raise asyncio.IncompleteReadError(b"", left)
            left -= len(data)
            yield data
    else:
        while data := await reader.read(65536):
            yield data


# ---- EventSource ------------------------------------------------------------------------


class SseClient:
    """One EventSource on ``url`` (absolute). ``on_event(data, received_at)`` gets each
    event's data with the ``time.monotonic()`` at which its bytes arrived."""

    def __init__(
        self,
        url: str,
        on_event: Callable[[str, float], Awaitable[None] | None],
        *,
        cookies: Mapping[str, str] | None = None,
        on_closed: Callable[[], Awaitable[None]] | None = None,
        closed_retry: float = CLOSED_RETRY,
    ) -> None:
        self.host, self.port, self.path = _target(url)
        self.on_event = on_event
        self.on_closed = on_closed
        self.closed_retry = closed_retry
        self.cookies = cookies if cookies is not None else {}
        self.retry = DEFAULT_RETRY
        self.connects = 0  # streams opened (status 200)
        self.ends = 0  # streams the server ended (every 30 s)
        self.failures = 0  # connections that failed (refused, reset, cut mid-stream)
        self.refusals = 0  # answers other than 200 (EventSource: CLOSED)
        self.last_error: BaseException | None = None
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run_forever(), name="sse")

    def stop(self) -> None:
        """``EventSource.close()``: callable from inside ``on_event``."""
        if self._task is not None:
            self._task.cancel()

    async def close(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def _run_forever(self) -> None:
        while True:
            try:
                await self._stream_once()
                self.ends += 1
            except asyncio.CancelledError:
                raise
            except HttpStatusError as exc:
                self.refusals += 1
                self.last_error = exc
                if self.on_closed is None:
                    return  # CLOSED: an EventSource never tries again by itself
                await asyncio.sleep(self.closed_retry)
                await self.on_closed()
                continue  # ...then the page opens a new EventSource at once
            except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                self.failures += 1
                self.last_error = exc
            await asyncio.sleep(self.retry)

    async def _stream_once(self) -> None:
        reader, writer = await asyncio.open_connection(self.host, self.port)
        try:
            cookie = cookie_header(self.cookies)
            request = (
                f"GET {self.path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
                "Accept: text/event-stream\r\nCache-Control: no-cache\r\n"
                + (f"Cookie: {cookie}\r\n" if cookie else "")
                + "\r\n"
            )
            writer.write(request.encode("latin-1"))
            await writer.drain()
            status, headers = await _read_head(reader)
            if status != 200:
                raise HttpStatusError(status, self.path)
            self.connects += 1
            buffer = b""
            async for data in _body(reader, headers):
                received_at = time.monotonic()
                buffer += data.replace(b"\r\n", b"\n")
                while b"\n\n" in buffer:
                    block, buffer = buffer.split(b"\n\n", 1)
                    await self._dispatch(block.decode("utf-8"), received_at)
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _dispatch(self, block: str, received_at: float) -> None:
        data: list[str] = []
        for line in block.split("\n"):
            field, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if field == "data":
                data.append(value)
            elif field == "retry" and value.isdigit():
                self.retry = int(value) / 1000
        if data:
            outcome = self.on_event("\n".join(data), received_at)
            if outcome is not None:
                await outcome


# ---- fetch --------------------------------------------------------------------------------


@dataclass
class Reply:
    status: int
    headers: dict[str, list[str]]
    body: bytes  # as it came (compressed where the server sent Content-Encoding: gzip)
    received_at: float  # time.monotonic() when the whole response had arrived
    wire_bytes: int = 0  # status line, headers and body as they came over the connection

    def header(self, name: str) -> str:
        """The first value of a header (lower-case ``name``), or ""."""
        return (self.headers.get(name) or [""])[0]

    @property
    def gzipped(self) -> bool:
        return self.header("content-encoding").lower() == "gzip"

    def decoded(self) -> bytes:
        """The body as the browser hands it to the page: gunzipped where it was sent so
        (raises ``OSError``/``EOFError``/``zlib.error`` on a broken one, as a browser fails)."""
        return gzip.decompress(self.body) if self.gzipped else self.body

    def json(self) -> Any:
        """The body as JSON, or None when it is not JSON (a proxy's error page...)."""
        try:
            return json.loads(self.decoded())
        except (ValueError, EOFError, OSError, zlib.error):
            return None


_Connection = tuple[asyncio.StreamReader, asyncio.StreamWriter]


class HttpClient:
    """``fetch`` for one browser: kept-alive connections to one server."""

    def __init__(self, base_url: str) -> None:
        self.host, self.port, _ = _target(base_url)
        self._idle: list[_Connection] = []
        self.connections = 0  # opened so far

    async def request(
        self,
        method: str,
        path: str,
        *,
        headers: Mapping[str, str] | None = None,
        body: bytes = b"",
        timeout: float = 60.0,
    ) -> Reply:
        async with asyncio.timeout(timeout):
            while self._idle:
                connection = self._idle.pop()
                if connection[0].at_eof() or connection[1].is_closing():
                    _drop(connection)  # the server closed it while idle (keep-alive timeout)
                    continue
                try:
                    return await self._exchange(connection, method, path, headers, body)
                except (ConnectionResetError, BrokenPipeError):
                    # Closed under our feet before any answer: a browser sends the request
                    # again on another connection (an answer is idempotent).
                    continue
            return await self._exchange(await self._open(), method, path, headers, body)

    async def _open(self) -> _Connection:
        connection = await asyncio.open_connection(self.host, self.port)
        self.connections += 1
        return connection

    async def _exchange(
        self,
        connection: _Connection,
        method: str,
        path: str,
        headers: Mapping[str, str] | None,
        body: bytes,
    ) -> Reply:
        reader, writer = connection
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        if body or method not in ("GET", "HEAD"):
            lines.append(f"Content-Length: {len(body)}")
        try:
            writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
            await writer.drain()
            status, got, head_size = await _read_head_sized(reader)
            chunks = (
                []
                if method == "HEAD" or status in (204, 304)
                else [data async for data in _body(reader, got)]
            )
        except BaseException:
            _drop(connection)
            raise
        body = b"".join(chunks)
        reply = Reply(status, got, body, time.monotonic(), head_size + len(body))
        closing = any("close" in v.lower() for v in got.get("connection", []))
        if closing or ("content-length" not in got and "transfer-encoding" not in got):
            _drop(connection)
        else:
            self._idle.append(connection)
        return reply

    async def close(self) -> None:
        idle, self._idle = self._idle, []
        for connection in idle:
            _drop(connection)


def _drop(connection: _Connection) -> None:
    with contextlib.suppress(Exception):
        connection[1].close()
