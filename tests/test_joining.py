"""Join URL (configured or detected LAN address) and its QR code, decoded independently."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from pyzbar.pyzbar import decode

from workshop.joining import (
    InterfaceAddress,
    choose_lan_address,
    join_url,
    list_ipv4_addresses,
    qr_png,
    resolve_join_base,
)


def addrs(*pairs: tuple[str, str]) -> list[InterfaceAddress]:
    return [InterfaceAddress(name, ip) for name, ip in pairs]


def test_join_url_carries_the_code():
    assert join_url("http://192.168.1.20:8501/", "K7Q4MX") == (
        "http://192.168.1.20:8501/join?code=K7Q4MX"
    )


def test_configured_public_url_wins():
    base = resolve_join_base(
        public_url="https://workshop.example.org/",
        port=8501,
        addresses=addrs(("eth0", "192.168.1.20")),
    )
    assert base.url == "https://workshop.example.org" and base.reachable and not base.problem
    assert base.join_url("K7Q4MX") == "https://workshop.example.org/join?code=K7Q4MX"


def test_lan_address_and_port_when_nothing_configured():
    base = resolve_join_base(
        public_url=None, port=43121, addresses=addrs(("lo", "127.0.0.1"), ("wlan0", "10.0.0.7"))
    )
    assert base.url == "http://10.0.0.7:43121" and base.reachable


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ((("lo", "127.0.0.1"),), None),
        ((("lo", "127.0.0.1"), ("eth0", "169.254.3.4")), None),  # link-local: no DHCP
        ((("docker0", "172.17.0.1"), ("wlan0", "192.168.1.20")), "192.168.1.20"),
        ((("eth0", "8.9.10.11"), ("wlan0", "192.168.1.20")), "192.168.1.20"),  # private first
        ((("docker0", "172.17.0.1"),), "172.17.0.1"),  # better than nothing
        ((("eth0", "not-an-ip"), ("eth1", "10.1.2.3")), "10.1.2.3"),
    ],
)
def test_choose_lan_address(given, expected):
    assert choose_lan_address(addrs(*given)) == expected


def test_only_loopback_is_explained_in_plain_words():
    base = resolve_join_base(public_url=None, port=8600, addresses=addrs(("lo", "127.0.0.1")))
    assert not base.reachable
    assert base.url == "http://127.0.0.1:8600"  # still the best URL for the QR code
    assert "WORKSHOP_PUBLIC_URL" in base.problem and "Wi-Fi" in base.problem


def test_real_interfaces_are_listed_without_ipv6():
    found = list_ipv4_addresses()
    assert all(a.address.count(".") == 3 for a in found)


def test_qr_png_decodes_to_the_url_and_is_big_with_a_quiet_zone():
    url = "http://192.168.1.20:8501/join?code=K7Q4MX"
    image = Image.open(io.BytesIO(qr_png(url))).convert("L")
    assert image.width >= 400 and image.width == image.height
    assert [d.data.decode() for d in decode(image)] == [url]
    # Quiet zone: the first dark pixel on the diagonal (the finder pattern's corner) sits
    # 4 modules in, and everything before it is white: dark on light, border kept.
    first_dark = next(i for i in range(image.width) if image.getpixel((i, i)) == 0)
    box = first_dark // 4
    assert box >= 8 and first_dark == 4 * box and image.width % box == 0
    border = [image.getpixel((x, y)) for x in range(image.width) for y in range(first_dark)]
    assert min(border) == 255
