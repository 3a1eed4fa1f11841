"""Push: the SSE stream of phone views, in-process (hub) and over HTTP against the real server."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from starlette.requests import Request

from tests.support.builders import make_session
from tests.support.server import running_server
from tests.support.web import routes_client
from workshop import services
from workshop.domain.errors import NotFound, SessionNotFound, StoreBusy
from workshop.storage import make_database
from workshop.web import answers, events
from workshop.web.context import web_context
from workshop.web.events import RevisionHub

WAIT = 2.0  # seconds a test waits for an event that must come


def parse(event: str) -> dict[str, Any]:
    """One SSE event as the browser's EventSource reads it."""
    assert event.startswith("data: ") and event.endswith("\n\n"), event
    return json.loads(event.removeprefix("data: "))


class FakeStore:
    """Sessions with a revision, a current prompt (id = 10 x session) and an answer marker.

    Counts every read, so the tests can tell what one change costs.
    """

    def __init__(self, revisions: dict[int, int]) -> None:
        self.revisions = dict(revisions)
        self.results_shown: set[int] = set()
        self.markers: dict[int, int] = {}  # prompt id -> answers so far
        self.gone_before_view: set[int] = set()  # deleted between the two reads
        self.revision_reads: list[list[int]] = []
        self.view_reads: list[int] = []
        self.marker_reads: list[int] = []
        self.revision_delay = 0.0
        self.view_delay = 0.0
        self.busy = False  # every view read fails as a busy store does
        self.answer_before_marker = 0  # answers arriving just before the next marker read

    def read_revisions(self, ids: list[int]) -> dict[int, int]:
        time.sleep(self.revision_delay)
        self.revision_reads.append(sorted(ids))
        return {i: self.revisions[i] for i in ids if i in self.revisions}

    def read_view(self, session_id: int) -> dict[str, Any]:
        time.sleep(self.view_delay)
        self.view_reads.append(session_id)
        if self.busy:
            raise StoreBusy()
        if session_id not in self.revisions or session_id in self.gone_before_view:
            raise NotFound("gone")
        revision, prompt_id = self.revisions[session_id], 10 * session_id
        shown = session_id in self.results_shown
        return {
            "session": {"code": f"CODE{session_id:02d}", "status": "live"},
            "revision": revision,
            "prompt": {"id": prompt_id, "text": f"Question at revision {revision}"},
            "results": {"n": self.markers.get(prompt_id, 0)} if shown else None,
        }

    def read_marker(self, prompt_id: int) -> object:
        self.marker_reads.append(prompt_id)
        if self.answer_before_marker:  # after the view was read, before this marker
            self.markers[prompt_id] = self.markers.get(prompt_id, 0) + self.answer_before_marker
            self.answer_before_marker = 0
        return (self.markers.get(prompt_id, 0), "newest")

    def hub(self) -> RevisionHub:
        return RevisionHub(self.read_revisions, self.read_view, self.read_marker)


def results_of(event: dict[str, Any]) -> Any:
    """The tally an event carries: in its view, or alone (a live-results event)."""
    return event["view"]["results"] if "view" in event else event["results"]


async def next_event(queue: asyncio.Queue[str]) -> dict[str, Any]:
    return parse(await asyncio.wait_for(queue.get(), WAIT))


async def stays_quiet(queue: asyncio.Queue[str], seconds: float) -> bool:
    await asyncio.sleep(seconds)
    return queue.empty()


