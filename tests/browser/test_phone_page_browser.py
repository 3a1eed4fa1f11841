"""The light phone page (GET /join) in Debian's headless Chromium, against the real server.

What a participant lives through from the QR code to the last "Thank you!": joining by
the QR address or a typed code, the refusals on the way, a browser that blocks cookies, a
reload, a server restart; and what the page promises everyone: it fits 320 px and 200 %
zoom, names its language, says what to do without JavaScript, keeps still for reduced
motion, every text is readable (WCAG contrast, measured against what is really painted
behind it) and a cold first load stays within its byte budget.

Phones are 390×844 touch contexts unless a test says otherwise. Screenshots of every
screen go to ``$WORKSHOP_SCREENSHOT_DIR`` (else a pytest temporary directory): look at them.
"""

from __future__ import annotations

import json
import os
import random
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import Browser, BrowserType, Page, expect

from tests.browser.conftest import PHONE
from tests.support.browser import (
    RECEIVED,
    UI_TIMEOUT_MS,
    contrast_report,
    join_url_from_presenter,
    overflow_report,
    phone_token,
    wait_shown,
)
from tests.support.builders import every_kind_template, make_template
from tests.support.postgres import free_port
from tests.support.server import RunningServer, running_server, start_server, stop_server_process
from workshop import services
from workshop.activities import KINDS, make_spec, sample_answer
from workshop.config import Settings
from workshop.domain.codes import display_code, new_participant_token
from workshop.domain.model import Template
from workshop.storage import Database, make_database
from workshop.templates import parse_template
from workshop.web.phone_html import (
    NO_CODE,
    NO_SCRIPT,
    PRIVACY_LINE,
    STORE_BUSY,
    waiting_page,
)

CODE_LABEL = "Join code (it is on the screen)"
FIRST, SECOND = "How did you get here today?", "One word for this morning"
ENDED = "This session has ended. Thank you for taking part!"
NOT_REACHED = "Could not reach the server, so your answer may not have been sent."
BYTE_BUDGET = 150_000  # the issue: a cold first load, compressed, on the wire
REQUEST_BUDGET = 10
MIN_CONTRAST, PRIVACY_CONTRAST = 4.5, 7.0


def every_screen_template() -> Template:
    """Every kind once (its own example), then a 2×2 with two items (one can be skipped)."""
    base = every_kind_template()
    items = {**KINDS["matrix"].example, "items": ["Me", "My team"]}
    data = {"title": "x", "prompts": [{"kind": "matrix", "text": "Two on the grid", **items}]}
    extra = parse_template(yaml.safe_dump(data), source="two-items.yaml").prompts
    return replace(base, prompts=base.prompts + extra)


def two_prompts() -> Template:
    return make_template(
        make_spec("single_choice", text=FIRST, options=("Walked", "Cycled", "Train")),
        make_spec("open_text", text=SECOND, max_length=40),
        title="Morning check-in",
    )


@dataclass
class Room:
    server: RunningServer
    db: Database
    secret: bytes
    started: services.StartedSession

    @property
    def code(self) -> str:
        return self.started.session.code

    @property
    def sid(self) -> int:
        return self.started.session.id

    @property
    def key(self) -> str:
        return self.started.facilitator_key

    @property
    def join_url(self) -> str:
        return f"{self.server.url}/join?code={self.code}"

    def joined(self) -> int:
        return services.get_live_view(db=self.db, session_id=self.sid).counts.joined

    def prompt_id(self, position: int) -> int:
        return services.list_prompts(db=self.db, session_id=self.sid)[position].id

    def stored(self, position: int) -> list:
        prompt_id = self.prompt_id(position)
        answers = services.list_answers(db=self.db, session_id=self.sid, prompt_id=prompt_id)
        return [a.value for a in answers]

    def mine(self, position: int, token: str):
        found = services.find_my_answer(
            db=self.db, secret=self.secret, session_id=self.sid,
            prompt_id=self.prompt_id(position), token=token,
        )  # fmt: skip
        return None if found is None else found.value

    def go_to(self, position: int) -> None:
        services.go_to_prompt(db=self.db, session_id=self.sid, key=self.key, position=position)

    def set_open(self, is_open: bool) -> None:
        services.set_answering_open(db=self.db, session_id=self.sid, key=self.key, is_open=is_open)

    def show_results(self) -> None:
        services.set_results_visible(db=self.db, session_id=self.sid, key=self.key, visible=True)

    def end(self) -> None:
        services.end_session(db=self.db, session_id=self.sid, key=self.key)

    def others_answer(self, position: int, how_many: int, seed: int = 7) -> None:
        """Other people answer the current prompt (so its results have something to show)."""
        spec = services.list_prompts(db=self.db, session_id=self.sid)[position]
        rng = random.Random(seed)
        for _ in range(how_many):
            services.submit_answer(
                db=self.db, secret=self.secret, session_id=self.sid, prompt_id=spec.id,
                token=new_participant_token(self.secret), raw=sample_answer(spec.spec, rng),
            )  # fmt: skip


