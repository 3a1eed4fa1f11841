"""The phone flow in Debian's headless Chromium, against the real server.

Phones are 390×844 touch contexts; the facilitator acts through the services on the
server's own database, except for the QR code, which is decoded from a 1920×1080
screenshot of the presenter page exactly as a phone camera would read it.

``/join`` is workshop's own light page (``web/phone_page.py``): it joins, and the phone
app (``web/phone_app``) draws the live part in the page's own DOM.
``window.__workshopPhone.state`` is what the page itself knows (its view, its counters).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.browser.conftest import PHONE
from tests.support.browser import UI_TIMEOUT_MS, wait_shown
from tests.support.browser import join_url_from_presenter as qr_join_url
from tests.support.builders import answer_current, make_template
from tests.support.postgres import free_port
from tests.support.server import RunningServer, running_server, start_server, stop_server_process
from workshop import services
from workshop.activities import make_spec
from workshop.config import Settings
from workshop.domain.model import ResultsMode
from workshop.storage import Database, make_database
from workshop.web.participant_cookie import PARTICIPANT_COOKIE

FOLLOW_LIMIT_S = 3.0  # the issue: phones show the facilitator's change within 3 s
PHONE_JS = Path(__file__).resolve().parents[2] / "src/workshop/web/phone_app/phone_base.js"
OPEN_TEXT_BOX = "Your answer"  # the open-text field's accessible name
# One unbroken word wider than a phone (templates hold such things: compounds, links).
LONG_OPTION = "Donaudampfschifffahrtsgesellschaftskapitänsmützenabteilung"


def phone_js_constant(name: str) -> int:
    """A number the phone's script defines, so these tests follow its own timing."""
    found = re.search(rf"const {name} = (\d+);", PHONE_JS.read_text(encoding="utf-8"))
    assert found, f"no constant {name} in {PHONE_JS}"
    return int(found.group(1))


# The phone asks /api/view itself after this long without a word on its event stream.
SILENT_MS = phone_js_constant("SILENT_MS")


def phone_template():
    return make_template(
        make_spec(
            "single_choice",
            text="How did you travel here?",
            options=("On foot", "By bike", "By train"),
        ),
        make_spec("open_text", text="One thing we should keep", max_length=120),
        make_spec(
            "scale",
            text="How useful was this?",
            min_label="Not at all",
            max_label="Very",
            results=ResultsMode.ON_REVEAL,
        ),
        make_spec(
            "multiple_choice",
            text="Which topics next time?",
            options=("Budget", "Hiring", "Tools", "Travel", LONG_OPTION),
            max_choices=2,
        ),
        make_spec("word_cloud", text="One word for today", max_words=2),
    )


@dataclass
class Room:
    server: RunningServer
    db: Database
    secret: bytes  # the server's participant secret (another person answers directly)
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
    settings = Settings.from_env({"WORKSHOP_DATA_DIR": str(phone_server.data_dir)})
    db = make_database(settings.database_url)
    started = services.start_session(db=db, template=phone_template())
    yield Room(phone_server, db, settings.participant_secret(), started)
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
    presenter = f"{room.server.url}/presenter?code={room.started.session.code}&key={room.key}"
    return qr_join_url(browser, presenter, "How did you travel here?")


def answer_box(page: Page) -> Locator:
    """The open-text field (its visible label adds the limit: "up to N characters")."""
    return page.get_by_role("textbox", name=OPEN_TEXT_BOX, exact=True)


def send(page: Page, button: str = "Send my answer") -> None:
    """Tap Send and wait for the receipt, which the phone shows only once it is stored."""
    page.get_by_role("button", name=button, exact=True).click()
    expect(page.get_by_text("Received — thank you!", exact=False)).to_be_visible(timeout=10_000)


def own_answer(page: Page) -> Locator:
    """This phone's answer as it shows it back (the receipt, or under "closed")."""
    return page.locator(".phone .main .answer")


def refusal(page: Page) -> Locator:
    """The alert under the Send button: why the server did not take an answer."""
    return page.locator(".phone .answer-form .message")


def notice(page: Page) -> Locator:
    """The alert at the top of the phone: the room moved on while a send was under way."""
    return page.locator(".phone .notice")


