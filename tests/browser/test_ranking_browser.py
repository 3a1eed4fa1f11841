"""A ranking in Debian's headless Chromium against the real server: a 390×844 phone taps
through it (no dragging), the presenter at 1920×1080 draws the chart, the CSV has a row
per ranked item. Screenshots go to /tmp/ranking-*.png for a person to look at."""

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
from workshop.activities import make_spec
from workshop.config import Settings
from workshop.storage import make_database

UI_TIMEOUT_MS = 20_000
THUMB_PX = 44
QUESTION = "What makes people follow someone?"
ITEMS = (
    "Inspiring others",
    "Lifting others up",
    "Organising well",
    "The title itself",
    "Sharing knowledge and network",
)


@pytest.fixture
def room(live_server: RunningServer) -> Iterator[tuple]:
    settings = Settings.from_env({"WORKSHOP_DATA_DIR": str(live_server.data_dir)})
    db = make_database(settings.database_url)
    template = make_template(
        make_spec("ranking", text=QUESTION, options=ITEMS),
        make_spec("ranking", text="Your top 2", options=ITEMS[:3], rank_top=2),
    )
    started = services.start_session(db=db, template=template)
    yield live_server, db, settings.participant_secret(), started
    db.dispose()


def pool(page: Page) -> list[str]:
    return page.locator(".phone .rank-pool .rank-text").all_inner_texts()


def ranking(page: Page) -> list[str]:
    return page.locator(".phone .rank-list .rank-text").all_inner_texts()


def status(page: Page):
    return page.locator(".phone .rank-status")


def stored(db, started, position: int) -> list:
    prompt = services.list_prompts(db=db, session_id=started.session.id)[position]
    found = services.list_answers(db=db, session_id=started.session.id, prompt_id=prompt.id)
    return [a.value for a in found]


