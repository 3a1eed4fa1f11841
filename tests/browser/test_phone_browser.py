"""The phone flow in Debian's headless Chromium, against the real server.

Phones are 390×844 touch contexts; the facilitator acts through the services on the
server's own database, except for the QR code, which is decoded from a 1920×1080
screenshot of the presenter page exactly as a phone camera would read it.
"""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, expect
from pyzbar.pyzbar import decode

from tests.browser.conftest import PHONE, PROJECTOR
from tests.support.builders import make_template
from tests.support.postgres import free_port
from tests.support.server import RunningServer, running_server, start_server, stop_server_process
from workshop import services
from workshop.domain.model import PromptKind, PromptSpec, ResultsMode
from workshop.storage import Database, make_database
from workshop.ui.live import SILENT_POLL_MS, STALE_RELOAD_MS
from workshop.web.participant_cookie import PARTICIPANT_COOKIE

FOLLOW_LIMIT_S = 3.0  # the issue: phones show the facilitator's change within 3 s
UI_TIMEOUT_MS = 20_000  # first loads and reconnects on a busy 2-core machine


def phone_template():
    return make_template(
        PromptSpec(
            kind=PromptKind.SINGLE_CHOICE,
            text="How did you travel here?",
            options=("On foot", "By bike", "By train"),
        ),
        PromptSpec(kind=PromptKind.OPEN_TEXT, text="One thing we should keep", max_length=120),
        PromptSpec(
            kind=PromptKind.SCALE,
            text="How useful was this?",
            min_label="Not at all",
            max_label="Very",
            results=ResultsMode.ON_REVEAL,
        ),
        PromptSpec(
            kind=PromptKind.MULTIPLE_CHOICE,
            text="Which topics next time?",
            options=("Budget", "Hiring", "Tools", "Travel"),
            max_choices=2,
        ),
        PromptSpec(kind=PromptKind.WORD_CLOUD, text="One word for today", max_words=2),
    )


@dataclass
class Room:
    server: RunningServer
    db: Database
    started: services.StartedSession

    @property
    def sid(self) -> int:
        return self.started.session.id

    @property
    def key(self) -> str:
        return self.started.facilitator_key

    def counts(self):
        return services.get_live_view(db=self.db, session_id=self.sid).counts

    def answers(self, position: int) -> list:
        prompt = services.list_prompts(db=self.db, session_id=self.sid)[position]
        return services.list_answers(db=self.db, session_id=self.sid, prompt_id=prompt.id)


@pytest.fixture(scope="module")
def phone_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """The real app, told its public address (what the QR code encodes) before it starts."""
    port = free_port()
    data_dir = tmp_path_factory.mktemp("phone-server")
    public = f"http://127.0.0.1:{port}"
    with running_server(data_dir, port=port, extra_env={"WORKSHOP_PUBLIC_URL": public}) as server:
        yield server


@pytest.fixture
def room(phone_server: RunningServer) -> Iterator[Room]:
    db = make_database(f"sqlite:///{phone_server.data_dir / 'workshop.db'}")
    yield Room(phone_server, db, services.start_session(db=db, template=phone_template()))
    db.dispose()


@pytest.fixture
def phones(browser: Browser) -> Iterator[list[Page]]:
    """Two phones, each its own browser profile (its own cookies)."""
    contexts = [browser.new_context(**PHONE) for _ in range(2)]
    pages = [c.new_page() for c in contexts]
    for page in pages:
        page.on("dialog", lambda dialog: pytest.fail(f"a dialog opened: {dialog.message}"))
    yield pages
    for context in contexts:
        context.close()


def join_url_from_presenter(browser: Browser, room: Room) -> str:
    """Open the presenter on a 1920×1080 projector and decode its QR code."""
    context = browser.new_context(**PROJECTOR)
    try:
        page = context.new_page()
        code = room.started.session.code
        page.goto(f"{room.server.url}/presenter?code={code}&key={room.key}")
        expect(page.get_by_text("How did you travel here?").first).to_be_visible(
            timeout=UI_TIMEOUT_MS
        )
        page.wait_for_timeout(1000)  # let the image paint
        shot = Image.open(io.BytesIO(page.screenshot()))
        found = [d.data.decode() for d in decode(shot) if d.type == "QRCODE"]
    finally:
        context.close()
    assert len(found) == 1, f"expected one QR code on the presenter, found {found}"
    return found[0]


def wait_shown(page: Page, text: str, timeout_ms: int = UI_TIMEOUT_MS) -> None:
    """Wait for an element whose whole text is ``text`` (headings may carry an icon)."""
    locator = page.get_by_text(text, exact=True).or_(page.get_by_role("heading", name=text))
    expect(locator.first).to_be_visible(timeout=timeout_ms)


def send(page: Page) -> None:
    page.get_by_role("button", name="Send my answer").click()
    expect(page.get_by_text("Received — thank you!", exact=False)).to_be_visible(timeout=10_000)


def seconds_until_all_show(pages: list[Page], text: str) -> float:
    start = time.monotonic()
    for page in pages:
        wait_shown(page, text, timeout_ms=int(FOLLOW_LIMIT_S * 1000) + 5000)
    return time.monotonic() - start


