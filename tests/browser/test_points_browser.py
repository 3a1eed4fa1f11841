"""100 points in Debian's headless Chromium, against the real server: a 390×844 phone
shares its points with -/+ and the number field, send waits for a valid allocation, the
presenter draws the chart at 1920×1080, and the CSV has one row per item."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator

import pandas as pd
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import PHONE, PROJECTOR
from tests.support.builders import answer_current, make_template
from tests.support.server import RunningServer, running_server
from workshop import services
from workshop.activities import make_spec
from workshop.config import Settings
from workshop.storage import make_database

UI_TIMEOUT_MS = 20_000
QUESTION = "Where do you want to grow?"
ITEMS = ("Inspiring others", "Lifting others up", "Organising well", "Sharing knowledge")
# Screenshots to look at by eye, when asked for (never committed).
SHOTS = os.environ.get("WORKSHOP_SHOTS")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with running_server(tmp_path_factory.mktemp("points-server")) as running:
        yield running


def shoot(page: Page, name: str, **kwargs: object) -> None:
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/points-{name}.png", **kwargs)


def stepper(page: Page, label: str) -> object:
    return page.get_by_role("button", name=label, exact=True)


def test_a_phone_shares_its_points_and_the_room_sees_mean_and_reach(
    browser: Browser, server: RunningServer
):
    settings = Settings.from_env({"WORKSHOP_DATA_DIR": str(server.data_dir)})
    db = make_database(settings.database_url)
    template = make_template(
        make_spec("points", text=QUESTION, options=ITEMS, budget=100, step=10, cap=60)
    )
    started = services.start_session(db=db, template=template)
    sid, key = started.session.id, started.facilitator_key
    phone = browser.new_context(**PHONE)
    projector = browser.new_context(**PROJECTOR)
    try:
        page = phone.new_page()
        page.goto(f"{server.url}/join?code={started.session.code}")
        expect(page.get_by_role("heading", name=QUESTION)).to_be_visible(timeout=UI_TIMEOUT_MS)
        left = page.locator(".phone .points-status")
        send = page.locator(".phone button[type=submit]")
        expect(left).to_have_text("100 points left of 100")
        expect(send).to_be_disabled()
        expect(send).to_have_text("Share your 100 points to send")

        # Thumb-sized targets, nothing wider than the phone.
        for target in page.locator(".phone .points-step, .phone .points-field").all():
            box = target.bounding_box()
            assert box is not None and min(box["width"], box["height"]) >= 44, box
            assert box["x"] >= 0 and box["x"] + box["width"] <= 390, box
        widths = page.evaluate(
            "() => [document.documentElement.scrollWidth,"
            " window.__workshopPhone.root.scrollWidth, window.__workshopPhone.root.clientWidth]"
        )
        assert widths[0] <= 390 and widths[1] <= widths[2], widths

        # Six taps on + reach the cap of 60: + is then off for that item.
        more = stepper(page, "10 more points for Inspiring others")
        for _ in range(6):
            more.click()
        expect(more).to_be_disabled()
        expect(left).to_have_text("40 points left of 100")
        # A typed number off the step: the button says what to fix.
        field = page.get_by_role("spinbutton", name="Points for Organising well")
        field.fill("25")
        expect(send).to_have_text("Points go in steps of 10")
        expect(
            page.locator(".phone .points-hint").filter(has_text="Use steps of 10")
        ).to_be_visible()
        expect(send).to_be_disabled()
        stepper(page, "10 fewer points for Organising well").click()  # 25 -> 20, on the steps
        expect(field).to_have_value("20")
        expect(send).to_have_text("Spend 20 points more to send")
        # Too many: typed 50 on top of 80.
        other = page.get_by_role("spinbutton", name="Points for Sharing knowledge")
        other.fill("50")
        expect(left).to_have_text("30 points too many (130 of 100)")
        expect(send).to_have_text("30 points too many: take some off")
        other.fill("20")
        expect(left).to_have_text("0 points left of 100")
        expect(send).to_be_enabled()
        expect(send).to_have_text("Send my answer")

        # The bar stays in view when the list is scrolled.
        page.mouse.wheel(0, 600)
        page.wait_for_timeout(300)
        bar = page.locator(".phone .points-bar").bounding_box()
        assert bar is not None and 0 <= bar["y"] < 844, bar
        page.evaluate("window.scrollTo(0, 0)")
        shoot(page, "phone")

        # A reload keeps the draft.
        page.reload()
        expect(left).to_have_text("0 points left of 100", timeout=UI_TIMEOUT_MS)
        send.click()
        expect(page.get_by_text("Received — thank you!", exact=False)).to_be_visible(timeout=10_000)
        expect(page.locator(".phone .main .answer")).to_have_text(
            "Inspiring others: 60 points\nOrganising well: 20 points\nSharing knowledge: 20 points"
        )
        prompt_id = services.list_prompts(db=db, session_id=sid)[0].id
        stored = services.list_answers(db=db, session_id=sid, prompt_id=prompt_id)
        assert [a.value for a in stored] == [
            {
                "Inspiring others": 60,
                "Lifting others up": 0,
                "Organising well": 20,
                "Sharing knowledge": 20,
            }
        ]
        # Changing the answer starts from the stored allocation.
        page.get_by_role("button", name="Change my answer").click()
        expect(field).to_have_value("20")
        expect(page.get_by_role("spinbutton", name="Points for Inspiring others")).to_have_value(
            "60"
        )
        expect(send).to_have_text("Update my answer")
        page.get_by_role("button", name="Keep my answer").click()
        # Two more people, answered straight through the services.
        secret = settings.participant_secret()
        for value in (
            {
                "Inspiring others": 0,
                "Lifting others up": 10,
                "Organising well": 40,
                "Sharing knowledge": 50,
            },
            {
                "Inspiring others": 60,
                "Lifting others up": 40,
                "Organising well": 0,
                "Sharing knowledge": 0,
            },
        ):
            answer_current(db, started, value, secret=secret)
        expect(page.get_by_text("Inspiring others — mean 40 · 67% gave points")).to_be_visible(
            timeout=10_000
        )
        shoot(page, "phone-results", full_page=True)

        # The presenter draws the chart: both panels and their key.
        screen = projector.new_page()
        screen.goto(f"{server.url}/presenter?code={started.session.code}&key={key}")
        expect(screen.get_by_text("bar = mean points per person (of 100)")).to_be_visible(
            timeout=UI_TIMEOUT_MS
        )
        expect(screen.get_by_text("% who gave it points")).to_be_visible()
        expect(screen.get_by_text("mean 40", exact=True)).to_be_visible()  # Inspiring: 120/3
        expect(screen.get_by_text("67%", exact=True).first).to_be_visible()
        screen.wait_for_timeout(800)
        shoot(screen, "presenter")

        # The CSV: one row per person and item.
        services.set_answering_open(db=db, session_id=sid, key=key, is_open=False)
        csv = pd.read_csv(io.BytesIO(services.export_csv(db=db, session_id=sid)))
        assert len(csv) == 3 * len(ITEMS)
        assert set(csv["item"]) == set(ITEMS)
        assert csv.groupby("item")["points"].sum().to_dict() == {
            "Inspiring others": 120,
            "Lifting others up": 50,
            "Organising well": 60,
            "Sharing knowledge": 70,
        }
        summary = "Inspiring others: 60; Organising well: 20; Sharing knowledge: 20"
        assert (csv["answer"] == summary).sum() == len(ITEMS)  # the summary on each item row
    finally:
        phone.close()
        projector.close()
        db.dispose()
