"""The facilitator's home: start a session from a template, list sessions, resume one."""

from __future__ import annotations

import hmac
import logging
from urllib.parse import urlencode, urlsplit

import streamlit as st

from .. import services
from ..context import AppContext
from ..domain.codes import display_code
from ..domain.errors import AccessDenied, TemplateError
from ..domain.model import Session, Template
from ..guards import ADMIN_GUARD, START_GUARD
from ..templates import list_template_files, load_template_file
from .client import page_client_address, page_is_loopback
from .context import get_context
from .facilitator import (
    CONSOLE_PAGE,
    PRESENTER_PAGE,
    RESULTS_PAGE,
    facilitator_query,
    parse_link_or_key,
    presenter_query,
    remember_key,
    remember_presenter_key,
)
from .literal import literal

LINKS_STATE = "home_links_for"  # the join code whose private links are on show
ADMIN_STATE = "home_admin_ok"  # this browser gave the admin password (when one is set)
SESSIONS_SHOWN = 30
JOIN_PATH = "/join"  # the phone page (web/phone_page.py), not a Streamlit page
TOO_MANY_STARTS = (
    "Many sessions were just started from this device. Please wait a minute before "
    "starting another one."
)
log = logging.getLogger(__name__)
_failed_admin_logins = 0  # in this process; the log says how many, never from where


def render_home() -> None:
    ctx = get_context()
    if not ctx.settings.admin_password and not page_is_loopback():
        # Without an admin password only the laptop itself facilitates; a participant
        # who edits the address to / is sent on to the join page (proxied requests
        # included). The HTTP redirect does that first (web/home_gate.py); this holds
        # for a browser that reached the page anyway.
        render_participant_pointer()
        st.stop()
    st.title("Workshop sessions")
    code = st.session_state.get(LINKS_STATE)
    key = st.session_state.get("facilitator_keys", {}).get(code) if code else None
    if code and key:
        render_private_links(code, key)
    start, sessions = st.columns([1, 1.25], gap="large")
    with start:
        _start_form(ctx)
    with sessions:
        if not _admin_ok(ctx):
            _unlock_form(ctx)
            return
        listed = services.list_sessions(db=ctx.db)
        _session_table(listed)
        if listed:
            _resume_form(ctx, listed)


def render_participant_pointer() -> None:
    st.title("Join a session")
    st.write("This address is for the facilitator's laptop. To answer, open the join page "
             "and type the code shown on the screen.")  # fmt: skip
    st.link_button("Join a session", JOIN_PATH, type="primary")


WRONG_PASSWORD = "That admin password is not right. Ask whoever runs this installation."


def _password_problem(ctx: AppContext, given: str) -> str | None:
    """None when ``given`` is the admin password; else what to tell this browser.

    Wrong passwords from one address wait longer each time, then that address is locked
    out for a while (memory only); the right one never waits. Failures are counted in
    the log, without any address.
    """
    client = page_client_address(ctx)
    if left := ADMIN_GUARD.locked_for(client):
        return services.locked_out_message(left)
    expected = ctx.settings.admin_password or ""
    if hmac.compare_digest(given.encode(), expected.encode()):
        return None
    ADMIN_GUARD.record_failure(client)
    global _failed_admin_logins
    _failed_admin_logins += 1
    log.warning("wrong admin password (%d since start)", _failed_admin_logins)
    ADMIN_GUARD.wait_after_failure(client)
    return WRONG_PASSWORD


def _admin_ok(ctx: AppContext) -> bool:
    """No admin password set, or this browser session already gave it."""
    return not ctx.settings.admin_password or bool(st.session_state.get(ADMIN_STATE))


def _unlock_form(ctx: AppContext) -> None:
    """With an admin password set, the list of sessions (titles, join codes) is private too."""
    st.subheader("Sessions")
    st.caption(
        "This installation lists its sessions only after the admin password. "
        "Have a private facilitator link? Open it directly."
    )
    with st.form("unlock-sessions", border=False):
        given = st.text_input("Admin password", type="password", key="unlock-password")
        if not st.form_submit_button("Show sessions"):
            return
    if problem := _password_problem(ctx, given):
        st.error(problem)
        return
    st.session_state[ADMIN_STATE] = True
    st.rerun()


def _load_templates() -> tuple[list[Template], list[str]]:
    templates, problems = [], []
    for path in list_template_files():  # the leadership template comes first
        try:
            templates.append(load_template_file(path))
        except TemplateError as error:
            problems.append(str(error))
    return templates, problems


