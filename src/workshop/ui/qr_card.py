"""The join panel of the projector: QR code, join code, join address, live counts."""

from __future__ import annotations

import html

import streamlit as st

from ..domain.codes import display_code
from ..domain.model import LiveCounts
from ..joining import JoinBase, detect_join_base, qr_png

QR_PX = 440  # ~23 % of a 1920 px screen: scannable from ~5 m on a 2.5 m-wide projection


def current_join_base(public_url: str | None) -> JoinBase:
    """WORKSHOP_PUBLIC_URL, else this machine's LAN address on the server's port."""
    port = int(st.get_option("server.port") or 8501)
    return detect_join_base(public_url=public_url, port=port)


def render_join_panel(
    *, base: JoinBase, code: str, counts: LiveCounts | None, dimmed: bool = False
) -> None:
    """``dimmed``: answering is closed, so the QR code should not invite people in."""
    url = base.join_url(code)
    with st.container(key="join-panel-closed" if dimmed else "join-panel"):
        st.html('<p class="ws-join-title">Scan to join</p>')
        png = qr_png(url, target_px=QR_PX)
        st.image(png, width=_natural_width(png))
        st.html(f'<p class="ws-code">{html.escape(display_code(code))}</p>')
        shown = url.split("://", 1)[-1].split("?", 1)[0]
        st.html(f'<p class="ws-join-url">{html.escape(shown)} · code above</p>')
        if not base.reachable:
            st.html(f'<div class="ws-problem">{html.escape(base.problem)}</div>')
        if counts is not None:
            render_counts(counts)


def render_counts(counts: LiveCounts, *, say_hidden: bool = False) -> None:
    """The room's numbers as ``LiveCounts`` defines them (the chart's n is the same
    "answered"); ``say_hidden``: the facilitator also sees "3 shown · 1 hidden"."""
    rate = round(100 * counts.response_rate)
    moderated = (
        f'<p class="ws-n">{counts.answered} shown · {counts.hidden} hidden</p>'
        if say_hidden and counts.hidden
        else ""
    )
    st.html(
        '<div class="ws-stats">'
        f'<div class="ws-stat"><b>{counts.joined}</b><span>joined</span></div>'
        f'<div class="ws-stat"><b>{counts.answered}</b><span>answered</span></div>'
        f'<div class="ws-stat"><b>{rate}%</b><span>response rate</span></div>'
        f"</div>{moderated}"
    )


def _natural_width(png: bytes) -> int:
    """The PNG's own width (bytes 16-20 of its header): shown 1:1, every module crisp."""
    return int.from_bytes(png[16:20], "big")