def phone_knows(page: Page, expression: str):
    """What the phone's own state says, e.g. ``stats.polls``."""
    return page.evaluate(f"window.__workshopPhone.state.{expression}")


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
        facilitator_links = page.locator(
            "a[href*='console'], a[href*='presenter'], a[href*='results'], a[href*='key=']"
        )
        assert facilitator_links.count() == 0
        assert page.locator("nav").count() == 0
        expect(page.get_by_text("No name, no IP address.", exact=False)).to_be_visible()
    assert room.counts().joined == 2

    # Phone A: single choice.
    a.get_by_text("By bike", exact=True).click()
    send(a)
    assert [x.value for x in room.answers(0)] == ["By bike"]

    # A reload is still the same participant, and shows its own answer.
    a.reload()
    expect(own_answer(a)).to_have_text("By bike", timeout=UI_TIMEOUT_MS)
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
    answer_box(b).fill(hostile)
    send(b)
    expect(own_answer(b)).to_have_text(hostile)
    assert [x.value for x in room.answers(1)] == [hostile]

    # The facilitator closes answering: both phones say so within 3 s.
    services.set_answering_open(db=room.db, session_id=room.sid, key=room.key, is_open=False)
    took = seconds_until_all_show(phones, "Answering is closed")
    print(f"both phones showed 'closed' after {took:.2f} s")
    assert took < FOLLOW_LIMIT_S, f"phones showed 'closed' after {took:.2f} s"
    expect(own_answer(b)).to_have_text(hostile)  # their own answer stays visible
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
        assert phone_knows(page, "token") is None  # nor does the phone carry a token
        # Pinch-zoom stays possible.
        viewport = page.evaluate("document.querySelector('meta[name=viewport]').content")
        assert "user-scalable=no" not in viewport and "maximum-scale" not in viewport
        page.get_by_text("On foot", exact=True).click()
        send(page)  # the answer went out with the (unreadable) cookie alone
        page.goto(f"{room.server.url}/join?code={room.started.session.code}")  # a re-scan
        expect(own_answer(page)).to_have_text("On foot", timeout=UI_TIMEOUT_MS)
        expect(page.get_by_text("Received — thank you!", exact=False)).to_be_visible()
        assert room.counts().joined == 1
        assert [x.value for x in room.answers(0)] == ["On foot"]
    finally:
        context.close()


# Each kind: its question, the CSS selector of its inputs and how many there are.
KIND_INPUTS = [
    ("How did you travel here?", ".choice", 3),
    ("One thing we should keep", "textarea", 1),
    ("How useful was this?", ".point", 5),
    ("Which topics next time?", ".choice", 5),
    ("One word for today", "input[type='text']", 3),
]
THUMB_PX = 48


def test_every_kind_is_thumb_sized_without_sideways_scrolling(browser: Browser, room):
    context = browser.new_context(**PHONE)
    try:
        page = context.new_page()
        page.goto(f"{room.server.url}/join?code={room.started.session.code}")
        for position, (question, inputs, count) in enumerate(KIND_INPUTS):
            services.go_to_prompt(db=room.db, session_id=room.sid, key=room.key, position=position)
            wait_shown(page, question)
            page.wait_for_timeout(300)  # let the layout settle
            widths = page.evaluate(
                "() => { const m = document.querySelector('main');"
                " const r = window.__workshopPhone.root;"
                " return [document.documentElement.scrollWidth, m.scrollWidth, m.clientWidth,"
                " r.scrollWidth, r.clientWidth] }"
            )
            assert widths[0] <= 390 and widths[1] <= widths[2], f"sideways scroll: {widths}"
            assert widths[3] <= widths[4], f"the phone's part overflows: {widths}"
            fields = page.locator(f".phone {inputs}")
            expect(fields).to_have_count(count)
            send_button = page.get_by_role("button", name="Send my answer", exact=True)
            for target in [*fields.all(), send_button]:
                box = target.bounding_box()
                assert box is not None, f"{question}: a target is not laid out"
                small = min(box["width"], box["height"])
                assert small >= THUMB_PX, f"{question}: a target is {small:.0f} px ({box})"
                assert box["x"] >= 0 and box["x"] + box["width"] <= 390, f"{question}: {box}"
    finally:
        context.close()


