"""Push: a Server-Sent Events stream per live session, carrying what its phones show.

Phones hold one SSE connection each (idle ones cost next to nothing) instead of polling
Streamlit. One ``RevisionHub`` per process polls the revisions of the sessions that have
listeners in ONE query every ``POLL_SECONDS``; when one changed it reads that session's
phone view ONCE (``phone_view.read_phone_view``) and fans it out to every listener. So a
facilitator's advance costs one read per process, however many phones follow, and the
phone draws the new prompt in the browser without a server run. While results are shown,
the hub also rereads the current prompt's answer marker every ``results_push_interval``
(2 s, longer with many phones) and pushes a fresh tally when answers arrived.

Each event is ``{"revision", "boot", "view"}``; ``view`` is None once the session was
deleted. The boot id is new at every process start (a phone can tell a restart). When
only the live results moved (answers came in, nothing else changed), the phones already
following get ``{"revision", "boot", "prompt", "results"}`` instead: the prompt's id and
its new tally, about half the bytes of a view (``results_event_data``); a phone that
joins meanwhile still gets the whole view.

The hub is this process's ONE watcher of the store: services announce every committed
write (``changes.CHANGES``) and the hub wakes at once instead of at its next poll; the
poll remains for changes made by other processes. Facilitator screens (presenter,
console) follow the same hub through ``/events/<code>/screen``: a tiny "pulse"
(revision, answer marker, joined count), read once per process per change however many
screens are open, on which the page reruns (``ui/follow.py``). The room's own changes
(answers, joins) reach screens at most every ``SCREEN_GAP_SECONDS``: a burst of answers
costs a few redraws a second, not one per answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import secrets
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from .. import services
from ..changes import CHANGES
from ..domain.codes import normalise_join_code
from ..domain.errors import NotFound, SessionNotFound, WorkshopError
from ..guards import CODE_GUARD
from ..phone_view import read_phone_view
from .context import web_context
from .stream_slots import STREAM_SLOTS, SlotStreamingResponse, request_address, streams_busy

POLL_SECONDS = 0.25  # for changes made by other processes; this one's wake the hub at once
MIN_TICK_SECONDS = 0.05  # announcements closer together than this share one poll
SCREEN_GAP_SECONDS = 0.25  # answers and joins reach facilitator screens at most this often
RESULTS_PUSH_SECONDS = 2.0  # live results go to phones at most this often...
# ...and less often with more phones: a push costs ~0.075 ms per phone (one event write
# each), so spacing pushes by the listener count bounds what live results cost the
# process to ~2 % of a core, however many phones follow (1,000 phones: every 4 s).
RESULTS_SECONDS_PER_LISTENER = 0.004
# An unchanged view is repeated this often: it keeps proxies from closing an idle
# stream (nginx: 60 s), and tells the phone the stream is alive (an SSE comment would
# not; the phone asks /api/view after 25 s of silence, phone_base.js SILENT_MS).
HEARTBEAT_SECONDS = 15.0
# Each stream ends after this long and the browser's EventSource reconnects on its own
# (after ``retry``), so a stream never outlives a lost client for long. A reconnect
# costs ~3.5 ms of server CPU: with 60 s (and the 15 s heartbeat) an idle phone costs
# under 0.01 % of a core (docs/performance.md); a stopping server does not wait for
# streams (web/connection_guard.py, SHUTDOWN_GRACE_SECONDS).
STREAM_SECONDS = 60.0
RETRY_MS = 1000  # the browser reconnects this soon after a stream ends
BUSY_RETRY_MS = 5000  # ...and this late when the store was too busy to answer
BOOT_ID = secrets.token_hex(6)  # new at every process start
log = logging.getLogger(__name__)

View = dict[str, Any]
Marker = tuple[int, object]  # (prompt id, that prompt's answer marker)


def _read_revisions(ids: list[int]) -> dict[int, int]:
    return services.get_revisions(db=web_context().db, session_ids=ids)


def _read_view(session_id: int) -> View:
    return read_phone_view(db=web_context().db, session_id=session_id)


def _read_marker(prompt_id: int) -> object:
    return services.get_answer_marker(db=web_context().db, prompt_id=prompt_id)


def _read_pulses(ids: list[int]) -> dict[int, services.Pulse]:
    return services.get_pulses(db=web_context().db, session_ids=ids)


def screen_event_data(pulse: services.Pulse | None) -> str:
    """One screen event: this process's boot id and the pulse (None: deleted)."""
    return f"data: {json.dumps({'boot': BOOT_ID, 'pulse': pulse})}\n\n"


