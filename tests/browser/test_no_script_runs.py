"""Participant text never runs, in a real browser: HTML, script and Markdown sent from a
phone show as literal characters on the phone's "received" view and its results, the
presenter's card wall, word cloud and bars, and the results page.

Every page records dialogs (an ``alert`` would mean a script ran), console errors,
uncaught page errors and requests for ``x`` (what ``<img src=x>`` or ``![img](x)`` would
load if they were rendered as markup). All must stay empty.

The phone's page is workshop's own HTML under a strict Content-Security-Policy; its live
part is drawn by the browser (``web/phone_app/phone.js``) in the page's own DOM. A policy
violation is a console error, so the log checks below see those too.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, expect

from tests.browser.conftest import PHONE, PROJECTOR
from tests.support.builders import make_template
from tests.support.server import RunningServer
from workshop import services
from workshop.activities import make_spec
from workshop.config import Settings
from workshop.domain.codes import new_participant_token
from workshop.storage import Database, make_database

UI_TIMEOUT_MS = 20_000
HOSTILE = [
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    "<b>bold</b>",
    "[link](javascript:alert(1))",
    "![img](x)",
]
# Template text is not participant text, but plotly renders it too: bars must be literal.
HTML_OPTIONS = ("<b>bold option</b>", "AT&T &amp; <u>u</u>", "plain option")
OPEN_TEXT, WORDS, CHOICE = "Anything on your mind?", "Up to five words", "Pick an option"
# The phone's receipt ("Received — thank you!" and the answer) and its results panel.
PHONE_RECEIVED, PHONE_RESULTS = ".phone .received", ".phone .results .panel"


@dataclass
class Watch:
    """What a page did that it should not: dialogs, errors, loads of ``x``."""

    dialogs: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    markup_loads: list[str] = field(default_factory=list)

    def attach(self, page: Page) -> Page:
        def on_dialog(dialog) -> None:
            self.dialogs.append(f"{page.url}: {dialog.type} {dialog.message}")
            dialog.dismiss()

        page.on("dialog", on_dialog)
        page.on("console", lambda msg: self._console(page, msg))
        page.on("pageerror", lambda error: self.page_errors.append(f"{page.url}: {error}"))
        page.on(
            "request",
            lambda request: (
                self.markup_loads.append(request.url)
                if request.url.rstrip("/").rsplit("/", 1)[-1] == "x"
                else None
            ),
        )
        return page

    def _console(self, page: Page, msg: ConsoleMessage) -> None:
        if msg.type != "error":
            return
        source = (msg.location or {}).get("url", "")
        # Streamlit's frontend (the facilitator's pages) first looks for its endpoints
        # under the page's path, gets a 404, then finds them at the root: not ours.
        if "/_stcore/" in source and "404" in msg.text:
            return
        # The refused word-cloud entry below: the server says why with a 422, which
        # Chromium logs as a failed load. The phone shows the reason; that is checked.
        if source.endswith("/api/answer") and "status of 422" in msg.text:
            return
        self.console_errors.append(f"{page.url}: {msg.text} ({source})")

    def assert_clean(self) -> None:
        assert self.dialogs == [], "a participant's script ran"
        assert self.markup_loads == [], "participant markup was rendered (it loaded 'x')"
        assert self.page_errors == []
        assert self.console_errors == []


@dataclass
class Room:
    server: RunningServer
    db: Database
    secret: bytes
    started: services.StartedSession
    watch: Watch

    @property
    def code(self) -> str:
        return self.started.session.code

    @property
    def key(self) -> str:
        return self.started.facilitator_key

    def go_to(self, position: int) -> None:
        services.go_to_prompt(
            db=self.db, session_id=self.started.session.id, key=self.key, position=position
        )

    def stored(self, position: int) -> list:
        prompt = services.list_prompts(db=self.db, session_id=self.started.session.id)[position]
        return [
            a.value
            for a in services.list_answers(
                db=self.db, session_id=self.started.session.id, prompt_id=prompt.id
            )
        ]


@pytest.fixture(scope="module")
def room(live_server: RunningServer) -> Iterator[Room]:
    settings = Settings.from_env({"WORKSHOP_DATA_DIR": str(live_server.data_dir)})
    db = make_database(settings.database_url)
    template = make_template(
        make_spec("open_text", text=OPEN_TEXT, max_length=280),
        make_spec("word_cloud", text=WORDS, max_words=3, max_entries=5),
        make_spec("single_choice", text=CHOICE, options=HTML_OPTIONS),
        title="No script runs",
    )
    started = services.start_session(db=db, template=template)
    yield Room(live_server, db, settings.participant_secret(), started, Watch())
    db.dispose()


@pytest.fixture(scope="module")
def contexts(browser: Browser) -> Iterator[dict[str, BrowserContext]]:
    made = {
        "phone_a": browser.new_context(**PHONE),
        "phone_b": browser.new_context(**PHONE),
        "projector": browser.new_context(**PROJECTOR),
    }
    try:
        yield made
    finally:
        for context in made.values():
            context.close()


def open_page(room: Room, context: BrowserContext, path: str) -> Page:
    page = room.watch.attach(context.new_page())
    page.goto(f"{room.server.url}/{path}")
    return page


def wait_idle(page: Page) -> None:
    """Connected and not running: the page shows the result of its last run."""
    expect(page.get_by_test_id("stStatusWidget")).to_be_hidden(timeout=UI_TIMEOUT_MS)
    page.wait_for_timeout(300)


def assert_literal(page: Page, container: str, texts: list[str] | tuple[str, ...]) -> None:
    """Each text appears character for character in the container's visible text."""
    locator = page.locator(container).first
    expect(locator).to_be_visible(timeout=UI_TIMEOUT_MS)
    for text in texts:  # parts of a page may arrive a moment later (pushed results)
        expect(locator).to_contain_text(text, timeout=UI_TIMEOUT_MS)
    shown = locator.inner_text()
    for text in texts:
        assert text in shown, f"{text!r} is not shown literally in {container}: {shown!r}"