def _start_form(ctx: AppContext) -> None:
    st.subheader("Start a session")
    templates, problems = _load_templates()
    for problem in problems:
        st.error(f"A template could not be loaded:\n\n{problem}")
    if not templates:
        return
    chosen = st.selectbox(
        "Template",
        options=range(len(templates)),
        index=0,
        format_func=lambda i: f"{templates[i].title} — {len(templates[i].prompts)} questions",
        key="start-template",
    )
    template = templates[chosen]
    if template.description:
        st.caption(literal(template.description))
    password = ""
    needs_password = not _admin_ok(ctx)
    if needs_password:
        password = st.text_input(
            "Admin password",
            type="password",
            key="start-password",
            help="This installation asks for its admin password before starting a session.",
        )
    if st.button(
        "Start session", type="primary", icon=":material/play_arrow:", key="start-session"
    ):
        if needs_password and (problem := _password_problem(ctx, password)):
            st.error(problem)
            return
        if needs_password:
            st.session_state[ADMIN_STATE] = True
        if not START_GUARD.take(page_client_address(ctx)):
            st.error(TOO_MANY_STARTS)
            return
        started = services.start_session(db=ctx.db, template=template)
        remember_key(started.session.code, started.facilitator_key)
        remember_presenter_key(started.session.code, started.presenter_key)
        st.session_state[LINKS_STATE] = started.session.code
        st.rerun()


def render_private_links(code: str, key: str) -> None:
    query = facilitator_query(code, key)
    on_projector = presenter_query(code, key)  # its own key: show and step, nothing more
    with st.container(key="facilitator-links"):
        st.success(f"Session {display_code(code)} is ready.", icon=":material/check_circle:")
        st.warning(
            "Keep these links private: anyone who has them controls this session. "
            "Bookmark the console link now: the key is stored only in scrambled form, "
            "so it cannot be shown again once this browser tab is closed.",
            icon=":material/key:",
        )
        console, presenter, presenting, results = st.columns(4)
        console.page_link(
            CONSOLE_PAGE, label="Open the console", icon=":material/tune:", query_params=query
        )
        presenter.page_link(
            PRESENTER_PAGE,
            label="Presenter",
            icon=":material/co_present:",
            query_params=on_projector,
        )
        presenting.page_link(
            PRESENTER_PAGE,
            label="Presenting mode",
            icon=":material/fullscreen:",
            query_params={**on_projector, "mode": "present"},
        )
        results.page_link(
            RESULTS_PAGE, label="Results", icon=":material/bar_chart:", query_params=query
        )
        st.caption("Private facilitator link (console):")
        st.code(facilitator_url("console", query), language=None)


def facilitator_url(page: str, query: dict[str, str]) -> str:
    """The full link in this browser's address form (relative if it is unknown)."""
    here = st.context.url or ""
    parts = urlsplit(here)
    base_path = (st.get_option("server.baseUrlPath") or "").strip("/")
    origin = f"{parts.scheme}://{parts.netloc}" if parts.netloc else ""
    prefix = f"{origin}/{base_path}" if base_path else origin
    return f"{prefix}/{page}?{urlencode(query)}"


def _session_table(listed: list[Session]) -> None:
    st.subheader("Sessions")
    if not listed:
        st.caption("No sessions yet. Start one on the left.")
        return
    rows = [
        {
            "Code": display_code(s.code),
            "Title": s.title,
            "Status": "live" if s.is_live else "ended",
            "Question": f"{s.current_position + 1} of {s.prompt_count}",
            "Started (UTC)": s.started_at.strftime("%Y-%m-%d %H:%M"),
        }
        for s in listed[:SESSIONS_SHOWN]
    ]
    st.dataframe(rows, hide_index=True, width="stretch")
    if len(listed) > SESSIONS_SHOWN:
        st.caption(f"The newest {SESSIONS_SHOWN} of {len(listed)} sessions are shown.")


def _resume_form(ctx: AppContext, listed: list[Session]) -> None:
    st.subheader("Resume a session")
    st.caption(
        "Paste the private facilitator link you bookmarked, or choose the session and "
        "paste its key."
    )
    with st.form("resume-session", border=False):
        by_code = {s.code: s for s in listed}
        chosen = st.selectbox(
            "Session",
            options=list(by_code),
            format_func=lambda code: f"{display_code(code)} · {by_code[code].title}",
            key="resume-session-choice",
        )
        pasted = st.text_input("Facilitator link or key", type="password", key="resume-key")
        submitted = st.form_submit_button("Resume")
    if not submitted:
        return
    link_code, key = parse_link_or_key(pasted)
    session = by_code[chosen]
    if link_code:
        found = services.find_session_by_code(db=ctx.db, code=link_code)
        session = found or session
    try:
        services.check_facilitator_key(
            db=ctx.db, session_id=session.id, key=key, client=page_client_address(ctx)
        )
    except AccessDenied as error:
        if str(error) != str(AccessDenied()):  # locked out: say so, not "wrong key"
            st.error(str(error))
            return
        st.error(
            f"That link or key does not open session {display_code(session.code)}. "
            "Check that you copied the whole link."
        )
        return
    remember_key(session.code, key)
    st.session_state[LINKS_STATE] = session.code
    st.rerun()