def results_push_interval(listeners: int) -> float:
    """Seconds between two live-results pushes of a session with ``listeners`` phones."""
    return max(RESULTS_PUSH_SECONDS, listeners * RESULTS_SECONDS_PER_LISTENER)


def event_data(revision: int, view: View | None) -> str:
    """One SSE event: the revision, this process's boot id and the phone view."""
    body = json.dumps({"revision": revision, "boot": BOOT_ID, "view": view})
    return f"data: {body}\n\n"


def results_event_data(revision: int, view: View) -> str:
    """A live-results event: the prompt's id and its new tally (see the module's doc)."""
    body = json.dumps(
        {
            "revision": revision,
            "boot": BOOT_ID,
            "prompt": view["prompt"]["id"],
            "results": view["results"],
        }
    )
    return f"data: {body}\n\n"


def _apart_from_the_room(view: View) -> View:
    """A view without what answers change: the tally and the answered count."""
    prompt = view["prompt"]
    return {**view, "results": None, "prompt": prompt and {**prompt, "answered": None}}


def only_results_moved(before: View | None, after: View | None) -> bool:
    """``after`` differs from ``before`` only by its answers (tally, answered count).

    Not when nothing differs: the whole view again is then the same event, which every
    stream drops as the one it sent last."""
    if before is None or after is None or after["results"] is None or after["prompt"] is None:
        return False
    if before == after:
        return False
    return _apart_from_the_room(before) == _apart_from_the_room(after)