@pytest.fixture(scope="module")
def page_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """The real app, told its public address (what the QR code encodes) before it starts."""
    port = free_port()
    public = f"http://127.0.0.1:{port}"
    data_dir = tmp_path_factory.mktemp("phone-page-server")
    with running_server(data_dir, port=port, extra_env={"WORKSHOP_PUBLIC_URL": public}) as server:
        yield server


@pytest.fixture(scope="module")
def page_db(page_server: RunningServer) -> Iterator[tuple[Database, bytes]]:
    settings = Settings.from_env({"WORKSHOP_DATA_DIR": str(page_server.data_dir)})
    db = make_database(settings.database_url)
    yield db, settings.participant_secret()
    db.dispose()


@pytest.fixture
def open_room(page_server: RunningServer, page_db) -> Callable[[Template], Room]:
    db, secret = page_db

    def make(template: Template) -> Room:
        return Room(page_server, db, secret, services.start_session(db=db, template=template))

    return make


@pytest.fixture
def room(open_room) -> Room:
    return open_room(two_prompts())


@pytest.fixture(scope="session")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    chosen = os.environ.get("WORKSHOP_SCREENSHOT_DIR")
    folder = Path(chosen) if chosen else tmp_path_factory.mktemp("phone-screens")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def screenshot(page: Page, shots: Path, name: str) -> None:
    page.screenshot(path=str(shots / f"{name}.png"), full_page=True)


@contextmanager
def phone(browser: Browser, **options) -> Iterator[Page]:
    """One phone (its own browser profile) that must never open a dialog."""
    context = browser.new_context(**{**PHONE, **options})
    try:
        page = context.new_page()
        page.on("dialog", lambda dialog: pytest.fail(f"a dialog opened: {dialog.message}"))
        yield page
    finally:
        context.close()


def code_field(page: Page):
    return page.get_by_label(CODE_LABEL, exact=True)


def type_code(page: Page, typed: str) -> None:
    code_field(page).fill(typed)
    page.get_by_role("button", name="Join", exact=True).click()


def send(page: Page, button: str = "Send my answer") -> None:
    """Tap Send and wait for the receipt, shown only once the answer is stored."""
    page.get_by_role("button", name=button, exact=True).click()
    expect(page.get_by_text(RECEIVED, exact=False)).to_be_visible(timeout=10_000)


def own_answer(page: Page):
    return page.locator(".phone .main .answer")


def alert_box(page: Page):
    """The page's own refusal (code entry), as a person reads it."""
    return page.locator(".box.error[role=alert]")


# ---- joining --------------------------------------------------------------------------------


def test_the_qr_address_opens_the_question_and_leaves_a_clean_address(
    browser: Browser, room: Room, shots: Path
):
    presenter = f"{room.server.url}/presenter?code={room.code}&key={room.key}"
    join_url = join_url_from_presenter(browser, presenter, FIRST)
    assert join_url == room.join_url
    with phone(browser) as page:
        first = page.goto(join_url)
        assert first is not None and first.status == 200  # after the first visit's 303
        assert first.request.redirected_from is not None  # ...which carried the cookie
        wait_shown(page, FIRST)
        header = f"Morning check-in · {display_code(room.code)} · question 1 of 2"
        expect(page.get_by_text(header, exact=True)).to_be_visible()
        # The token went by cookie: the address bar is the QR address again.
        expect(page).to_have_url(join_url)
        assert phone_token(page.context) is not None
        expect(page.get_by_text(PRIVACY_LINE)).to_be_visible()
        screenshot(page, shots, "qr-first-prompt")
        page.get_by_text("Cycled", exact=True).click()
        send(page)
        assert room.stored(0) == ["Cycled"] and room.joined() == 1


