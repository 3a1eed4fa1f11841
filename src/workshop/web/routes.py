"""Routes and middleware mounted by ``server.py`` (filled in by the phone and load issues)."""

from __future__ import annotations

from starlette.middleware import Middleware
from starlette.routing import BaseRoute

from .events import EVENT_ROUTES
from .participant_cookie import ParticipantCookieMiddleware

ROUTES: list[BaseRoute] = [*EVENT_ROUTES]
MIDDLEWARE: list[Middleware] = [Middleware(ParticipantCookieMiddleware)]
