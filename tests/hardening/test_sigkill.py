"""Durability: SIGKILL the real server in the middle of a burst of answers, restart it on
the same port and data directory, and find every acknowledged answer stored; the phones
carry on by themselves.

The burst comes from 60 simulated phones (``bench/room.py``: each loads the light join
page, which sets its participant cookie and hands over the data the phone app starts
from, follows the room over the push stream and answers with ``POST /api/answer``, as the
phone's browser does), all sending at once, plus two real phones in Chromium. An answer
counts as acknowledged when its phone got ``{"ok": true}`` (sent only after the commit;
a real phone then shows "Received"). The kill comes as soon as one simulated phone has
its acknowledgement, so most of the others are still in flight.

After the restart the room moves on: every phone, simulated and real, must show the next
prompt through its reconnected push stream and have its answer to it acknowledged and
stored, without a reload.
"""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from bench.load_report import StepResult
from bench.room import Phone, Room
from tests.browser.conftest import PHONE
from tests.support.builders import make_template
from tests.support.postgres import free_port
from tests.support.server import RunningServer, start_server, stop_server_process
from workshop import services
from workshop.activities import make_spec
from workshop.config import Settings
from workshop.storage import Database, make_database
from workshop.web.participant_cookie import PARTICIPANT_COOKIE

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SIMULATED_PHONES = 60
RAMP_PER_SECOND = 20.0  # simulated phones loading the page per second
KILL_AFTER_ACKS = 1
FIRST, SECOND = "What should we keep?", "And what should change?"
BURST_TEMPLATE = make_template(
    make_spec("open_text", text=FIRST, max_length=100),
    make_spec("open_text", text=SECOND, max_length=100),
)
UI_TIMEOUT_MS = 30_000
FOLLOW_TIMEOUT = 60.0


@dataclass
class Burst:
    """The simulated phones, in their own thread and event loop (the browser's sync API
    owns this thread's loop), driven step by step from the test."""

    server: RunningServer
    code: str
    room: Room = field(
        default_factory=lambda: Room(StepResult(SIMULATED_PHONES), BURST_TEMPLATE.prompts)
    )
    phones: list[Phone] = field(default_factory=list)
    in_flight_at_kill: int = -1
    loaded: threading.Event = field(default_factory=threading.Event)
    go: threading.Event = field(default_factory=threading.Event)
    burst_done: threading.Event = field(default_factory=threading.Event)
    again: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None

    def sent(self, prompt: str) -> dict[str, Any]:
        """token -> the value each simulated phone sent to ``prompt`` (its only one)."""
        out = {}
        for phone in self.phones:
            assert phone.token is not None
            if prompt in phone.acked:
                out[phone.token] = phone.acked[prompt]
            else:
                out.update((phone.token, s.value) for s in phone.unacked if s.prompt == prompt)
        return out

    def acked(self, prompt: str) -> dict[str, Any]:
        return {p.token: p.acked[prompt] for p in self.phones if prompt in p.acked and p.token}


async def _wait(event: threading.Event, timeout: float) -> None:
    if not await asyncio.to_thread(event.wait, timeout):
        raise TimeoutError("the test did not give the go")


async def _simulated_phones(burst: Burst) -> None:
    burst.phones = [
        Phone(burst.room, burst.server.url, burst.code, seed=i) for i in range(SIMULATED_PHONES)
    ]
    try:
        await asyncio.gather(*(p.connect(i / RAMP_PER_SECOND) for i, p in enumerate(burst.phones)))
        failed = [p.failure for p in burst.phones if not p.connected]
        assert not failed, f"simulated phones did not load the page: {failed[:3]}"
        assert all(p.shown == FIRST for p in burst.phones)
        burst.loaded.set()
        await _wait(burst.go, 60)

        killed = False

        async def answer(phone: Phone) -> None:
            nonlocal killed
            await phone.answer()
            if FIRST in phone.acked and len(burst.acked(FIRST)) >= KILL_AFTER_ACKS and not killed:
                killed = True
                burst.in_flight_at_kill = sum(p.sending is not None for p in burst.phones)
                stop_server_process(burst.server.process, kill=True)  # SIGKILL, mid-burst

        await asyncio.gather(*(answer(p) for p in burst.phones))
        burst.burst_done.set()

        # After the restart: the push streams reconnect by themselves and bring the next
        # prompt; every phone answers it.
        await _wait(burst.again, 120)
        async with asyncio.timeout(FOLLOW_TIMEOUT):
            while not all(p.shown == SECOND for p in burst.phones):
                await asyncio.sleep(0.1)
        await asyncio.gather(*(p.answer() for p in burst.phones))
    finally:
        await asyncio.gather(*(p.close() for p in burst.phones), return_exceptions=True)


def run_simulated_phones(burst: Burst) -> threading.Thread:
    def main() -> None:
        try:
            asyncio.run(_simulated_phones(burst))
        except BaseException as error:  # surfaced in the test
            burst.error = error
        finally:
            burst.loaded.set()
            burst.burst_done.set()

    thread = threading.Thread(target=main, name="simulated-phones", daemon=True)
    thread.start()
    return thread


def shows(page: Page, text: str, timeout_ms: int = UI_TIMEOUT_MS) -> None:
    locator = page.get_by_text(text, exact=True).or_(page.get_by_role("heading", name=text))
    expect(locator.first).to_be_visible(timeout=timeout_ms)


def send(page: Page, value: str) -> None:
    page.get_by_role("textbox", name="Your answer").fill(value)
    page.get_by_role("button", name="Send my answer").click()


