"""Phone: join a session by its code, answer the live question, follow the room.

Participants land here from the QR code (``/join?code=K7Q4MX``). No name, no login:
the browser keeps a random token (cookie, or the URL as a fallback).
"""

import streamlit as st

from workshop.ui.context import get_context
from workshop.ui.participant import TOO_MANY_NEW, get_participant_token
from workshop.ui.phone import code_in_url, join, render_code_entry, render_live, render_privacy_line
from workshop.ui.phone_style import apply_phone_style

apply_phone_style()
ctx = get_context()
code = code_in_url()
if code is None:
    render_code_entry()
    st.stop()

token = get_participant_token(ctx)
if token is None:
    st.warning(TOO_MANY_NEW, icon=":material/hourglass_top:")
    st.stop()
session_id = join(ctx, code=code, token=token)
if session_id is not None:
    render_live(ctx, session_id=session_id, token=token)
render_privacy_line()
