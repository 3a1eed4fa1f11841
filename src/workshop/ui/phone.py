"""The participant's phone: join by code, answer the live prompt, follow the room.

Everything a phone needs comes from the URL (``code``; ``p``, the token where cookies
are blocked), the participant cookie and the database, so a reconnect to a restarted
server (an empty ``st.session_state``) resumes where it was.

Each answer is booked against the prompt the phone was SHOWING. The answer form carries
that prompt's id in a hidden field, so the id travels with the submit exactly as the
browser displayed it. If the facilitator moved on meanwhile, the service refuses with
``PromptMoved`` and the phone says so: an answer is never lost silently, nor booked on
the wrong prompt. Form and widget keys never depend on the prompt (DESIGN.md).
"""

from __future__ import annotations

from typing import Any

import streamlit as st
from streamlit.errors import StreamlitInvalidLayoutContextError

from .. import services
from ..context import AppContext
from ..domain.codes import display_code, normalise_join_code
from ..domain.errors import (
    NotFound,
    PromptMoved,
    SessionEnded,
    SessionNotFound,
    WorkshopError,
)
from ..domain.model import Answer, Prompt, PromptKind, Session
from . import answer_input
from .context import get_context
from .literal import inert, literal
from .live import follow_revision
from .participant import PRIVACY_LINE
from .phone_follow import SAFETY_POLL_SECONDS, retry_soon
from .phone_results import render_phone_results

CODE_PARAM = "code"
_JOINED = "phone_joined"  # (code, token) -> session id, so a rerun does not re-join
_FORM_FOR = "phone_form_for"  # prompt id the answer form was last drawn for; None: no form
_CHANGE_KEY = "phone_change"  # the "Change my answer" expander's open state
_CHANGE_FOR = "phone_change_for"  # ...and the prompt it belongs to
_COLLAPSE = "phone_collapse"  # close it on the next run (after an update was stored)
_LAST_STORED = "phone_last_stored"  # (prompt id, number) of the answer stored last
_NOT_DRAWN = object()
STORE_BUSY_READING = "The server is busy right now. This page tries again by itself in a moment."


# ---- joining ---------------------------------------------------------------------------


def code_in_url() -> str | None:
    """The join code from the URL, normalised (case, spaces, dashes forgiven)."""
    code = normalise_join_code(st.query_params.get(CODE_PARAM, ""))
    return code or None


def render_code_entry(problem: str | None = None) -> None:
    """A big field for the join code, for people who typed the address by hand."""
    st.title("Join a session")
    if problem:
        st.error(inert(problem))
    with st.form("phone_code_form", border=False):
        typed = st.text_input(
            "Join code (it is on the screen)",
            placeholder="K7Q-4MX",
            max_chars=20,
            key="phone_code",
        )
        go = st.form_submit_button("Join", type="primary", width="stretch")
    if go:
        code = normalise_join_code(typed)
        if not code:
            st.error("Please type the code shown on the screen.")
            return
        st.query_params[CODE_PARAM] = code
        st.rerun()


def join(ctx: AppContext, *, code: str, token: str) -> int | None:
    """Join the session (once per browser session) and return its id; else say why not."""
    joined = st.session_state.get(_JOINED)
    if joined is not None and joined[0] == (code, token):
        return int(joined[1])
    try:
        participation = services.join_session(
            db=ctx.db, secret=ctx.participant_secret, code=code, token=token
        )
    except SessionNotFound as error:
        render_code_entry(problem=str(error))
        return None
    except SessionEnded:
        render_ended(services.find_session_by_code(db=ctx.db, code=code))
        return None
    except WorkshopError as error:  # the store is busy (or a bad ticket): say so, retry
        st.warning(str(error), icon=":material/hourglass_top:")
        retry_soon()
        return None
    st.session_state[_JOINED] = ((code, token), participation.session.id)
    return participation.session.id


def render_ended(session: Session | None) -> None:
    st.title("Thank you!")
    if session is not None:
        st.caption(literal(session.title))
    st.success(str(SessionEnded()), icon=":material/celebration:")
    st.write("You can close this page now. Your answers stay anonymous.")


