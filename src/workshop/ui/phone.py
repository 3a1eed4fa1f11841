"""The participant's phone: join by code, then hand over to the live part.

Everything a phone needs comes from the URL (``code``; ``p``, the token where cookies
are blocked), the participant cookie and the database, so a reconnect to a restarted
server (an empty ``st.session_state``) resumes where it was.

This Streamlit page joins (the code, the anonymous participant) and draws the screens
around the session: the code entry, unknown code, ended. The live part (prompt, answer
form, receipt, following the room) runs in the browser (``phone_app``): each answer is
posted with the id of the prompt the phone SHOWED, and the server refuses out loud if
the facilitator moved on meanwhile, so an answer is never lost silently, nor booked on
the wrong prompt.
"""

from __future__ import annotations

import time

import streamlit as st

from .. import services
from ..context import AppContext
from ..domain.codes import is_plausible_token, normalise_join_code
from ..domain.errors import NotFound, SessionEnded, SessionNotFound, WorkshopError
from ..guards import CODE_GUARD
from ..phone_view import read_phone_view
from .client import page_client_address
from .literal import inert, literal
from .participant import PRIVACY_LINE, URL_TOKEN_PARAM
from .phone_app import mount_phone
from .phone_follow import retry_soon

CODE_PARAM = "code"
_JOINED = "phone_joined"  # (code, token) -> session id, so a rerun does not re-join
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
    # Codes that keep missing from one address are answered more and more slowly (the
    # same guard as the phone routes'): trying codes by the thousand gets slow, while a
    # person who mistypes a few times never notices.
    address = page_client_address(ctx)
    if delay := CODE_GUARD.delay_for(address):
        time.sleep(delay)
    try:
        participation = services.join_session(
            db=ctx.db, secret=ctx.participant_secret, code=code, token=token
        )
    except SessionNotFound as error:
        CODE_GUARD.record_failure(address)
        render_code_entry(problem=str(error))
        return None
    except SessionEnded:
        render_ended(_title_of(ctx, code))
        return None
    except WorkshopError as error:  # the store is busy (or a bad ticket): say so, retry
        st.warning(str(error), icon=":material/hourglass_top:")
        retry_soon()
        return None
    st.session_state[_JOINED] = ((code, token), participation.session.id)
    return participation.session.id


def render_ended(title: str | None) -> None:
    st.title("Thank you!")
    if title:
        st.caption(literal(title))
    st.success(str(SessionEnded()), icon=":material/celebration:")
    st.write("You can close this page now. Your answers stay anonymous.")


def _title_of(ctx: AppContext, code: str) -> str | None:
    """The session's title for the thank-you screen; None if the store is busy."""
    try:
        session = services.find_session_by_code(db=ctx.db, code=code)
    except WorkshopError:
        return None
    return None if session is None else session.title


def render_privacy_line() -> None:
    st.caption(PRIVACY_LINE)


# ---- the live part --------------------------------------------------------------------


def render_live(ctx: AppContext, *, session_id: int, token: str) -> None:
    """The live part (prompt, answer form, receipt), or the ended screen.

    Read once here; from then on the browser follows the room by itself (``phone_app``).
    """
    try:
        view = read_phone_view(db=ctx.db, session_id=session_id)
        prompt = view["prompt"]
        mine = None
        if prompt is not None:
            answer = services.find_my_answer(
                db=ctx.db,
                secret=ctx.participant_secret,
                session_id=session_id,
                prompt_id=prompt["id"],
                token=token,
            )
            mine = None if answer is None else {"prompt": prompt["id"], "value": answer.value}
    except NotFound:  # the facilitator deleted it
        st.session_state.pop(_JOINED, None)
        render_code_entry(problem="This session no longer exists.")
        return
    except WorkshopError:  # the store is busy: nothing is lost, the page tries again
        st.warning(STORE_BUSY_READING, icon=":material/hourglass_top:")
        retry_soon()
        return
    if view["session"]["status"] != "live":
        render_ended(view["session"]["title"])
        return
    url_token = st.query_params.get(URL_TOKEN_PARAM)
    mount_phone(
        code=view["session"]["code"],
        view=view,
        mine=mine,
        url_token=url_token if is_plausible_token(url_token) else None,
    )