def test_every_kind_is_answered_through_the_form_and_stored(browser: Browser, room):
    """Each kind is answered by tapping and typing; what the server refuses is said in its
    own plain words under the button, and nothing is stored for it."""

    def refused(message: str, position: int) -> None:
        expect(refusal(page)).to_have_text(message, timeout=10_000)
        expect(page.get_by_role("alert").filter(has_text=message)).to_be_visible()
        assert room.answers(position) == [], "a refused answer was stored"

    def stored(position: int) -> list:
        return [x.value for x in room.answers(position)]

    def go_to(position: int) -> None:
        services.go_to_prompt(db=room.db, session_id=room.sid, key=room.key, position=position)
        wait_shown(page, KIND_INPUTS[position][0])

    context = browser.new_context(**PHONE)
    try:
        page = context.new_page()
        page.on("dialog", lambda dialog: pytest.fail(f"a dialog opened: {dialog.message}"))
        page.goto(f"{room.server.url}/join?code={room.started.session.code}")

        # Single choice: nothing picked, then one option; then change it and keep it.
        wait_shown(page, "How did you travel here?")
        page.get_by_role("button", name="Send my answer", exact=True).click()
        refused("Please pick one option.", 0)
        page.get_by_text("By train", exact=True).click()
        expect(page.get_by_role("radio", name="By train")).to_be_checked()
        send(page)
        assert stored(0) == ["By train"]
        expect(refusal(page)).to_have_count(0)  # the form (and its alert) gave way
        page.get_by_role("button", name="Change my answer").click()
        expect(page.get_by_role("radio", name="By train")).to_be_checked()  # what was sent
        page.get_by_role("button", name="Keep my answer").click()
        expect(own_answer(page)).to_have_text("By train")
        expect(page.get_by_text("Received — thank you!", exact=False)).to_be_visible()
        assert stored(0) == ["By train"]

        # Open text: empty is refused; two lines are taken as they are.
        go_to(1)
        page.get_by_role("button", name="Send my answer", exact=True).click()
        refused("Please write something before sending.", 1)
        answer_box(page).fill("   ")  # spaces only are as good as empty
        page.get_by_role("button", name="Send my answer", exact=True).click()
        refused("Please write something before sending.", 1)
        answer_box(page).fill("The walks\nand the tea")
        expect(page.get_by_text("21/120", exact=True)).to_be_visible()  # the counter
        send(page)
        assert stored(1) == ["The walks\nand the tea"]

        # Scale: no point picked, then 4.
        go_to(2)
        expect(page.get_by_text("1 = Not at all", exact=False)).to_be_visible()
        page.get_by_role("button", name="Send my answer", exact=True).click()
        refused("Please pick a number from 1 to 5.", 2)
        page.get_by_role("button", name="4", exact=True).click()
        expect(page.get_by_role("button", name="4", exact=True)).to_have_attribute(
            "aria-pressed", "true"
        )
        send(page)
        assert stored(2) == [4]
        expect(own_answer(page)).to_have_text("4  (on a scale from 1 to 5)")

        # Multiple choice: one too many, then two.
        go_to(3)
        expect(page.get_by_text("Choose up to 2", exact=True)).to_be_visible()
        for option in ("Budget", "Tools", "Travel"):
            page.get_by_text(option, exact=True).click()
        page.get_by_role("button", name="Send my answer", exact=True).click()
        refused("Please pick at most 2 options (you picked 3).", 3)
        page.get_by_text("Travel", exact=True).click()
        expect(page.get_by_role("checkbox", name="Travel")).not_to_be_checked()
        send(page)
        assert stored(3) == [["Budget", "Tools"]]
        expect(own_answer(page)).to_have_text("Budget\nTools")

        # Word cloud: three words where two are allowed, then two entries and an empty one.
        go_to(4)
        page.get_by_role("textbox", name="Answer 1").fill("far too many")
        page.get_by_role("button", name="Send my answer", exact=True).click()
        refused("“far too many” has 3 words: use at most 2 words per entry.", 4)
        page.get_by_role("textbox", name="Answer 1").fill("team spirit")
        page.get_by_role("textbox", name="Answer 3").fill("coffee")
        send(page)
        assert stored(4) == [["team spirit", "coffee"]]
        # Changed while answering is open: the fields hold what was stored (empty entries
        # dropped); the update replaces the answer.
        page.get_by_role("button", name="Change my answer").click()
        for entry, value in enumerate(["team spirit", "coffee", ""], start=1):
            expect(page.get_by_role("textbox", name=f"Answer {entry}")).to_have_value(value)
        page.get_by_role("textbox", name="Answer 3").fill("sunshine")
        send(page, "Update my answer")
        assert stored(4) == [["team spirit", "coffee", "sunshine"]]
        expect(own_answer(page)).to_have_text("team spirit\ncoffee\nsunshine")
        assert room.counts().joined == 1

        # The facilitator ends the session: the phone says thank you by itself.
        services.end_session(db=room.db, session_id=room.sid, key=room.key)
        wait_shown(page, "Thank you!", timeout_ms=5_000)
        expect(page.get_by_text("This session has ended.", exact=False).first).to_be_visible()
        expect(page.get_by_role("button", name="Change my answer")).to_have_count(0)
    finally:
        context.close()