def stored_value(db: Database, secret: bytes, session_id: int, prompt_id: int, token: str):
    mine = services.find_my_answer(
        db=db, secret=secret, session_id=session_id, prompt_id=prompt_id, token=token
    )
    return None if mine is None else mine.value


def wait_in_browser(page: Page, event: threading.Event, seconds: float) -> bool:
    for _ in range(int(seconds * 10)):  # the browser's loop keeps running meanwhile
        if event.is_set():
            return True
        page.wait_for_timeout(100)
    return event.is_set()


def test_sigkill_mid_burst_loses_no_acknowledged_answer(browser: Browser, tmp_path: Path):
    port = free_port()
    server = start_server(tmp_path / "data", port=port)
    settings = Settings.from_env({"WORKSHOP_DATA_DIR": str(server.data_dir)})
    db = make_database(settings.database_url)
    secret = settings.participant_secret()
    contexts = [browser.new_context(**PHONE) for _ in range(2)]
    thread = burst = None
    try:
        started = services.start_session(db=db, template=BURST_TEMPLATE)
        sid, code, key = started.session.id, started.session.code, started.facilitator_key
        first, second = services.list_prompts(db=db, session_id=sid)

        phones = [context.new_page() for context in contexts]
        for page in phones:
            page.goto(f"{server.url}/join?code={code}")
            shows(page, FIRST)
        burst = Burst(server, code)
        thread = run_simulated_phones(burst)
        assert wait_in_browser(phones[0], burst.loaded, 120), "the phones did not load"
        assert burst.error is None, burst.error

        # Everyone sends at once: the two real phones, then the sixty simulated ones.
        for i, page in enumerate(phones):
            send(page, f"real phone {i}")
        burst.go.set()
        assert wait_in_browser(phones[0], burst.burst_done, 120), "the burst did not end"
        assert burst.error is None, burst.error
        assert server.process.poll() is not None, "the server was not killed"

        # What the real phones showed when the server died is what they were promised.
        real_tokens = [
            next(c["value"] for c in context.cookies() if c["name"] == PARTICIPANT_COOKIE)
            for context in contexts
        ]
        real_acked = {
            token: f"real phone {i}"
            for i, (page, token) in enumerate(zip(phones, real_tokens, strict=True))
            if page.get_by_text("Received — thank you!").is_visible()
        }

        server = start_server(server.data_dir, port=port)  # same port, same data

        sent = burst.sent(FIRST)
        acked = {**burst.acked(FIRST), **real_acked}
        lost = {
            token: value
            for token, value in acked.items()
            if stored_value(db, secret, sid, first.id, token) != value
        }
        real_sent = {token: f"real phone {i}" for i, token in enumerate(real_tokens)}
        unacked_but_stored = sum(
            1
            for token, value in {**sent, **real_sent}.items()
            if token not in acked and stored_value(db, secret, sid, first.id, token) == value
        )
        refused = burst.room.result.refusals
        print(
            f"\nsent {len(sent) + len(phones)}, acknowledged {len(acked)} "
            f"(real phones {len(real_acked)}), in flight at the kill "
            f"{burst.in_flight_at_kill}, not acknowledged by reason {dict(refused)}, "
            f"stored without acknowledgement {unacked_but_stored}, "
            f"acknowledged but lost {len(lost)}"
        )
        assert len(sent) == SIMULATED_PHONES  # every simulated phone sent its answer
        assert len(burst.acked(FIRST)) >= KILL_AFTER_ACKS
        # Mid-burst: some answers never got their acknowledgement.
        assert len(acked) < len(sent) + len(phones), "the kill came after the burst"
        assert set(refused) <= {"network", "busy"}, refused  # the server died or was busy
        assert lost == {}, f"acknowledged answers lost after SIGKILL: {lost}"
        count = len(services.list_answers(db=db, session_id=sid, prompt_id=first.id))
        assert count == len(acked) + unacked_but_stored  # nothing else, nothing doubled

        # The room moves on; every phone follows without a tap and answers again.
        services.next_prompt(db=db, session_id=sid, key=key)
        restarted = time.monotonic()
        burst.again.set()
        for i, page in enumerate(phones):
            shows(page, SECOND)
            send(page, f"after restart {i}")
            expect(page.get_by_text("Received — thank you!")).to_be_visible(timeout=UI_TIMEOUT_MS)
        print(f"both real phones answered {time.monotonic() - restarted:.1f} s after the restart")
        thread.join(timeout=FOLLOW_TIMEOUT + 30)
        assert not thread.is_alive() and burst.error is None, burst.error
        again = burst.acked(SECOND)
        print(f"simulated phones answered again: {len(again)} of {SIMULATED_PHONES}")
        assert len(again) == SIMULATED_PHONES, dict(burst.room.result.refusals)
        for token, value in again.items():
            assert stored_value(db, secret, sid, second.id, token) == value
        for i, token in enumerate(real_tokens):
            assert stored_value(db, secret, sid, second.id, token) == f"after restart {i}"
        # Everyone joined before the burst; the restart made no one a second participant.
        joined = services.get_live_view(db=db, session_id=sid).counts.joined
        assert joined == SIMULATED_PHONES + len(phones)
    finally:
        if burst is not None:
            burst.go.set()
            burst.again.set()
        if thread is not None:
            thread.join(timeout=30)
        for context in contexts:
            context.close()
        db.dispose()
        stop_server_process(server.process)
