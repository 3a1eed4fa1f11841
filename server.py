"""ASGI entry point: the Streamlit app (``app.py``) plus workshop's own HTTP pieces.

Run with ``streamlit run server.py`` (what scripts/start.sh does) or
``uvicorn server:app``. ``app.py`` stays the Streamlit script with the page router.
"""

from pathlib import Path

import streamlit as st

from workshop.config import Settings
from workshop.guards import SUBMIT_GUARD
from workshop.ui.streamlit_internals import disable_legacy_pages_directory
from workshop.web.routes import MIDDLEWARE, ROUTES

disable_legacy_pages_directory()  # phones must never see facilitator pages

# The per-participant submit rate limit lives in this process: apply the installation's
# setting (WORKSHOP_SUBMIT_INTERVAL_SECONDS) once, at start.
SUBMIT_GUARD.configure(interval=Settings.from_env().submit_interval_seconds)

app = st.App(Path(__file__).with_name("app.py"), routes=ROUTES, middleware=MIDDLEWARE)
