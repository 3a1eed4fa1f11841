"""A room scans the QR code at once: every phone's first load must draw the join page.

Streamlit's ``st.Page`` objects carry per-run state; shared between sessions (built once
at import), concurrent first runs crashed some phones with "This page cannot be called
directly" (found by the SIGKILL burst test). app.py now builds them per run.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from bench.streamlit_protocol import StreamlitClient
from tests.support.builders import make_session, make_template
from tests.support.server import running_server
from workshop.activities import make_spec
from workshop.config import Settings
from workshop.domain.codes import new_participant_token
from workshop.storage import make_database
from workshop.ui.pages import build_pages
from workshop.web.participant_cookie import PARTICIPANT_COOKIE

PHONES = 40
QUESTION = "Scanned together"


def test_every_run_gets_its_own_page_objects():
    first, second = build_pages(), build_pages()
    ids = {id(p) for pages in (first, second) for group in pages.values() for p in group}
    assert len(ids) == 2 * sum(len(group) for group in first.values())
    source = (Path(__file__).resolve().parents[2] / "app.py").read_text()
    assert "st.navigation(build_pages()" in source


def _prompts_drawn(client: StreamlitClient) -> list[str]:
    """The prompt texts handed to the phone's live part (a component: its data is JSON)."""
    found = []
    for node in client.elements():
        if node.kind == "bidi_component" and node.proto.json:
            prompt = json.loads(node.proto.json)["view"]["prompt"]
            found.append(prompt["text"] if prompt else "")
    return found


async def _first_load(url: str, code: str, secret: bytes) -> tuple[list[str], list[str]]:
    client = StreamlitClient(
        url,
        page="join",
        query_string=f"code={code}",
        cookies={PARTICIPANT_COOKIE: new_participant_token(secret)},
    )
    await client.connect()
    try:
        await client.wait_for(
            lambda: (
                QUESTION in _prompts_drawn(client)
                or any(n.kind == "exception" for n in client.elements())
            ),
            timeout=90,
        )
        crashes = [str(n.proto)[:200] for n in client.elements() if n.kind == "exception"]
        return crashes, _prompts_drawn(client)
    finally:
        await client.close()


@pytest.mark.slow
def test_a_wave_of_first_loads_draws_the_join_page_for_everyone(tmp_path: Path):
    with running_server(tmp_path / "data") as server:
        db = make_database(f"sqlite:///{server.data_dir / 'workshop.db'}")
        try:
            template = make_template(
                make_spec("open_text", text=QUESTION, max_length=50)
            )
            code = make_session(db, template).session.code
            # Each phone arrives with the cookie the server would have set on its page.
            secret = Settings(server.data_dir, database_url="").participant_secret()

            async def wave() -> list[tuple[list[str], list[str]]]:
                loads = (_first_load(server.url, code, secret) for _ in range(PHONES))
                return await asyncio.gather(*loads)

            results = asyncio.run(wave())
        finally:
            db.dispose()
        log = server.log()
    crashed = [crashes for crashes, _ in results if crashes]
    assert crashed == [], f"{len(crashed)} of {PHONES} phones crashed on their first load"
    assert all(prompts == [QUESTION] for _, prompts in results)
    assert "Traceback" not in log
