"""Presenter (projector) screen: the prompt, the QR code and the live chart.

``?mode=present`` shows only what the room should see: no sidebar, header or controls;
the remote and the keyboard still work.
"""

import streamlit as st

from workshop.ui.facilitator import draw_nav, require_presenter
from workshop.ui.presenter import render_presenter, render_presenter_sidebar
from workshop.ui.style import use_facilitator_style

presenting = st.query_params.get("mode") == "present"
use_facilitator_style(presenting=presenting, projector=True)
access = require_presenter()  # the presenter key (show and step) or the facilitator's
if not presenting:
    draw_nav(access)
    render_presenter_sidebar(access)
render_presenter(access, presenting=presenting)
