"""What the web layer reads off an ASGI scope."""

from __future__ import annotations

from starlette.types import Scope


def scope_headers(scope: Scope) -> dict[str, str]:
    """The request's headers, names lower-cased (the last of repeated ones wins)."""
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
