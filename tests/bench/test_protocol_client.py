"""The load bench's Streamlit protocol client against the real app.

bench/streamlit_protocol.py speaks Streamlit's private websocket protocol; a Streamlit
upgrade that changes it must fail here, loudly, rather than make the benchmark quietly
measure nothing.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from bench.streamlit_protocol import StreamlitClient

from tests.support.builders import make_session
from tests.support.server import running_server
from workshop.domain.codes import new_participant_token
from workshop.storage import make_database

pytestmark = pytest.mark.slow


def test_client_renders_the_join_page_and_reads_the_prompt(tmp_path: Path) -> None:
    with running_server(tmp_path / "data") as server:
        db = make_database(f"sqlite:///{server.data_dir / 'workshop.db'}")
        try:
            started = make_session(db)
        finally:
            db.dispose()
        first_prompt = "Pick one"  # make_template's first prompt

        async def scenario() -> StreamlitClient:
            client = StreamlitClient(
                server.url,
                page="join",
                query_string=f"code={started.session.code}",
                cookies={"workshop_participant": new_participant_token()},
            )
            await client.connect()
            try:
                await client.wait_for(
                    lambda: client.find_text(first_prompt) is not None, timeout=30
                )
                await client.wait_idle(timeout=30)
            finally:
                await client.close()
            return client

        client = asyncio.run(scenario())
    assert client.error is None
    assert client.session_id and client.page_script_hash
    assert any(first_prompt in text for text in client.texts())
    assert client.widgets(), "the join page draws an answer input"
