"""ASGI entry point: the Streamlit app (``app.py``) plus workshop's own HTTP pieces.

Run with ``streamlit run server.py`` (what scripts/start.sh does) or
``uvicorn server:app``. ``app.py`` stays the Streamlit script with the page router.
"""

from pathlib import Path

import streamlit as st

from workshop.web.routes import MIDDLEWARE, ROUTES

app = st.App(Path(__file__).with_name("app.py"), routes=ROUTES, middleware=MIDDLEWARE)