@pytest.fixture
def fast(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(events, "POLL_SECONDS", 0.02)
    monkeypatch.setattr(events, "RESULTS_PUSH_SECONDS", 0.1)


def test_hub_fans_one_view_per_change_out_and_forgets_listeners(fast: None):
    store = FakeStore({1: 5, 2: 9})

    async def scenario() -> None:
        hub = store.hub()
        a, b, c = hub.subscribe(1), hub.subscribe(1), hub.subscribe(2)
        first = await asyncio.wait_for(a.get(), WAIT)
        assert await asyncio.wait_for(b.get(), WAIT) == first  # the very same event
        event = parse(first)
        assert event["revision"] == 5 and event["boot"] == events.BOOT_ID
        assert event["view"]["prompt"]["text"] == "Question at revision 5"
        assert (await next_event(c))["view"]["revision"] == 9
        assert store.view_reads.count(1) == 1  # one read for both listeners
        store.revisions[1] = 6  # the facilitator acts
        changed = await next_event(a)
        assert changed["revision"] == 6
        assert changed["view"]["prompt"]["text"] == "Question at revision 6"
        assert (await next_event(b))["revision"] == 6
        assert await stays_quiet(c, 0.2)  # session 2 did not change
        assert store.view_reads.count(1) == 2 and store.view_reads.count(2) == 1
        assert await stays_quiet(a, 0.2)  # nothing new, nothing sent
        assert store.marker_reads == []  # no results shown: no answer marker read
        for session_id, queue in ((1, a), (1, b), (2, c)):
            hub.unsubscribe(session_id, queue)
        assert hub.listener_count() == 0
        await asyncio.sleep(0.1)  # the poller stops when nobody listens
        polls = len(store.revision_reads)
        await asyncio.sleep(0.2)
        assert len(store.revision_reads) == polls

    asyncio.run(scenario())
    assert all(len(ids) <= 2 for ids in store.revision_reads)  # one query per tick


def test_a_deleted_session_is_said_once_with_no_view(fast: None):
    store = FakeStore({1: 5, 2: 3})

    async def scenario() -> None:
        hub = store.hub()
        one, two = hub.subscribe(1), hub.subscribe(2)
        assert (await next_event(one))["view"] is not None
        assert (await next_event(two))["view"] is not None
        del store.revisions[1]  # the facilitator deleted it
        assert await next_event(one) == {"revision": -1, "boot": events.BOOT_ID, "view": None}
        assert await stays_quiet(one, 0.2)  # said once
        # Deleted between the revision read and the view read: the same.
        store.revisions[2] = 4
        store.gone_before_view.add(2)
        assert (await next_event(two))["view"] is None
        hub.unsubscribe(1, one)
        hub.unsubscribe(2, two)

    asyncio.run(scenario())


def test_answers_arriving_while_results_are_shown_push_a_fresh_view(fast: None):
    store = FakeStore({1: 5, 2: 7})
    store.results_shown.add(1)

    async def scenario() -> None:
        hub = store.hub()
        shown, hidden = hub.subscribe(1), hub.subscribe(2)
        assert (await next_event(shown))["view"]["results"] == {"n": 0}
        # An answer right after the view was built: a baseline taken only at the next
        # check would already count it, and the phones would never see it.
        store.markers[10] = 1
        fresh = await next_event(shown)
        assert fresh["revision"] == 5  # no revision change: the tally moved
        # Only the results travel to the phones following (not the whole view)...
        assert fresh == {"revision": 5, "boot": events.BOOT_ID, "prompt": 10, "results": {"n": 1}}
        # ...while a phone arriving now gets the whole view, with the new tally.
        assert parse(await hub.latest(1))["view"]["results"] == {"n": 1}
        reads = store.view_reads.count(1)
        assert await stays_quiet(shown, 0.4)  # no new answer: no new view, no new read
        assert store.view_reads.count(1) == reads
        store.markers[10] = 2
        assert results_of(await next_event(shown)) == {"n": 2}
        assert 20 not in store.marker_reads  # results hidden there: never checked
        await next_event(hidden)
        hub.unsubscribe(1, shown)
        hub.unsubscribe(2, hidden)

    asyncio.run(scenario())


def test_an_answer_between_the_view_and_its_first_marker_is_still_pushed(fast: None):
    """With no marker known yet, the one read right AFTER the view may already count an
    answer the view lacks; as the baseline it would hide that answer until the next one.
    So the view is read again after the marker: the view pushed holds every answer the
    marker counts."""
    store = FakeStore({1: 5})
    store.results_shown.add(1)
    store.answer_before_marker = 1

    async def scenario() -> None:
        hub = store.hub()
        queue = hub.subscribe(1)
        seen = (await next_event(queue))["view"]["results"]
        deadline = asyncio.get_running_loop().time() + 1.0  # ten marker checks
        while seen != {"n": 1} and asyncio.get_running_loop().time() < deadline:
            with contextlib.suppress(TimeoutError):
                seen = results_of(parse(await asyncio.wait_for(queue.get(), 0.1)))
        assert seen == {"n": 1}, "the answer counted by the baseline never reached the phones"
        hub.unsubscribe(1, queue)

    asyncio.run(scenario())


def test_a_view_read_after_the_last_listener_left_is_not_kept(fast: None):
    """A read in flight when the last phone leaves: keeping its view would hand a stale
    first event to the next phone (nobody polls a session without listeners)."""
    store = FakeStore({1: 5})
    store.view_delay = 0.3

    async def scenario() -> None:
        hub = store.hub()
        queue = hub.subscribe(1)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + WAIT
        while not store.revision_reads and loop.time() < deadline:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)  # the poller is reading revision 5's view...
        hub.unsubscribe(1, queue)  # ...when the last phone leaves
        while not store.view_reads and loop.time() < deadline:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.1)
        assert store.view_reads == [1]  # the read did finish (and found no one to tell)
        store.revisions[1] = 6  # the room moves on while nobody listens
        store.view_delay = 0.0
        again = hub.subscribe(1)
        assert parse(await hub.latest(1))["revision"] == 6
        assert (await hub.latest_view(1))["revision"] == 6
        hub.unsubscribe(1, again)

    asyncio.run(scenario())