@pytest.mark.parametrize(
    "how",
    ["lower case and a dash", "spaces around and inside", "a phone's smart dash"],
)
def test_a_typed_code_is_forgiven_case_spaces_and_dashes(browser: Browser, room: Room, how: str):
    code = room.code
    typed = {
        "lower case and a dash": f"{code[:3].lower()}-{code[3:].lower()}",
        "spaces around and inside": f"  {code[:3]} {code[3:]}  ",
        "a phone's smart dash": f"{code[:3]}\u2013{code[3:]}",
    }[how]
    with phone(browser) as page:
        page.goto(f"{room.server.url}/join")
        expect(page.get_by_role("heading", name="Join a session")).to_be_visible(
            timeout=UI_TIMEOUT_MS
        )
        expect(code_field(page)).to_be_visible()
        type_code(page, typed)
        wait_shown(page, FIRST)
        expect(page).to_have_url(room.join_url)  # the stored form, and no token
        assert room.joined() == 1


def test_an_empty_or_unknown_code_says_what_to_do_and_the_right_one_still_gets_in(
    browser: Browser, room: Room, shots: Path
):
    with phone(browser) as page:
        page.goto(f"{room.server.url}/join")
        type_code(page, "")
        expect(alert_box(page)).to_have_text(NO_CODE, timeout=UI_TIMEOUT_MS)
        type_code(page, "zzz zzz")
        expect(alert_box(page)).to_have_text(
            "No session with code ZZZ-ZZZ — check the code on the screen.", timeout=UI_TIMEOUT_MS
        )
        expect(code_field(page)).to_have_value("zzz zzz")  # what they typed, to correct it
        screenshot(page, shots, "unknown-code")
        type_code(page, room.code)
        wait_shown(page, FIRST)
        assert room.joined() == 1


def test_an_ended_session_thanks_new_and_open_phones(browser: Browser, room: Room, shots: Path):
    with phone(browser) as open_phone, phone(browser) as late_phone:
        open_phone.goto(room.join_url)
        wait_shown(open_phone, FIRST)
        room.end()
        wait_shown(open_phone, "Thank you!", timeout_ms=10_000)  # by itself, no reload
        expect(open_phone.get_by_text(ENDED)).to_be_visible()
        late_phone.goto(room.join_url)
        expect(late_phone.get_by_role("heading", name="Thank you!")).to_be_visible(
            timeout=UI_TIMEOUT_MS
        )
        expect(late_phone.get_by_role("status")).to_have_text(ENDED)
        expect(late_phone.get_by_text("You can close this page now.", exact=False)).to_be_visible()
        assert late_phone.locator("form").count() == 0
        screenshot(late_phone, shots, "ended")
    assert room.joined() == 1  # the phone that came too late was never a participant


# ---- who the phone is: cookie, URL, reload, restart -----------------------------------------


def test_a_browser_that_blocks_cookies_stays_one_participant_through_its_url(
    browser_type: BrowserType, browser_type_launch_args: dict, room: Room, tmp_path: Path
):
    """Chromium's own "block all cookies" setting (a profile's preferences, as a person
    sets it): the page keeps its token in the URL and sends it with every answer."""
    profile = tmp_path / "profile"
    (profile / "Default").mkdir(parents=True)
    preferences = {"profile": {"default_content_setting_values": {"cookies": 2}}}
    (profile / "Default" / "Preferences").write_text(json.dumps(preferences))
    context = browser_type.launch_persistent_context(
        str(profile), **browser_type_launch_args, **PHONE
    )
    try:
        page = context.new_page()
        page.goto(room.join_url)
        wait_shown(page, FIRST)
        assert context.cookies() == []  # the browser really refused it
        # The URL keeps the token the server issued (the page never dropped it).
        expect(page).to_have_url(re.compile(re.escape(room.join_url) + r"&p=[\w-]{16,64}$"))
        token = page.url.split("p=")[-1]
        page.get_by_text("Train", exact=True).click()
        send(page)
        assert room.mine(0, token) == "Train"

        page.reload()
        expect(own_answer(page)).to_have_text("Train", timeout=UI_TIMEOUT_MS)
        expect(page.get_by_text(RECEIVED, exact=False)).to_be_visible()
        assert page.url.endswith(f"p={token}")
        page.get_by_role("button", name="Change my answer").click()
        page.get_by_text("Walked", exact=True).click()
        send(page, "Update my answer")
        assert room.mine(0, token) == "Walked"
        assert room.stored(0) == ["Walked"] and room.joined() == 1
    finally:
        context.close()


