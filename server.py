"""ASGI entry point: the Streamlit app (``app.py``) plus workshop's own HTTP pieces.

Run with ``streamlit run server.py`` (what scripts/start.sh does) or
``uvicorn server:app``. ``app.py`` stays the Streamlit script with the page router.
"""

from pathlib import Path

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from workshop.config import Settings
from workshop.guards import SUBMIT_GUARD
from workshop.web.routes import MIDDLEWARE, ROUTES

# A ``pages/`` folder beside app.py puts Streamlit in its legacy folder-based multipage
# mode until some run reaches ``st.navigation``: a phone landing on /join before anyone
# opened / would run pages/join.py directly, with a sidebar listing every facilitator
# page. app.py routes everything through st.navigation, so the legacy mode is off.
PagesManager.uses_pages_directory = False

# The per-participant submit rate limit lives in this process: apply the installation's
# setting (WORKSHOP_SUBMIT_INTERVAL_SECONDS) once, at start.
SUBMIT_GUARD.configure(interval=Settings.from_env().submit_interval_seconds)

app = st.App(Path(__file__).with_name("app.py"), routes=ROUTES, middleware=MIDDLEWARE)
