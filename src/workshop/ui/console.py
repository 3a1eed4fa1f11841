"""The facilitator's console: steer the session, moderate answers, and the danger zone.

Every control calls a service with the session's key (the service checks it again)
from a button callback: callbacks run before the page is drawn, so the page always
shows the state after the action, and an action that fails (say, a second facilitator
ended the session a moment ago) leaves its plain-words reason for the page to show.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import streamlit as st

from .. import services
from ..activities import answer_text, get_kind
from ..charts import REPORT, figure_for
from ..domain.codes import display_code
from ..domain.errors import WorkshopError
from ..domain.model import Answer, LiveView, Prompt, PromptSpec
from ..domain.visibility import results_gate
from .facilitator import HOME_PAGE, FacilitatorAccess, run_action
from .follow import follow_room, read_pulse
from .qr_card import render_counts
from .results_view import CONSOLE_WALL, render_card_wall, render_figure, render_message

CONFIRM_STATE = "console_confirm"  # which dangerous action waits for a second click
ERROR_STATE = "console_error"  # the reason the last action failed, shown once
JUMP_KEY = "console_jump"  # the "Jump to question" choice
JUMP_PICKED = "console_jump_picked"  # set when the facilitator picked one (kept until Go)
# Answers and joins redraw the console at most this often (a facilitator action at once):
# its moderation list is the costliest page run of the app.
ROOM_GAP_SECONDS = 1.0


def _perform(action: Callable[[], Any]) -> None:
    """Button callback: run the action; keep its error (if any) for the page to show."""
    try:
        action()
    except WorkshopError as error:
        st.session_state[ERROR_STATE] = str(error)
    else:
        st.session_state.pop(CONFIRM_STATE, None)


def _ask(which: str | None) -> None:
    """Button callback: show (or, with None, drop) a confirmation."""
    if which is None:
        st.session_state.pop(CONFIRM_STATE, None)
    else:
        st.session_state[CONFIRM_STATE] = which


def _show_error() -> None:
    message = st.session_state.pop(ERROR_STATE, None)
    if message:
        st.error(message)


def render_console(access: FacilitatorAccess) -> None:
    """The whole page follows the room by push (``ui/follow.py``): a change anywhere
    reruns it, so the steering part always describes the question the room is on."""
    sid = access.session.id
    _show_error()
    pulse = read_pulse(access.ctx, sid)  # read BEFORE the view: a later change reruns
    try:
        if pulse is None:
            render_message("This session was deleted.", small=True)
            return
        _page(access)
    finally:
        follow_room(  # last: drawn when this run is done (see ui/follow.py)
            code=access.session.code,
            pulse=pulse,
            key="console-follow",
            room_gap_seconds=ROOM_GAP_SECONDS,
        )


def _page(access: FacilitatorAccess) -> None:
    db, sid = access.ctx.db, access.session.id
    view = services.get_live_view(db=db, session_id=sid)
    prompts = services.list_prompts(db=db, session_id=sid)
    session = view.session
    status = "Live" if session.is_live else "Ended"
    st.html(
        f'<p class="ws-meta">{html.escape(session.title)} · join code '
        f"{display_code(session.code)} · {status}</p>"
    )
    if view.prompt is None:
        render_message("This session has no questions.", small=True)
        return
    _steering(access, view, prompts)
    _live_panel(access)
    _danger_zone(access, view)


def _steering(access: FacilitatorAccess, view: LiveView, prompts: list[Prompt]) -> None:
    db, sid, key = access.ctx.db, access.session.id, access.key
    session, prompt = view.session, view.prompt
    assert prompt is not None
    live = session.is_live
    # One widget for the page's life: a redraw (the room moved, an answer came) keeps the
    # facilitator's pick; until they pick, it follows the current question.
    if not st.session_state.get(JUMP_PICKED):
        st.session_state[JUMP_KEY] = prompt.position
    back, forward, jump, go = st.columns([1, 1, 3, 0.8], vertical_alignment="bottom")
    back.button(
        "Previous",
        icon=":material/arrow_back:",
        disabled=not live or prompt.position == 0,
        width="stretch",
        on_click=_perform,
        args=(
            lambda: services.previous_prompt(
                db=db, session_id=sid, key=key, seen_revision=session.revision
            ),
        ),
    )
    forward.button(
        "Next",
        icon=":material/arrow_forward:",
        type="primary",
        disabled=not live or prompt.position >= session.prompt_count - 1,
        width="stretch",
        on_click=_perform,
        args=(
            lambda: services.next_prompt(
                db=db, session_id=sid, key=key, seen_revision=session.revision
            ),
        ),
    )
    target = jump.selectbox(
        "Jump to question",
        options=[p.position for p in prompts],
        format_func=lambda pos: f"{pos + 1}. {prompts[pos].text}",
        key=JUMP_KEY,
        on_change=_picked,
        disabled=not live,
    )
    go.button(
        "Go",
        disabled=not live or target == prompt.position,
        width="stretch",
        on_click=_perform,
        args=(lambda: _jump(access, st.session_state[JUMP_KEY]),),
    )

    st.html(
        f'<p class="ws-meta">Question {prompt.number} of {session.prompt_count} · '
        f"{html.escape(get_kind(prompt.kind).label)}</p>"
        f'<p class="ws-prompt-small">{html.escape(prompt.text)}</p>'
    )
    answering, results = st.columns(2)
    is_open = session.answering_open
    answering.button(
        "Close answering" if is_open else "Open answering",
        icon=":material/pause:" if is_open else ":material/play_arrow:",
        disabled=not live,
        width="stretch",
        on_click=_perform,
        args=(
            lambda: services.set_answering_open(
                db=db, session_id=sid, key=key, is_open=not is_open
            ),
        ),
    )
    answering.caption("Phones can answer now." if is_open else "Phones wait: answering is closed.")
    visible = session.results_visible
    results.button(
        "Hide results" if visible else "Show results",
        icon=":material/visibility_off:" if visible else ":material/visibility:",
        width="stretch",
        on_click=_perform,
        args=(
            lambda: services.set_results_visible(
                db=db, session_id=sid, key=key, visible=not visible
            ),
        ),
    )
    results.caption("The room sees the results." if visible else "Results are hidden.")
    if prompt.spec.note:
        with st.container(border=True):
            st.caption("Facilitator note (only here, never on the projector)")
            st.text(prompt.spec.note)


def _picked() -> None:
    st.session_state[JUMP_PICKED] = True


def _jump(access: FacilitatorAccess, position: int) -> None:
    services.go_to_prompt(
        db=access.ctx.db, session_id=access.session.id, key=access.key, position=position
    )
    st.session_state.pop(JUMP_PICKED, None)  # done: follow the current question again


def _live_panel(access: FacilitatorAccess) -> None:
    """Counts, the room's view and the moderation list (the page reruns on a change)."""
    db, sid = access.ctx.db, access.session.id
    view = services.get_live_view(db=db, session_id=sid)
    prompt = view.prompt
    if prompt is None:
        return
    render_counts(view.counts, say_hidden=True)
    chart, moderation = st.columns([3, 2], gap="large")
    with chart:
        _preview(access, view)
    with moderation:
        answers = services.list_answers(
            db=db, session_id=sid, prompt_id=prompt.id, include_hidden=True
        )
        _moderation(access, answers, prompt.spec)


