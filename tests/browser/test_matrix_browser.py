"""The 2×2 matrix in Debian's headless Chromium, against the real server.

A 390×844 touch phone taps through a "place yourself" prompt and a three-item prompt
(with a Skip), sends, gets a plain-words refusal for a half placement, and the stored
answers, the presenter's chart at 1920×1080 and the CSV (read by pandas) agree.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import pandas as pd
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import PHONE, PROJECTOR
from tests.support.builders import answer_current, make_template
from tests.support.server import RunningServer
from workshop import services
from workshop.activities import get_kind, make_spec
from workshop.config import Settings
from workshop.domain.codes import new_participant_token
from workshop.storage import Database, make_database

UI_TIMEOUT_MS = 20_000
EXAMPLE = get_kind("matrix").example
ITEMS = ("Inspiring others", "Organising well", "The title itself")


def matrix_template():
    return make_template(
        make_spec("matrix", text="Where do you stand?", **EXAMPLE),
        make_spec("matrix", text="Where do these sit?", **{**EXAMPLE, "items": ITEMS}),
    )


@pytest.fixture
def room(live_server: RunningServer) -> Iterator[tuple[RunningServer, Database, bytes, object]]:
    settings = Settings.from_env({"WORKSHOP_DATA_DIR": str(live_server.data_dir)})
    db = make_database(settings.database_url)
    started = services.start_session(db=db, template=matrix_template())
    yield live_server, db, settings.participant_secret(), started
    db.dispose()


def stored(db: Database, started, position: int) -> list:
    prompt = services.list_prompts(db=db, session_id=started.session.id)[position]
    found = services.list_answers(db=db, session_id=started.session.id, prompt_id=prompt.id)
    return [a.value for a in found]


def tap(page: Page, group: str, point: int, item: int = 0) -> None:
    """Tap ``point`` on the scale named ``group`` of the ``item``-th item."""
    scale = page.locator(".phone .mx-item").nth(item).get_by_role("group", name=group)
    scale.get_by_role("button", name=str(point), exact=False).first.click()


def send(page: Page) -> None:
    page.get_by_role("button", name="Send my answer", exact=True).click()
    expect(page.get_by_text("Received — thank you!", exact=False)).to_be_visible(timeout=10_000)


def test_a_phone_places_itself_and_items_and_the_chart_and_csv_agree(browser: Browser, room):
    server, db, secret, started = room
    x_name, y_name = EXAMPLE["x_axis"]["name"], EXAMPLE["y_axis"]["name"]
    code = started.session.code
    context = browser.new_context(**PHONE)
    try:
        page = context.new_page()
        page.goto(f"{server.url}/join?code={code}")
        expect(page.get_by_role("heading", name="Where do you stand?")).to_be_visible(
            timeout=UI_TIMEOUT_MS
        )
        page.wait_for_timeout(300)
        # Thumb-sized points, no sideways scrolling, no Skip for a single item.
        points = page.locator(".phone .mx-point")
        expect(points).to_have_count(10)
        for target in points.all():
            box = target.bounding_box()
            assert box is not None and min(box["width"], box["height"]) >= 44, box
            assert box["x"] >= 0 and box["x"] + box["width"] <= 390, box
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        expect(page.locator(".phone .mx-skip")).to_have_count(0)

        # Only x: the server says in plain words what is missing, nothing is stored.
        tap(page, x_name, 2)
        page.get_by_role("button", name="Send my answer", exact=True).click()
        message = f"Please also choose a point for “{y_name}”."
        expect(page.locator(".phone .answer-form .message")).to_have_text(message)
        assert stored(db, started, 0) == []
        tap(page, y_name, 5)
        expect(page.locator(".phone .mx-status").first).to_have_text("Placed: 2 and 5. ✓")
        page.screenshot(path="/tmp/matrix-phone-single.png", full_page=True)
        send(page)
        assert stored(db, started, 0) == [{"Me": [2, 5]}]
        expect(page.locator(".phone .main .answer")).to_contain_text(f"{x_name}: 2 (of 1–5)")

        # Three items: place two (one after a reload, from the kept draft), skip one.
        services.next_prompt(db=db, session_id=started.session.id, key=started.facilitator_key)
        expect(page.get_by_role("heading", name="Where do these sit?")).to_be_visible(
            timeout=UI_TIMEOUT_MS
        )
        tap(page, x_name, 4, item=0)
        tap(page, y_name, 5, item=0)
        tap(page, x_name, 1, item=2)
        page.wait_for_timeout(300)
        page.reload()
        expect(page.get_by_role("heading", name="Where do these sit?")).to_be_visible(
            timeout=UI_TIMEOUT_MS
        )
        first = page.locator(".phone .mx-item").nth(0)
        expect(first.locator(".mx-point[aria-pressed=true]")).to_have_count(2)
        tap(page, y_name, 2, item=2)
        skip = page.locator(".phone .mx-item").nth(1).get_by_role("button", name="Skip this item")
        skip.click()
        expect(skip).to_have_attribute("aria-pressed", "true")
        skip_box = skip.bounding_box()
        assert skip_box is not None and skip_box["height"] >= 44
        page.screenshot(path="/tmp/matrix-phone-items.png", full_page=True)
        send(page)
        assert stored(db, started, 1) == [{"Inspiring others": [4, 5], "The title itself": [1, 2]}]
        expect(page.locator(".phone .main .answer")).to_contain_text("Organising well: skipped")
        # Changing it starts from the stored placement (skipped items left untouched).
        page.get_by_role("button", name="Change my answer", exact=True).click()
        expect(page.locator(".phone .mx-point[aria-pressed=true]")).to_have_count(4)
        expect(page.locator(".phone .mx-skip[aria-pressed=true]")).to_have_count(0)
        page.get_by_role("button", name="Keep my answer", exact=True).click()
    except BaseException:
        context.close()
        raise
    phone = page

    # Two more people (through the services), results shown: the presenter draws them.
    for raw in (
        {"Inspiring others": [5, 4], "Organising well": [3, 3]},
        {"The title itself": [2, 1]},
    ):
        answer_current(db, started, raw, secret=secret, token=new_participant_token(secret))
    services.set_results_visible(
        db=db, session_id=started.session.id, key=started.facilitator_key, visible=True
    )
    projector = browser.new_context(**PROJECTOR)
    try:
        page = projector.new_page()
        page.goto(f"{server.url}/presenter?code={code}&key={started.facilitator_key}&mode=present")
        expect(page.get_by_text("n = 3", exact=False).first).to_be_visible(timeout=UI_TIMEOUT_MS)
        for label in (*ITEMS, "A leader without a position"):
            expect(page.locator("svg text", has_text=label).first).to_be_visible()
        page.wait_for_timeout(1000)
        page.screenshot(path="/tmp/matrix-presenter.png")
    finally:
        projector.close()

    # The phone shows the room's means and quadrant shares (no single answers).
    try:
        results = phone.locator(".phone .results")
        expect(results).to_contain_text(
            "Inspiring others: 4.5 and 4.5  (2 placements)", timeout=UI_TIMEOUT_MS
        )
        expect(results).to_contain_text("Top right: A leader with a position — ")
        phone.screenshot(path="/tmp/matrix-phone-results.png", full_page=True)
    finally:
        context.close()

    table = pd.read_csv(io.BytesIO(services.export_csv(db=db, session_id=started.session.id)))
    rows = table[table["prompt_kind"] == "matrix"]
    got = sorted(
        (int(r.prompt_number), r.item, int(r.x), int(r.y), r.answer) for r in rows.itertuples()
    )
    assert got == sorted(
        [
            (1, "Me", 2, 5, "x 2, y 5"),
            (2, "Inspiring others", 4, 5, "x 4, y 5"),
            (2, "The title itself", 1, 2, "x 1, y 2"),
            (2, "Inspiring others", 5, 4, "x 5, y 4"),
            (2, "Organising well", 3, 3, "x 3, y 3"),
            (2, "The title itself", 2, 1, "x 2, y 1"),
        ]
    )
