"""Which client a request comes from, for abuse limits only (kept in memory, never stored
or logged), and whether it is the laptop itself.

Behind a reverse proxy every request arrives from the proxy, so the forwarded address
is believed only when the direct peer is a proxy the installation named in
``WORKSHOP_TRUSTED_PROXIES``; anyone else could write any ``X-Forwarded-For``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping

# Headers a reverse proxy adds: a request carrying one came through a proxy (or claims
# to), so it never counts as the laptop itself.
PROXY_HEADERS = ("x-forwarded-for", "x-real-ip", "forwarded")
UNKNOWN = "unknown"


def _is_trusted(peer: str, trusted: tuple[str, ...]) -> bool:
    try:
        address = ipaddress.ip_address(peer)
    except ValueError:
        return False
    for entry in trusted:
        try:
            if address in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


def client_address(
    peer: str | None, headers: Mapping[str, str], trusted_proxies: tuple[str, ...]
) -> str:
    """The address abuse limits count against.

    The direct peer, unless it is a trusted proxy: then the last ``X-Forwarded-For``
    entry that is not itself a trusted proxy (the client the proxy saw).
    """
    if not peer:
        return UNKNOWN
    if not trusted_proxies or not _is_trusted(peer, trusted_proxies):
        return peer
    hops = [hop.strip() for hop in headers.get("x-forwarded-for", "").split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _is_trusted(hop, trusted_proxies):
            return hop
    return peer


def is_proxied(headers: Mapping[str, str]) -> bool:
    return any(headers.get(name) for name in PROXY_HEADERS)


def is_loopback(peer: str | None, headers: Mapping[str, str]) -> bool:
    """The laptop itself: a loopback peer, and no sign of a proxy in between."""
    if not peer or is_proxied(headers):
        return False
    try:
        return ipaddress.ip_address(peer).is_loopback
    except ValueError:
        return False