def test_a_phone_ranks_by_tapping_and_the_presenter_and_csv_show_it(browser: Browser, room):
    server, db, secret, started = room
    code = started.session.code
    context = browser.new_context(**PHONE)
    try:
        page = context.new_page()
        page.on("dialog", lambda dialog: pytest.fail(f"a dialog opened: {dialog.message}"))
        page.goto(f"{server.url}/join?code={code}")
        expect(page.get_by_role("heading", name=QUESTION)).to_be_visible(timeout=UI_TIMEOUT_MS)
        expect(status(page)).to_have_text("0 of 5 ranked — 5 to go.")
        expect(status(page)).to_have_attribute("role", "status")
        shuffled = pool(page)
        assert sorted(shuffled) == sorted(ITEMS)

        # The shuffled order is this phone's own, and stays across a reload.
        page.reload()
        expect(status(page)).to_have_text("0 of 5 ranked — 5 to go.", timeout=UI_TIMEOUT_MS)
        assert pool(page) == shuffled

        # Tap two items: they move into the numbered list, in tapping order.
        page.locator(".phone .rank-pool .rank-item", has_text="Lifting others up").click()
        page.locator(".phone .rank-pool .rank-item", has_text="Inspiring others").click()
        assert ranking(page) == ["Lifting others up", "Inspiring others"]
        expect(status(page)).to_have_text("2 of 5 ranked — 3 to go.")
        # Sending an incomplete ranking says what is missing; nothing goes out.
        page.get_by_role("button", name="Send my answer", exact=True).click()
        expect(page.locator(".phone .rank-problem")).to_have_text(
            "Please rank every item: 3 more items to place."
        )
        assert stored(db, started, 0) == []
        page.screenshot(path="/tmp/ranking-phone-partial.png", full_page=True)

        # ↑ moves the second one up; tapping a ranked item takes it out.
        page.get_by_role("button", name="Move Inspiring others up").click()
        assert ranking(page) == ["Inspiring others", "Lifting others up"]
        page.locator(".phone .rank-list .rank-item", has_text="Lifting others up").click()
        assert ranking(page) == ["Inspiring others"]
        assert "Lifting others up" in pool(page)
        for item in ("Sharing knowledge and network", "Organising well", "The title itself"):
            page.locator(".phone .rank-pool .rank-item", has_text=item).click()
        page.get_by_role("button", name="Move Sharing knowledge and network down").click()

        # A draft survives a reload.
        page.reload()
        expect(status(page)).to_have_text("4 of 5 ranked — 1 to go.", timeout=UI_TIMEOUT_MS)
        page.locator(".phone .rank-pool .rank-item", has_text="Lifting others up").click()
        expect(status(page)).to_have_text("5 of 5 ranked — ready to send.")
        expected = [
            "Inspiring others",
            "Organising well",
            "Sharing knowledge and network",
            "The title itself",
            "Lifting others up",
        ]
        assert ranking(page) == expected

        # Every target is thumb-sized, nothing scrolls sideways.
        widths = page.evaluate(
            "() => { const r = window.__workshopPhone.root;"
            " return [document.documentElement.scrollWidth, r.scrollWidth, r.clientWidth] }"
        )
        assert widths[0] <= 390 and widths[1] <= widths[2], widths
        targets = page.locator(".phone .ranking button").all()
        assert len(targets) == 15  # 5 items + 5 ↑ + 5 ↓
        for target in targets:
            box = target.bounding_box()
            assert box is not None
            assert min(box["width"], box["height"]) >= THUMB_PX, box
            assert box["x"] >= 0 and box["x"] + box["width"] <= 390, box
        page.locator(".phone .rank-list").scroll_into_view_if_needed()
        page.screenshot(path="/tmp/ranking-phone-input.png", full_page=True)

        page.get_by_role("button", name="Send my answer", exact=True).click()
        expect(page.get_by_text("Received — thank you!", exact=False)).to_be_visible(timeout=10_000)
        expect(page.locator(".phone .main .answer")).to_have_text(
            "\n".join(f"{i}. {item}" for i, item in enumerate(expected, start=1))
        )
        assert stored(db, started, 0) == [expected]

        # Changing the answer starts from the stored ranking.
        page.get_by_role("button", name="Change my answer").click()
        expect(status(page)).to_have_text("5 of 5 ranked — ready to send.")
        assert ranking(page) == expected
        page.get_by_role("button", name="Keep my answer").click()

        # Two more people answer; the phone's results and the presenter's chart show them.
        answer_current(db, started, list(ITEMS), secret=secret)
        answer_current(db, started, list(reversed(ITEMS)), secret=secret)
        expect(page.locator(".phone .results")).to_contain_text(
            "Inspiring others — 73 points", timeout=10_000
        )
        expect(page.locator(".phone .results")).to_contain_text("unranked = 0")
        page.screenshot(path="/tmp/ranking-phone-results.png", full_page=True)

        # The top-2 prompt: the third item cannot be added once two are ranked.
        services.go_to_prompt(
            db=db, session_id=started.session.id, key=started.facilitator_key, position=1
        )
        expect(page.get_by_role("heading", name="Your top 2")).to_be_visible(timeout=10_000)
        expect(page.get_by_text("Tap your top 2, best first")).to_be_visible()
        for item in pool(page):
            page.locator(".phone .rank-pool .rank-item", has_text=item).first.click()
        expect(status(page)).to_have_text("2 of 2 ranked — ready to send.")
        expect(page.locator(".phone .rank-problem")).to_contain_text("take it out first")
        top2 = ranking(page)
        page.screenshot(path="/tmp/ranking-phone-top2.png", full_page=True)
        page.get_by_role("button", name="Send my answer", exact=True).click()
        expect(page.get_by_text("Received — thank you!", exact=False)).to_be_visible(timeout=10_000)
        assert stored(db, started, 1) == [top2]
        services.go_to_prompt(
            db=db, session_id=started.session.id, key=started.facilitator_key, position=0
        )
    finally:
        context.close()

    # The presenter at 1920×1080: bars, heat strip and the rule in words.
    projector = browser.new_context(**PROJECTOR)
    try:
        page = projector.new_page()
        page.goto(f"{server.url}/presenter?code={code}&key={started.facilitator_key}&mode=present")
        expect(page.locator("svg text", has_text="unranked = 0").first).to_be_visible(
            timeout=UI_TIMEOUT_MS
        )
        expect(page.get_by_text("n = 3", exact=False).first).to_be_visible()
        expect(page.locator("svg text", has_text="% in top 3").first).to_be_visible()
        page.wait_for_timeout(800)  # let the chart settle
        page.screenshot(path="/tmp/ranking-presenter.png")

        # The results page draws the same chart at its own size.
        page.goto(f"{server.url}/results?code={code}&key={started.facilitator_key}")
        expect(page.locator("svg text", has_text="unranked = 0").first).to_be_visible(
            timeout=UI_TIMEOUT_MS
        )
        page.wait_for_timeout(800)
        page.screenshot(path="/tmp/ranking-results-page.png", full_page=True)
    finally:
        projector.close()

    # The CSV: one row per ranked item, read by pandas.
    frame = pd.read_csv(
        io.BytesIO(services.export_csv(db=db, session_id=started.session.id)),
        encoding="utf-8-sig",
        dtype=str,
    )
    mine = frame[(frame["prompt_number"] == "1") & (frame["answer"] == " > ".join(expected))]
    assert list(mine["item"]) == expected
    assert list(mine["rank"]) == ["1", "2", "3", "4", "5"]
    assert len(frame[frame["prompt_number"] == "1"]) == 15
    assert len(frame[frame["prompt_number"] == "2"]) == 2
