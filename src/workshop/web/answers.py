"""POST /api/answer: a phone sends its answer; GET /api/view/{code}: what phones show now.

The phone's live part runs in the browser (``ui/phone_app``): it draws the prompt that
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
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .. import services
from ..domain.codes import is_plausible_token
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
from ..phone_view import read_phone_view
from .context import web_context
from .participant_cookie import PARTICIPANT_COOKIE, read_cookie

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
    """The cookie's token if it is one, else the URL's: the same choice as the page's
    (``ui.participant.get_participant_token``), so both book as the same participant."""
    from_cookie = read_cookie(request.headers.get("cookie", ""), PARTICIPANT_COOKIE)
    if is_plausible_token(from_cookie):
        return from_cookie
    from_url = body.get("p")
    return from_url if isinstance(from_url, str) else None


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


def submit(body: dict[str, Any], token: str | None) -> JSONResponse:
    """Book the answer (blocking; runs in a worker thread)."""
    ctx = web_context()
    code, prompt_id = body.get("code"), body.get("prompt")
    try:
        if not isinstance(code, str):
            raise SessionNotFound(code)
        session = services.get_session_by_code(db=ctx.db, code=code)
        answer = services.submit_answer(
            db=ctx.db,
            secret=ctx.participant_secret,
            session_id=session.id,
            prompt_id=prompt_id,  # type: ignore[arg-type]  # checked by the service
            token=token,
            raw=body.get("value"),
            blocked_words=ctx.settings.profanity_words,
        )
    except WorkshopError as error:
        return _refusal_for(error)
    # The phone knows the prompt it showed and words the stored value itself.
    return JSONResponse(
        {"ok": True, "prompt": answer.prompt_id, "value": answer.value}, headers=NO_STORE
    )


async def post_answer(request: Request) -> Response:
    body = await _json_body(request)
    if isinstance(body, JSONResponse):
        return body
    return await asyncio.to_thread(submit, body, _token(request, body))


async def get_view(request: Request) -> Response:
    """The phone view now (a phone whose push stream went silent asks for it)."""
    code = request.path_params["code"]

    def read() -> dict[str, Any]:
        db = web_context().db
        session = services.get_session_by_code(db=db, code=code)
        return read_phone_view(db=db, session_id=session.id)

    try:
        view = await asyncio.to_thread(read)
    except WorkshopError as error:
        return _refusal_for(error)
    return JSONResponse(view, headers=NO_STORE)


ANSWER_ROUTES = [
    Route("/api/answer", post_answer, methods=["POST"]),
    Route("/api/view/{code}", get_view, methods=["GET"]),
]
