"""Privacy: the store and the logs keep no IP address, user agent or raw token; few
answers stay off the room's screen; every chart says n and the response rate; deleting a
session leaves no row behind."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import func, select

from tests.app.facilitator_support import app_ctx, assert_no_errors, open_page, page_text
from tests.browser.conftest import PHONE, PROJECTOR
from tests.support.builders import (
    answer_current,
    every_kind_template,
    make_session,
    make_template,
    sample_answers,
)
from tests.support.server import start_server, stop_server_process
from workshop import services
from workshop.activities import KINDS, get_kind, make_spec
from workshop.activities.open_text.kind import OpenText
from workshop.config import Settings
from workshop.domain.codes import new_participant_token
from workshop.domain.model import DEFAULT_MIN_ANSWERS_TO_SHOW
from workshop.guards import SUBMIT_GUARD
from workshop.storage import make_database
from workshop.storage.tables import metadata
from workshop.templates import parse_template
from workshop.web.participant_cookie import PARTICIPANT_COOKIE

__all__ = ["app_ctx"]

USER_AGENT = "Mozilla/5.0 (PrivacyCanary; ua-canary-7f3e1c) WorkshopProbe/9.9"
CLIENT_ADDRESS = "127.0.0.1"  # where the browser connects from
SERVER_ADDRESS = "127.0.0.2"  # the server listens elsewhere, so its own banner is no match
OPEN_ANSWER = "Privacy canary answer 5521"
UI_TIMEOUT_MS = 20_000


def every_cell(db_path: Path) -> list[tuple[str, str, str]]:
    """(table, column, text) for every value in every table of the SQLite file."""
    cells = []
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            cursor = conn.execute(f'SELECT * FROM "{table}"')
            columns = [d[0] for d in cursor.description]
            for row in cursor:
                for column, value in zip(columns, row, strict=True):
                    text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
                    cells.append((table, column, text))
    return cells


def raw_bytes(data_dir: Path) -> dict[str, bytes]:
    """Every file the server wrote (database, WAL, log...), byte for byte."""
    return {
        str(p.relative_to(data_dir)): p.read_bytes() for p in data_dir.rglob("*") if p.is_file()
    }


@pytest.mark.browser
def test_the_store_and_the_logs_keep_no_address_agent_or_raw_token(
    browser: Browser, tmp_path: Path
):
    server = start_server(tmp_path / "data", address=SERVER_ADDRESS)
    settings = Settings.from_env({"WORKSHOP_DATA_DIR": str(server.data_dir)})
    db = make_database(settings.database_url)
    contexts = [browser.new_context(**PHONE, user_agent=USER_AGENT) for _ in range(2)]
    projector = browser.new_context(**PROJECTOR, user_agent=USER_AGENT)
    try:
        template = make_template(
            make_spec("single_choice", text="Pick one", options=("Yes", "No")),
            make_spec("open_text", text="Say something", max_length=100),
        )
        started = services.start_session(db=db, template=template)
        code, key, sid = started.session.code, started.facilitator_key, started.session.id
        phones = [context.new_page() for context in contexts]
        for page in phones:
            page.goto(f"{server.url}/join?code={code}")
            expect(page.get_by_text("Pick one", exact=True)).to_be_visible(timeout=UI_TIMEOUT_MS)
            assert page.evaluate("navigator.userAgent") == USER_AGENT
            page.get_by_text("Yes", exact=True).click()
            page.get_by_role("button", name="Send my answer").click()
            expect(page.get_by_text("Received — thank you!")).to_be_visible(timeout=UI_TIMEOUT_MS)
        services.next_prompt(db=db, session_id=sid, key=key)
        for page in phones:
            box = page.get_by_role("textbox", name="Your answer")
            expect(box).to_be_visible(timeout=UI_TIMEOUT_MS)
            box.fill(OPEN_ANSWER)
            page.get_by_role("button", name="Send my answer").click()
            expect(page.get_by_text("Received — thank you!")).to_be_visible(timeout=UI_TIMEOUT_MS)
        # The facilitator's pages are visited too (their key rides in the URL).
        screen = projector.new_page()
        screen.goto(f"{server.url}/console?code={code}&key={key}")
        expect(screen.get_by_text("Say something").first).to_be_visible(timeout=UI_TIMEOUT_MS)
        screen.goto(f"{server.url}/presenter?code={code}&key={key}&mode=present")
        expect(screen.get_by_text("Say something").first).to_be_visible(timeout=UI_TIMEOUT_MS)

        tokens = [
            next(c["value"] for c in context.cookies() if c["name"] == PARTICIPANT_COOKIE)
            for context in contexts
        ]
        assert len(set(tokens)) == 2
    finally:
        for context in (*contexts, projector):
            context.close()
        db.dispose()
        stop_server_process(server.process)  # a clean stop: the log is complete

    secrets = {
        "user agent": USER_AGENT,
        "user agent (distinctive part)": "ua-canary-7f3e1c",
        "client IP address": CLIENT_ADDRESS,
        "facilitator key": key,
        **{f"participant token {i + 1}": token for i, token in enumerate(tokens)},
    }
    cells = every_cell(server.data_dir / "workshop.db")
    # The scan can see what is there: the answers themselves are stored.
    assert any(OPEN_ANSWER in text for _, _, text in cells)
    for what, secret in secrets.items():
        found = [(table, column) for table, column, text in cells if secret in text]
        assert found == [], f"the {what} is stored in {found}"
    files = raw_bytes(server.data_dir)
    assert any(name.endswith(".log") for name in files), sorted(files)
    assert any(OPEN_ANSWER.encode() in content for content in files.values())
    for what, secret in secrets.items():
        leaking = [name for name, content in files.items() if secret.encode() in content]
        assert leaking == [], f"the {what} is written to {leaking}"


# ---- few answers stay off the room's screen -------------------------------------------------


def chart_titles(at) -> list[str]:
    """The title of every plotly chart on the page (where n and the response rate live).
    The presenter's empty, hidden chart that loads the browser's chart code has none."""
    titles = []
    for chart in at.get("plotly_chart"):
        layout = json.loads(chart.proto.spec)["layout"]
        if "title" in layout:
            titles.append(layout["title"]["text"])
        else:
            assert not json.loads(chart.proto.spec).get("data"), "a chart without its n"
    return titles


def presenter(started, **extra):
    return open_page("presenter", code=started.session.code, key=started.facilitator_key, **extra)


WORD_CLOUD_YAML = """
title: Threshold
{threshold}
prompts:
  - kind: word_cloud
    text: One word
