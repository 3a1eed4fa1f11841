"""The facilitator's screens follow the room by push and agree with each other; the
projector stays calm (ended, closed, outage, no focus frame). Screenshots of the calm
states go to $WORKSHOP_SHOTS (default: pytest's temp dir) to be looked at."""

from __future__ import annotations

import io
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import PROJECTOR
from tests.support.builders import make_session
from tests.support.server import RunningServer, running_server, start_server, stop_server_process
from workshop import services
from workshop.config import Settings
from workshop.domain.codes import new_participant_token
from workshop.storage import Database, make_database


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with running_server(tmp_path_factory.mktemp("screens-data")) as running:
        yield running


@pytest.fixture(scope="module")
def store(server: RunningServer) -> Iterator[tuple[Database, bytes]]:
    """The server's database, opened from this test process: a change made here reaches
    the server only through its one watcher's poll (as another process's would)."""
    settings = Settings.from_env({"WORKSHOP_DATA_DIR": str(server.data_dir)})
    db = make_database(settings.database_url)
    yield db, settings.participant_secret()
    db.dispose()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    where = Path(os.environ.get("WORKSHOP_SHOTS", tmp_path))
    where.mkdir(parents=True, exist_ok=True)
    return where


@pytest.fixture
def pages(browser: Browser) -> Iterator[tuple[Page, Page]]:
    """(projector, console): two browsers, as on two devices."""
    projector = browser.new_context(**PROJECTOR)
    console = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        yield projector.new_page(), console.new_page()
    finally:
        projector.close()
        console.close()


def open_screens(server, started, projector: Page, console: Page) -> None:
    query = f"code={started.session.code}&key={started.facilitator_key}"
    projector.goto(f"{server.url}/presenter?{query}&mode=present")
    console.goto(f"{server.url}/console?{query}")
    expect(projector.locator(".ws-prompt")).to_be_visible(timeout=20_000)
    expect(console.locator(".ws-prompt-small")).to_be_visible(timeout=20_000)
    for page in (projector, console):  # idle, with the follow streams open
        page.wait_for_function(
            "() => window.__workshopFollow && window.__workshopFollow.state.source.readyState === 1"
        )
    expect(console.get_by_test_id("stStatusWidget")).to_be_hidden(timeout=10_000)
    projector.wait_for_timeout(500)


def steering_text(console: Page) -> str:
    return console.locator("[data-testid='stMain']").inner_text()


def wait_text(page: Page, text: str, timeout_s: float) -> float:
    """Seconds until ``text`` shows on ``page`` (fails after ``timeout_s``)."""
    start = time.monotonic()
    expect(page.get_by_text(text, exact=False).first).to_be_visible(timeout=timeout_s * 1000)
    return time.monotonic() - start


def test_a_presenter_key_moves_the_whole_console_within_a_second(
    server, store, pages, leadership_template
):
    db, _secret = store
    projector, console = pages
    started = make_session(db, leadership_template)
    prompts = services.list_prompts(db=db, session_id=started.session.id)
    open_screens(server, started, projector, console)
    projector.mouse.click(400, 900)
    seconds_all: list[float] = []
    moves = [("PageDown", 1), ("ArrowRight", 2), ("PageUp", 1), ("ArrowLeft", 0)]
    for key, position in moves:
        pressed = time.monotonic()
        projector.keyboard.press(key)
        for _ in range(100):
            now = services.get_session(db=db, session_id=started.session.id).current_position
            if now == position:
                break
            projector.wait_for_timeout(20)
        print(f"{key}: stored after {time.monotonic() - pressed:.2f} s")
        target = prompts[position]
        expect(console.locator(".ws-meta").nth(1)).to_contain_text(
            f"Question {position + 1} of 12", timeout=5_000
        )
        expect(console.locator(".ws-prompt-small")).to_have_text(target.text, timeout=5_000)
        if target.spec.note:
            expect(console.get_by_text(target.spec.note)).to_be_visible(timeout=5_000)
        session = services.get_session(db=db, session_id=started.session.id)
        answering = "Close answering" if session.answering_open else "Open answering"
        results = "Hide results" if session.results_visible else "Show results"
        expect(console.get_by_role("button", name=answering)).to_be_visible(timeout=5_000)
        expect(console.get_by_role("button", name=results)).to_be_visible(timeout=5_000)
        seconds = time.monotonic() - pressed
        print(f"{key}: console followed after {seconds:.2f} s")
        seconds_all.append(seconds)
    assert max(seconds_all) < 1.0, seconds_all


