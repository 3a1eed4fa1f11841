"""ASGI entry point: the Streamlit app (``app.py``) plus workshop's own HTTP pieces.

Run with ``streamlit run server.py`` (what scripts/start.sh does) or
``uvicorn server:app``. ``app.py`` stays the Streamlit script with the page router.
"""

import os
from pathlib import Path

import streamlit as st

from workshop.config import Settings
from workshop.guards import MINT_GUARD, SUBMIT_GUARD
from workshop.ui.streamlit_internals import disable_legacy_pages_directory
from workshop.web import collector, connection_guard
from workshop.web.routes import MIDDLEWARE, ROUTES
from workshop.web.stream_slots import STREAM_SLOTS

disable_legacy_pages_directory()  # phones must never see facilitator pages

# Everything this process creates (the database and its WAL files, the secret, logs) is
# for this user only: answers are nobody else's business on a shared machine.
os.umask(0o077)

# The per-participant submit rate limit lives in this process: apply the installation's
# setting (WORKSHOP_SUBMIT_INTERVAL_SECONDS) once, at start.
settings = Settings.from_env()
settings.make_data_dir_private()
SUBMIT_GUARD.configure(interval=settings.submit_interval_seconds)
# New participant tokens per client address (WORKSHOP_NEW_PARTICIPANTS_*), memory only.
MINT_GUARD.configure(
    burst=settings.new_participants_burst,
    interval=60 / settings.new_participants_per_minute
    if settings.new_participants_per_minute > 0
    else 0,
)

# No client can exhaust the server: every open file we may have, a read deadline and caps
# on connections and event streams (web/connection_guard.py, web/stream_slots.py).
open_files = connection_guard.raise_open_file_limit()
limits = connection_guard.ConnectionLimits.sized_from(
    open_files,
    max_total=settings.max_connections,
    max_per_address=settings.max_connections_per_address,
    read_seconds=settings.request_read_seconds,
    keep_alive_seconds=settings.keep_alive_seconds,
)
connection_guard.install(limits, settings.trusted_proxies)
STREAM_SLOTS.configure(
    max_total=settings.max_streams or max(16, limits.max_total // 2),
    max_per_address=settings.max_streams_per_address
    or max(8, min(1000, limits.max_per_address // 2)),
)

app = st.App(Path(__file__).with_name("app.py"), routes=ROUTES, middleware=MIDDLEWARE)

# Last: what the process imported lives forever; full collections run on a clock
# (web/collector.py: a full one stopped a 2,000-phone room for up to 0.6 s every 4 s).
collector.install()
