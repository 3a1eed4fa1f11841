"""The load bench's Streamlit protocol client against the real app.

bench/streamlit_protocol.py speaks Streamlit's private websocket protocol; a Streamlit
upgrade that changes it must fail here, loudly, rather than make the benchmark quietly
measure nothing.
"""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

import pytest

from bench.load_report import StepResult
from bench.phone_driver import plan_answer
from bench.room import PresenterScreen, Room
from bench.streamlit_protocol import StreamlitClient
from tests.support.builders import make_session
from tests.support.server import running_server
from workshop import services
from workshop.domain.codes import new_participant_token
from workshop.storage import make_database

pytestmark = pytest.mark.slow

FIRST_PROMPT = "Pick one"  # make_template's first prompt: single choice A / B / C


def test_client_renders_the_join_page_and_answers(tmp_path: Path) -> None:
    with running_server(tmp_path / "data") as server:
        db = make_database(f"sqlite:///{server.data_dir / 'workshop.db'}")
        try:
            started = make_session(db)
            token = new_participant_token()

            async def scenario() -> tuple[StreamlitClient, str]:
                client = StreamlitClient(
                    server.url,
                    page="join",
                    query_string=f"code={started.session.code}",
                    cookies={"workshop_participant": token},
                )
                await client.connect()
                try:
                    await client.wait_for(lambda: client.find_text(FIRST_PROMPT), timeout=30)
                    await client.wait_idle(timeout=30)
                    action = plan_answer(client, avoid=None, rng=random.Random(7))
                    assert action is not None, f"no answer form on the page: {client.texts()}"
                    for widget_id, value in action.values:
                        client.set_widget(widget_id, **value)
                    await client.click(action.button)
                    await client.wait_for(lambda: client.find_text("Received"), timeout=30)
                    await client.wait_idle(timeout=30)
                finally:
                    await client.close()
                return client, action.shown_value

            client, answered = asyncio.run(scenario())

            async def presenter_count() -> dict[str, list[float]]:
                # The bench reads "N answered" off the real presenter page.
                room = Room(StepResult(1), [FIRST_PROMPT], "received")
                screen = PresenterScreen(
                    room, server.url, started.session.code, started.facilitator_key
                )
                await screen.client.connect()
                try:
                    await screen.client.wait_for(lambda: room.count_reached, timeout=30)
                finally:
                    await screen.client.close()
                return room.count_reached

            counted = asyncio.run(presenter_count())
            view = services.get_live_view(db=db, session_id=started.session.id)
            assert view.prompt is not None
            stored = services.find_my_answer(
                db=db,
                secret=(server.data_dir / "secret.key").read_bytes().strip(),
                session_id=started.session.id,
                prompt_id=view.prompt.id,
                token=token,
            )
        finally:
            db.dispose()
    assert client.error is None
    assert client.session_id and client.page_script_hash
    assert "code=" in client.query_string  # page_info_changed keeps the URL in step
    assert stored is not None and stored.value == answered
    assert answered in client.texts()  # the page reads the answer back
    assert len(counted[FIRST_PROMPT]) == 1  # the presenter counts the one answer
