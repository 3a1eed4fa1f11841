"""GET /join: the phone's page, server-rendered; no Streamlit frontend, no session.

A phone opens ``/join?code=K7Q4MX`` (the QR code) and gets a few KB of HTML naming the
phone app (``phone_assets``, cached for a year) with the current view inside; from then
on the app follows the room over ``/events/<code>`` and answers with ``/api/answer``.
A join costs the server one cached view and one small write, not a Streamlit run and a
websocket per phone (docs/performance.md).

Who the participant is: the ``workshop_participant`` cookie (HttpOnly, SameSite=Lax,
Secure behind HTTPS), a token this installation signed. A phone without one is sent a
fresh token twice over, as a cookie and in a redirect to ``?p=<token>``: if the cookie
comes back, the page drops ``p`` from the address bar; if it does not (cookies blocked),
the page keeps the URL token and sends it with every answer, so a reload stays the same
participant either way. New tokens are limited per client address (``MINT_GUARD``,
memory only). Codes that keep missing from one address are answered more and more slowly
(``CODE_GUARD``, through ``session_id_of``).
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from .. import services
from ..domain.codes import new_participant_token, normalise_join_code
from ..domain.errors import NotFound, SessionEnded, SessionNotFound, WorkshopError
from ..domain.participant import PARTICIPANT_COOKIE, URL_TOKEN_PARAM, choose_token
from ..guards import MINT_GUARD
from . import phone_html
from .context import web_context
from .events import HUB, session_id_of
from .participant_cookie import cookie_header, is_https, read_cookie
from .phone_assets import compressed_response
from .stream_slots import request_address

JOIN_PATH = "/join"
CODE_PARAM = "code"
NO_STORE = "no-store"
GONE = "This session no longer exists."


def page(
    request: Request, html: str, *, status: int = 200, retry_after: int | None = None
) -> Response:
    body = html.encode("utf-8")
    headers = {"cache-control": NO_STORE}
    if retry_after is not None:
        headers["retry-after"] = str(retry_after)
    response = compressed_response(request, body, "text/html; charset=utf-8", headers)
    response.status_code = status
    return response


def join_url(code: str, **extra: str) -> str:
    return f"{JOIN_PATH}?{urlencode({CODE_PARAM: code, **extra})}"


def _join(code: str, token: str, prompt_id: int | None) -> dict[str, Any] | None:
    """Join (idempotent) and read this participant's answer to the current prompt
    (blocking; a worker thread). Raises SessionEnded and the store's errors."""
    ctx = web_context()
    participation = services.join_session(
        db=ctx.db, secret=ctx.participant_secret, code=code, token=token
    )
    if prompt_id is None:
        return None
    answer = services.find_my_answer(
        db=ctx.db,
        secret=ctx.participant_secret,
        session_id=participation.session.id,
        prompt_id=prompt_id,
        token=token,
    )
    return None if answer is None else {"prompt": prompt_id, "value": answer.value}


def _busy(request: Request) -> Response:
    html = phone_html.waiting_page(
        phone_html.STORE_BUSY, retry_seconds=phone_html.BUSY_RETRY_SECONDS
    )
    return page(request, html, status=503, retry_after=phone_html.BUSY_RETRY_SECONDS)


async def join_page(request: Request) -> Response:
    typed = request.query_params.get(CODE_PARAM)
    if typed is None:
        return page(request, phone_html.code_entry_page())
    code = normalise_join_code(typed)
    if not code:
        return page(request, phone_html.code_entry_page(problem=phone_html.NO_CODE), status=400)
    address = request_address(request.scope)
    try:
        session_id = await session_id_of(code, address)
        view = await HUB.latest_view(session_id)
    except SessionNotFound as error:
        html = phone_html.code_entry_page(problem=str(error), typed=typed)
        return page(request, html, status=404)
    except WorkshopError:
        return _busy(request)
    if view is None:  # deleted by the facilitator
        return page(request, phone_html.code_entry_page(problem=GONE), status=404)
    if view["session"]["status"] != "live":
        return page(request, phone_html.ended_page(view["session"]["title"], str(SessionEnded())))

    secret = web_context().participant_secret
    from_cookie = read_cookie(request.headers.get("cookie", ""), PARTICIPANT_COOKIE)
    from_url = request.query_params.get(URL_TOKEN_PARAM)
    token = choose_token(from_cookie, from_url, secret)
    if token is None:
        if not MINT_GUARD.take(address):
            html = phone_html.waiting_page(
                phone_html.TOO_MANY_NEW, retry_seconds=phone_html.TOO_MANY_RETRY_SECONDS
            )
            return page(request, html, status=429, retry_after=phone_html.TOO_MANY_RETRY_SECONDS)
        fresh = new_participant_token(secret)
        redirect = RedirectResponse(
            join_url(code, **{URL_TOKEN_PARAM: fresh}),
            status_code=303,
            headers={"cache-control": NO_STORE},
        )
        redirect.headers.append("set-cookie", cookie_header(fresh, secure=is_https(request.scope)))
        return redirect
    # Where the cookie did not come back (cookies blocked), the URL keeps the token.
    url_token = None if token == from_cookie else token

    prompt = view["prompt"]
    try:
        mine = await asyncio.to_thread(_join, code, token, None if prompt is None else prompt["id"])
    except SessionEnded:
        return page(request, phone_html.ended_page(view["session"]["title"], str(SessionEnded())))
    except (SessionNotFound, NotFound):
        return page(request, phone_html.code_entry_page(problem=GONE), status=404)
    except WorkshopError:
        return _busy(request)
    shown_code = view["session"]["code"]
    data = {
        "code": shown_code,
        "view": view,
        "mine": mine,
        "token": url_token,  # only where cookies are blocked (it is in the URL anyway)
        # The address to show once the cookie works: no token in the address bar.
        "cleanUrl": join_url(shown_code) if url_token is None and from_url is not None else None,
        "urls": {
            "events": f"/events/{shown_code}",
            "view": f"/api/view/{shown_code}",
            "mine": f"/api/mine/{shown_code}",
            "answer": "/api/answer",
        },
    }
    return page(request, phone_html.live_page(view["session"]["title"], data))


PAGE_ROUTES = [
    Route(JOIN_PATH, join_page, methods=["GET"]),
    Route(JOIN_PATH + "/", join_page, methods=["GET"]),
]
