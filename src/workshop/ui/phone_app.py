"""The phone's live part, drawn in the browser: the prompt, the answer form, the receipt.

Why not Streamlit widgets: every change in the room would cost one Streamlit run per
phone, and one process cannot redraw hundreds of phones within seconds that way
(docs/performance.md). Here the page's Streamlit run mounts one component
(``st.components.v2``) with the current view; from then on the component follows the
push stream (``/events/<code>``, which carries the whole phone view), draws the prompt
itself and posts answers to ``/api/answer`` (``web/answers.py``). An advance costs one
read per process; an answer one small HTTP request. Nothing a participant or template
wrote is ever set as HTML (``textContent`` only, see ``phone_app/phone.js``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import streamlit as st

from ..activities import phone_assets

_HERE = Path(__file__).with_name("phone_app")


def _assembled() -> tuple[str, str]:
    """The phone app: shared helpers, then every kind's own phone.js/.css (each calls
    ``registerKind``), then the app that draws whatever kind the view names."""
    kinds_js, kinds_css = phone_assets()
    js = "\n".join(
        [
            (_HERE / "phone_base.js").read_text(encoding="utf-8"),
            kinds_js,
            (_HERE / "phone.js").read_text(encoding="utf-8"),
        ]
    )
    css = (_HERE / "phone.css").read_text(encoding="utf-8") + "\n" + kinds_css
    return js, css


_JS, _CSS = _assembled()
_component = st.components.v2.component("workshop_phone", js=_JS, css=_CSS)
COMPONENT_KEY = "workshop_phone"


def mount_phone(
    *, code: str, view: dict[str, Any], mine: dict[str, Any] | None, url_token: str | None
) -> None:
    """Draw the live part; ``mine``: {prompt, value} of this phone's current answer."""
    _component(
        data={
            "code": code,
            "view": view,
            "mine": mine,
            "token": url_token,  # only where cookies are blocked (it is in the URL anyway)
            # Absolute: ``st.App`` serves its routes at the root, whatever the page path.
            "urls": {
                "events": f"/events/{code}",
                "view": f"/api/view/{code}",
                "mine": f"/api/mine/{code}",
                "answer": "/api/answer",
            },
        },
        key=COMPONENT_KEY,
    )