"""


def yaml_template(threshold: str):
    return parse_template(WORD_CLOUD_YAML.format(threshold=threshold), slug="threshold")


def test_the_default_threshold_is_three(app_ctx):
    template = yaml_template("")
    assert template.min_answers_to_show == DEFAULT_MIN_ANSWERS_TO_SHOW == 3
    started = make_session(app_ctx.db, template)
    secret = app_ctx.participant_secret
    for word in ("trust", "vision"):
        answer_current(app_ctx.db, started, [word], secret=secret)
    at = presenter(started, mode="present")
    assert_no_errors(at)
    assert "Results appear after 3 answers (2 so far)" in page_text(at)
    assert not chart_titles(at)
    assert "trust" not in page_text(at) and "vision" not in page_text(at)
    answer_current(app_ctx.db, started, ["courage"], secret=secret)
    at = presenter(started, mode="present")
    assert "Results appear after" not in page_text(at)
    assert chart_titles(at) == ["n = 3 · 100% of 3 joined"]


def test_a_template_can_raise_the_threshold(app_ctx):
    started = make_session(app_ctx.db, yaml_template("min_answers_to_show: 5"))
    assert started.session.min_answers_to_show == 5
    for word in ("a", "b", "c", "d"):
        answer_current(app_ctx.db, started, [word], secret=app_ctx.participant_secret)
    at = presenter(started, mode="present")
    assert "Results appear after 5 answers (4 so far)" in page_text(at)
    assert not chart_titles(at)


def test_the_console_preview_says_what_the_room_sees(app_ctx):
    started = make_session(app_ctx.db, yaml_template(""))
    answer_current(app_ctx.db, started, ["alone"], secret=app_ctx.participant_secret)
    at = open_page("console", code=started.session.code, key=started.facilitator_key)
    assert "On the projector now: Results appear after 3 answers (1 so far)" in page_text(at)


EVERY_KIND = every_kind_template()
EVERY_KIND_ANSWERS = sample_answers(EVERY_KIND)


@pytest.fixture
def every_kind(app_ctx):
    """Four people joined; three answered every prompt (75 % response rate)."""
    SUBMIT_GUARD.configure(interval=0)  # reset after the test (conftest)
    db, secret = app_ctx.db, app_ctx.participant_secret
    started = make_session(db, EVERY_KIND)
    sid, key = started.session.id, started.facilitator_key
    tokens = [new_participant_token(secret) for _ in range(3)]
    fourth = new_participant_token(secret)
    services.join_session(db=db, secret=secret, code=started.session.code, token=fourth)
    for position, raw in enumerate(EVERY_KIND_ANSWERS):
        services.go_to_prompt(db=db, session_id=sid, key=key, position=position)
        for token in tokens:
            answer_current(db, started, raw, secret=secret, token=token)
    return started


EXPECTED_N = "n = 3 · 75% of 4 joined"


@pytest.mark.parametrize("position", range(len(KINDS)), ids=list(KINDS))
def test_every_chart_on_the_presenter_says_n_and_the_response_rate(app_ctx, every_kind, position):
    started = every_kind
    services.go_to_prompt(
        db=app_ctx.db, session_id=started.session.id, key=started.facilitator_key, position=position
    )
    at = presenter(started, mode="present")
    assert_no_errors(at)
    titles = chart_titles(at)
    if titles:
        assert len(titles) == 1 and titles[0].startswith(EXPECTED_N), titles
    else:  # open text: a card wall, with the same line above it
        assert EXPECTED_N in page_text(at)


def test_every_chart_on_the_results_page_says_n_and_the_response_rate(app_ctx, every_kind):
    at = open_page("results", code=every_kind.session.code, key=every_kind.facilitator_key)
    assert_no_errors(at)
    titles = chart_titles(at)
    drawn = [
        spec for spec in EVERY_KIND.prompts if not isinstance(get_kind(spec.kind), OpenText)
    ]  # every kind draws a figure but open text (a wall of cards)
    assert len(titles) == len(drawn) and all(t.startswith(EXPECTED_N) for t in titles), titles
    assert page_text(at).count(EXPECTED_N) >= 1  # and above the open-text cards


# ---- deleting a session leaves nothing --------------------------------------------------


def rows_of_session(db, session_id: int) -> dict[str, int]:
    """How many rows of each table belong to the session."""
    counts = {}

    def work(conn):
        for table in metadata.sorted_tables:
            column = table.c.id if table.name == "sessions" else table.c.get("session_id")
            assert column is not None, f"{table.name} has no session_id: extend this test"
            counts[table.name] = conn.execute(
                select(func.count()).select_from(table).where(column == session_id)
            ).scalar_one()
        return counts

    return db.read(work)


def test_deleting_a_session_removes_every_row_on_both_backends(db, secret):
    doomed, kept = make_session(db), make_session(db)
    for started in (doomed, kept):
        for _ in range(3):
            answer_current(db, started, "A", secret=secret)
    before_kept = rows_of_session(db, kept.session.id)
    assert all(n > 0 for n in rows_of_session(db, doomed.session.id).values())
    services.delete_session(db=db, session_id=doomed.session.id, key=doomed.facilitator_key)
    assert rows_of_session(db, doomed.session.id) == dict.fromkeys(before_kept, 0)
    assert rows_of_session(db, kept.session.id) == before_kept


def test_the_facilitator_deletes_a_session_from_the_console(app_ctx):
    db, secret = app_ctx.db, app_ctx.participant_secret
    doomed, kept = make_session(db), make_session(db)
    for started in (doomed, kept):
        for raw in ("A", "B", "C"):
            answer_current(db, started, raw, secret=secret)
    before_kept = rows_of_session(db, kept.session.id)
    at = open_page("console", code=doomed.session.code, key=doomed.facilitator_key)
    next(b for b in at.button if b.label == "Delete the session…").click().run()
    assert rows_of_session(db, doomed.session.id)["answers"] == 3  # asked first, nothing yet
    next(b for b in at.button if b.label == "Yes, delete the session").click().run()
    assert_no_errors(at)
    assert all(n == 0 for n in rows_of_session(db, doomed.session.id).values())
    assert rows_of_session(db, kept.session.id) == before_kept
    # Its links now open nothing.
    at = open_page("console", code=doomed.session.code, key=doomed.facilitator_key)
    assert len(at.error) == 1 and not at.button


@pytest.mark.parametrize("how", ["delete_session", "reset_prompt"])
def test_deleted_answers_leave_no_copy_in_the_sqlite_files(tmp_path: Path, secret, how):
    """Not only no row: no bytes either, while the app keeps running (WAL included)."""
    db = make_database(f"sqlite:///{tmp_path / 'workshop.db'}")
    try:
        started = make_session(
            db, make_template(make_spec("open_text", text="Confide"))
        )
        for i in range(3):
            answer_current(db, started, f"DELETE-CANARY-{i} my secret", secret=secret)
        files = raw_bytes(tmp_path)
        assert any(b"DELETE-CANARY" in content for content in files.values())
        sid, key = started.session.id, started.facilitator_key
        if how == "delete_session":
            services.delete_session(db=db, session_id=sid, key=key)
        else:
            prompt = services.list_prompts(db=db, session_id=sid)[0]
            services.reset_prompt(db=db, session_id=sid, key=key, prompt_id=prompt.id)
        left = [
            name for name, content in raw_bytes(tmp_path).items() if b"DELETE-CANARY" in content
        ]
        assert left == [], f"deleted answers still readable in {left}"
    finally:
        db.dispose()
