"""Push: a Server-Sent Events stream per live session, carrying its revision number.

Phones hold one SSE connection each (idle ones cost next to nothing) instead of polling
Streamlit. One ``RevisionHub`` per process polls the revisions of the sessions that have
listeners in ONE query every ``POLL_SECONDS`` and fans changes out to every listener.
The event also carries this process's boot id, so a phone can tell that the server
restarted and ask for a redraw at once (``ui/live.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
from collections.abc import AsyncIterator
from functools import lru_cache

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from .. import services
from ..config import Settings
from ..context import AppContext, open_context
from ..domain.errors import WorkshopError

POLL_SECONDS = 0.25
# An unchanged revision is repeated this often: it keeps proxies from closing an idle
# stream, and tells the phone's listener the stream is alive (an SSE comment would not).
HEARTBEAT_SECONDS = 10.0
# Each stream ends after this long and the browser's EventSource reconnects on its own
# (after ``retry``). It bounds how long a server shutdown waits for open streams.
STREAM_SECONDS = 30.0
BOOT_ID = secrets.token_hex(6)  # new at every process start
log = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def _context() -> AppContext:
    return open_context(Settings.from_env())


class RevisionHub:
    """Fans one revision poll per session out to every listener of that session."""

    def __init__(self, read_revisions: object = None) -> None:
        self._listeners: dict[int, set[asyncio.Queue[int]]] = {}
        self._revisions: dict[int, int] = {}
        self._task: asyncio.Task[None] | None = None
        self._read = read_revisions

    def listener_count(self) -> int:
        return sum(len(q) for q in self._listeners.values())

    def subscribe(self, session_id: int, known: int | None = None) -> asyncio.Queue[int]:
        """Listen to a session; ``known`` is the revision the listener already has."""
        queue: asyncio.Queue[int] = asyncio.Queue(maxsize=1)
        if known is not None:
            self._revisions.setdefault(session_id, known)
        self._listeners.setdefault(session_id, set()).add(queue)
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._poll_forever())
        return queue

    def unsubscribe(self, session_id: int, queue: asyncio.Queue[int]) -> None:
        queues = self._listeners.get(session_id)
        if queues is not None:
            queues.discard(queue)
            if not queues:
                self._listeners.pop(session_id, None)
                self._revisions.pop(session_id, None)

    def _read_revisions(self, ids: list[int]) -> dict[int, int]:
        if callable(self._read):
            return self._read(ids)  # type: ignore[no-any-return]
        return services.get_revisions(db=_context().db, session_ids=ids)

    async def _poll_forever(self) -> None:
        while self._listeners:
            ids = list(self._listeners)
            try:
                current = await asyncio.to_thread(self._read_revisions, ids)
            except Exception:  # the store may be briefly unavailable; keep listeners
                log.warning("revision poll failed; retrying", exc_info=True)
                current = {}
            for session_id, revision in current.items():
                if self._revisions.get(session_id) != revision:
                    self._revisions[session_id] = revision
                    for queue in list(self._listeners.get(session_id, ())):
                        _put_latest(queue, revision)
            await asyncio.sleep(POLL_SECONDS)


def _put_latest(queue: asyncio.Queue[int], revision: int) -> None:
    """Keep only the newest revision: a slow listener needs the latest, not the history."""
    if queue.full():
        with contextlib.suppress(asyncio.QueueEmpty):
            queue.get_nowait()
    queue.put_nowait(revision)


HUB = RevisionHub()


def _event(revision: int) -> str:
    return f"data: {json.dumps({'revision': revision, 'boot': BOOT_ID})}\n\n"


async def session_events(request: Request) -> Response:
    """GET /events/{code}: an SSE stream of the session's revision."""
    code = request.path_params["code"]
    try:
        session = await asyncio.to_thread(services.get_session_by_code, db=_context().db, code=code)
    except WorkshopError as exc:
        return PlainTextResponse(str(exc), status_code=404)
    queue = HUB.subscribe(session.id, known=session.revision)

    async def stream() -> AsyncIterator[str]:
        try:
            yield "retry: 2000\n\n"
            revision = session.revision
            yield _event(revision)
            loop = asyncio.get_running_loop()
            ends_at = loop.time() + STREAM_SECONDS
            while (left := ends_at - loop.time()) > 0:
                with contextlib.suppress(TimeoutError):  # no change: repeat it (heartbeat)
                    revision = await asyncio.wait_for(queue.get(), min(HEARTBEAT_SECONDS, left))
                yield _event(revision)
        finally:
            HUB.unsubscribe(session.id, queue)

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


EVENT_ROUTES = [Route("/events/{code}", session_events, methods=["GET"])]
