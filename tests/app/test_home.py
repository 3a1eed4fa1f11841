"""Home page: start a session from a template, the private links, sessions, resume."""

from __future__ import annotations

import logging

import pytest

from tests.app.facilitator_support import app_ctx, assert_no_errors, open_page, page_text
from tests.support.builders import make_session
from workshop import services
from workshop.domain.codes import display_code
from workshop.guards import ADMIN_GUARD, START_GUARD
from workshop.ui.facilitator import parse_link_or_key

__all__ = ["app_ctx"]


def started_in_tab(at) -> tuple[str, str]:
    keys = at.session_state["facilitator_keys"]
    assert len(keys) == 1
    return next(iter(keys.items()))


def test_leadership_template_is_first_and_preselected(app_ctx):
    at = open_page("home")
    assert_no_errors(at)
    choice = at.selectbox(key="start-template")
    assert choice.index == 0
    assert choice.value == 0
    assert choice.options[0].startswith("Leadership Positions vs Leadership — 12 questions")


def test_starting_a_session_stores_it_and_shows_the_private_links(app_ctx):
    at = open_page("home")
    at.button(key="start-session").click().run()
    assert_no_errors(at)
    sessions = services.list_sessions(db=app_ctx.db)
    assert len(sessions) == 1
    session = sessions[0]
    assert session.is_live and session.template_slug == "leadership" and session.prompt_count == 12
    code, key = started_in_tab(at)
    assert code == session.code
    services.check_facilitator_key(db=app_ctx.db, session_id=session.id, key=key)  # no raise
    shown = page_text(at)
    assert f"/console?code={code}&key={key}" in shown  # the link to bookmark
    assert "Keep these links private" in shown
    assert display_code(code) in shown  # listed among the sessions too


def test_admin_password_guards_starting(app_ctx, monkeypatch):
    monkeypatch.setenv("WORKSHOP_ADMIN_PASSWORD", "s3cret-pass")
    at = open_page("home")
    at.text_input(key="start-password").input("wrong")
    at.button(key="start-session").click().run()
    assert any("admin password is not right" in e.value for e in at.error)
    assert services.list_sessions(db=app_ctx.db) == []
    at.text_input(key="start-password").input("s3cret-pass")
    at.button(key="start-session").click().run()
    assert_no_errors(at)
    assert len(services.list_sessions(db=app_ctx.db)) == 1


def test_sessions_are_listed_live_and_ended(app_ctx, leadership_template):
    live = make_session(app_ctx.db, leadership_template)
    ended = make_session(app_ctx.db, leadership_template)
    services.end_session(db=app_ctx.db, session_id=ended.session.id, key=ended.facilitator_key)
    at = open_page("home")
    table = at.dataframe[0].value
    rows = dict(zip(table["Code"], table["Status"], strict=True))
    assert rows == {
        display_code(live.session.code): "live",
        display_code(ended.session.code): "ended",
    }
    assert "facilitator_keys" not in at.session_state  # no keys handed out by listing


@pytest.mark.parametrize("paste", ["link", "key"])
def test_resume_with_the_pasted_link_or_key(app_ctx, leadership_template, paste):
    started = make_session(app_ctx.db, leadership_template)
    code, key = started.session.code, started.facilitator_key
    at = open_page("home")
    text = f"http://192.168.1.20:8501/console?code={code}&key={key}" if paste == "link" else key
    at.text_input(key="resume-key").input(text)
    at.button[-1].click().run()  # the form's Resume button
    assert_no_errors(at)
    assert started_in_tab(at) == (code, key)
    assert f"/console?code={code}&key={key}" in page_text(at)


def test_resume_with_a_wrong_key_is_refused(app_ctx, leadership_template):
    started = make_session(app_ctx.db, leadership_template)
    at = open_page("home")
    at.text_input(key="resume-key").input("not-the-key-at-all-not-the-key")
    at.button[-1].click().run()
    assert any("does not open session" in e.value for e in at.error)
    assert "facilitator_keys" not in at.session_state
    assert started.facilitator_key not in page_text(at)


def test_parse_link_or_key():
    assert parse_link_or_key(" abc_DEF-123 ") == (None, "abc_DEF-123")
    assert parse_link_or_key("https://x.org/presenter?code=k7q-4mx&key=KEY&mode=present") == (
        "K7Q4MX",
        "KEY",
    )
    assert parse_link_or_key("") == (None, "")


def test_admin_password_also_hides_the_session_list(app_ctx, monkeypatch, leadership_template):
    existing = make_session(app_ctx.db, leadership_template)
    monkeypatch.setenv("WORKSHOP_ADMIN_PASSWORD", "s3cret-pass")
    at = open_page("home")
    shown = " ".join(str(e.value) for e in (*at.markdown, *at.caption, *at.text))
    assert not at.dataframe and display_code(existing.session.code) not in shown
    at.text_input(key="unlock-password").input("wrong")
    next(b for b in at.button if b.label == "Show sessions").click().run()
    assert any("admin password is not right" in e.value for e in at.error)
    assert not at.dataframe
    at.text_input(key="unlock-password").input("s3cret-pass")
    next(b for b in at.button if b.label == "Show sessions").click().run()
    assert_no_errors(at)
    assert display_code(existing.session.code) in list(at.dataframe[0].value["Code"])


def test_wrong_admin_passwords_slow_then_lock_out_and_are_counted_without_address(
    app_ctx, monkeypatch, caplog
):
    monkeypatch.setenv("WORKSHOP_ADMIN_PASSWORD", "s3cret-pass")
    waits: list[float] = []
    monkeypatch.setattr(ADMIN_GUARD, "wait_after_failure", lambda who: waits.append(1.0))
    at = open_page("home")
    unlock = lambda: next(b for b in at.button if b.label == "Show sessions").click().run()  # noqa: E731
    with caplog.at_level(logging.WARNING, logger="workshop.ui.home"):
        for _ in range(ADMIN_GUARD.lockout_after):
            at.text_input(key="unlock-password").input("guess")
            unlock()
            assert any("admin password is not right" in e.value for e in at.error)
    assert len(waits) == ADMIN_GUARD.lockout_after  # every wrong one went through the back-off
    at.text_input(key="unlock-password").input("s3cret-pass")  # now even the right one waits
    unlock()
    assert any("Too many wrong keys or passwords" in e.value for e in at.error)
    logged = [r.getMessage() for r in caplog.records if "admin password" in r.getMessage()]
    assert len(logged) == ADMIN_GUARD.lockout_after  # each failure counted in the log
    assert all(m.startswith("wrong admin password (") for m in logged)
    assert not any("127.0.0.1" in m or "None" in m for m in logged)  # no address
    ADMIN_GUARD.reset()
    at.text_input(key="unlock-password").input("s3cret-pass")
    unlock()
    assert_no_errors(at)  # once the lockout is over, the right password opens at once


def test_starting_sessions_is_rate_limited_per_device(app_ctx):
    START_GUARD.configure(burst=2, interval=60.0)  # reset after the test (conftest)
    at = open_page("home")
    for _ in range(3):
        at.button(key="start-session").click().run()
    assert any("Many sessions were just started" in e.value for e in at.error)
    assert len(services.list_sessions(db=app_ctx.db)) == 2  # the third was not started
