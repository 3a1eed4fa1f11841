"""The load bench's simulated phone against the real app.

A simulated phone (bench/room.py) speaks to the server as the phone's browser does:
the join page's HTML request (which sets the participant cookie), Streamlit's private
websocket protocol (bench/streamlit_protocol.py) until the page's run drew the phone
component, then the push stream (an EventSource) and ``POST /api/answer``. A Streamlit
upgrade that changes the protocol, or a page that stops drawing the component, must
fail here, loudly, rather than make the benchmark quietly measure nothing.
"""

from __future__ import annotations

import asyncio
import random
import time
from pathlib import Path

import pytest

from bench.load_report import StepResult
from bench.phone_driver import plan_value
from bench.room import Phone, PresenterScreen, Room, bench_template
from tests.support.builders import answer_current, make_session, make_template
from tests.support.server import running_server
from workshop import services
from workshop.activities import KINDS, validate_answer
from workshop.storage import Database, make_database

FIRST, SECOND = "Pick one", "Pick some"  # make_template's first two prompts


def test_planned_answers_are_valid_for_every_kind(sqlite_db: Database, secret: bytes) -> None:
    """What the bench sends for each kind of prompt is taken, and stored as the kind
    reads it (a re-send of the stored value is the same value)."""
    template = bench_template("t", len(KINDS), kinds="every")
    started = make_session(sqlite_db, template)
    sid, key = started.session.id, started.facilitator_key
    rng = random.Random(3)
    for position, spec in enumerate(template.prompts):
        services.go_to_prompt(db=sqlite_db, session_id=sid, key=key, position=position)
        earlier = None
        for _ in range(8):
            value = plan_value(spec, avoid=earlier, rng=rng)
            stored = answer_current(sqlite_db, started, value, secret=secret)
            assert validate_answer(spec, stored.value) == stored.value, (spec.kind, value)
            earlier = value


@pytest.mark.slow
def test_simulated_phone_loads_follows_and_answers(tmp_path: Path) -> None:
    with running_server(tmp_path / "data") as server:
        db = make_database(f"sqlite:///{server.data_dir / 'workshop.db'}")
        try:
            started = make_session(db)
            sid, key = started.session.id, started.facilitator_key
            first, second = services.list_prompts(db=db, session_id=sid)[:2]
            room = Room(StepResult(1), make_template().prompts)

            async def scenario() -> Phone:
                phone = Phone(room, server.url, started.session.code, seed=7)
                await phone.connect(0.0)
                try:
                    assert phone.connected, phone.failure
                    assert phone.shown == FIRST and phone.drawn == (first.id, True)
                    await phone.answer()  # a first answer
                    await phone.answer()  # a changed answer: one more POST
                    assert room.result.answers_acked == 2, dict(phone.refusals)

                    # The room moves on: the push stream brings the next prompt.
                    await asyncio.to_thread(services.next_prompt, db=db, session_id=sid, key=key)
                    room.advanced_at[SECOND] = time.monotonic()
                    async with asyncio.timeout(15):
                        while phone.shown != SECOND:
                            await asyncio.sleep(0.05)
                    await phone.answer()
                    assert room.result.answers_acked == 3, dict(phone.refusals)

                    # An answer to a prompt the room left is refused out loud, not stored.
                    assert phone.data is not None and phone.token is not None
                    refused = await phone.http.request(
                        "POST",
                        "/api/answer",
                        headers=phone._headers(**{"Content-Type": "application/json"}),
                        body=(
                            f'{{"code": "{phone.data["code"]}", "prompt": {first.id}, '
                            '"value": "A"}'
                        ).encode(),
                    )
                    assert refused.status == 409 and refused.json()["reason"] == "moved"
                    assert phone.client is not None and not phone.client.closed
                finally:
                    await phone.close()
                return phone

            phone = asyncio.run(scenario())

            async def presenter_count() -> dict[str, list[float]]:
                # The bench reads "N answered" off the real presenter page.
                screen = PresenterScreen(room, server.url, started.session.code, key)
                await screen.client.connect()
                try:
                    await screen.client.wait_for(lambda: SECOND in room.count_reached, timeout=30)
                finally:
                    await screen.client.close()
                return room.count_reached

            counted = asyncio.run(presenter_count())
            secret = (server.data_dir / "secret.key").read_bytes().strip()

            def stored(prompt_id: int) -> object:
                mine = services.find_my_answer(
                    db=db, secret=secret, session_id=sid, prompt_id=prompt_id, token=phone.token
                )
                return None if mine is None else mine.value

            stored_first, stored_second = stored(first.id), stored(second.id)
            joined = services.get_live_view(db=db, session_id=sid).counts.joined
        finally:
            db.dispose()
    client = phone.client
    assert client is not None and client.error is None
    assert client.session_id and client.page_script_hash
    assert "code=" in client.query_string  # page_info_changed keeps the URL in step
    assert client.stats.reruns_sent == 1  # the page load's run only: the rest is push + POST
    assert phone.data is not None and phone.data["token"] is None  # the cookie was enough
    assert phone.sse is not None and phone.sse.connects >= 1 and phone.stream_errors == 0
    assert phone.problem() is None
    assert stored_first == phone.acked[FIRST] and stored_second == phone.acked[SECOND]
    assert joined == 1  # page load, answers and the refused one: one participant
    assert len(room.seen_after_advance[SECOND]) == 1  # the advance was timed on the phone
    assert len(counted[SECOND]) == 1  # the presenter counts the one answer