def test_a_reload_or_a_second_scan_keeps_the_participant_and_the_answer(
    browser: Browser, room: Room
):
    with phone(browser) as page:
        page.goto(room.join_url)
        wait_shown(page, FIRST)
        token = phone_token(page.context)
        page.get_by_text("Walked", exact=True).click()
        send(page)
        page.reload()
        expect(own_answer(page)).to_have_text("Walked", timeout=UI_TIMEOUT_MS)
        expect(page.get_by_text(RECEIVED, exact=False)).to_be_visible()
        page.goto(room.join_url)  # the QR code scanned again
        expect(own_answer(page)).to_have_text("Walked", timeout=UI_TIMEOUT_MS)
        assert phone_token(page.context) == token
        expect(page).to_have_url(room.join_url)
        page.get_by_role("button", name="Change my answer").click()
        page.get_by_text("Cycled", exact=True).click()
        send(page, "Update my answer")
        assert room.stored(0) == ["Cycled"] and room.joined() == 1


def test_a_phone_rides_out_a_server_restart_by_itself(browser: Browser, tmp_path: Path):
    """The server is killed (no clean stop) and away for a while; the room moves on
    meanwhile. A send into the gap is reported as not sent; once the server is back the
    phone shows where the room is, on the same page (no reload), as the same participant."""
    port = free_port()
    server = start_server(tmp_path / "data", port=port)
    settings = Settings.from_env({"WORKSHOP_DATA_DIR": str(server.data_dir)})
    db = make_database(settings.database_url)
    try:
        started = services.start_session(db=db, template=two_prompts())
        room = Room(server, db, settings.participant_secret(), started)
        with phone(browser) as page:
            page.goto(room.join_url)
            wait_shown(page, FIRST)
            page.get_by_text("Cycled", exact=True).click()
            send(page)
            page.evaluate("window.__sameDocument = true")  # gone if anything reloads

            stop_server_process(server.process, kill=True)
            page.get_by_role("button", name="Change my answer").click()
            page.get_by_text("Train", exact=True).click()
            page.get_by_role("button", name="Update my answer").click()
            expect(page.locator(".phone .answer-form .message")).to_contain_text(
                NOT_REACHED, timeout=UI_TIMEOUT_MS
            )
            room.go_to(1)  # the facilitator moves on while the server is away
            page.wait_for_timeout(1_500)

            server = start_server(server.data_dir, port=port)
            room.server = server
            wait_shown(page, SECOND, timeout_ms=30_000)
            expect(page.get_by_text("✓ Your answer to question 1 was saved.")).to_be_visible()
            assert page.evaluate("window.__sameDocument === true"), "the page reloaded"
            page.get_by_role("textbox", name="Your answer", exact=True).fill("Sunny")
            send(page)
            assert room.stored(0) == ["Cycled"]  # the send into the gap never arrived
            assert room.stored(1) == ["Sunny"] and room.joined() == 1
    finally:
        db.dispose()
        stop_server_process(server.process)


# ---- every screen of the phone -----------------------------------------------------------------

Check = Callable[[Page, str], None]


