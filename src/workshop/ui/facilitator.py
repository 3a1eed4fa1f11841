"""Facilitator access: the session and key from the URL, the key check, links and nav.

The key lives in the URL of every facilitator page (``?code=K7Q4MX&key=...``): a
reconnect gives a brand-new, empty ``st.session_state``, and the store keeps only the
key's hash, so the URL is the one place a facilitator can always come back through.
``st.session_state`` keeps a copy so that a link without the key still works in the
same browser tab.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import streamlit as st

from .. import services
from ..context import AppContext
from ..domain.codes import display_code, normalise_join_code
from ..domain.errors import AccessDenied, WorkshopError
from ..domain.model import Session
from .client import page_client_address
from .context import get_context
from .literal import literal

# The facilitator pages' files, as ui/pages.py registers them. Paths, not the registry's
# st.Page objects: those are only complete when made inside a script run, and this
# module may be imported outside one (tests, tools).
HOME_PAGE = "pages/home.py"
CONSOLE_PAGE = "pages/console.py"
PRESENTER_PAGE = "pages/presenter.py"
RESULTS_PAGE = "pages/results.py"
KEYS_STATE = "facilitator_keys"  # {join code: facilitator key}
PRESENTER_KEYS_STATE = "presenter_keys"  # {join code: presenter key}, known since the start
NO_ACCESS = (
    "Open the private facilitator link you got when you started the session, "
    "or resume the session from the Sessions page with its key."
)


@dataclass(frozen=True)
class FacilitatorAccess:
    """A facilitator page's checked access: the session, its key and the app context."""

    ctx: AppContext
    session: Session
    key: str
    presenter_only: bool = False  # opened with the presenter key: show and step only

    @property
    def query(self) -> dict[str, str]:
        return facilitator_query(self.session.code, self.key)

    @property
    def presenter_query(self) -> dict[str, str]:
        """For the projector: the presenter key when this browser knows it."""
        if self.presenter_only:
            return self.query
        return presenter_query(self.session.code, self.key)


def facilitator_query(code: str, key: str) -> dict[str, str]:
    return {"code": code, "key": key}


def remember_key(code: str, key: str) -> None:
    st.session_state.setdefault(KEYS_STATE, {})[code] = key


def remember_presenter_key(code: str, key: str) -> None:
    st.session_state.setdefault(PRESENTER_KEYS_STATE, {})[code] = key


def presenter_query(code: str, facilitator_key: str) -> dict[str, str]:
    """The presenter's link: its own key (show and step only), so the console key never
    needs to be on the projector; the facilitator key where the presenter key is unknown
    (a session resumed with its key: only the key's hash is stored)."""
    known = st.session_state.get(PRESENTER_KEYS_STATE, {}).get(code)
    return facilitator_query(code, known or facilitator_key)


def remembered_key(code: str) -> str | None:
    return st.session_state.get(KEYS_STATE, {}).get(code)


def parse_link_or_key(text: str) -> tuple[str | None, str]:
    """A pasted facilitator link -> (code, key); a bare key -> (None, key)."""
    text = (text or "").strip()
    if "key=" in text:
        query = parse_qs(urlsplit(text).query or text.split("?", 1)[-1])
        code = query.get("code", [None])[0]
        return (normalise_join_code(code) if code else None), query.get("key", [""])[0]
    return None, text


def require_facilitator() -> FacilitatorAccess:
    """The checked access for this page, or a plain refusal (no data) and a stop."""
    ctx = get_context()
    code = normalise_join_code(st.query_params.get("code", ""))
    key = st.query_params.get("key") or (remembered_key(code) if code else None)
    session = services.find_session_by_code(db=ctx.db, code=code) if code else None
    if session is None:
        _refuse("This page needs a session code and facilitator key in its link.")
    assert session is not None
    try:
        services.check_facilitator_key(
            db=ctx.db, session_id=session.id, key=key, client=page_client_address(ctx)
        )
    except AccessDenied as error:
        _refuse(str(error))
    assert key is not None
    remember_key(session.code, key)
    if st.query_params.get("key") != key:
        st.query_params["key"] = key  # so that a reload or reconnect keeps working
    return FacilitatorAccess(ctx=ctx, session=session, key=key)


def require_presenter() -> FacilitatorAccess:
    """The presenter's access: its presenter key, or the facilitator key; else a refusal."""
    ctx = get_context()
    code = normalise_join_code(st.query_params.get("code", ""))
    key = st.query_params.get("key") or (remembered_key(code) if code else None)
    session = services.find_session_by_code(db=ctx.db, code=code) if code else None
    if session is None:
        _refuse("This page needs a session code and presenter key in its link.")
    assert session is not None
    client = page_client_address(ctx)
    try:
        services.check_presenter_key(db=ctx.db, session_id=session.id, key=key, client=client)
    except AccessDenied as error:
        _refuse(str(error))
    assert key is not None
    try:  # the facilitator's own key opens everything; the presenter key only this page
        services.check_facilitator_key(db=ctx.db, session_id=session.id, key=key)
        presenter_only = False
    except AccessDenied:
        presenter_only = True
    if st.query_params.get("key") != key:
        st.query_params["key"] = key  # so that a reload or reconnect keeps working
    return FacilitatorAccess(ctx=ctx, session=session, key=key, presenter_only=presenter_only)


def _refuse(reason: str) -> None:
    st.error(f"{reason} {NO_ACCESS}", icon=":material/lock:")
    st.page_link(HOME_PAGE, label="Go to Sessions", icon=":material/home:")
    st.stop()


def draw_nav(access: FacilitatorAccess) -> None:
    """The facilitator's own navigation (the app's is hidden), carrying code and key."""
    query, presenting = access.query, access.presenter_query
    with st.sidebar:
        st.markdown(f"**{literal(access.session.title)}**")
        st.caption(f"Join code {display_code(access.session.code)}")
        if not access.presenter_only:
            st.page_link(HOME_PAGE, label="Sessions", icon=":material/home:")
            st.page_link(
                CONSOLE_PAGE, label="Console", icon=":material/tune:", query_params=query
            )
        st.page_link(
            PRESENTER_PAGE,
            label="Presenter",
            icon=":material/co_present:",
            query_params=presenting,
        )
        st.page_link(
            PRESENTER_PAGE,
            label="Presenting mode",
            icon=":material/fullscreen:",
            query_params={**presenting, "mode": "present"},
        )
        if access.presenter_only:
            return
        st.page_link(RESULTS_PAGE, label="Results", icon=":material/bar_chart:", query_params=query)
        st.caption("These links carry the session's key: keep them private.")


def run_action(action: Callable[[], Any]) -> bool:
    """Run one facilitator action; show its plain-words error instead of a traceback."""
    try:
        action()
    except WorkshopError as error:
        st.error(str(error))
        return False
    return True