def assert_no_markup_elements(page: Page) -> None:
    """No element a payload would have created exists in the page."""
    assert page.locator("img[src='x']").count() == 0
    assert page.locator("script", has_text="alert(1)").count() == 0
    assert page.locator("a[href^='javascript']").count() == 0
    assert page.locator("b", has_text="bold").count() == 0


def test_hostile_answers_from_phones_never_run_anywhere(room: Room, contexts):
    # Phone A: open text, all five payloads in one answer, one per line.
    phone_a = open_page(room, contexts["phone_a"], f"join?code={room.code}")
    box = phone_a.get_by_role("textbox", name="Your answer", exact=True)
    expect(box).to_be_visible(timeout=UI_TIMEOUT_MS)
    box.fill("\n".join(HOSTILE))
    phone_a.get_by_role("button", name="Send my answer").click()
    expect(phone_a.get_by_text("Received — thank you!")).to_be_visible(timeout=UI_TIMEOUT_MS)
    assert room.stored(0) == ["\n".join(HOSTILE)]
    assert_literal(phone_a, PHONE_RECEIVED, HOSTILE)  # the phone's own view
    # Results are live for this prompt: the phone's results show the answer as text too.
    assert_literal(phone_a, PHONE_RESULTS, HOSTILE)
    assert_no_markup_elements(phone_a)

    # Phone B: word cloud, one payload per entry.
    room.go_to(1)
    phone_b = open_page(room, contexts["phone_b"], f"join?code={room.code}")
    entries = phone_b.get_by_role("textbox", name="Answer 1")
    expect(entries).to_be_visible(timeout=UI_TIMEOUT_MS)
    # A refused entry is quoted back in the error message: as text, not as Markdown.
    too_long = "![img](x) **two** three four"
    entries.fill(too_long)
    phone_b.get_by_role("button", name="Send my answer").click()
    refusal = phone_b.locator(".phone .answer-form .message")  # the alert under Send
    expect(refusal).to_contain_text("has 4 words", timeout=UI_TIMEOUT_MS)
    assert too_long in refusal.inner_text()
    for i, payload in enumerate(HOSTILE):
        phone_b.get_by_role("textbox", name=f"Answer {i + 1}").fill(payload)
    phone_b.get_by_role("button", name="Send my answer").click()
    expect(phone_b.get_by_text("Received — thank you!")).to_be_visible(timeout=UI_TIMEOUT_MS)
    assert room.stored(1) == [HOSTILE]
    assert_literal(phone_b, PHONE_RECEIVED, HOSTILE)
    assert_literal(phone_b, PHONE_RESULTS, HOSTILE)
    assert_no_markup_elements(phone_b)

    # Someone picks an option whose label is markup (for the bar chart).
    room.go_to(2)
    services.submit_answer(
        db=room.db,
        secret=room.secret,
        session_id=room.started.session.id,
        prompt_id=services.list_prompts(db=room.db, session_id=room.started.session.id)[2].id,
        token=new_participant_token(room.secret),
        raw=HTML_OPTIONS[0],
    )

    # The presenter, question by question: card wall, word cloud, bars.
    projector = open_page(
        room, contexts["projector"], f"presenter?code={room.code}&key={room.key}&mode=present"
    )
    room.go_to(0)
    assert_literal(projector, "[class*='st-key-card-wall']", HOSTILE)
    assert_no_markup_elements(projector)
    room.go_to(1)
    for payload in HOSTILE:
        expect(projector.locator("svg text", has_text=payload).first).to_be_visible(
            timeout=UI_TIMEOUT_MS
        )
    assert_no_markup_elements(projector)
    room.go_to(2)
    for option in HTML_OPTIONS:
        expect(projector.locator("svg text", has_text=option).first).to_be_visible(
            timeout=UI_TIMEOUT_MS
        )
    assert_no_markup_elements(projector)
    # The phones followed: the options are literal as choices and in their results bars.
    for phone in (phone_a, phone_b):
        assert_literal(phone, ".phone fieldset.choices", HTML_OPTIONS)
        assert_literal(phone, PHONE_RESULTS, HTML_OPTIONS)
        assert_no_markup_elements(phone)

    # The results page: every prompt at once, with interactive (hoverable) charts.
    results = open_page(room, contexts["projector"], f"results?code={room.code}&key={room.key}")
    expect(results.get_by_role("button", name="Download CSV")).to_be_visible(timeout=UI_TIMEOUT_MS)
    wait_idle(results)
    assert_literal(results, "[class*='st-key-cards-']", HOSTILE)
    for text in [*HOSTILE, *HTML_OPTIONS]:
        expect(results.locator("svg text", has_text=text).first).to_be_visible()
    # Hover a word of the cloud: its hover label is literal too.
    results.locator("svg text", has_text=HOSTILE[0]).first.hover(force=True)
    hover = results.locator(".hoverlayer .hovertext").first
    expect(hover).to_be_attached(timeout=5_000)
    assert HOSTILE[0] in (hover.text_content() or "")
    assert_no_markup_elements(results)

    # Let late rendering (fragments, images) happen on every page, then check the log.
    for page in (phone_a, phone_b, projector, results):
        page.wait_for_timeout(1000)
    room.watch.assert_clean()