def render_privacy_line() -> None:
    st.caption(PRIVACY_LINE)


# ---- the live prompt -------------------------------------------------------------------


def render_live(ctx: AppContext, *, session_id: int, token: str) -> None:
    """The current prompt with its answer input, or the waiting / closed / ended screens.

    All of it is one fragment: a change in the room, a submit or a "change my answer"
    redraws only this part of the page, one fragment run per phone instead of a whole
    page run (navigation, styles, joining), which is what a room of hundreds costs.
    """
    del ctx  # the fragment takes it from the cache on each of its runs
    with st.container(key="phone_live"):
        _live(session_id, token)


@st.fragment(run_every=SAFETY_POLL_SECONDS)
def _live(session_id: int, token: str) -> None:
    _draw_live(get_context(), session_id=session_id, token=token)


def _draw_live(ctx: AppContext, *, session_id: int, token: str) -> None:
    sent_for = _prompt_id_sent()  # before anything is re-seeded on this run
    try:
        view = services.get_live_view(db=ctx.db, session_id=session_id)
        mine = _my_answer(ctx, view.prompt, token)
    except NotFound:  # the facilitator deleted it
        st.session_state.pop(_JOINED, None)
        render_code_entry(problem="This session no longer exists.")
        return
    except WorkshopError:  # the store is busy: nothing is lost, the page tries again
        st.warning(STORE_BUSY_READING, icon=":material/hourglass_top:")
        retry_soon()
        return
    session, prompt = view.session, view.prompt
    if not session.is_live:
        _forget_form()
        render_ended(session)
        return
    # First in the fragment: the push listener must keep one identity however the
    # content below changes. Its trigger reruns this fragment.
    with st.container(key="phone_listener"):
        follow_revision(code=session.code, revision=session.revision)
    _render_header(session, prompt)
    _confirm_earlier_answer(prompt)
    notice = st.empty()  # "moved on" / "closed before your answer arrived"
    if prompt is None:  # pragma: no cover - a live session always has a current prompt
        _forget_form()
        _render_waiting(None, None)
    else:
        if session.answering_open:
            _render_open(ctx, session, prompt, mine, sent_for=sent_for, token=token, notice=notice)
        else:
            _forget_form()
            _render_waiting(prompt, mine)
            _catch_late_submit(ctx, session, sent_for=sent_for, token=token, notice=notice)
        if session.results_visible:
            render_phone_results(session, prompt)


def _my_answer(ctx: AppContext, prompt: Prompt | None, token: str) -> Answer | None:
    if prompt is None:
        return None
    return services.find_my_answer(
        db=ctx.db,
        secret=ctx.participant_secret,
        session_id=prompt.session_id,
        prompt_id=prompt.id,
        token=token,
    )


def _render_header(session: Session, prompt: Prompt | None) -> None:
    with st.container(key="phone_header"):
        where = f"{session.title} · {display_code(session.code)}"
        if prompt is not None:
            where += f" · question {prompt.number} of {session.prompt_count}"
        st.caption(literal(where))


def _confirm_earlier_answer(prompt: Prompt | None) -> None:
    """Once the room moved on, say that the last answer sent from here was stored.

    Under load the run that draws "Received" can be overtaken by the facilitator's next
    prompt (Streamlit stops a run when a newer one is asked for); the answer is stored
    all the same, and the participant should not have to wonder.
    """
    stored = st.session_state.get(_LAST_STORED)
    if stored is None or prompt is None or stored[0] == prompt.id:
        return
    del st.session_state[_LAST_STORED]
    with st.container(key="phone_earlier_answer"):
        st.caption(f":material/check_circle: Your answer to question {stored[1]} was saved.")


def _render_question(prompt: Prompt) -> None:
    with st.container(key="phone_question"):
        st.subheader(literal(prompt.text), anchor=False)


