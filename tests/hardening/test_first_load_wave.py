"""A room scans the QR code at once: every phone's first load must draw the join page.

Streamlit's ``st.Page`` objects carry per-run state; shared between sessions (built once
at import), concurrent first runs crashed some pages with "This page cannot be called
directly" (found by the SIGKILL burst test). app.py builds them per run (the facilitator's
pages; the phone's page is workshop's own light HTML now). The wave: 40 phones open the
QR address at the same moment, each for the first time (no cookie yet), and each gets its
own participant token and the question.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bench.load_report import StepResult
from bench.room import Phone, Room
from tests.support.builders import make_session, make_template
from tests.support.server import running_server
from workshop import services
from workshop.activities import make_spec
from workshop.storage import make_database
from workshop.ui.pages import build_pages

PHONES = 40
QUESTION = "Scanned together"
TEMPLATE = make_template(make_spec("open_text", text=QUESTION, max_length=50))


def test_every_run_gets_its_own_page_objects():
    first, second = build_pages(), build_pages()
    ids = {id(p) for pages in (first, second) for group in pages.values() for p in group}
    assert len(ids) == 2 * sum(len(group) for group in first.values())
    source = (Path(__file__).resolve().parents[2] / "app.py").read_text()
    assert "st.navigation(build_pages()" in source


async def _wave(url: str, code: str) -> list[Phone]:
    room = Room(StepResult(PHONES), TEMPLATE.prompts)
    phones = [Phone(room, url, code, seed=i, follow=False) for i in range(PHONES)]
    try:
        await asyncio.gather(*(phone.connect(0) for phone in phones))  # all at once
    finally:
        await asyncio.gather(*(phone.close() for phone in phones), return_exceptions=True)
    return phones


@pytest.mark.slow
def test_a_wave_of_first_loads_draws_the_join_page_for_everyone(tmp_path: Path):
    with running_server(tmp_path / "data") as server:
        db = make_database(f"sqlite:///{server.data_dir / 'workshop.db'}")
        try:
            started = make_session(db, TEMPLATE)
            # Each phone arrives with no cookie: the page issues one to each.
            phones = asyncio.run(_wave(server.url, started.session.code))
            joined = services.get_live_view(db=db, session_id=started.session.id).counts.joined
        finally:
            db.dispose()
        log = server.log()
    failed = [phone.failure for phone in phones if not phone.connected]
    assert failed == [], f"{len(failed)} of {PHONES} phones did not load the page: {failed[:3]}"
    assert all(phone.shown == QUESTION for phone in phones)
    tokens = {phone.token for phone in phones}
    assert None not in tokens and len(tokens) == PHONES  # one participant per phone
    assert joined == PHONES
    assert "Traceback" not in log
