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
from workshop.storage import make_database
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