def every_screen(page: Page, room: Room, check: Check) -> list[str]:
    """Walk a phone through every screen it can show, calling ``check`` on each: the code
    entry (empty, with each refusal), each kind's form with its results, its receipt and
    its "closed" screen, a refusal under Send, the waiting page, the end, the ended page.
    The room must be an ``every_screen_template`` session. Returns the screens' names."""
    seen: list[str] = []

    def look(name: str) -> None:
        page.wait_for_timeout(150)  # let the layout settle
        check(page, name)
        seen.append(name)

    page.goto(f"{room.server.url}/join")
    expect(code_field(page)).to_be_visible(timeout=UI_TIMEOUT_MS)
    look("code-entry")
    type_code(page, "")
    expect(alert_box(page)).to_have_text(NO_CODE, timeout=UI_TIMEOUT_MS)
    look("code-empty")
    type_code(page, "ZZZ-ZZZ")
    expect(alert_box(page)).to_contain_text("No session with code", timeout=UI_TIMEOUT_MS)
    look("code-unknown")

    prompts = services.list_prompts(db=room.db, session_id=room.sid)
    for position, prompt in enumerate(prompts):
        room.go_to(position)
        room.show_results()
        room.others_answer(position, 3)
        if position == 0:
            page.goto(room.join_url)
        wait_shown(page, prompt.text)
        expect(page.locator(".phone .results .panel")).to_be_visible(timeout=10_000)
        kind = prompt.spec.kind
        if position == 0:  # a refusal under Send: nothing picked
            page.get_by_role("button", name="Send my answer", exact=True).click()
            expect(page.locator(".phone .answer-form .message .box")).to_be_visible(timeout=10_000)
            look(f"{kind}-refused")
        look(f"{kind}-form")
        skips = page.locator(".phone .mx-skip")
        if skips.count():  # an item set aside
            skips.first.click()
            look(f"{kind}-skipped")
        token = phone_token(page.context)
        assert token is not None
        services.submit_answer(
            db=room.db, secret=room.secret, session_id=room.sid, prompt_id=prompt.id,
            token=token, raw=sample_answer(prompt.spec, random.Random(position)),
        )  # fmt: skip
        page.reload()
        expect(page.get_by_text(RECEIVED, exact=False)).to_be_visible(timeout=UI_TIMEOUT_MS)
        look(f"{kind}-received")
        room.set_open(False)
        wait_shown(page, "Answering is closed", timeout_ms=10_000)
        look(f"{kind}-closed")

    # The page that waits and tries again (the store busy, too many new phones): the
    # server's own HTML for it, held here so it stays still while it is measured.
    busy = waiting_page(STORE_BUSY, retry_seconds=600)
    page.route(
        lambda url: url.endswith("/join?code=BUSY"),
        lambda route: route.fulfill(status=503, content_type="text/html", body=busy),
    )
    page.goto(f"{room.server.url}/join?code=BUSY")
    expect(page.get_by_text(STORE_BUSY)).to_be_visible(timeout=UI_TIMEOUT_MS)
    look("waiting")

    page.goto(room.join_url)
    wait_shown(page, "Answering is closed")
    room.end()
    wait_shown(page, "Thank you!", timeout_ms=10_000)
    look("ended-while-open")
    page.goto(room.join_url)
    expect(page.get_by_role("heading", name="Thank you!")).to_be_visible(timeout=UI_TIMEOUT_MS)
    look("ended")
    return seen


def test_every_text_on_every_screen_is_readable(browser: Browser, open_room, shots: Path):
    """WCAG contrast of each visible text against what is painted behind it (ancestors'
    backgrounds and opacity included): at least 4.5:1; the privacy line at least 7:1."""
    room = open_room(every_screen_template())
    low: list[str] = []
    privacy: list[float] = []
    counted = {"texts": 0}

    def check(page: Page, name: str) -> None:
        screenshot(page, shots, f"contrast-{name}")
        texts = contrast_report(page)
        assert texts, f"{name}: no text found"
        counted["texts"] += len(texts)
        for text in texts:
            if text["privacy"]:
                privacy.append(text["ratio"])
            needed = PRIVACY_CONTRAST if text["privacy"] else MIN_CONTRAST
            if text["ratio"] < needed:
                low.append(
                    f"{name}: {text['text']!r} {text['colour']} on {text['background']} "
                    f"= {text['ratio']}:1 ({text['tag']}.{text['cls']})"
                )

    with phone(browser) as page:
        seen = every_screen(page, room, check)
    print(f"\n{counted['texts']} texts on {len(seen)} screens; privacy line {min(privacy)}:1")
    assert low == [], "\n".join(low)
    assert len(privacy) == len(seen)  # the privacy line is on every screen...
    assert min(privacy) >= PRIVACY_CONTRAST  # ...and reads at 7:1 or more