class RevisionHub:
    """Fans one poll per session out to every listener of that session."""

    def __init__(
        self,
        read_revisions: Callable[[list[int]], dict[int, int]] = _read_revisions,
        read_view: Callable[[int], View] = _read_view,
        read_marker: Callable[[int], object] = _read_marker,
        read_pulses: Callable[[list[int]], dict[int, services.Pulse]] = _read_pulses,
    ) -> None:
        self._listeners: dict[int, set[asyncio.Queue[str]]] = {}
        self._revisions: dict[int, int] = {}
        self._events: dict[int, str] = {}  # the latest event of each session
        self._views: dict[int, View | None] = {}  # ...and its view
        self._markers: dict[int, tuple[float, Marker]] = {}  # (checked at, marker)
        self._task: asyncio.Task[None] | None = None
        self._read_revisions = read_revisions
        self._read_view = read_view
        self._read_marker = read_marker
        self._read_pulses = read_pulses
        self._screens: dict[int, set[asyncio.Queue[str]]] = {}
        self._pulses: dict[int, services.Pulse | None] = {}  # the latest pushed to screens
        self._pulsed_at: dict[int, float] = {}
        self._wake: asyncio.Event | None = None

    def listener_count(self) -> int:
        return sum(len(q) for q in self._listeners.values())

    async def latest_view(self, session_id: int) -> View | None:
        """The latest view of a session (None: deleted), from the cache when it has one."""
        if session_id in self._listeners:
            await self.latest(session_id)  # keeps what it reads for the listeners
        if session_id in self._views:
            return self._views[session_id]
        return await asyncio.to_thread(self._read_view_or_none, session_id)

    def _read_view_or_none(self, session_id: int) -> View | None:
        try:
            return self._read_view(session_id)
        except NotFound:
            return None

    async def latest(self, session_id: int) -> str:
        """The latest event of a session (read now if the poller has not yet).

        What is read here is kept for the poller, so a poll that comes after it neither
        reads the view again nor queues the same event (the stream also drops a queued
        event equal to the one it sent last).
        """
        known = self._events.get(session_id)
        if known is not None:
            return known
        view, baseline = await asyncio.to_thread(self._read_fresh, session_id, None)
        known = self._events.get(session_id)  # the poller may have been quicker
        if known is not None:
            return known
        revision = -1 if view is None else int(view["revision"])
        if session_id not in self._listeners:
            return event_data(revision, view)
        self._keep(session_id, revision, view, baseline)
        return self._events[session_id]

    def subscribe(self, session_id: int) -> asyncio.Queue[str]:
        queue: asyncio.Queue[str] = asyncio.Queue(maxsize=1)
        self._listeners.setdefault(session_id, set()).add(queue)
        self._ensure_polling()
        return queue

    def subscribe_screen(self, session_id: int) -> asyncio.Queue[str]:
        """A facilitator screen's queue of pulse events (see ``screen_event``)."""
        queue: asyncio.Queue[str] = asyncio.Queue(maxsize=1)
        self._screens.setdefault(session_id, set()).add(queue)
        self._ensure_polling()
        return queue

    def unsubscribe_screen(self, session_id: int, queue: asyncio.Queue[str]) -> None:
        queues = self._screens.get(session_id)
        if queues is not None:
            queues.discard(queue)
            if not queues:
                self._screens.pop(session_id, None)
                self._pulses.pop(session_id, None)
                self._pulsed_at.pop(session_id, None)

    def screen_count(self) -> int:
        return sum(len(q) for q in self._screens.values())

    async def screen_event(self, session_id: int) -> str:
        """The latest pulse event of a session (read now if none was pushed yet)."""
        if session_id in self._pulses:
            return screen_event_data(self._pulses[session_id])
        pulses = await asyncio.to_thread(self._read_pulses, [session_id])
        return screen_event_data(pulses.get(session_id))

    def nudge(self) -> None:
        """Poll now (called in the loop's thread; see ``_ensure_polling``)."""
        if self._wake is not None:
            self._wake.set()

    def _ensure_polling(self) -> None:
        if self._task is None or self._task.done():
            loop = asyncio.get_running_loop()
            self._wake = asyncio.Event()
            # A write in any thread of this process wakes the poll at once.
            stop = CHANGES.listen(lambda _sid: loop.call_soon_threadsafe(self.nudge))
            self._task = loop.create_task(self._poll_forever())
            self._task.add_done_callback(lambda _task: stop())

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

    def _keep(
        self, session_id: int, revision: int, view: View | None, baseline: Marker | None
    ) -> str:
        """Remember a session's latest event, view and answer marker; returns the event."""
        event = event_data(revision, view)
        self._revisions[session_id] = revision
        self._events[session_id] = event
        self._views[session_id] = view
        if baseline is None:
            self._markers.pop(session_id, None)
        else:
            self._markers[session_id] = (time.monotonic(), baseline)
        return event

    def _publish(
        self, session_id: int, revision: int, view: View | None, baseline: Marker | None = None
    ) -> None:
        if session_id not in self._listeners:  # the last one left while this was read
            return
        before = self._views.get(session_id)
        event = self._keep(session_id, revision, view, baseline)  # whole, for newcomers
        if only_results_moved(before, view):
            assert view is not None
            event = results_event_data(revision, view)
        for queue in list(self._listeners.get(session_id, ())):
            _put_latest(queue, event)

    def _read_fresh(
        self, session_id: int, seen: Marker | None
    ) -> tuple[View | None, Marker | None]:
        """The view (None: deleted) and, if it shows results, the answer marker it holds.

        ``seen``: (prompt id, marker) read just BEFORE this view, so the view holds every
        answer the marker counts. Otherwise the marker is read between two reads of the
        view, for the same reason. An answer arriving later then changes the marker and
        is pushed at the next check; a baseline taken only at that check, or read after
        the view, could hide it until the next answer.
        """
        try:
            view = self._read_view(session_id)
        except NotFound:  # deleted since its revision was read
            return None, None
        if view["results"] is None:
            return view, None
        prompt_id = view["prompt"]["id"]
        if seen is not None and seen[0] == prompt_id:
            return view, (prompt_id, seen[1])
        marker = self._read_marker(prompt_id)
        try:
            again = self._read_view(session_id)
        except NotFound:
            return None, None
        if again["results"] is None or again["prompt"]["id"] != prompt_id:
            return again, None  # changed meanwhile: the next tick starts afresh
        return again, (prompt_id, marker)

    async def _refresh(self, session_id: int, seen: Marker | None = None) -> None:
        view, baseline = await asyncio.to_thread(self._read_fresh, session_id, seen)
        # The view's own revision: it may be newer than the one polled just before.
        revision = -1 if view is None else int(view["revision"])
        self._publish(session_id, revision, view, baseline)

    async def _results_moved(self, session_id: int) -> Marker | None:
        """(prompt id, new marker) when answers arrived for a prompt whose results phones
        show (checked every ``RESULTS_PUSH_SECONDS``); else None."""
        view = self._views.get(session_id)
        if view is None or view["results"] is None:
            return None
        prompt_id = view["prompt"]["id"]
        checked_at, before = self._markers.get(session_id, (0.0, None))
        now = time.monotonic()
        if now - checked_at < results_push_interval(len(self._listeners.get(session_id, ()))):
            return None
        marker = await asyncio.to_thread(self._read_marker, prompt_id)
        seen = (prompt_id, marker)
        self._markers[session_id] = (now, seen)
        return seen if before is not None and seen != before else None

    async def _tick(self) -> None:
        if self._screens:
            await self._tick_screens()
        if not self._listeners:
            return
        ids = list(self._listeners)
        current = await asyncio.to_thread(self._read_revisions, ids)
        for session_id in ids:
            revision = current.get(session_id)
            if revision is None:  # deleted: say so once
                if self._revisions.get(session_id) != -1:
                    self._publish(session_id, -1, None)
                continue
            if self._revisions.get(session_id) != revision:
                await self._refresh(session_id)
            elif (seen := await self._results_moved(session_id)) is not None:
                await self._refresh(session_id, seen)

    async def _tick_screens(self) -> None:
        ids = list(self._screens)
        pulses = await asyncio.to_thread(self._read_pulses, ids)
        now = time.monotonic()
        for session_id in ids:
            if session_id not in self._screens:  # the last screen left meanwhile
                continue
            pulse = pulses.get(session_id)
            known = session_id in self._pulses
            before = self._pulses.get(session_id)
            if known and pulse == before:
                continue
            # A facilitator action (new revision) goes out at once; the room's own
            # changes wait for the gap, and a later tick sends the newest.
            moved = not known or pulse is None or before is None or pulse[0] != before[0]
            if not moved and now - self._pulsed_at.get(session_id, 0.0) < SCREEN_GAP_SECONDS:
                continue
            self._pulses[session_id] = pulse
            self._pulsed_at[session_id] = now
            event = screen_event_data(pulse)
            for queue in list(self._screens[session_id]):
                _put_latest(queue, event)

    async def _poll_forever(self) -> None:
        loop = asyncio.get_running_loop()
        wake = self._wake or asyncio.Event()
        while self._listeners or self._screens:
            started = loop.time()
            wake.clear()  # an announcement during the tick polls again right after it
            try:
                await self._tick()
            except Exception:  # the store may be briefly unavailable; keep listeners
                log.warning("push poll failed; retrying", exc_info=True)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), POLL_SECONDS)
            await asyncio.sleep(max(0.0, MIN_TICK_SECONDS - (loop.time() - started)))


