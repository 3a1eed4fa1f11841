"""POST /api/answer: a phone sends its answer; GET /api/view/{code}: what phones show now.

The phone's live part runs in the browser (``web/phone_app``): it draws the prompt that
the push stream carried and posts the answer here, as JSON. This is the only way an
answer enters from a phone, so every rule of ``services.submit_answer`` applies (the
prompt the phone SHOWED, open answering, validation, word filter, rate limit); the reply
is either the stored answer (an acknowledgement means committed) or a sentence in plain
words saying why not, which the phone shows as it is.

Who answers: the participant cookie (HttpOnly, sent by the browser with the request),
else the URL token the page carries where cookies are blocked. A JSON body is required:
a form on another site cannot send one without a CORS preflight, and the cookie is
``SameSite=Lax``, so another site cannot answer in someone's name.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .. import services
from ..context import AppContext
from ..domain.errors import (
    InvalidAnswer,
    NotFound,
    PromptClosed,
    PromptMoved,
    RateLimited,
    SessionEnded,
    SessionNotFound,
    StoreBusy,
    WorkshopError,
)
from ..domain.participant import PARTICIPANT_COOKIE, URL_TOKEN_PARAM, choose_token
from .context import web_context
from .events import HUB, session_id_of
from .participant_cookie import read_cookie
from .stream_slots import request_address

log = logging.getLogger(__name__)
UNEXPECTED = (
    "Something went wrong on the server, so your answer may not have been saved. "
    "Please send it again."
)
MAX_BODY_BYTES = 32_768  # the longest answer allowed is a few KB of text
NO_STORE = {"Cache-Control": "no-store"}
_REASONS: tuple[tuple[type[WorkshopError], str, int], ...] = (
    (PromptMoved, "moved", 409),
    (PromptClosed, "closed", 409),
    (SessionEnded, "ended", 409),
    (RateLimited, "wait", 429),
    (StoreBusy, "busy", 503),
    (InvalidAnswer, "invalid", 422),
    (SessionNotFound, "unknown", 404),
    (NotFound, "unknown", 404),
)


def _refusal(reason: str, message: str, status: int) -> JSONResponse:
    return JSONResponse(
        {"ok": False, "reason": reason, "message": message}, status_code=status, headers=NO_STORE
    )


def _refusal_for(error: WorkshopError) -> JSONResponse:
    for kind, reason, status in _REASONS:
        if isinstance(error, kind):
            return _refusal(reason, str(error), status)
    return _refusal("refused", str(error), 403)  # a bad participant ticket, and the like


def _token(request: Request, body: dict[str, Any]) -> str | None:
    """The one rule (``domain.participant``), as on the page: an issued cookie token,
    else an issued URL token. A URL token nobody issued is still passed on, so the
    service refuses it in plain words."""
    from_cookie = read_cookie(request.headers.get("cookie", ""), PARTICIPANT_COOKIE)
    from_url = body.get(URL_TOKEN_PARAM)
    chosen = choose_token(from_cookie, from_url, web_context().participant_secret)
    if chosen is None and isinstance(from_url, str):
        return from_url
    return chosen


def _is_json(content_type: str) -> bool:
    """``application/json`` itself, not merely mentioned: ``text/plain;application/json``
    is a type a cross-site request may send without a CORS preflight."""
    return content_type.split(";", 1)[0].strip().lower() == "application/json"


async def _json_body(request: Request) -> dict[str, Any] | JSONResponse:
    if not _is_json(request.headers.get("content-type", "")):
        return _refusal("bad_request", "Please send the answer from the join page.", 415)
    raw = b""
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_BODY_BYTES:
            return _refusal("too_long", "That answer is far too long to send.", 413)
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested too deep
        body = None
    if not isinstance(body, dict):
        return _refusal("bad_request", "Please send the answer from the join page.", 400)
    return body


def submit(session_id: int, body: dict[str, Any], token: str | None) -> JSONResponse:
    """Book the answer (blocking; runs in a worker thread). The service checks the
    session (live, not deleted) in the answer's own transaction."""
    ctx = web_context()
    prompt_id = body.get("prompt")
    try:
        answer = services.submit_answer(
            db=ctx.db,
            secret=ctx.participant_secret,
            session_id=session_id,
            prompt_id=prompt_id,  # type: ignore[arg-type]  # checked by the service
            token=token,
            raw=body.get("value"),
            blocked_words=ctx.settings.profanity_words,
        )
    except WorkshopError as error:
        return _refusal_for(error)
    except Exception:  # a failure nobody foresaw: say so in words, never a bare 500 page
        log.exception("answer not stored")
        return _refusal("failed", UNEXPECTED, 500)
    # The session's revision after the commit: a later view of this prompt with no answer
    # at all means the facilitator reset it (the phone then asks again).
    revision = _revision_after(ctx, session_id)
    # The phone knows the prompt it showed and words the stored value itself.
    return JSONResponse(
        {"ok": True, "prompt": answer.prompt_id, "value": answer.value, "revision": revision},
        headers=NO_STORE,
    )


