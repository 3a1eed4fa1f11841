"""Routes and middleware mounted by ``server.py``."""

from __future__ import annotations

from starlette.middleware import Middleware
from starlette.routing import BaseRoute

from .answers import ANSWER_ROUTES
from .developer_messages import DeveloperMessagesMiddleware
from .events import EVENT_ROUTES
from .home_gate import HomeGateMiddleware
from .host_check import HostCheckMiddleware
from .phone_assets import ASSET_ROUTES
from .phone_page import PAGE_ROUTES
from .security_headers import SecurityHeadersMiddleware

# The phone's page comes first: ``st.App`` checks these routes before its own, so /join
# is this light page and never Streamlit's.
ROUTES: list[BaseRoute] = [*PAGE_ROUTES, *ASSET_ROUTES, *EVENT_ROUTES, *ANSWER_ROUTES]
MIDDLEWARE: list[Middleware] = [
    Middleware(HostCheckMiddleware),
    Middleware(SecurityHeadersMiddleware),
    Middleware(DeveloperMessagesMiddleware),
    Middleware(HomeGateMiddleware),
]
