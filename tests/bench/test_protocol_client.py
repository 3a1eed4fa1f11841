"""The load bench's simulated phone against the real app.

A simulated phone (bench/room.py) speaks to the server as the phone's browser does: the
phone page (``GET /join``, the first visit's 303 that sets the participant cookie, the
stylesheet and script the HTML names, the phone-data JSON the app boots from), then the
push stream (an EventSource) and ``POST /api/answer``. A page that changes shape (no
phone-data, other asset names, no redirect), or a client that miscounts what it
downloads, must fail here, loudly, rather than make the benchmark quietly measure
nothing. The presenter is still a Streamlit page (bench/streamlit_protocol.py).
"""

from __future__ import annotations

import asyncio
import gzip
import json
import random
import time
from collections.abc import Iterator

import pytest

from bench.load_report import StepResult
from bench.load_target import Target
from bench.phone_driver import parse_phone_page, plan_value
from bench.phones import Options, run_wave
from bench.room import Phone, PresenterScreen, Room, bench_template
from bench.sse import HttpClient
from tests.support.builders import answer_current, make_session, make_template
from tests.support.server import RunningServer, running_server
from workshop import services
from workshop.activities import KINDS, validate_answer
from workshop.config import Settings
from workshop.storage import Database, make_database
from workshop.web import phone_html
from workshop.web.phone_assets import phone_app

FIRST, SECOND = "Pick one", "Pick some"  # make_template's first two prompts
FIRST_LOAD_BUDGET = 150 * 1024  # issue 11: a cold phone's first load, on the wire


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


def test_the_parser_finds_what_the_browser_finds_in_the_live_page() -> None:
    """The assets the live page names and its start data, exactly, even where the data
    holds text that would end a script tag if it were not escaped."""
    data = {
        "code": "K7Q-4MX",
        "view": {"session": {"status": "live", "title": "</script><b>&"}, "prompt": None},
        "mine": {"prompt": 3, "value": "a < b > c & d"},
        "token": None,
        "cleanUrl": "/join?code=K7Q4MX",
        "urls": {"events": "/events/K7Q4MX", "answer": "/api/answer"},
    }
    page = parse_phone_page(phone_html.live_page("A </title> title", data))
    script, stylesheet = phone_app()
    assert page.stylesheets == [stylesheet.url] and page.scripts == [script.url]
    assert page.assets == [stylesheet.url, script.url]
    assert page.data == data
    assert page.title == "A </title> title" and page.refresh is None


def test_the_parser_tells_the_other_screens_from_the_live_page() -> None:
    waiting = parse_phone_page(phone_html.waiting_page("Busy.", retry_seconds=3))
    assert waiting.data is None and waiting.refresh == "3"
    entry = parse_phone_page(phone_html.code_entry_page(problem="No such code."))
    assert entry.data is None and entry.title == "Join a session"
    ended = parse_phone_page(phone_html.ended_page("T", "Ended."))
    assert ended.data is None and ended.title == "Thank you!"
    with pytest.raises(ValueError):  # the app's JSON.parse would fail on this page
        parse_phone_page('<script type="application/json" id="phone-data">{"view": 1}</script>')