def test_two_phones_join_by_qr_answer_reload_and_follow_the_room(browser: Browser, room, phones):
    join_url = join_url_from_presenter(browser, room)
    assert join_url == f"{room.server.url}/join?code={room.started.session.code}"
    a, b = phones
    for page in phones:
        page.goto(join_url)
        wait_shown(page, "How did you travel here?")
        # The participant sees no facilitator navigation and can read what is stored.
        assert page.locator('[data-testid="stSidebarNavLink"]').count() == 0
        expect(page.get_by_text("No name, no IP address.", exact=False)).to_be_visible()
    assert room.counts().joined == 2

    # Phone A: single choice.
    a.get_by_text("By bike", exact=True).click()
    send(a)
    assert [x.value for x in room.answers(0)] == ["By bike"]

    # A reload is still the same participant, and shows its own answer.
    a.reload()
    wait_shown(a, "By bike")
    expect(a.get_by_text("Received — thank you!", exact=False)).to_be_visible()
    assert room.counts().joined == 2
    assert room.counts().answered == 1

    # The facilitator advances: both phones follow within 3 s.
    services.next_prompt(db=room.db, session_id=room.sid, key=room.key)
    took = seconds_until_all_show(phones, "One thing we should keep")
    print(f"both phones showed the next prompt after {took:.2f} s")
    assert took < FOLLOW_LIMIT_S, f"phones followed after {took:.2f} s"

    # Phone B: open text (another kind); its text is shown back as text, not markup.
    hostile = 'Walking <img src=x onerror="alert(1)">'
    b.get_by_label("Your answer (up to 120 characters)").fill(hostile)
    send(b)
    wait_shown(b, hostile)
    assert [x.value for x in room.answers(1)] == [hostile]

    # The facilitator closes answering: both phones say so within 3 s.
    services.set_answering_open(db=room.db, session_id=room.sid, key=room.key, is_open=False)
    took = seconds_until_all_show(phones, "Answering is closed")
    print(f"both phones showed 'closed' after {took:.2f} s")
    assert took < FOLLOW_LIMIT_S, f"phones showed 'closed' after {took:.2f} s"
    wait_shown(b, hostile)  # their own answer stays visible
    assert room.counts().joined == 2


def test_the_cookie_is_there_on_the_first_load_and_kept_out_of_scripts(browser: Browser, room):
    context = browser.new_context(**PHONE)
    try:
        page = context.new_page()
        page.goto(f"{room.server.url}/join?code={room.started.session.code}")
        wait_shown(page, "How did you travel here?")
        cookies = {c["name"]: c for c in context.cookies()}
        assert cookies[PARTICIPANT_COOKIE]["httpOnly"] is True
        assert cookies[PARTICIPANT_COOKIE]["sameSite"] == "Lax"
        assert PARTICIPANT_COOKIE not in page.evaluate("document.cookie")
        # The page read the cookie on its very first run: no URL fallback was needed.
        assert "p=" not in page.url.split("?", 1)[1]
        # Pinch-zoom stays possible.
        viewport = page.evaluate("document.querySelector('meta[name=viewport]').content")
        assert "user-scalable=no" not in viewport and "maximum-scale" not in viewport
        page.get_by_text("On foot", exact=True).click()
        send(page)
        page.goto(f"{room.server.url}/join?code={room.started.session.code}")  # a re-scan
        wait_shown(page, "On foot")
        assert room.counts().joined == 1
    finally:
        context.close()


def test_every_kind_is_thumb_sized_without_sideways_scrolling(browser: Browser, room):
    context = browser.new_context(**PHONE)
    try:
        page = context.new_page()
        page.goto(f"{room.server.url}/join?code={room.started.session.code}")
        for position, question in enumerate(
            [
                "How did you travel here?",
                "One thing we should keep",
                "How useful was this?",
                "Which topics next time?",
                "One word for today",
            ]
        ):
            services.go_to_prompt(db=room.db, session_id=room.sid, key=room.key, position=position)
            wait_shown(page, question)
            page.wait_for_timeout(300)
            widths = page.evaluate(
                "() => { const m = document.querySelector('[data-testid=stMain]');"
                " return [document.documentElement.scrollWidth, m.scrollWidth, m.clientWidth] }"
            )
            assert widths[0] <= 390 and widths[1] <= widths[2], f"sideways scroll: {widths}"
            targets = page.locator(
                '[data-testid="stRadioOption"], [data-testid="stCheckbox"] label, '
                '[data-testid="stButtonGroup"] button, [data-testid="stTextArea"] textarea, '
                '[data-testid="stTextInput"] input, [data-testid="stFormSubmitButton"] button'
            )
            heights = [box["height"] for box in (t.bounding_box() for t in targets.all()) if box]
            assert heights, question
            assert min(heights) >= 40, f"{question}: a target is {min(heights)} px tall"
    finally:
        context.close()