def _preview(access: FacilitatorAccess, view: LiveView) -> None:
    prompt = view.prompt
    assert prompt is not None
    result = services.results_for(
        db=access.ctx.db, session_id=access.session.id, prompt_id=prompt.id
    )
    verdict = results_gate(
        results_visible=view.session.results_visible,
        n=result.n,
        min_answers=view.session.min_answers_to_show,
    )
    st.caption("On the projector now: " + ("the results" if verdict.show else verdict.message))
    fig = figure_for(result, joined=view.counts.joined, style=REPORT)
    if fig is None:
        render_card_wall(result, joined=view.counts.joined, fit=CONSOLE_WALL)
    else:
        render_figure(fig, static=True, key="console-chart")


def _moderation(access: FacilitatorAccess, answers: list[Answer], spec: PromptSpec) -> None:
    db, sid, key = access.ctx.db, access.session.id, access.key
    st.markdown("**Answers to moderate**")
    if not answers:
        st.caption("No answers yet.")
        return
    st.caption("Hide an answer to take it off the projector (it stays in the CSV, flagged).")
    with st.container(height=420, key="answer-list"):
        for answer in sorted(answers, key=lambda a: (a.answered_at, a.id), reverse=True):
            text_col, button_col = st.columns([4, 1.3], vertical_alignment="center")
            with text_col:
                shown = answer_text(spec, answer.value)  # the kind says how its answer reads
                st.text(("(hidden) " if answer.hidden else "") + shown)
            button_col.button(
                "Unhide" if answer.hidden else "Hide",
                key=f"moderate-{answer.id}",
                width="stretch",
                on_click=_perform,
                args=(
                    lambda a=answer: services.hide_answer(
                        db=db, session_id=sid, key=key, answer_id=a.id, hidden=not a.hidden
                    ),
                ),
            )


def _danger_zone(access: FacilitatorAccess, view: LiveView) -> None:
    db, sid, key = access.ctx.db, access.session.id, access.key
    prompt = view.prompt
    assert prompt is not None
    waiting = st.session_state.get(CONFIRM_STATE)
    with st.expander("Reset, end or delete", expanded=waiting is not None):
        reset, end, delete = st.columns(3)
        reset.button(
            "Reset this question's answers…", width="stretch", on_click=_ask, args=("reset",)
        )
        end.button(
            "End the session…",
            disabled=not view.session.is_live,
            width="stretch",
            on_click=_ask,
            args=("end",),
        )
        delete.button("Delete the session…", width="stretch", on_click=_ask, args=("delete",))
        if waiting == "reset":
            st.warning(
                f"Delete all {view.counts.stored} answers to question {prompt.number}? "
                "This cannot be undone."
            )
            _confirm_buttons(
                "Yes, delete these answers",
                lambda: services.reset_prompt(db=db, session_id=sid, key=key, prompt_id=prompt.id),
            )
        elif waiting == "end":
            st.warning("End the session? Phones can no longer answer; results and the CSV stay.")
            _confirm_buttons(
                "Yes, end the session", lambda: services.end_session(db=db, session_id=sid, key=key)
            )
        elif waiting == "delete":
            st.warning(
                "Delete the whole session with every answer? This cannot be undone: "
                "download the CSV first if you need it."
            )
            yes, cancel = st.columns(2)
            # Not a callback: after deleting, this page has nothing left to show.
            if yes.button("Yes, delete the session", type="primary", width="stretch") and (
                run_action(lambda: services.delete_session(db=db, session_id=sid, key=key))
            ):
                st.session_state.pop(CONFIRM_STATE, None)
                st.switch_page(HOME_PAGE)
            cancel.button("Cancel", width="stretch", on_click=_ask, args=(None,))


def _confirm_buttons(label: str, action: Callable[[], Any]) -> None:
    yes, cancel = st.columns(2)
    yes.button(label, type="primary", width="stretch", on_click=_perform, args=(action,))
    cancel.button("Cancel", width="stretch", on_click=_ask, args=(None,))