def _revision_after(ctx: AppContext, session_id: int) -> int | None:
    """None when it cannot be read: the answer is stored all the same, and the phone then
    keeps its receipt whatever it sees (a reset of this prompt would go unnoticed)."""
    try:
        return services.get_revision(db=ctx.db, session_id=session_id)
    except WorkshopError:
        return None


async def post_answer(request: Request) -> Response:
    try:
        body = await _json_body(request)
    except ClientDisconnect:  # the phone went away mid-request: nobody to answer
        return Response(status_code=400)
    if isinstance(body, JSONResponse):
        return body
    code = body.get("code")
    try:
        if not isinstance(code, str):
            raise SessionNotFound(code)
        # Cached per process (as for the streams): an answer spends no read on the code.
        session_id = await session_id_of(code, request_address(request.scope))
    except WorkshopError as error:
        return _refusal_for(error)
    return await asyncio.to_thread(submit, session_id, body, _token(request, body))


async def get_view(request: Request) -> Response:
    """The phone view now (a phone whose push stream went silent asks for it).

    Served from the push hub's cache when this process follows the session already, so
    a room of phones waking up at once costs no database reads.
    """
    try:
        address = request_address(request.scope)
        session_id = await session_id_of(request.path_params["code"], address)
        view = await HUB.latest_view(session_id)
    except WorkshopError as error:
        return _refusal_for(error)
    if view is None:
        return _refusal_for(NotFound("This session no longer exists."))
    return JSONResponse(view, headers=NO_STORE)


def find_mine(code: str, prompt_id: object, token: str | None) -> JSONResponse:
    """This participant's stored answer to one prompt (blocking; a worker thread)."""
    ctx = web_context()
    try:
        session = services.get_session_by_code(db=ctx.db, code=code)
        if not (isinstance(prompt_id, str) and prompt_id.isascii() and prompt_id.isdigit()):
            raise NotFound("That question does not belong to this session.")
        if len(prompt_id) > 18:  # no row id is that long (and int() of 5,000 digits fails)
            raise NotFound("That question does not belong to this session.")
        answer = services.find_my_answer(
            db=ctx.db,
            secret=ctx.participant_secret,
            session_id=session.id,
            prompt_id=int(prompt_id),
            token=token,
        )
    except WorkshopError as error:
        return _refusal_for(error)
    return JSONResponse(
        {
            "prompt": int(prompt_id),
            "value": None if answer is None else answer.value,
            "revision": session.revision,
        },
        headers=NO_STORE,
    )


async def get_mine(request: Request) -> Response:
    """GET /api/mine/{code}/{prompt}: the phone went back to a question it has not seen
    answered since it loaded (its answer lives in the database, not in the page)."""
    token = _token(request, {"p": request.query_params.get("p")})
    return await asyncio.to_thread(
        find_mine, request.path_params["code"], request.path_params["prompt"], token
    )


ANSWER_ROUTES = [
    Route("/api/answer", post_answer, methods=["POST"]),
    Route("/api/view/{code}", get_view, methods=["GET"]),
    Route("/api/mine/{code}/{prompt}", get_mine, methods=["GET"]),
]