@contextmanager
def phone_on_live_results(browser: Browser, room) -> Iterator[tuple[Page, Locator]]:
    """A phone on prompt 2 (open text, results live): its page and its results panel."""
    services.go_to_prompt(db=room.db, session_id=room.sid, key=room.key, position=1)
    context = browser.new_context(**PHONE)
    try:
        page = context.new_page()
        page.goto(f"{room.server.url}/join?code={room.started.session.code}")
        wait_shown(page, "One thing we should keep")
        results = page.locator(".phone .results")
        expect(results).to_contain_text("Results so far")
        yield page, results
    finally:
        context.close()


def test_live_results_reach_the_phone_alone_and_keep_what_is_typed(browser: Browser, room):
    """Answers from the room while results are live: the stream carries the new tally
    alone (web/events.py), the phone redraws its results, not its question."""
    with phone_on_live_results(browser, room) as (page, results):
        box = answer_box(page)
        box.fill("Friday demos")
        draws, polls = phone_knows(page, "stats.draws"), phone_knows(page, "stats.polls")
        answer_current(room.db, room.started, "Shorter meetings", secret=room.secret)
        expect(results).to_contain_text("Shorter meetings", timeout=10_000)
        assert phone_knows(page, "stats.polls") == polls, "heard by a poll, not the stream"
        assert phone_knows(page, "stats.draws") == draws, "the question was drawn again"
        expect(box).to_have_value("Friday demos")


def test_a_half_typed_answer_survives_changes_in_the_room(browser: Browser, room):
    """Results hidden, another person's answer, results shown again: the same prompt stays
    on the phone, so what its person is typing stays in the field."""
    with phone_on_live_results(browser, room) as (page, results):
        box = answer_box(page)
        box.fill("The long lunch")

        services.set_results_visible(db=room.db, session_id=room.sid, key=room.key, visible=False)
        expect(results.get_by_text("Results so far")).to_have_count(0, timeout=10_000)
        expect(box).to_have_value("The long lunch")

        answer_current(room.db, room.started, "More breaks", secret=room.secret)
        services.set_results_visible(db=room.db, session_id=room.sid, key=room.key, visible=True)
        expect(results).to_contain_text("More breaks", timeout=10_000)  # the page did redraw...
        expect(box).to_have_value("The long lunch")  # ...and kept what was typed
        expect(box).to_be_editable()

        send(page)
        assert sorted(x.value for x in room.answers(1)) == ["More breaks", "The long lunch"]


