"""The facilitator in a real browser: start the leadership session, project it, scan the
QR code, watch answers arrive, steer with the keyboard, download the CSV."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, expect
from pyzbar.pyzbar import decode

from tests.browser.conftest import PROJECTOR
from tests.support.postgres import free_port
from tests.support.server import RunningServer, running_server
from workshop import services
from workshop.config import Settings
from workshop.domain.codes import new_participant_token
from workshop.storage import Database, make_database

WORDS = [["trust", "vision"], ["Trust", "courage"], ["<img src=x onerror=alert(1)>"]]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """The app with WORKSHOP_PUBLIC_URL pointing at itself, so the QR code is reachable."""
    data_dir: Path = tmp_path_factory.mktemp("facilitator-data")
    port = free_port()
    env = {"WORKSHOP_PUBLIC_URL": f"http://127.0.0.1:{port}"}
    with running_server(data_dir, port=port, extra_env=env) as running:
        yield running


@pytest.fixture(scope="module")
def store(server: RunningServer) -> Iterator[tuple[Database, bytes]]:
    """The server's own database and participant secret, opened from this test process."""
    settings = Settings.from_env({"WORKSHOP_DATA_DIR": str(server.data_dir)})
    db = make_database(settings.database_url)
    yield db, settings.participant_secret()
    db.dispose()


@pytest.fixture
def projector(browser: Browser) -> Iterator[tuple[Page, list[str]]]:
    context = browser.new_context(**PROJECTOR, accept_downloads=True)
    page = context.new_page()
    dialogs: list[str] = []

    def record(dialog) -> None:  # an alert would mean participant text ran as code
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", record)
    try:
        yield page, dialogs
    finally:
        context.close()


def wait_idle(page: Page) -> None:
    """Connected and not running: the page shows the result of its last run."""
    expect(page.get_by_test_id("stStatusWidget")).to_be_hidden(timeout=10_000)
    page.wait_for_timeout(300)


def wait_for_position(db: Database, session_id: int, expected: int) -> None:
    for _ in range(50):  # up to ~5 s
        if services.get_session(db=db, session_id=session_id).current_position == expected:
            return
        time.sleep(0.1)
    actual = services.get_session(db=db, session_id=session_id).current_position
    raise AssertionError(f"position {actual}, expected {expected}")


def decode_qr(page: Page) -> list[str]:
    shot = Image.open(io.BytesIO(page.screenshot()))
    return [symbol.data.decode() for symbol in decode(shot)]


def test_facilitator_runs_the_leadership_session(server, store, projector):
    db, secret = store
    page, dialogs = projector

    # Home: the leadership template is preselected; start it.
    page.goto(server.url + "/")
    page.get_by_role("button", name="Start session").click()
    expect(page.get_by_text("Keep these links private")).to_be_visible(timeout=15_000)
    link = page.get_by_test_id("stCode").inner_text().strip()
    query = parse_qs(urlsplit(link).query)
    code, key = query["code"][0], query["key"][0]
    session = services.get_session_by_code(db=db, code=code)
    assert session.is_live and session.template_slug == "leadership"
    services.check_facilitator_key(db=db, session_id=session.id, key=key)

    # Presenting mode at 1920x1080: the QR code, read from a screenshot, is the join URL.
    page.get_by_role("link", name="Presenting mode").click()
    qr = page.locator(".st-key-join-panel img")
    expect(qr).to_be_visible(timeout=15_000)
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=qr.element_handle())
    box = qr.bounding_box()
    assert box is not None and box["width"] >= 400 and box["height"] >= 400
    assert decode_qr(page) == [f"{server.url}/join?code={code}"]
    expect(page.get_by_test_id("stSidebar")).to_be_hidden()
    expect(page.get_by_text("Results appear after 3 answers (0 so far)")).to_be_visible()

    # Answers arrive through the services; the chart shows them without a reload.
    prompt = services.get_live_view(db=db, session_id=session.id).prompt
    assert prompt is not None
    for words in WORDS:
        services.submit_answer(
            db=db,
            secret=secret,
            session_id=session.id,
            prompt_id=prompt.id,
            token=new_participant_token(secret),
            raw=words,
        )
    arrived = time.monotonic()
    stats = page.locator(".ws-stats")
    expect(stats).to_contain_text("3answered", timeout=2_000, use_inner_text=False)
    seconds = time.monotonic() - arrived
    expect(page.get_by_text("n = 3 · 100% of 3 joined")).to_be_visible()
    print(f"answers visible on the projector after {seconds:.2f} s")
    expect(page.locator("svg text", has_text="courage")).to_be_visible()
    expect(page.locator("svg text", has_text="<img src=x onerror=alert(1)>")).to_be_visible()

    # The remote / keyboard steers, with its buttons out of sight.
    page.mouse.click(400, 900)  # focus the page, not an input
    page.keyboard.press("PageDown")
    wait_for_position(db, session.id, 1)
    expect(page.get_by_text("Question 2 of 12")).to_be_visible(timeout=5_000)
    page.keyboard.press("ArrowRight")
    wait_for_position(db, session.id, 2)
    page.keyboard.press("PageUp")
    wait_for_position(db, session.id, 1)
    page.keyboard.press("ArrowLeft")
    wait_for_position(db, session.id, 0)
    expect(page.get_by_text("Question 1 of 12")).to_be_visible(timeout=5_000)
    expect(page.locator(".st-key-presenter-keys button")).to_have_count(5)  # + Esc
    hidden_box = page.locator(".st-key-presenter-keys").bounding_box()
    assert hidden_box is None or hidden_box["height"] <= 1  # clipped away as well

    # Esc leaves presenting mode: the facilitator's sidebar comes back.
    page.keyboard.press("Escape")
    expect(page.get_by_test_id("stSidebar")).to_be_visible(timeout=5_000)
    assert "mode=present" not in page.url

    # Results page: the CSV download holds those answers.
    page.goto(f"{server.url}/results?code={code}&key={key}")
    download_button = page.get_by_role("button", name="Download CSV")
    expect(download_button).to_be_visible(timeout=15_000)
    wait_idle(page)
    with page.expect_download() as downloading:
        download_button.click()
    download = downloading.value
    assert download.suggested_filename.startswith(f"workshop-{code}-")
    csv = Path(download.path()).read_bytes().decode("utf-8-sig")
    rows = csv.strip().split("\r\n")
    assert len(rows) == 1 + len(WORDS)
    assert "trust; vision" in csv and "Trust; courage" in csv
    assert "<img src=x onerror=alert(1)>" in csv
    assert dialogs == []


def test_presenter_refuses_a_wrong_key(server, store, projector):
    db, _secret = store
    page, _dialogs = projector
    session = services.list_sessions(db=db)[0] if services.list_sessions(db=db) else None
    code = session.code if session else "ZZZZZZ"
    page.goto(f"{server.url}/presenter?code={code}&key=not-the-key-not-the-key")
    expect(page.get_by_text("This link does not open the facilitator controls")).to_be_visible(
        timeout=15_000
    )
    expect(page.locator(".st-key-join-panel img")).to_have_count(0)