def _put_latest(queue: asyncio.Queue[str], event: str) -> None:
    """Keep only the newest event: a slow listener needs the latest, not the history."""
    if queue.full():
        with contextlib.suppress(asyncio.QueueEmpty):
            queue.get_nowait()
    queue.put_nowait(event)


HUB = RevisionHub()


# Codes whose session id is known: a phone's stream reconnects every ~30 s, and this
# spares each reconnect a database read (a deleted session is noticed by the hub's poll).
_SESSION_IDS: dict[str, int] = {}
_MAX_KNOWN_CODES = 10_000


async def session_id_of(code: str, address: str | None = None) -> int:
    """The session id for a join code (cached; raises SessionNotFound).

    With the client's ``address`` (memory only), codes that miss again and again from
    there are answered more and more slowly: trying codes by the thousand gets slow.
    Phones only ever ask for the code they joined, so they never wait.
    """
    if address is not None and (delay := CODE_GUARD.delay_for(address)):
        await asyncio.sleep(delay)
    # Keyed by the stored form: variants of one code ("k7q-4mx", padded) share an entry,
    # and anything that is no code never makes one.
    code = normalise_join_code(code)
    known = _SESSION_IDS.get(code)
    if known is not None:
        return known
    db = web_context().db
    try:
        session = await asyncio.to_thread(services.get_session_by_code, db=db, code=code)
    except SessionNotFound:
        if address is not None:
            CODE_GUARD.record_failure(address)
        raise
    if len(_SESSION_IDS) >= _MAX_KNOWN_CODES:
        _SESSION_IDS.clear()
    _SESSION_IDS[code] = session.id
    return session.id


