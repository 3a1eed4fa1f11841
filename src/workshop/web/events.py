"""Push: a Server-Sent Events stream per live session, carrying what its phones show.

Phones hold one SSE connection each (idle ones cost next to nothing) instead of polling
Streamlit. One ``RevisionHub`` per process polls the revisions of the sessions that have
listeners in ONE query every ``POLL_SECONDS``; when one changed it reads that session's
phone view ONCE (``phone_view.read_phone_view``) and fans it out to every listener. So a
facilitator's advance costs one read per process, however many phones follow, and the
phone draws the new prompt in the browser without a server run. While results are shown,
the hub also rereads the current prompt's answer marker every ``RESULTS_PUSH_SECONDS``
and pushes a fresh tally when answers arrived.

Each event is ``{"revision", "boot", "view"}``; ``view`` is None once the session was
deleted. The boot id is new at every process start (a phone can tell a restart).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from .. import services
from ..domain.errors import NotFound, WorkshopError
from ..phone_view import read_phone_view
from .context import web_context

POLL_SECONDS = 0.25
RESULTS_PUSH_SECONDS = 2.0
# An unchanged view is repeated this often: it keeps proxies from closing an idle
# stream, and tells the phone the stream is alive (an SSE comment would not).
HEARTBEAT_SECONDS = 10.0
# Each stream ends after this long and the browser's EventSource reconnects on its own
# (after ``retry``). It bounds how long a server shutdown waits for open streams.
STREAM_SECONDS = 30.0
BOOT_ID = secrets.token_hex(6)  # new at every process start
log = logging.getLogger(__name__)

View = dict[str, Any]


def _read_revisions(ids: list[int]) -> dict[int, int]:
    return services.get_revisions(db=web_context().db, session_ids=ids)


def _read_view(session_id: int) -> View:
    return read_phone_view(db=web_context().db, session_id=session_id)


def _read_marker(prompt_id: int) -> object:
    return services.get_answer_marker(db=web_context().db, prompt_id=prompt_id)


def event_data(revision: int, view: View | None) -> str:
    """One SSE event: the revision, this process's boot id and the phone view."""
    body = json.dumps({"revision": revision, "boot": BOOT_ID, "view": view})
    return f"data: {body}\n\n"


class RevisionHub:
    """Fans one poll per session out to every listener of that session."""

    def __init__(
        self,
        read_revisions: Callable[[list[int]], dict[int, int]] = _read_revisions,
        read_view: Callable[[int], View] = _read_view,
        read_marker: Callable[[int], object] = _read_marker,
    ) -> None:
        self._listeners: dict[int, set[asyncio.Queue[str]]] = {}
        self._revisions: dict[int, int] = {}
        self._events: dict[int, str] = {}  # the latest event of each session
        self._views: dict[int, View | None] = {}  # ...and its view
        self._markers: dict[int, tuple[float, object]] = {}  # (checked at, answer marker)
        self._task: asyncio.Task[None] | None = None
        self._read_revisions = read_revisions
        self._read_view = read_view
        self._read_marker = read_marker

    def listener_count(self) -> int:
        return sum(len(q) for q in self._listeners.values())

    async def latest(self, session_id: int) -> str:
        """The latest event of a session (read now if nobody listens to it yet)."""
        known = self._events.get(session_id)
        if known is not None:
            return known
        view = await asyncio.to_thread(self._read_view, session_id)
        return event_data(int(view["revision"]), view)

    def subscribe(self, session_id: int) -> asyncio.Queue[str]:
        queue: asyncio.Queue[str] = asyncio.Queue(maxsize=1)
        self._listeners.setdefault(session_id, set()).add(queue)
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._poll_forever())
        return queue

    def unsubscribe(self, session_id: int, queue: asyncio.Queue[str]) -> None:
        queues = self._listeners.get(session_id)
        if queues is not None:
            queues.discard(queue)
            if not queues:
                self._listeners.pop(session_id, None)
                self._revisions.pop(session_id, None)
                self._events.pop(session_id, None)
                self._views.pop(session_id, None)
                self._markers.pop(session_id, None)

    def _publish(self, session_id: int, revision: int, view: View | None) -> None:
        event = event_data(revision, view)
        self._revisions[session_id] = revision
        self._events[session_id] = event
        self._views[session_id] = view
        for queue in list(self._listeners.get(session_id, ())):
            _put_latest(queue, event)

    async def _refresh(self, session_id: int, revision: int) -> None:
        try:
            view: View | None = await asyncio.to_thread(self._read_view, session_id)
        except NotFound:  # deleted since its revision was read
            view, revision = None, -1
        self._markers.pop(session_id, None)
        self._publish(session_id, revision, view)

    async def _results_moved(self, session_id: int) -> bool:
        """Answers arrived for a prompt whose results phones show (checked now and then)."""
        view = self._views.get(session_id)
        if view is None or view["results"] is None:
            return False
        checked_at, before = self._markers.get(session_id, (0.0, None))
        now = time.monotonic()
        if now - checked_at < RESULTS_PUSH_SECONDS:
            return False
        marker = await asyncio.to_thread(self._read_marker, view["prompt"]["id"])
        self._markers[session_id] = (now, marker)
        return before is not None and marker != before

    async def _tick(self) -> None:
        ids = list(self._listeners)
        current = await asyncio.to_thread(self._read_revisions, ids)
        for session_id in ids:
            revision = current.get(session_id)
            if revision is None:  # deleted: say so once
                if self._revisions.get(session_id) != -1:
                    self._publish(session_id, -1, None)
                continue
            changed = self._revisions.get(session_id) != revision
            if changed or await self._results_moved(session_id):
                await self._refresh(session_id, revision)

    async def _poll_forever(self) -> None:
        while self._listeners:
            try:
                await self._tick()
            except Exception:  # the store may be briefly unavailable; keep listeners
                log.warning("push poll failed; retrying", exc_info=True)
            await asyncio.sleep(POLL_SECONDS)


def _put_latest(queue: asyncio.Queue[str], event: str) -> None:
    """Keep only the newest event: a slow listener needs the latest, not the history."""
    if queue.full():
        with contextlib.suppress(asyncio.QueueEmpty):
            queue.get_nowait()
    queue.put_nowait(event)


HUB = RevisionHub()


async def session_events(request: Request) -> Response:
    """GET /events/{code}: an SSE stream of what the session's phones show."""
    code = request.path_params["code"]
    db = web_context().db
    try:
        session = await asyncio.to_thread(services.get_session_by_code, db=db, code=code)
    except WorkshopError as exc:
        return PlainTextResponse(str(exc), status_code=404)
    queue = HUB.subscribe(session.id)

    async def stream() -> AsyncIterator[str]:
        try:
            yield "retry: 2000\n\n"
            event = await HUB.latest(session.id)
            yield event
            loop = asyncio.get_running_loop()
            ends_at = loop.time() + STREAM_SECONDS
            while (left := ends_at - loop.time()) > 0:
                with contextlib.suppress(TimeoutError):  # no change: repeat it (heartbeat)
                    event = await asyncio.wait_for(queue.get(), min(HEARTBEAT_SECONDS, left))
                yield event
        finally:
            HUB.unsubscribe(session.id, queue)

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


EVENT_ROUTES = [Route("/events/{code}", session_events, methods=["GET"])]
