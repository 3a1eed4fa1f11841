"""The facilitator's console: steer the session, moderate answers, and the danger zone.

Every control calls a service with the session's key; the service checks it again.
A successful action reruns the page so that everything shows the new state.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import streamlit as st

from .. import services
from ..charts import REPORT, figure_for, gate
from ..domain.codes import display_code
from ..domain.model import Answer, LiveView, Prompt
from ..domain.rules import answer_as_text
from . import pages
from .facilitator import FacilitatorAccess, run_action
from .qr_card import render_counts
from .results_view import CONSOLE_WALL, render_card_wall, render_figure, render_message

CONFIRM_STATE = "console_confirm"  # which dangerous action waits for a second click


def act(action: Callable[[], Any], *, scope: str = "app") -> None:
    """Run a facilitator action; on success rerun so every part shows the new state."""
    if run_action(action):
        st.session_state.pop(CONFIRM_STATE, None)
        st.rerun(scope=scope)  # type: ignore[arg-type]


def render_console(access: FacilitatorAccess) -> None:
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
    back, forward, jump, go = st.columns([1, 1, 3, 0.8], vertical_alignment="bottom")
    if back.button(
        "Previous",
        icon=":material/arrow_back:",
        disabled=not live or prompt.position == 0,
        width="stretch",
    ):
        act(lambda: services.previous_prompt(db=db, session_id=sid, key=key))
    last = prompt.position >= session.prompt_count - 1
    if forward.button(
        "Next",
        icon=":material/arrow_forward:",
        type="primary",
        disabled=not live or last,
        width="stretch",
    ):
        act(lambda: services.next_prompt(db=db, session_id=sid, key=key))
    target = jump.selectbox(
        "Jump to question",
        options=[p.position for p in prompts],
        index=prompt.position,
        format_func=lambda pos: f"{pos + 1}. {prompts[pos].text}",
        key=f"jump-to-{session.revision}",  # follows the session when it moves elsewhere
        disabled=not live,
    )
    if go.button("Go", disabled=not live or target == prompt.position, width="stretch"):
        act(lambda: services.go_to_prompt(db=db, session_id=sid, key=key, position=target))

    st.html(
        f'<p class="ws-meta">Question {prompt.number} of {session.prompt_count} · '
        f"{html.escape(prompt.kind.label)}</p>"
        f'<p class="ws-prompt-small">{html.escape(prompt.text)}</p>'
    )
    answering, results = st.columns(2)
    if session.answering_open:
        if answering.button(
            "Close answering", icon=":material/pause:", disabled=not live, width="stretch"
        ):
            act(lambda: services.set_answering_open(db=db, session_id=sid, key=key, is_open=False))
    elif answering.button(
        "Open answering", icon=":material/play_arrow:", disabled=not live, width="stretch"
    ):
        act(lambda: services.set_answering_open(db=db, session_id=sid, key=key, is_open=True))
    answering.caption("Phones can answer now." if session.answering_open else "Phones wait.")
    if session.results_visible:
        if results.button("Hide results", icon=":material/visibility_off:", width="stretch"):
            act(lambda: services.set_results_visible(db=db, session_id=sid, key=key, visible=False))
    elif results.button("Show results", icon=":material/visibility:", width="stretch"):
        act(lambda: services.set_results_visible(db=db, session_id=sid, key=key, visible=True))
    results.caption("The room sees the results." if session.results_visible else "Hidden.")
    if prompt.spec.note:
        with st.container(border=True):
            st.caption("Facilitator note (only here, never on the projector)")
            st.text(prompt.spec.note)


def _live_panel(access: FacilitatorAccess) -> None:
    """Counts, the room's view and the moderation list, refreshed while answers arrive."""

    @st.fragment(run_every=access.ctx.settings.refresh_seconds)
    def panel() -> None:
        db, sid = access.ctx.db, access.session.id
        view = services.get_live_view(db=db, session_id=sid)
        prompt = view.prompt
        if prompt is None:
            return
        render_counts(view.counts)
        chart, moderation = st.columns([3, 2], gap="large")
        with chart:
            _preview(access, view)
        with moderation:
            answers = services.list_answers(
                db=db, session_id=sid, prompt_id=prompt.id, include_hidden=True
            )
            _moderation(access, answers)

    panel()


def _preview(access: FacilitatorAccess, view: LiveView) -> None:
    prompt = view.prompt
    assert prompt is not None
    result = services.results_for(
        db=access.ctx.db, session_id=access.session.id, prompt_id=prompt.id
    )
    verdict = gate(
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


def _moderation(access: FacilitatorAccess, answers: list[Answer]) -> None:
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
                st.text(("(hidden) " if answer.hidden else "") + answer_as_text(answer.value))
            label = "Unhide" if answer.hidden else "Hide"
            if button_col.button(label, key=f"moderate-{answer.id}", width="stretch"):
                act(
                    lambda a=answer: services.hide_answer(
                        db=db, session_id=sid, key=key, answer_id=a.id, hidden=not a.hidden
                    ),
                    scope="fragment",
                )


def _danger_zone(access: FacilitatorAccess, view: LiveView) -> None:
    db, sid, key = access.ctx.db, access.session.id, access.key
    prompt = view.prompt
    assert prompt is not None
    waiting = st.session_state.get(CONFIRM_STATE)
    with st.expander("Reset, end or delete", expanded=waiting is not None):
        reset, end, delete = st.columns(3)
        if reset.button("Reset this question's answers…", width="stretch"):
            st.session_state[CONFIRM_STATE] = "reset"
            st.rerun()
        if end.button("End the session…", disabled=not view.session.is_live, width="stretch"):
            st.session_state[CONFIRM_STATE] = "end"
            st.rerun()
        if delete.button("Delete the session…", width="stretch"):
            st.session_state[CONFIRM_STATE] = "delete"
            st.rerun()
        if waiting == "reset":
            _confirm(
                f"Delete all {view.counts.answered} answers to question {prompt.number}? "
                "This cannot be undone.",
                "Yes, delete these answers",
                lambda: services.reset_prompt(db=db, session_id=sid, key=key, prompt_id=prompt.id),
            )
        elif waiting == "end":
            _confirm(
                "End the session? Phones can no longer answer; results and the CSV stay.",
                "Yes, end the session",
                lambda: services.end_session(db=db, session_id=sid, key=key),
            )
        elif waiting == "delete":
            _confirm(
                "Delete the whole session with every answer? This cannot be undone: "
                "download the CSV first if you need it.",
                "Yes, delete the session",
                lambda: services.delete_session(db=db, session_id=sid, key=key),
                then=lambda: st.switch_page(pages.HOME),
            )


def _confirm(
    question: str,
    label: str,
    action: Callable[[], Any],
    then: Callable[[], Any] | None = None,
) -> None:
    st.warning(question)
    yes, cancel = st.columns(2)
    confirmed = yes.button(label, type="primary", key="confirm-yes", width="stretch")
    if confirmed and run_action(action):
        st.session_state.pop(CONFIRM_STATE, None)
        if then is not None:
            then()
        st.rerun()
    if cancel.button("Cancel", key="confirm-cancel", width="stretch"):
        st.session_state.pop(CONFIRM_STATE, None)
        st.rerun()
