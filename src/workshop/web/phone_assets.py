"""The phone app's script and stylesheet, served compressed and cached for a year.

The phone app is ``phone_app/phone_base.js`` (shared helpers), every kind's own
``phone.js``/``phone.css`` (each calls ``registerKind``, ``activities.phone_assets``), then
``phone_app/phone.js`` (the app that draws whatever kind the view names). It is built
once per process, named by a hash of its content (``app.<hash>.js``), and sent gzipped:
a room of phones arriving together downloads a few KB each and a reload nothing at all,
since a new version gets a new name.
"""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from ..activities import phone_assets as kind_assets

HERE = Path(__file__).with_name("phone_app")
ASSET_PREFIX = "/phone/"
CACHE_FOREVER = "public, max-age=31536000, immutable"


@dataclass(frozen=True)
class Asset:
    name: str  # app.<hash>.js
    media_type: str
    body: bytes
    gzipped: bytes

    @property
    def url(self) -> str:
        return ASSET_PREFIX + self.name


def _asset(text: str, suffix: str, media_type: str) -> Asset:
    body = text.encode("utf-8")
    digest = hashlib.sha256(body).hexdigest()[:12]
    # mtime=0: the same bytes in every process, so any of them may answer a phone.
    return Asset(f"app.{digest}.{suffix}", media_type, body, gzip.compress(body, 9, mtime=0))


def assembled_sources() -> tuple[str, str]:
    """(script, stylesheet) of the phone app, before compression."""
    kinds_js, kinds_css = kind_assets()
    js = "\n".join(
        [
            (HERE / "phone_base.js").read_text(encoding="utf-8"),
            kinds_js,
            (HERE / "phone.js").read_text(encoding="utf-8"),
        ]
    )
    css = "\n".join(
        [
            (HERE / "page.css").read_text(encoding="utf-8"),
            (HERE / "phone.css").read_text(encoding="utf-8"),
            kinds_css,
        ]
    )
    return js, css


@lru_cache(maxsize=1)
def phone_app() -> tuple[Asset, Asset]:
    """(script, stylesheet), built once per process."""
    js, css = assembled_sources()
    return (
        _asset(js, "js", "text/javascript; charset=utf-8"),
        _asset(css, "css", "text/css; charset=utf-8"),
    )


def accepts_gzip(request: Request) -> bool:
    offered = request.headers.get("accept-encoding", "").lower()
    return any(part.split(";")[0].strip() == "gzip" for part in offered.split(","))


def compressed_response(
    request: Request,
    body: bytes,
    media_type: str,
    headers: dict[str, str],
    gzipped: bytes | None = None,
) -> Response:
    """``body`` as it is, or gzipped for a client that accepts it (``gzipped``, when
    compressed once beforehand; else compressed now, only for such a client)."""
    headers = {**headers, "vary": "Accept-Encoding"}
    if accepts_gzip(request):
        headers["content-encoding"] = "gzip"
        packed = gzipped if gzipped is not None else gzip.compress(body, 6, mtime=0)
        return Response(packed, media_type=media_type, headers=headers)
    return Response(body, media_type=media_type, headers=headers)


async def serve_asset(request: Request) -> Response:
    name = request.path_params["name"]
    for asset in phone_app():
        if asset.name == name:
            return compressed_response(
                request,
                asset.body,
                asset.media_type,
                {"cache-control": CACHE_FOREVER},
                gzipped=asset.gzipped,
            )
    # An old name (the server was updated while a phone kept its page): a plain 404;
    # the page it came from reloads into the new version on its next load.
    return PlainTextResponse("Not found.", status_code=404, headers={"cache-control": "no-store"})


ASSET_ROUTES = [Route(ASSET_PREFIX + "{name}", serve_asset, methods=["GET", "HEAD"])]
