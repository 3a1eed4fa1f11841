"""The join URL phones open (configured, or this machine's LAN address) and its QR code.

No Streamlit here: the page passes in the server's port. Addresses are read from the
network interfaces (psutil), so finding them sends no traffic anywhere.
"""

from __future__ import annotations

import io
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlencode

import psutil
import qrcode
from qrcode.constants import ERROR_CORRECT_M

# Interfaces that phones in the room cannot reach: containers, VMs, VPN tunnels.
_VIRTUAL_PREFIXES = ("lo", "docker", "br-", "veth", "virbr", "vmnet", "vboxnet", "tun", "tap")
QR_QUIET_ZONE = 4  # modules of white border the QR standard asks for


@dataclass(frozen=True, slots=True)
class InterfaceAddress:
    interface: str
    address: str  # IPv4, dotted


@dataclass(frozen=True, slots=True)
class JoinBase:
    """Where phones open the app, and whether they can reach it."""

    url: str  # scheme://host:port, no trailing slash
    reachable: bool  # False when only this machine itself (loopback) can open it
    problem: str = ""  # plain words for the facilitator when not reachable

    def join_url(self, code: str) -> str:
        return join_url(self.url, code)


def join_url(base_url: str, code: str) -> str:
    """``http://192.168.1.20:8501`` + ``K7Q4MX`` -> ``http://192.168.1.20:8501/join?code=K7Q4MX``."""
    return f"{base_url.rstrip('/')}/join?{urlencode({'code': code})}"


def list_ipv4_addresses() -> list[InterfaceAddress]:
    """IPv4 addresses of the interfaces that are up (read locally, no traffic sent)."""
    stats = psutil.net_if_stats()
    found = []
    for name, addresses in psutil.net_if_addrs().items():
        if name in stats and not stats[name].isup:
            continue
        for addr in addresses:
            if addr.family.name == "AF_INET":
                found.append(InterfaceAddress(name, addr.address))
    return found


def choose_lan_address(addresses: Iterable[InterfaceAddress]) -> str | None:
    """The address phones on the same network most likely reach, or None.

    Loopback and link-local (169.254.x, no DHCP) are never chosen; physical interfaces
    beat virtual ones; private LAN ranges beat public ones.
    """
    candidates = []
    for item in addresses:
        try:
            ip = ipaddress.IPv4Address(item.address)
        except ValueError:
            continue
        if ip.is_loopback or ip.is_link_local or ip.is_unspecified or ip.is_multicast:
            continue
        virtual = item.interface.startswith(_VIRTUAL_PREFIXES)
        candidates.append((virtual, not ip.is_private, item.interface, int(ip), item.address))
    return min(candidates)[-1] if candidates else None


def resolve_join_base(
    *, public_url: str | None, port: int, addresses: Iterable[InterfaceAddress]
) -> JoinBase:
    """WORKSHOP_PUBLIC_URL when set; else this machine's LAN address and ``port``."""
    if public_url:
        return JoinBase(url=public_url.rstrip("/"), reachable=True)
    lan = choose_lan_address(addresses)
    if lan is not None:
        return JoinBase(url=f"http://{lan}:{port}", reachable=True)
    return JoinBase(
        url=f"http://127.0.0.1:{port}",
        reachable=False,
        problem=(
            "Phones cannot reach this computer yet: it is not connected to any network "
            "(only its own address, 127.0.0.1, was found). Connect it to the room's Wi-Fi "
            "and reload this page, or start the app with WORKSHOP_PUBLIC_URL set to the "
            "address phones can open."
        ),
    )


def detect_join_base(*, public_url: str | None, port: int) -> JoinBase:
    return resolve_join_base(public_url=public_url, port=port, addresses=list_ipv4_addresses())


@lru_cache(maxsize=32)
def qr_png(text: str, *, target_px: int = 440) -> bytes:
    """A QR code of ``text`` as PNG bytes, dark on light, with its quiet zone.

    Each module is a whole number of pixels (crisp when shown at natural size), chosen
    so the image is at least ``target_px`` wide.
    """
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=QR_QUIET_ZONE, box_size=1)
    code.add_data(text)
    code.make(fit=True)
    modules = code.modules_count + 2 * QR_QUIET_ZONE
    code.box_size = max(4, -(-target_px // modules))  # ceil: never smaller than asked
    image = code.make_image(fill_color="#000000", back_color="#ffffff")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