async def session_events(request: Request) -> Response:
    """GET /events/{code}: an SSE stream of what the session's phones show."""
    code = request.path_params["code"]
    address = request_address(request.scope)
    try:
        session_id = await session_id_of(code, address)
    except (SessionNotFound, NotFound) as exc:
        return PlainTextResponse(str(exc), status_code=404)
    except WorkshopError as exc:  # the store is busy: the browser tries again
        return PlainTextResponse(str(exc), status_code=503)
    if not STREAM_SLOTS.acquire(address):  # capped per address and in total
        return streams_busy()
    # Streams end at slightly different times, so phones that joined together do not
    # all reconnect together.
    lasts = STREAM_SECONDS * random.uniform(0.8, 1.2)

    async def stream() -> AsyncIterator[str]:
        queue = HUB.subscribe(session_id)  # here, so that ``finally`` always undoes it
        try:
            yield f"retry: {RETRY_MS}\n\n"
            try:
                event = await HUB.latest(session_id)  # a deleted session: its view is None
            except WorkshopError:  # the store is busy: end here, the browser comes back
                yield f"retry: {BUSY_RETRY_MS}\n\n"
                return
            yield event
            loop = asyncio.get_running_loop()
            ends_at = loop.time() + lasts
            while (left := ends_at - loop.time()) > 0:
                try:
                    fresh = await asyncio.wait_for(queue.get(), min(HEARTBEAT_SECONDS, left))
                except TimeoutError:  # no change: repeat it (heartbeat)
                    yield event
                    continue
                if fresh != event:  # the first event may also have been queued meanwhile
                    event = fresh
                    yield event
        finally:
            HUB.unsubscribe(session_id, queue)

    return SlotStreamingResponse(
        stream(),
        address=address,
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


async def screen_events(request: Request) -> Response:
    """GET /events/{code}/screen: an SSE stream of pulses for facilitator screens.

    A pulse holds only numbers a projector shows anyway (revision, answer count, joined
    count), never content: the page reruns and reads what it draws through its key."""
    code = request.path_params["code"]
    try:
        session_id = await session_id_of(code)
    except (SessionNotFound, NotFound) as exc:
        return PlainTextResponse(str(exc), status_code=404)
    except WorkshopError as exc:
        return PlainTextResponse(str(exc), status_code=503)
    address = request_address(request.scope)
    if not STREAM_SLOTS.acquire(address):  # the same caps as the phones' streams
        return streams_busy()
    lasts = STREAM_SECONDS * random.uniform(0.8, 1.2)

    async def stream() -> AsyncIterator[str]:
        queue = HUB.subscribe_screen(session_id)
        try:
            yield f"retry: {RETRY_MS}\n\n"
            try:
                event = await HUB.screen_event(session_id)
            except WorkshopError:
                yield f"retry: {BUSY_RETRY_MS}\n\n"
                return
            yield event
            loop = asyncio.get_running_loop()
            ends_at = loop.time() + lasts
            while (left := ends_at - loop.time()) > 0:
                try:
                    fresh = await asyncio.wait_for(queue.get(), min(HEARTBEAT_SECONDS, left))
                except TimeoutError:
                    yield event
                    continue
                if fresh != event:
                    event = fresh
                    yield event
        finally:
            HUB.unsubscribe_screen(session_id, queue)

    return SlotStreamingResponse(
        stream(),
        address=address,
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


EVENT_ROUTES = [
    Route("/events/{code}", session_events, methods=["GET"]),
    Route("/events/{code}/screen", screen_events, methods=["GET"]),
]
