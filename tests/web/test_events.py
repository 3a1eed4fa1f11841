"""Push: the SSE revision stream, in-process (hub) and over HTTP against the real server."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.support.builders import make_session
from tests.support.server import running_server
from workshop import services
from workshop.redraws import RedrawWindow
from workshop.storage import make_database
from workshop.web import events
from workshop.web.events import RevisionHub


def test_hub_fans_out_changes_and_forgets_listeners():
    revisions = {1: 5, 2: 9}
    calls: list[list[int]] = []

    def read(ids: list[int]) -> dict[int, int]:
        calls.append(sorted(ids))
        return {i: revisions[i] for i in ids if i in revisions}

    async def scenario() -> None:
        hub = RevisionHub(read_revisions=read)
        a, b, c = hub.subscribe(1), hub.subscribe(1), hub.subscribe(2)
        assert await asyncio.wait_for(a.get(), 2) == 5
        assert await asyncio.wait_for(b.get(), 2) == 5
        assert await asyncio.wait_for(c.get(), 2) == 9
        revisions[1] = 6
        assert await asyncio.wait_for(a.get(), 2) == 6
        assert c.empty()  # session 2 did not change
        hub.unsubscribe(1, a)
        hub.unsubscribe(1, b)
        hub.unsubscribe(2, c)
        assert hub.listener_count() == 0
        await asyncio.sleep(0.6)  # the poller stops when nobody listens

    asyncio.run(scenario())
    assert all(len(ids) <= 2 for ids in calls)  # one query for all sessions per tick


def test_hub_tells_listeners_only_as_fast_as_phones_redraw(monkeypatch):
    window = RedrawWindow(limit=5, forget_told=0.6)
    monkeypatch.setattr(events, "WINDOW", window)
    revisions = {1: 1}
    listeners = 12

    def told(queues: list[asyncio.Queue[int]]) -> int:
        return sum(not q.empty() for q in queues)

    async def scenario() -> None:
        hub = RevisionHub(read_revisions=lambda ids: {i: revisions[i] for i in ids})
        queues = [hub.subscribe(1, known=1) for _ in range(listeners)]
        revisions[1] = 2
        await asyncio.sleep(0.1)
        assert told(queues) == 5  # the window is full: five phones told, none redrawing yet
        for _ in range(3):  # three of them redraw and finish
            window.end(window.begin())
        await asyncio.sleep(0.05)
        assert told(queues) == 8
        revisions[1] = 3  # changes again while the first change is still going out
        # Nobody redraws any more: told phones are forgotten after 0.6 s, five more told.
        await asyncio.sleep(events.POLL_SECONDS + 3 * 0.6 + 0.4)
        assert [q.get_nowait() for q in queues] == [3] * listeners  # everyone, the newest
        for q in queues:
            hub.unsubscribe(1, q)

    asyncio.run(scenario())


def test_the_redraw_window_forgets_what_never_comes():
    window = RedrawWindow(limit=3, forget_told=0.2, forget_running=0.3)
    window.told(2)
    stuck = window.begin()  # takes one told phone; now one told + one running
    assert window.room() == 1
    time.sleep(0.25)
    assert window.room() == 2  # the told phone never asked: forgotten
    time.sleep(0.1)
    assert window.room() == 3  # a redraw running this long is stuck: not waited for
    window.end(stuck)
    assert window.room() == 3


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
        changed = services.next_prompt(
            db=db, session_id=started.session.id, key=started.facilitator_key
        )
        deadline = time.monotonic() + 5
        while found[-1]["revision"] != changed.revision and time.monotonic() < deadline:
            time.sleep(0.05)
        stop.set()
        opened[0].fp.raw._sock.shutdown(2)  # hang up, as a phone leaving would
        assert [e["revision"] for e in found] == [started.session.revision, changed.revision]
        assert found[-1]["boot"] == found[0]["boot"]
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{server.url}/events/ZZZZZZ", timeout=5)
        assert refused.value.code == 404
        db.dispose()