def _render_waiting(prompt: Prompt | None, mine: Answer | None) -> None:
    """Answering is closed: calm, says so, shows their answer, waits for the next one."""
    with st.container(key="phone_waiting"):
        st.subheader(":material/hourglass_empty: Answering is closed", anchor=False)
        if prompt is not None:
            st.caption(literal(f"Question {prompt.number}: {prompt.text}"))
        if mine is not None:
            st.markdown("**Your answer**")
            with st.container(key="phone_answer_text"):
                st.text(shown_answer(prompt, mine))
        st.info(
            "Stay on this page: the next question appears here by itself.",
            icon=":material/visibility:",
        )


def _render_open(
    ctx: AppContext,
    session: Session,
    prompt: Prompt,
    mine: Answer | None,
    *,
    sent_for: int | None,
    token: str,
    notice: Any,
) -> None:
    _render_question(prompt)
    area = st.empty()  # the form, swapped for the receipt once a first answer is stored
    with area.container():
        if mine is None:
            holder = st.container()
        else:
            _render_receipt(prompt, mine)
            holder = _change_expander(prompt.id)
            if not holder.open:
                _forget_form()
                return
        with holder:
            raw, sent, drawn_ref, message_slot = _answer_form(prompt, mine)
    if not sent:
        return
    shown = sent_for if sent_for is not None else _as_prompt_id(drawn_ref)
    if shown is None:  # pragma: no cover - only a forged form
        message_slot.warning("Please check the question above and send your answer again.")
        return
    try:
        stored = _submit(ctx, session, prompt_id=shown, token=token, raw=raw)
    except PromptMoved as error:
        notice.warning(inert(f"{error} Here is the current question."), icon=":material/redo:")
    except (WorkshopError, NotFound) as error:
        message_slot.error(inert(str(error)))
    else:
        st.session_state[_LAST_STORED] = (prompt.id, prompt.number)
        st.session_state[_COLLAPSE] = True
        if mine is not None:  # the expander is drawn already: redraw it closed
            _redraw_live()
        # A first answer: show the receipt in this very run (drawn from the committed
        # answer: acknowledged = stored), one Streamlit run per answer instead of two.
        _forget_form()
        with area.container():
            _render_receipt(prompt, stored)
            _change_expander(prompt.id)


def _render_receipt(prompt: Prompt, mine: Answer) -> None:
    with st.container(key="phone_received"):
        st.success(
            "Received — thank you! You can change it while answering is open.",
            icon=":material/check_circle:",
        )
        st.markdown("**Your answer**")
        st.text(shown_answer(prompt, mine))


def _redraw_live() -> None:
    """Rerun the live fragment only; a whole-page run when this run is not a fragment
    run (a first load, or a submit that arrived with a full rerun)."""
    try:
        st.rerun(scope="fragment")
    except StreamlitInvalidLayoutContextError:
        st.rerun()


def _submit(ctx: AppContext, session: Session, *, prompt_id: int, token: str, raw: Any) -> Answer:
    """Book the answer against the prompt the phone showed; returns once committed."""
    return services.submit_answer(
        db=ctx.db,
        secret=ctx.participant_secret,
        session_id=session.id,
        prompt_id=prompt_id,
        token=token,
        raw=raw,
        blocked_words=ctx.settings.profanity_words,
    )


def _change_expander(prompt_id: int) -> Any:
    """ "Change my answer", closed at first and after each update; stays open across reruns.

    Its open state is tracked (keyed, ``on_change="rerun"``), so a facilitator's action
    that reruns the page does not fold away an answer being edited.
    """
    if st.session_state.get(_COLLAPSE) or st.session_state.get(_CHANGE_FOR) != prompt_id:
        st.session_state[_CHANGE_KEY] = False
    st.session_state[_COLLAPSE] = False
    st.session_state[_CHANGE_FOR] = prompt_id
    return st.expander("Change my answer", key=_CHANGE_KEY, on_change="rerun")