def test_click_then_key_leaves_the_projected_edges_clean(server, store, pages, shots):
    db, _secret = store
    projector, console = pages
    started = make_session(db)
    open_screens(server, started, projector, console)
    projector.mouse.click(960, 540)
    projector.keyboard.press("PageDown")
    expect(projector.get_by_text("Question 2 of 5")).to_be_visible(timeout=3_000)
    projector.keyboard.press("PageUp")
    expect(projector.get_by_text("Question 1 of 5")).to_be_visible(timeout=3_000)
    projector.wait_for_timeout(500)
    png = projector.screenshot()
    (shots / "projector-after-click-and-keys.png").write_bytes(png)
    image = Image.open(io.BytesIO(png)).convert("RGB")
    width, height = image.size
    edges = [(x, y) for x in range(width) for y in (0, 1, 2, 3, height - 4, height - 1)]
    edges += [(x, y) for y in range(height) for x in (0, 1, 2, 3, width - 4, width - 1)]
    dark = [xy for xy in edges if min(image.getpixel(xy)) < 235]
    assert dark == [], f"{len(dark)} edge pixels are not background, e.g. {dark[:5]}"
    outline = projector.evaluate(
        "() => { const e = document.activeElement; const s = getComputedStyle(e);"
        " return [s.outlineStyle, s.outlineWidth]; }"
    )
    assert outline[0] == "none" or outline[1] == "0px"


def test_closed_and_ended_projector_states(server, store, pages, shots):
    db, _secret = store
    projector, console = pages
    started = make_session(db)
    sid, key = started.session.id, started.facilitator_key
    open_screens(server, started, projector, console)
    services.set_answering_open(db=db, session_id=sid, key=key, is_open=False)
    expect(projector.get_by_text("Answering is closed")).to_be_visible(timeout=2_000)
    expect(projector.locator(".st-key-join-panel-closed img")).to_be_visible()
    projector.wait_for_timeout(300)
    (shots / "projector-closed.png").write_bytes(projector.screenshot())

    services.end_session(db=db, session_id=sid, key=key)
    expect(projector.get_by_text("This session has ended — thank you!")).to_be_visible(
        timeout=2_000
    )
    expect(projector.locator("[class*='st-key-join-panel']")).to_have_count(0)
    expect(projector.get_by_text("Scan to join")).to_have_count(0)
    code_shown = started.session.code[:3]
    assert code_shown not in projector.locator("[data-testid='stMain']").inner_text()
    projector.keyboard.press("PageDown")  # steering does nothing once ended
    projector.wait_for_timeout(800)
    assert services.get_session(db=db, session_id=sid).current_position == 0
    (shots / "projector-ended.png").write_bytes(projector.screenshot())


def test_ending_elsewhere_turns_the_presenter_sidebar_steering_off(server, store, pages):
    """Outside presenting mode the Next / Previous buttons sit in the sidebar, outside the
    fragment that follows the room: they are disabled too once the session ends."""
    db, _secret = store
    projector, _console = pages
    started = make_session(db)
    query = f"code={started.session.code}&key={started.facilitator_key}"
    projector.goto(f"{server.url}/presenter?{query}")
    sidebar = projector.get_by_test_id("stSidebar")
    next_button = sidebar.get_by_role("button", name="Next")
    expect(next_button).to_be_enabled(timeout=20_000)
    services.end_session(db=db, session_id=started.session.id, key=started.facilitator_key)
    expect(projector.get_by_text("This session has ended — thank you!")).to_be_visible(
        timeout=2_000
    )
    expect(next_button).to_be_disabled(timeout=2_000)
    expect(sidebar.get_by_role("button", name="Previous")).to_be_disabled()