def test_fetch_counts_bytes_on_the_wire_and_decodes_gzip() -> None:
    """The bench's byte count is what crossed the connection (head and compressed body),
    and the body it hands on is what the browser would: gunzipped."""
    text = b"body { color: #123; }\n" * 200
    packed = gzip.compress(text)
    head = (
        b"HTTP/1.1 200 OK\r\ncontent-type: text/css\r\ncontent-encoding: gzip\r\n"
        b"cache-control: public, max-age=31536000, immutable\r\n"
        b"content-length: " + str(len(packed)).encode() + b"\r\n\r\n"
    )
    requests: list[bytes] = []

    async def scenario() -> None:
        async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            for _ in range(2):  # two requests on one kept-alive connection
                requests.append(await reader.readuntil(b"\r\n\r\n"))
                writer.write(head + packed)
                await writer.drain()
            writer.close()

        server = await asyncio.start_server(serve, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        client = HttpClient(f"http://127.0.0.1:{port}")
        try:
            for _ in range(2):
                reply = await client.request("GET", "/a.css", headers={"Accept-Encoding": "gzip"})
                assert reply.status == 200 and reply.gzipped
                assert reply.body == packed and reply.decoded() == text
                assert reply.wire_bytes == len(head) + len(packed)
            assert client.connections == 1
        finally:
            await client.close()
            server.close()
            await server.wait_closed()

    asyncio.run(scenario())
    assert len(requests) == 2 and b"Accept-Encoding: gzip" in requests[0]


# ---- against the real server ------------------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with running_server(tmp_path_factory.mktemp("bench") / "data") as running:
        yield running


@pytest.fixture
def db(server: RunningServer) -> Iterator[Database]:
    database = make_database(f"sqlite:///{server.data_dir / 'workshop.db'}")
    yield database
    database.dispose()


def _secret(server: RunningServer) -> bytes:
    return (server.data_dir / "secret.key").read_bytes().strip()


def _stored(db: Database, server: RunningServer, sid: int, prompt_id: int, token: str) -> object:
    mine = services.find_my_answer(
        db=db, secret=_secret(server), session_id=sid, prompt_id=prompt_id, token=token
    )
    return None if mine is None else mine.value


@pytest.mark.slow
def test_simulated_phone_loads_follows_and_answers(server: RunningServer, db: Database) -> None:
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
                body=json.dumps(
                    {"code": phone.data["code"], "prompt": first.id, "value": "A"}
                ).encode(),
            )
            assert refused.status == 409 and refused.json()["reason"] == "moved"

            # A reload: the cookie and the cached assets come along, only the page is fetched.
            reload = await phone.load_page()
            assert (reload.requests, reload.redirects, reload.assets) == (1, 0, 0)
            assert phone.shown == SECOND
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
    assert phone.token is not None
    stored_first = _stored(db, server, sid, first.id, phone.token)
    stored_second = _stored(db, server, sid, second.id, phone.token)
    joined = services.get_live_view(db=db, session_id=sid).counts.joined

    load = phone.first_load
    assert load is not None and load is phone.loads[0]
    # The first visit: the 303 that sets the cookie, the page, the stylesheet and script.
    assert (load.requests, load.redirects, load.assets, load.gzipped) == (4, 1, 2, 2)
    assert 0 < load.asset_bytes < load.wire_bytes <= FIRST_LOAD_BUDGET
    script, stylesheet = phone_app()
    assert set(phone.cache) == {script.url, stylesheet.url}
    assert phone.cache[script.url] == script.body  # gunzipped: what the browser runs
    assert phone.connect_ms is not None and phone.connect_ms > 0
    assert phone.data is not None and phone.data["token"] is None  # the cookie was enough
    assert "p=" not in phone.page_url  # cleanUrl: the token left the address bar
    assert phone.sse is not None and phone.sse.connects >= 1 and phone.stream_errors == 0
    assert phone.problem() is None
    assert stored_first == phone.acked[FIRST] and stored_second == phone.acked[SECOND]
    assert joined == 1  # page load, reload, answers and the refused one: one participant
    assert len(room.seen_after_advance[SECOND]) == 1  # the advance was timed on the phone
    assert len(counted[SECOND]) == 1  # the presenter counts the one answer


@pytest.mark.slow
def test_a_phone_that_blocks_cookies_keeps_its_token_in_the_url(
    server: RunningServer, db: Database
) -> None:
    started = make_session(db)
    sid = started.session.id
    first = services.list_prompts(db=db, session_id=sid)[0]
    room = Room(StepResult(1), make_template().prompts)

    async def scenario() -> Phone:
        phone = Phone(room, server.url, started.session.code, seed=8, accept_cookies=False)
        await phone.connect(0.0)
        try:
            assert phone.connected, phone.failure
            await phone.answer()
            assert room.result.answers_acked == 1, dict(phone.refusals)
            again = await phone.load_page()  # a reload keeps the URL, and so the token
            assert (again.requests, again.redirects) == (1, 0)
        finally:
            await phone.close()
        return phone

    phone = asyncio.run(scenario())
    assert phone.cookies == {}
    assert phone.data is not None and phone.data["token"] is not None
    assert phone.token == phone.data["token"] and f"p={phone.token}" in phone.page_url
    assert phone.first_load is not None and phone.first_load.redirects == 1
    assert _stored(db, server, sid, first.id, phone.token) == phone.acked[FIRST]
    assert services.get_live_view(db=db, session_id=sid).counts.joined == 1


@pytest.mark.slow
def test_a_small_join_wave_measures_every_arrival(server: RunningServer, db: Database) -> None:
    """The join-wave scenario end to end, small: every arriving phone timed and counted,
    the phones already in answering during the wave, every answer checked in the store."""
    settings = Settings.from_env({"WORKSHOP_DATA_DIR": str(server.data_dir)})
    target = Target([server.url], [server.process.pid], settings, db, _secret(server))
    options = Options(
        duration=0,
        idle=1,
        answer_every=1.5,
        advance_every=30,
        ramp=50,
        prompts=4,
        seed=5,
        results="live",
        tally="presenter",
    )
    wave = asyncio.run(run_wave(target, 20, options, "wave", rate=10, already_in=4))
    summary = wave.summary()
    assert summary["errors"] == 0, wave.error_samples
    assert (wave.connected, wave.in_connected) == (20, 4)
    assert len(wave.first_prompt_ms) == 20 and all(ms > 0 for ms in wave.first_prompt_ms)
    assert wave.load_requests == [4] * 20 and summary["assets_gzipped"] == "40/40"
    assert all(0 < size <= FIRST_LOAD_BUDGET for size in wave.load_bytes)
    assert len(wave.ack_new_ms) == 20  # every arrival answered once, acknowledged
    assert wave.ack_in_ms  # the phones already in answered during the wave
    assert summary["lost"] == 0 and summary["answer_errors"] == 0
    assert summary["acked"] == summary["answers"] and summary["unacked"] == 0
    assert wave.rss_mb > 0 and wave.server_cpu_wave > 0