def shown_answer(prompt: Prompt, answer: Answer) -> str:
    """A participant's answer as plain text for their own screen (one entry per line)."""
    if isinstance(answer.value, list):
        return "\n".join(str(v) for v in answer.value)
    if prompt.kind is PromptKind.SCALE:
        spec = prompt.spec
        return f"{answer.value}  (on a scale from {spec.scale_min} to {spec.scale_max})"
    return str(answer.value)


def _catch_late_submit(
    ctx: AppContext, session: Session, *, sent_for: int | None, token: str, notice: Any
) -> None:
    """Answering closed while this phone was sending: say so instead of dropping it.

    The browser still showed the form when its person tapped Send; this run draws the
    closed screen. A hidden form with the same stable keys receives that tap, and the
    service gives the reason (closed, or moved on).
    """
    with st.container(key="phone_late_submit"), st.form(answer_input.FORM_KEY, border=False):
        drawn_ref = _prompt_ref_field(None)
        sent = st.form_submit_button("Send", key=answer_input.SEND_KEY)
    shown = sent_for if sent_for is not None else _as_prompt_id(drawn_ref)
    if not sent or shown is None:
        return
    try:
        _submit(ctx, session, prompt_id=shown, token=token, raw=None)
    except WorkshopError as error:
        notice.warning(
            inert(f"{error} The answer you just sent was not taken."), icon=":material/block:"
        )


def _answer_form(prompt: Prompt, mine: Answer | None) -> tuple[Any, bool, str | None, Any]:
    """Draw the answer form (stable keys).

    Returns the raw answer, whether it was sent, the hidden prompt reference as drawn,
    and a slot for an inline message under the button.
    """
    value = mine.value if mine is not None else None
    drawn_for = st.session_state.get(_FORM_FOR, _NOT_DRAWN)
    if drawn_for is _NOT_DRAWN:
        # A new browser session (first load, reload, or reconnect after a restart): the
        # browser may still hold typed values it is submitting now, so they must win;
        # widget defaults (not session state) give way to them.
        defaults: dict[str, Any] | None = answer_input.input_values(prompt.spec, value)
    elif drawn_for != prompt.id:
        answer_input.seed_inputs(prompt.spec, value)  # another prompt's values must go
        st.session_state[answer_input.REF_KEY] = str(prompt.id)
        defaults = None
    else:
        defaults = answer_input.input_values(prompt.spec, value)
    st.session_state[_FORM_FOR] = prompt.id
    with st.form(answer_input.FORM_KEY, border=False, enter_to_submit=False):
        drawn_ref = _prompt_ref_field(None if defaults is None else prompt.id)
        raw = answer_input.render_inputs(prompt.spec, defaults)
        sent = st.form_submit_button(
            "Send my answer" if mine is None else "Update my answer",
            type="primary",
            width="stretch",
            key=answer_input.SEND_KEY,
        )
        message_slot = st.empty()
    return raw, sent, drawn_ref, message_slot


def _forget_form() -> None:
    """No form on this run: the next one drawn is seeded afresh."""
    if _FORM_FOR in st.session_state:
        st.session_state[_FORM_FOR] = None


def _prompt_ref_field(default_prompt_id: int | None) -> str | None:
    """The hidden field that tells the server which prompt the browser showed.

    Its value is sent with the form, so it is exactly what the person saw. ``None`` when
    the value was seeded through session state on this run (or is unknown).
    """
    with st.container(key="phone_ref_box"):
        return st.text_input(
            "Question shown",
            value="" if default_prompt_id is None else str(default_prompt_id),
            key=answer_input.REF_KEY,
            label_visibility="collapsed",
        )


def _prompt_id_sent() -> int | None:
    """The prompt id the browser sent in its form, read before this run re-seeds it.

    Empty in a brand-new browser session (the widget is not known yet): then the value
    the field returns when drawn is the browser's own, and that is used instead.
    """
    return _as_prompt_id(st.session_state.get(answer_input.REF_KEY))


def _as_prompt_id(raw: object) -> int | None:
    """The field's text as an id; ASCII digits only (``"²".isdigit()`` is true, too)."""
    if isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) <= 18:
        return int(raw)
    return None