def test_counts_agree_after_hiding_an_answer(server, store, pages):
    db, secret = store
    projector, console = pages
    started = make_session(db)
    sid, key = started.session.id, started.facilitator_key
    prompt = services.get_live_view(db=db, session_id=sid).prompt
    assert prompt is not None
    answers = [
        services.submit_answer(
            db=db,
            secret=secret,
            session_id=sid,
            prompt_id=prompt.id,
            token=new_participant_token(secret),
            raw="A",
        )
        for _ in range(4)
    ]
    open_screens(server, started, projector, console)
    expect(projector.get_by_text("n = 4 · 100% of 4 joined")).to_be_visible(timeout=3_000)
    services.hide_answer(db=db, session_id=sid, key=key, answer_id=answers[0].id)
    for page in (projector, console):
        stats = page.locator(".ws-stats").first
        expect(stats).to_contain_text("3answered", timeout=2_000, use_inner_text=False)
        expect(stats).to_contain_text("75%response rate", use_inner_text=False)
    expect(projector.get_by_text("n = 3 · 75% of 4 joined")).to_be_visible(timeout=2_000)
    expect(console.get_by_text("3 shown · 1 hidden")).to_be_visible(timeout=2_000)


def test_a_jump_choice_survives_a_change_made_elsewhere(server, store, pages, leadership_template):
    db, _secret = store
    _projector, console = pages
    started = make_session(db, leadership_template)
    sid, key = started.session.id, started.facilitator_key
    prompts = services.list_prompts(db=db, session_id=sid)
    query = f"code={started.session.code}&key={started.facilitator_key}"
    console.goto(f"{server.url}/console?{query}")
    expect(console.locator(".ws-prompt-small")).to_be_visible(timeout=20_000)
    console.wait_for_timeout(800)
    jump = console.get_by_role("combobox", name="Jump to question")
    jump.click()
    console.get_by_role("option", name=f"6. {prompts[5].text}").click()
    expect(jump).to_have_value(f"6. {prompts[5].text}")
    services.next_prompt(db=db, session_id=sid, key=key)  # the remote, meanwhile
    expect(console.locator(".ws-prompt-small")).to_have_text(prompts[1].text, timeout=2_000)
    console.wait_for_timeout(500)
    expect(jump).to_have_value(f"6. {prompts[5].text}")
    console.get_by_role("button", name="Go").click()
    expect(console.locator(".ws-prompt-small")).to_have_text(prompts[5].text, timeout=3_000)
    assert services.get_session(db=db, session_id=sid).current_position == 5


def test_an_outage_shows_a_small_reconnecting_line_not_a_modal(
    browser: Browser, tmp_path: Path, shots: Path
):
    first = start_server(tmp_path / "outage-data")
    settings = Settings.from_env({"WORKSHOP_DATA_DIR": str(first.data_dir)})
    db = make_database(settings.database_url)
    context = browser.new_context(**PROJECTOR)
    again = None
    try:
        started = make_session(db)
        page = context.new_page()
        query = f"code={started.session.code}&key={started.facilitator_key}"
        page.goto(f"{first.url}/presenter?{query}&mode=present")
        expect(page.locator(".ws-prompt")).to_be_visible(timeout=20_000)
        page.wait_for_timeout(800)
        stop_server_process(first.process, kill=True)
        expect(page.get_by_text("Reconnecting…")).to_be_visible(timeout=10_000)
        page.wait_for_timeout(4_000)  # Streamlit's own modal would be up by now
        expect(page.get_by_text("Connection error")).to_be_hidden()
        expect(page.locator(".ws-prompt")).to_be_visible()
        (shots / "projector-outage.png").write_bytes(page.screenshot())
        again = start_server(first.data_dir, port=first.port)
        expect(page.get_by_text("Reconnecting…")).to_be_hidden(timeout=15_000)
        services.next_prompt(db=db, session_id=started.session.id, key=started.facilitator_key)
        expect(page.get_by_text("Question 2 of 5")).to_be_visible(timeout=10_000)
    finally:
        context.close()
        db.dispose()
        stop_server_process(first.process)
        if again is not None:
            stop_server_process(again.process)