@pytest.mark.parametrize(
    ("label", "options"),
    [
        ("320px", {"viewport": {"width": 320, "height": 640}}),
        # 200 % browser zoom on a 390 px phone: half as many CSS pixels across, each
        # drawn with twice the device pixels (what Chromium's zoom does to the layout).
        ("zoom-200", {"viewport": {"width": 195, "height": 422}, "device_scale_factor": 2}),
    ],
)
def test_every_screen_fits_narrow_phones_and_200_percent_zoom(
    browser: Browser, open_room, shots: Path, label: str, options: dict
):
    room = open_room(every_screen_template())
    wide: list[str] = []

    def check(page: Page, name: str) -> None:
        screenshot(page, shots, f"{label}-{name}")
        report = overflow_report(page)
        width = options["viewport"]["width"]
        # A phone browser widens its layout viewport to fit content wider than the screen
        # (then zooms out): innerWidth grows. Either way, nothing may scroll sideways.
        if report["innerWidth"] != width or report["scrollWidth"] > width or report["wide"]:
            wide.append(
                f"{name}: innerWidth {report['innerWidth']}, scrollWidth "
                f"{report['scrollWidth']} of {width}: {report['wide']}"
            )
        # Text is still text-sized, not shrunk to fit.
        size = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
        assert size >= 16, f"{name}: body text {size}px"

    with phone(browser, **options) as page:
        every_screen(page, room, check)
    assert wide == [], "\n".join(wide)


def test_every_screen_names_its_language(browser: Browser, room: Room):
    with phone(browser) as page:
        for url in (
            f"{room.server.url}/join",
            f"{room.server.url}/join?code=ZZZZZZ",
            room.join_url,
        ):
            page.goto(url)
            assert page.evaluate("document.documentElement.lang") == "en", url
        room.end()
        page.goto(room.join_url)
        expect(page.get_by_role("heading", name="Thank you!")).to_be_visible()
        assert page.evaluate("document.documentElement.lang") == "en"


def no_script_box(page: Page):
    """The page's words for a browser without JavaScript. (Playwright's text locators skip
    ``<noscript>``; its box exists as an element only where scripting is really off.)"""
    return page.locator("noscript .box.warning")


def test_without_javascript_the_page_says_what_to_do_and_the_code_entry_works(
    browser: Browser, room: Room, shots: Path
):
    with phone(browser, java_script_enabled=False) as page:
        page.goto(room.join_url)
        expect(no_script_box(page)).to_have_text(NO_SCRIPT, timeout=UI_TIMEOUT_MS)
        expect(no_script_box(page)).to_be_visible()
        box = no_script_box(page).bounding_box()
        assert box is not None and box["height"] > 40 and box["x"] + box["width"] <= 390
        assert NO_SCRIPT in page.inner_text("body")  # what a person reads on the screen
        screenshot(page, shots, "no-javascript")
        # The code entry is a plain form: it works without any script.
        page.goto(f"{room.server.url}/join")
        expect(no_script_box(page)).to_have_count(0)  # nothing to apologise for here
        type_code(page, "zzz-zzz")
        expect(alert_box(page)).to_contain_text("No session with code ZZZ-ZZZ")
        type_code(page, room.code.lower())
        expect(no_script_box(page)).to_have_text(NO_SCRIPT, timeout=UI_TIMEOUT_MS)
        expect(page).to_have_title("Morning check-in")  # this session's own page
    assert room.joined() == 1  # it joined; the questions need the script


_MOTION_JS = """
() => [...document.querySelectorAll("*")].flatMap((element) => {
  const style = getComputedStyle(element);
  const moving = [style.transitionDuration, style.animationDuration]
    .flatMap((list) => list.split(",")).map((d) => parseFloat(d)).some((d) => d > 0);
  return moving ? [`${element.tagName}.${element.className}: ` +
    `${style.transitionDuration} / ${style.animationDuration}`] : [];
}).concat(getComputedStyle(document.documentElement).scrollBehavior === "smooth"
  ? ["html: smooth scrolling"] : [])
"""