@pytest.mark.parametrize("move", ["next", "close"])
def test_a_send_racing_the_facilitator_is_refused_out_loud_never_lost(
    browser: Browser, room, move: str
):
    """The phone still shows prompt 1 open when the room has moved on or closed it: its
    Send is refused, the phone says so (and keeps saying it) and shows where the room is."""
    context = browser.new_context(**PHONE)
    try:
        page = context.new_page()
        page.goto(f"{room.server.url}/join?code={room.started.session.code}")
        wait_shown(page, "How did you travel here?")
        # Cut this phone's push channel: it has not heard the news yet when its person taps.
        page.wait_for_function("() => window.__workshopPhone?.state.source")
        page.evaluate("window.__workshopPhone.state.source.close()")
        page.get_by_text("On foot", exact=True).click()
        if move == "next":
            services.next_prompt(db=room.db, session_id=room.sid, key=room.key)
            said, now_shown = "The facilitator has moved on", "One thing we should keep"
        else:
            services.set_answering_open(
                db=room.db, session_id=room.sid, key=room.key, is_open=False
            )
            said, now_shown = "Answering for this question is closed.", "Answering is closed"
        page.wait_for_timeout(1_500)  # a phone that still listened would have followed
        send_button = page.get_by_role("button", name="Send my answer", exact=True)
        expect(send_button).to_be_visible()  # still stale
        send_button.click()
        expect(notice(page)).to_contain_text(said, timeout=UI_TIMEOUT_MS)
        expect(notice(page)).to_contain_text("not taken")
        wait_shown(page, now_shown)  # it shows where the room is...
        page.wait_for_timeout(1_000)
        expect(notice(page)).to_contain_text(said)  # ...and the refusal stays to be read
        assert room.answers(0) == [] and room.answers(1) == []
        if move == "next":  # the phone answers the question the room is on
            answer_box(page).fill("Less slides")
            send(page)
            assert [x.value for x in room.answers(1)] == ["Less slides"]
            assert room.answers(0) == []
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
        page.evaluate("window.__sameDocument = true")  # gone if anything reloads the page

        stop_server_process(server.process, kill=True)  # a crash, not a clean stop
        server = start_server(server.data_dir, port=port)
        services.next_prompt(db=db, session_id=sid, key=key)

        # No tap, no reload by the participant: the phone notices and shows the new prompt.
        # It listens again, so it does not wait for its silence fallback (SILENT_MS).
        restarted = time.monotonic()
        wait_shown(page, "One thing we should keep", timeout_ms=SILENT_MS // 2)
        print(f"the phone showed the new prompt {time.monotonic() - restarted:.1f} s later")
        expect(page.get_by_text("✓ Your answer to question 1 was saved.")).to_be_visible()
        # The participant types at once; the room changes again (same prompt) and the
        # phone hears it on its stream from the new server: nothing reloads or redraws
        # under their fingers.
        field = answer_box(page)
        field.fill("The quiet room")
        polls = phone_knows(page, "stats.polls")
        services.set_results_visible(db=db, session_id=sid, key=key, visible=False)
        expect(page.locator(".phone .results").get_by_text("Results so far")).to_have_count(
            0, timeout=5_000
        )
        assert phone_knows(page, "stats.polls") == polls, "heard by a poll, not the stream"
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


def test_a_phone_whose_event_stream_is_blocked_still_follows(browser: Browser, room):
    """A network or proxy that never lets the event stream through: the phone hears
    nothing on it, so after ``SILENT_MS`` of silence it asks for the view itself."""
    context = browser.new_context(**PHONE)
    try:
        page = context.new_page()
        page.route("**/events/**", lambda route: route.abort())
        page.goto(f"{room.server.url}/join?code={room.started.session.code}")
        wait_shown(page, "How did you travel here?")
        services.next_prompt(db=room.db, session_id=room.sid, key=room.key)
        started = time.monotonic()
        limit_ms = SILENT_MS * 5 // 4 + 8_000  # its watchdog looks every SILENT_MS / 4
        wait_shown(page, "One thing we should keep", timeout_ms=limit_ms)
        print(f"followed without the stream {time.monotonic() - started:.1f} s later")
        assert phone_knows(page, "stats.events") == 0  # nothing came through the stream
        assert phone_knows(page, "stats.polls") >= 1
    finally:
        context.close()


# ---- what the phone keeps, gives up and asks for by itself --------------------------------

# A send with no reply by then is reported as perhaps not sent.
SEND_TIMEOUT_MS = phone_js_constant("SEND_TIMEOUT_MS")
NOT_REACHED = (
    "Could not reach the server, so your answer may not have been sent. "
    "Please tap Send again in a moment."
)


@contextmanager
def phone_page(browser: Browser) -> Iterator[Page]:
    """One phone (its own browser profile) that must never open a dialog."""
    context = browser.new_context(**PHONE)
    try:
        page = context.new_page()
        page.on("dialog", lambda dialog: pytest.fail(f"a dialog opened: {dialog.message}"))
        yield page
    finally:
        context.close()


def prompt_id(room: Room, position: int) -> int:
    return services.list_prompts(db=room.db, session_id=room.sid)[position].id


def draft_in_storage(page: Page, room: Room, position: int) -> str | None:
    key = f"workshop:{room.started.session.code}:draft:{prompt_id(room, position)}"
    return page.evaluate("key => sessionStorage.getItem(key)", key)


def focused_text(page: Page) -> str | None:
    """The text of the heading that has the focus (the phone draws in the page's DOM)."""
    return page.evaluate(
        "() => { const a = document.activeElement;"
        " return a && a.tagName === 'H2' ? a.textContent : null }"
    )


def test_what_was_typed_but_not_sent_comes_back(browser: Browser, room):
    """A draft is kept per prompt for this tab: answering closed and reopened (the form is
    drawn anew), a reload. Sent or "Keep my answer": it is dropped. Also: waking up with
    the stream open costs no poll, and the focus follows the room to the new question."""
    services.go_to_prompt(db=room.db, session_id=room.sid, key=room.key, position=1)
    with phone_page(browser) as page:
        page.goto(f"{room.server.url}/join?code={room.started.session.code}")
        wait_shown(page, "One thing we should keep")
        answer_box(page).fill("Half a thought")

        services.set_answering_open(db=room.db, session_id=room.sid, key=room.key, is_open=False)
        wait_shown(page, "Answering is closed")
        services.set_answering_open(db=room.db, session_id=room.sid, key=room.key, is_open=True)
        expect(answer_box(page)).to_have_value("Half a thought", timeout=10_000)
        assert draft_in_storage(page, room, 1) == '"Half a thought"'  # this tab's only

        page.reload()
        expect(answer_box(page)).to_have_value("Half a thought", timeout=UI_TIMEOUT_MS)
        expect(page.get_by_text("14/120", exact=True)).to_be_visible()  # counted again

        # A tab coming back to the front while its stream is open: nothing to ask.
        page.wait_for_function("() => window.__workshopPhone.state.source?.readyState === 1")
        polls = phone_knows(page, "stats.polls")
        page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
        page.wait_for_timeout(300)
        assert phone_knows(page, "stats.polls") == polls, "polled with the stream open"

        send(page)
        assert [x.value for x in room.answers(1)] == ["Half a thought"]
        assert draft_in_storage(page, room, 1) is None  # sent: nothing left to give back
        # A change under way survives a reload too; kept as it was, it is dropped.
        page.get_by_role("button", name="Change my answer").click()
        expect(answer_box(page)).to_have_value("Half a thought")
        answer_box(page).fill("Second thoughts")
        page.reload()
        expect(own_answer(page)).to_have_text("Half a thought", timeout=UI_TIMEOUT_MS)
        page.get_by_role("button", name="Change my answer").click()
        expect(answer_box(page)).to_have_value("Second thoughts")
        page.get_by_role("button", name="Keep my answer").click()
        expect(own_answer(page)).to_have_text("Half a thought")
        assert draft_in_storage(page, room, 1) is None
        page.get_by_role("button", name="Change my answer").click()
        expect(answer_box(page)).to_have_value("Half a thought")

        # The focus is in the form when the room moves on: it goes to the new question
        # (a screen reader reads it), not to the page's top.
        answer_box(page).focus()
        services.next_prompt(db=room.db, session_id=room.sid, key=room.key)
        wait_shown(page, "How useful was this?")
        deadline = time.monotonic() + 2
        while focused_text(page) is None and time.monotonic() < deadline:
            page.wait_for_timeout(50)
        assert focused_text(page) == "How useful was this?"


def test_a_reloaded_phone_going_back_shows_its_answer_and_a_reset_asks_again(
    browser: Browser, room
):
    """After a reload the page only knows this phone's answer to the current question:
    going BACK to an earlier one, it asks the server once. When the facilitator resets a
    question (deletes its answers), a phone that had answered shows the form again."""
    with phone_page(browser) as page:
        asked: list[str] = []
        page.on("request", lambda r: asked.append(r.url) if "/api/mine/" in r.url else None)
        page.goto(f"{room.server.url}/join?code={room.started.session.code}")
        wait_shown(page, "How did you travel here?")
        page.get_by_text("By bike", exact=True).click()
        send(page)
        services.next_prompt(db=room.db, session_id=room.sid, key=room.key)
        wait_shown(page, "One thing we should keep")
        page.reload()
        wait_shown(page, "One thing we should keep")
        services.next_prompt(db=room.db, session_id=room.sid, key=room.key)
        wait_shown(page, "How useful was this?")
        assert asked == []  # going forward: nothing answered there yet, nothing to ask

        services.go_to_prompt(db=room.db, session_id=room.sid, key=room.key, position=0)
        wait_shown(page, "How did you travel here?")
        expect(own_answer(page)).to_have_text("By bike", timeout=10_000)
        expect(page.get_by_text("Received — thank you!", exact=False)).to_be_visible()
        first = prompt_id(room, 0)
        assert [u.split("?")[0] for u in asked] == [
            f"{room.server.url}/api/mine/{room.started.session.code}/{first}"
        ]

        services.reset_prompt(db=room.db, session_id=room.sid, key=room.key, prompt_id=first)
        send_button = page.get_by_role("button", name="Send my answer", exact=True)
        expect(send_button).to_be_visible(timeout=10_000)
        expect(page.get_by_text("Received — thank you!", exact=False)).to_have_count(0)
        expect(page.get_by_role("radio", name="By bike")).not_to_be_checked()
        page.get_by_text("On foot", exact=True).click()
        send(page)
        assert [x.value for x in room.answers(0)] == ["On foot"]
        assert room.counts().joined == 1


def test_a_slow_ok_after_the_room_moved_on_leaves_the_new_form_alone(browser: Browser, room):
    """The answer reached the server, but its reply comes after the next question: the
    phone says the earlier answer was saved and does not redraw what is being typed."""
    held: list = []

    def hold_reply(route) -> None:
        held.append((route, route.fetch()))  # the server stores it now; the reply waits

    with phone_page(browser) as page:
        page.route("**/api/answer", hold_reply)
        page.goto(f"{room.server.url}/join?code={room.started.session.code}")
        wait_shown(page, "How did you travel here?")
        page.get_by_text("By train", exact=True).click()
        page.get_by_role("button", name="Send my answer", exact=True).click()
        deadline = time.monotonic() + 10
        while not held and time.monotonic() < deadline:
            page.wait_for_timeout(50)
        assert [x.value for x in room.answers(0)] == ["By train"]

        services.next_prompt(db=room.db, session_id=room.sid, key=room.key)
        wait_shown(page, "One thing we should keep")
        box = answer_box(page)
        box.fill("Typed meanwhile")
        box.evaluate("node => { node.dataset.mark = 'typed-in' }")  # gone if redrawn
        route, response = held[0]
        route.fulfill(response=response)

        expect(page.get_by_text("✓ Your answer to question 1 was saved.")).to_be_visible(
            timeout=10_000
        )
        page.wait_for_timeout(300)
        expect(page.locator(".phone textarea[data-mark='typed-in']")).to_have_value(
            "Typed meanwhile"
        )
        expect(box).to_be_focused()
        expect(page.get_by_text("Received — thank you!", exact=False)).to_have_count(0)
        expect(refusal(page)).to_have_text("")

        # Answering this question: its receipt says it now, the older line goes.
        page.unroute("**/api/answer")
        page.get_by_role("button", name="Send my answer", exact=True).click()
        expect(page.get_by_text("Received — thank you!", exact=False)).to_be_visible()
        expect(page.get_by_text("✓ Your answer to question 1 was saved.")).to_have_count(0)


def test_a_send_with_no_reply_is_given_up_and_does_not_block_the_next_form(browser: Browser, room):
    """No reply within SEND_TIMEOUT_MS: the phone says it may not have been sent and lets
    its person try again (Playwright's clock jumps ahead; no real 15 s wait). A send that
    still hangs blocks only its own form. A 404 from something other than the app (a
    proxy: no JSON reason) does not make the phone say the session is gone."""
    mode = {"answer": "hang"}

    def answer(route) -> None:
        if mode["answer"] == "hang":
            return  # never answered
        if mode["answer"] == "unknown":
            route.fulfill(
                status=404,
                content_type="application/json",
                body='{"ok": false, "reason": "unknown", "message": "No session with code X."}',
            )
            return
        route.continue_()

    with phone_page(browser) as page:
        page.clock.install()  # time still flows; fast_forward jumps it
        page.route("**/api/answer", answer)
        page.goto(f"{room.server.url}/join?code={room.started.session.code}")
        wait_shown(page, "How did you travel here?")
        page.get_by_text("On foot", exact=True).click()
        page.get_by_role("button", name="Send my answer", exact=True).click()
        sending = page.get_by_role("button", name="Sending…", exact=True)
        expect(sending).to_be_disabled()
        page.clock.fast_forward(SEND_TIMEOUT_MS + 1_000)
        expect(refusal(page)).to_have_text(NOT_REACHED, timeout=5_000)
        expect(page.get_by_role("button", name="Send my answer", exact=True)).to_be_enabled()
        assert room.answers(0) == []

        page.get_by_role("button", name="Send my answer", exact=True).click()  # hangs again
        expect(sending).to_be_disabled()
        services.next_prompt(db=room.db, session_id=room.sid, key=room.key)
        wait_shown(page, "One thing we should keep")
        mode["answer"] = "pass"
        answer_box(page).fill("Still here")
        send(page)  # not held up by the other form's send
        assert [x.value for x in room.answers(1)] == ["Still here"]

        # "unknown" from the answer route makes the phone ask /api/view; a proxy's 404
        # page there is not the app saying the session is gone.
        page.route(
            "**/api/view/**",
            lambda route: route.fulfill(status=404, content_type="text/html", body="<h1>404</h1>"),
        )
        mode["answer"] = "unknown"
        services.next_prompt(db=room.db, session_id=room.sid, key=room.key)
        wait_shown(page, "How useful was this?")
        page.get_by_role("button", name="4", exact=True).click()
        page.get_by_role("button", name="Send my answer", exact=True).click()
        expect(refusal(page)).to_have_text("No session with code X.", timeout=10_000)
        expect(page.get_by_text("This session no longer exists.")).to_have_count(0)
        expect(page.get_by_role("button", name="Send my answer", exact=True)).to_be_visible()


SEVEN_POINTS = make_spec("scale", text="Days a week?", scale_min=1, scale_max=7)


def point_boxes(page: Page) -> list[dict]:
    points = page.locator(".phone .point")
    expect(points).to_have_count(7)
    boxes = [p.bounding_box() for p in points.all()]
    assert all(b is not None for b in boxes)
    return boxes  # type: ignore[return-value]


def test_a_seven_point_scale_fits_a_phone_and_long_text_is_not_cut(browser: Browser, room):
    """Seven points stay on a 390 px phone (thumb-sized, no sideways scroll). Text over its
    limit is not silently cut by the field: the counter turns red and the server says
    what is too long."""
    template = make_template(
        SEVEN_POINTS,
        make_spec("open_text", text="Tell us more", max_length=20),
        make_spec("word_cloud", text="Two words", max_words=2, max_entries=2),
    )
    started = services.start_session(db=room.db, template=template)
    sid, key = started.session.id, started.facilitator_key
    with phone_page(browser) as page:
        page.goto(f"{room.server.url}/join?code={started.session.code}")
        wait_shown(page, "Days a week?")
        page.wait_for_timeout(300)  # let the layout settle
        for b in point_boxes(page):
            assert b["x"] >= 0 and b["x"] + b["width"] <= 390, f"off the screen: {b}"
            assert min(b["width"], b["height"]) >= 44, f"not thumb-sized: {b}"
        widths = page.evaluate(
            "() => { const r = window.__workshopPhone.root;"
            " return [document.documentElement.scrollWidth, r.scrollWidth, r.clientWidth] }"
        )
        assert widths[0] <= 390 and widths[1] <= widths[2], f"sideways scroll: {widths}"

        services.go_to_prompt(db=room.db, session_id=sid, key=key, position=1)
        wait_shown(page, "Tell us more")
        long = "A little too long to fit"  # 24 characters, limit 20
        answer_box(page).fill(long)
        expect(answer_box(page)).to_have_value(long)  # not cut
        assert answer_box(page).get_attribute("maxlength") is None
        counter = page.locator(".phone .counter")
        expect(counter).to_have_text("24/20")
        expect(counter).to_have_class(re.compile(r"\bover\b"))
        page.get_by_role("button", name="Send my answer", exact=True).click()
        expect(refusal(page)).to_have_text(
            "That is 24 characters: please use at most 20 (4 too many).", timeout=10_000
        )
        answer_box(page).fill(long[:20])
        expect(counter).not_to_have_class(re.compile(r"\bover\b"))

        services.go_to_prompt(db=room.db, session_id=sid, key=key, position=2)
        wait_shown(page, "Two words")
        fields = page.locator(".phone input[type='text']")
        expect(fields).to_have_count(2)
        for field in fields.all():
            assert field.get_attribute("maxlength") is None


def test_a_seven_point_scale_is_one_row_on_a_phone(browser: Browser, room):
    """What phone.css promises: up to 7 points in one row on a 390 px phone."""
    started = services.start_session(db=room.db, template=make_template(SEVEN_POINTS))
    with phone_page(browser) as page:
        page.goto(f"{room.server.url}/join?code={started.session.code}")
        wait_shown(page, "Days a week?")
        page.wait_for_timeout(300)  # let the layout settle
        boxes = point_boxes(page)
        assert len({round(b["y"]) for b in boxes}) == 1, f"not one row: {boxes}"
