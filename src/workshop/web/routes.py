"""Routes and middleware mounted by ``server.py``."""

from __future__ import annotations

from starlette.middleware import Middleware
from starlette.routing import BaseRoute

from .answers import ANSWER_ROUTES
from .developer_messages import DeveloperMessagesMiddleware
from .events import EVENT_ROUTES
from .host_check import HostCheckMiddleware
from .participant_cookie import ParticipantCookieMiddleware
from .security_headers import SecurityHeadersMiddleware

ROUTES: list[BaseRoute] = [*EVENT_ROUTES, *ANSWER_ROUTES]
MIDDLEWARE: list[Middleware] = [
    Middleware(HostCheckMiddleware),
    Middleware(SecurityHeadersMiddleware),
    Middleware(DeveloperMessagesMiddleware),
    Middleware(ParticipantCookieMiddleware),
]