_REDUCED_MOTION_RULES = """
() => [...document.styleSheets].flatMap((sheet) => [...sheet.cssRules])
  .filter((rule) => rule instanceof CSSMediaRule
    && rule.conditionText.includes("prefers-reduced-motion: reduce"))
  .map((rule) => matchMedia(rule.conditionText).matches)
"""


def test_reduced_motion_is_honoured_on_every_screen(browser: Browser, open_room):
    """With "reduce motion" asked for, nothing on any screen moves: every element's
    computed transition and animation durations are 0 (now and whatever a kind adds)."""
    room = open_room(every_screen_template())
    moving: list[str] = []

    def check(page: Page, name: str) -> None:
        assert page.evaluate("matchMedia('(prefers-reduced-motion: reduce)').matches")
        assert page.evaluate(_REDUCED_MOTION_RULES) == [True], name  # the page's own rule
        moving.extend(f"{name}: {found}" for found in page.evaluate(_MOTION_JS))

    with phone(browser, reduced_motion="reduce") as page:
        every_screen(page, room, check)
    assert moving == [], "\n".join(moving)


# ---- a cold first load: bytes, requests, time to the first prompt ---------------------------

_FIRST_PROMPT_AT = """
(() => {
  const seen = () => {
    if (window.__firstPromptAt === undefined && document.querySelector(".phone .question")) {
      window.__firstPromptAt = performance.now();
    }
  };
  new MutationObserver(seen).observe(document, { childList: true, subtree: true });
})();
"""


def test_a_cold_first_load_stays_within_the_byte_and_request_budget(browser: Browser, room: Room):
    with phone(browser) as page:  # a new context: an empty cache, no cookie
        page.add_init_script(_FIRST_PROMPT_AT)  # by the browser, outside the page's CSP
        requests: list = []
        page.on("request", lambda request: requests.append(request))
        page.goto(room.join_url)
        wait_shown(page, FIRST)
        page.wait_for_timeout(1_000)  # whatever else the page would load by itself
        finished = [r for r in requests if r.response() is not None and "/events/" not in r.url]
        wire = 0
        for request in finished:
            sizes = request.sizes()
            wire += sizes["responseHeadersSize"] + sizes["responseBodySize"]
        timing = page.evaluate(
            "() => {"
            " const nav = performance.getEntriesByType('navigation')[0];"
            " const resources = performance.getEntriesByType('resource');"
            " return {navigation: nav.transferSize,"
            "  resources: resources.reduce((sum, r) => sum + r.transferSize, 0),"
            "  drawn: window.__firstPromptAt,"
            "  marked: performance.getEntriesByName('workshop:first-draw')[0]?.startTime} }"
        )
        transferred = timing["navigation"] + timing["resources"]
        listing = ", ".join(f"{r.method} {r.url.removeprefix(room.server.url)}" for r in requests)
        print(
            f"\ncold first load: {len(requests)} requests ({listing}); "
            f"{wire / 1000:.1f} kB on the wire (headers and compressed bodies), "
            f"transferSize {transferred / 1000:.1f} kB; "
            f"first prompt drawn {timing['drawn']:.0f} ms after navigation started "
            f"(the app's own mark: {timing['marked'] or 0:.0f} ms)"
        )
        assert len(requests) <= REQUEST_BUDGET, listing
        assert wire <= BYTE_BUDGET, f"{wire} bytes on the wire"
        assert 0 < transferred <= BYTE_BUDGET, timing
        assert not any("/_stcore/" in r.url or "/static/" in r.url for r in requests), listing

        # A reload: the script and stylesheet come from the cache.
        again: list = []
        page.on("request", lambda request: again.append(request))
        page.reload()
        wait_shown(page, FIRST)
        reloaded = page.evaluate(
            "performance.getEntriesByType('resource')"
            ".filter(r => r.transferSize > 0 && !r.name.includes('/events/')).length"
        )
        print(f"a reload: {len(again)} requests, {reloaded} resources over the network")