def test_latest_view_is_the_cache_while_phones_listen_and_a_fresh_read_otherwise(
    fast: None,
):
    store = FakeStore({1: 5, 2: 3})

    async def scenario() -> None:
        hub = store.hub()
        queue = hub.subscribe(1)
        await next_event(queue)
        reads = len(store.view_reads)
        for _ in range(20):  # a room of phones asking at once
            assert (await hub.latest_view(1))["revision"] == 5
        assert len(store.view_reads) == reads  # no read: the hub has it
        assert (await hub.latest_view(2))["revision"] == 3  # nobody follows 2: read now
        assert 2 in store.view_reads
        del store.revisions[2]
        assert await hub.latest_view(2) is None  # deleted
        hub.unsubscribe(1, queue)

    asyncio.run(scenario())


def test_the_view_route_is_served_from_the_hub(
    fast: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """GET /api/view for a session this process follows costs no database read."""
    monkeypatch.setenv("WORKSHOP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("WORKSHOP_DATABASE_URL", raising=False)
    store = FakeStore({1: 5})
    hub = store.hub()
    monkeypatch.setattr(answers, "HUB", hub)
    monkeypatch.setitem(events._SESSION_IDS, "CODE01", 1)

    def request(code: str) -> Request:
        scope = {
            "type": "http",
            "method": "GET",
            "path": f"/api/view/{code}",
            "path_params": {"code": code},
            "headers": [],
            "query_string": b"",
        }
        return Request(scope)

    async def scenario() -> None:
        queue = hub.subscribe(1)
        pushed = (await next_event(queue))["view"]
        reads = len(store.view_reads)
        for _ in range(20):
            reply = await answers.get_view(request("CODE01"))
            assert reply.status_code == 200
            assert json.loads(reply.body) == pushed
        assert len(store.view_reads) == reads
        del store.revisions[1]  # deleted: said with the reason the phone acts on
        await asyncio.sleep(0.2)
        reply = await answers.get_view(request("CODE01"))
        assert reply.status_code == 404
        assert json.loads(reply.body)["reason"] == "unknown"
        hub.unsubscribe(1, queue)

    with routes_client():
        asyncio.run(scenario())


def test_session_id_of_reads_each_code_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A phone's stream reconnects every ~30 s and /api/view may be asked by a whole
    room: the code is looked up once per process."""
    monkeypatch.setenv("WORKSHOP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("WORKSHOP_DATABASE_URL", raising=False)
    monkeypatch.setattr(events, "_SESSION_IDS", {})
    with routes_client():
        started = make_session(web_context().db)
        lookups: list[str] = []
        real = services.get_session_by_code

        def counted(**kwargs: Any) -> Any:
            lookups.append(kwargs["code"])
            return real(**kwargs)

        monkeypatch.setattr(services, "get_session_by_code", counted)

        async def scenario() -> None:
            code = started.session.code
            assert await events.session_id_of(code) == started.session.id
            assert await events.session_id_of(code) == started.session.id
            assert lookups == [code]
            with pytest.raises(SessionNotFound):
                await events.session_id_of("ZZZZZZ")
            with pytest.raises(SessionNotFound):  # an unknown code is not remembered
                await events.session_id_of("ZZZZZZ")
            assert lookups == [code, "ZZZZZZ", "ZZZZZZ"]

        asyncio.run(scenario())


def test_a_busy_store_at_the_first_event_ends_the_stream_with_a_longer_retry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """No error page, no hanging stream: it ends, asking the browser to come back later
    than usual (a busy store needs air, not a room of instant reconnects)."""
    monkeypatch.setenv("WORKSHOP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("WORKSHOP_DATABASE_URL", raising=False)
    monkeypatch.setattr(events, "POLL_SECONDS", 0.02)
    store = FakeStore({1: 5})
    store.busy = True
    hub = store.hub()
    monkeypatch.setattr(events, "HUB", hub)
    monkeypatch.setitem(events._SESSION_IDS, "CODE01", 1)
    with routes_client() as client:
        reply = client.get("/events/CODE01")
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("text/event-stream")
    chunks = [c for c in reply.text.split("\n\n") if c]
    assert chunks == [f"retry: {events.RETRY_MS}", f"retry: {events.BUSY_RETRY_MS}"]
    assert events.BUSY_RETRY_MS > events.RETRY_MS
    assert hub.listener_count() == 0  # the phone that left is forgotten


def test_the_first_listener_reads_the_view_once_and_gets_it_once(fast: None):
    """The stream's first event (``latest``) is kept for the poller: no second read, and
    the same view is not queued again."""
    store = FakeStore({1: 5})
    store.revision_delay = 0.3  # the poller's first look comes after the stream's

    async def scenario() -> None:
        hub = store.hub()
        queue = hub.subscribe(1)
        first = parse(await hub.latest(1))
        assert first["revision"] == 5
        assert await stays_quiet(queue, 0.6)
        assert store.view_reads == [1]
        assert await hub.latest(1) == events.event_data(5, first["view"])  # kept
        store.revisions[1] = 6
        assert (await next_event(queue))["revision"] == 6
        hub.unsubscribe(1, queue)

    asyncio.run(scenario())


def test_the_stream_sends_a_view_once_and_repeats_it_only_as_a_heartbeat(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """The poller also finds the first listener's session changed (it had never seen it)
    and queues the same view: the stream must not send it twice."""
    monkeypatch.setenv("WORKSHOP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("WORKSHOP_DATABASE_URL", raising=False)
    monkeypatch.setattr(events, "POLL_SECONDS", 0.02)
    monkeypatch.setattr(events, "HEARTBEAT_SECONDS", 10.0)
    monkeypatch.setattr(events, "STREAM_SECONDS", 1.0)
    with routes_client() as client:
        db = web_context().db
        started = make_session(db)
        store = FakeStore({started.session.id: 5})
        real_read_view = store.read_view

        def slow_read_view(session_id: int) -> dict[str, Any]:
            time.sleep(0.2)  # both the stream and the poller read meanwhile
            return real_read_view(session_id)

        store.read_view = slow_read_view  # type: ignore[method-assign]
        monkeypatch.setattr(events, "HUB", store.hub())
        reply = client.get(f"/events/{started.session.code}")
        assert client.get("/events/ZZZZZZ").status_code == 404
    assert reply.headers["content-type"].startswith("text/event-stream")
    assert reply.headers["cache-control"] == "no-store"
    chunks = [c for c in reply.text.split("\n\n") if c]
    assert chunks[0] == f"retry: {events.RETRY_MS}"
    sent = [parse(c + "\n\n") for c in chunks[1:]]
    # The view once, then once more when the stream ends (the heartbeat's repeat).
    assert [e["revision"] for e in sent] == [5, 5], sent
    assert sent[0]["view"]["prompt"]["text"] == "Question at revision 5"


def _read_events(url: str, found: list[dict], stop: threading.Event, opened: list) -> None:
    with urllib.request.urlopen(url, timeout=20) as response:
        opened.append(response)
        for raw in response:
            line = raw.decode().strip()
            if line.startswith("data:"):
                found.append(json.loads(line[5:]))
            if stop.is_set():
                return


@pytest.mark.slow
def test_sse_stream_pushes_a_facilitator_change(tmp_path: Path):
    with running_server(tmp_path / "data") as server:
        db = make_database(f"sqlite:///{tmp_path / 'data' / 'workshop.db'}")
        started = make_session(db)
        found: list[dict] = []
        stop = threading.Event()
        opened: list = []
        reader = threading.Thread(
            target=_read_events,
            args=(f"{server.url}/events/{started.session.code}", found, stop, opened),
            daemon=True,
        )
        reader.start()
        deadline = time.monotonic() + 10
        while not found and time.monotonic() < deadline:
            time.sleep(0.05)
        assert found and found[0]["revision"] == started.session.revision
        assert found[0]["view"]["prompt"]["text"] == "Pick one"
        changed = services.next_prompt(
            db=db, session_id=started.session.id, key=started.facilitator_key
        )
        deadline = time.monotonic() + 5
        while found[-1]["revision"] != changed.revision and time.monotonic() < deadline:
            time.sleep(0.05)
        stop.set()
        opened[0].fp.raw._sock.shutdown(2)  # hang up, as a phone leaving would
        assert [e["revision"] for e in found] == [started.session.revision, changed.revision]
        assert found[-1]["view"]["prompt"]["text"] == "Pick some"
        assert found[-1]["view"]["revision"] == changed.revision
        assert found[-1]["boot"] == found[0]["boot"]
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{server.url}/events/ZZZZZZ", timeout=5)
        assert refused.value.code == 404
        db.dispose()


def test_live_results_pushes_space_out_with_the_phones():
    # the cost of a push grows with the phones; its frequency falls with them
    assert events.results_push_interval(1) == events.RESULTS_PUSH_SECONDS
    assert events.results_push_interval(1000) == 1000 * events.RESULTS_SECONDS_PER_LISTENER
    per_second = [n / events.results_push_interval(n) for n in (100, 1000, 2000)]
    assert per_second[1] == per_second[2]  # phones reached per second: bounded


def test_only_a_change_of_answers_goes_out_as_results_alone():
    view = {
        "session": {"code": "CODE01", "status": "live"},
        "revision": 5,
        "prompt": {"id": 10, "text": "Q", "answered": 3},
        "results": {"n": 3},
    }
    more = {**view, "prompt": {**view["prompt"], "answered": 4}, "results": {"n": 4}}
    assert events.only_results_moved(view, more)
    assert not events.only_results_moved(None, more)  # nothing drawn yet: the whole view
    assert not events.only_results_moved(more, dict(more))  # the same: dropped as sent
    assert not events.only_results_moved(view, {**more, "revision": 6})  # a facilitator change
    moved = {**more, "prompt": {**more["prompt"], "id": 11}}
    assert not events.only_results_moved(view, moved)  # another prompt
    assert not events.only_results_moved(view, {**more, "results": None})  # results hidden
    event = parse(events.results_event_data(5, more))
    assert event == {"revision": 5, "boot": events.BOOT_ID, "prompt": 10, "results": {"n": 4}}
    assert len(events.results_event_data(5, more)) < len(events.event_data(5, more))