def test_a_half_typed_answer_survives_a_facilitator_action(browser: Browser, room):
    services.go_to_prompt(db=room.db, session_id=room.sid, key=room.key, position=1)
    context = browser.new_context(**PHONE)
    try:
        page = context.new_page()
        page.goto(f"{room.server.url}/join?code={room.started.session.code}")
        wait_shown(page, "One thing we should keep")
        box = page.get_by_label("Your answer (up to 120 characters)")
        box.fill("The long lunch")
        services.set_results_visible(db=room.db, session_id=room.sid, key=room.key, visible=True)
        wait_shown(page, "Results so far")  # the page did redraw...
        expect(box).to_have_value("The long lunch")  # ...and kept what was typed
        send(page)
        assert [x.value for x in room.answers(1)] == ["The long lunch"]
    finally:
        context.close()


def test_a_send_racing_the_facilitator_is_refused_out_loud_never_lost(browser: Browser, room):
    """The phone still shows prompt 1 when the room has moved on: its Send says so."""
    context = browser.new_context(**PHONE)
    try:
        page = context.new_page()
        page.goto(f"{room.server.url}/join?code={room.started.session.code}")
        wait_shown(page, "How did you travel here?")
        # Cut this phone's push channel: it has not heard the news yet when its person taps.
        page.wait_for_function("() => window.__workshopLive && window.__workshopLive.source")
        page.evaluate("window.__workshopLive.source.close()")
        page.get_by_text("On foot", exact=True).click()
        services.next_prompt(db=room.db, session_id=room.sid, key=room.key)
        expect(page.get_by_text("How did you travel here?")).to_be_visible()  # still stale
        page.get_by_role("button", name="Send my answer").click()
        expect(page.get_by_text("moved on to another question", exact=False)).to_be_visible(
            timeout=UI_TIMEOUT_MS
        )
        wait_shown(page, "One thing we should keep")  # and it shows where the room is
        assert room.answers(0) == [] and room.answers(1) == []
    finally:
        context.close()


def test_a_phone_resumes_by_itself_after_a_server_restart(browser: Browser, tmp_path: Path) -> None:
    port = free_port()
    server = start_server(tmp_path / "data", port=port)
    db = make_database(f"sqlite:///{server.data_dir / 'workshop.db'}")
    context = browser.new_context(**PHONE)
    try:
        started = services.start_session(db=db, template=phone_template())
        sid, key = started.session.id, started.facilitator_key
        page = context.new_page()
        page.goto(f"{server.url}/join?code={started.session.code}")
        wait_shown(page, "How did you travel here?")
        page.get_by_text("By train", exact=True).click()
        send(page)
        page.wait_for_function("() => window.__workshopLive && window.__workshopLive.boot")
        page.evaluate("window.__sameDocument = true")  # gone if anything reloads the page

        stop_server_process(server.process, kill=True)  # a crash, not a clean stop
        server = start_server(server.data_dir, port=port)
        services.next_prompt(db=db, session_id=sid, key=key)

        # No tap, no reload by the participant: the phone notices and shows the new prompt.
        restarted = time.monotonic()
        wait_shown(page, "One thing we should keep", timeout_ms=30_000)
        print(f"the phone showed the new prompt {time.monotonic() - restarted:.1f} s later")
        # The participant types at once. The push listener sees the new server (boot id)
        # a moment later; it must not reload the page under their fingers.
        field = page.get_by_label("Your answer (up to 120 characters)")
        field.fill("The quiet room")
        page.wait_for_function("() => (window.__workshopLive.restarts || 0) > 0", timeout=30_000)
        page.wait_for_timeout(1_000)  # time for a reload to happen, if one were coming
        assert page.evaluate("window.__sameDocument === true"), "the page reloaded"
        expect(field).to_have_value("The quiet room")
        send(page)
        view = services.get_live_view(db=db, session_id=sid)
        assert view.counts.joined == 1  # still the same participant
        prompts = services.list_prompts(db=db, session_id=sid)
        for prompt, expected in zip(prompts[:2], ["By train", "The quiet room"], strict=True):
            stored = services.list_answers(db=db, session_id=sid, prompt_id=prompt.id)
            assert [x.value for x in stored] == [expected]
    finally:
        context.close()
        db.dispose()
        stop_server_process(server.process)


def test_a_phone_whose_event_stream_is_swallowed_still_follows(browser: Browser, room):
    """A proxy that buffers Server-Sent Events: the listener hears nothing, so it polls."""
    context = browser.new_context(**PHONE)
    try:
        page = context.new_page()
        page.route("**/events/**", lambda route: route.abort())
        page.goto(f"{room.server.url}/join?code={room.started.session.code}")
        wait_shown(page, "How did you travel here?")
        services.next_prompt(db=room.db, session_id=room.sid, key=room.key)
        started = time.monotonic()
        limit_ms = SILENT_POLL_MS + STALE_RELOAD_MS // 2 + 10_000
        wait_shown(page, "One thing we should keep", timeout_ms=limit_ms)
        print(f"followed without the stream {time.monotonic() - started:.1f} s later")
        assert page.evaluate("window.__workshopLive.polls") >= 1
    finally:
        context.close()
