"""Static CSS for the facilitator pages: large type, the projector layout, presenting mode.

Only CSS written here goes through ``st.html`` (style-only HTML takes no room on the
page); no participant text ever does.
"""

from __future__ import annotations

import streamlit as st

# Class names used by the render functions (ui/presenter.py, ui/qr_card.py, ...).
FACILITATOR_CSS = """
<style>
[data-testid="stMainBlockContainer"] { padding-top: 2.2rem; padding-bottom: 2rem; }
.ws-meta { font-size: 1.35rem; font-weight: 600; color: #4b5563; margin: 0 0 .2rem 0; }
.ws-meta .ws-pill { display: inline-block; margin-left: .8rem; padding: .05rem .7rem;
  border-radius: 999px; font-size: 1.1rem; font-weight: 700; vertical-align: middle; }
.ws-pill-open { background: #dcfce7; color: #14532d; }
.ws-pill-closed { background: #fee2e2; color: #7f1d1d; }
.ws-pill-ended { background: #e5e7eb; color: #111827; }
.ws-prompt { font-size: 3.1rem; line-height: 1.12; font-weight: 750; color: #111827;
  margin: 0 0 .4rem 0; }
.ws-prompt-small { font-size: 1.7rem; line-height: 1.2; font-weight: 700; color: #111827;
  margin: 0 0 .3rem 0; }
.ws-message { font-size: 2.7rem; line-height: 1.25; font-weight: 650; color: #374151;
  text-align: center; padding: 7rem 2rem; margin-top: 1rem; border: 4px dashed #cbd5e1;
  border-radius: 18px; background: #f8fafc; }
.ws-message-small { font-size: 1.3rem; padding: 2rem 1rem; border-width: 2px; }
.ws-join-title { font-size: 1.6rem; font-weight: 700; color: #111827; text-align: center;
  margin: 0; }
.ws-code { font-size: clamp(2.4rem, 4.3vw, 4.8rem); white-space: nowrap; font-weight: 800;
  letter-spacing: .08em; color: #111827;
  text-align: center; line-height: 1.05; margin: .1rem 0 .2rem 0;
  font-family: "Source Code Pro", "DejaVu Sans Mono", monospace; }
.ws-join-url { font-size: 1.35rem; text-align: center; color: #1f4e9c; font-weight: 600;
  word-break: break-all; margin: 0; }
.ws-stats { display: flex; justify-content: space-around; gap: .5rem; margin-top: .8rem;
  padding-top: .8rem; border-top: 2px solid #e5e7eb; }
.ws-stat { text-align: center; }
.ws-stat b { display: block; font-size: 3.1rem; line-height: 1.05; color: #111827; }
.ws-stat span { font-size: 1.2rem; color: #4b5563; font-weight: 600; }
.ws-problem { font-size: 1.15rem; line-height: 1.35; background: #fff7ed; color: #7c2d12;
  border-left: 8px solid #c2410c; padding: .7rem 1rem; border-radius: 8px; margin: .4rem 0; }
.ws-closed { font-size: 2.2rem; font-weight: 750; text-align: center; color: #7f1d1d;
  background: #fee2e2; border: 3px solid #b91c1c; border-radius: 14px; padding: .7rem;
  margin-bottom: .6rem; }
.st-key-join-panel-closed { opacity: .28; filter: grayscale(1); }
.ws-thanks { font-size: 4rem; line-height: 1.2; font-weight: 800; color: #111827;
  text-align: center; padding: 14rem 2rem 2rem 2rem; }
.ws-thanks-sub { font-size: 2rem; color: #4b5563; text-align: center; font-weight: 600; }
.ws-ended { font-size: 2.2rem; font-weight: 700; text-align: center; color: #111827;
  background: #f1f5f9; border-radius: 14px; padding: .8rem; margin-bottom: .6rem; }
[data-testid="stImage"] img { image-rendering: pixelated; }
[class*="st-key-join-panel"] [data-testid="stImage"] { display: flex; justify-content: center; }
/* Keyboard and remote shortcuts: real buttons, kept working but out of sight. */
.st-key-presenter-keys, .st-key-chart-code-loader { position: absolute !important;
  width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
/* The open-text card wall: participant text in st.text, made large here. */
.ws-n { font-size: 1.4rem; color: #4b5563; font-weight: 600; margin: .2rem 0 0 0; }
[class*="st-key-card-wall"] [data-testid="stText"] { font-size: 1.85rem; line-height: 1.28;
  white-space: pre-wrap; overflow-wrap: anywhere; color: #111827; }
.st-key-answer-list [data-testid="stText"] { white-space: pre-wrap; overflow-wrap: anywhere; }
.st-key-facilitator-links { border: 3px solid #c2410c; border-radius: 14px;
  padding: 1rem 1.2rem; background: #fffaf5; }
</style>
"""

# Presenting mode: only what the room should see (no sidebar, header, toolbar or menu).
PRESENTING_CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stExpandSidebarButton"], [data-testid="stHeader"],
[data-testid="stToolbar"], [data-testid="stStatusWidget"], [data-testid="stMainMenu"],
[data-testid="stAppDeployButton"] { display: none !important; }
[data-testid="stMainBlockContainer"] { padding: 1.4rem 2.6rem 0 2.6rem !important;
  max-width: none !important; }
[data-testid="stMain"] { overflow: hidden; }
/* Never browser chrome on the room's screen: a click then a key press would otherwise
   draw a focus frame along the edges (nothing here takes typing). */
*, *:focus, *:focus-visible, *:focus-within { outline: none !important; }
/* Streamlit 1.67 marks a focused main area with an inset shadow on stMain::before,
   sticky under the (hidden) header: the grey frame seen along the projected edges. */
[data-testid="stMain"]::before, [data-testid="stMain"]::after { box-shadow: none !important;
  display: none !important; }
/* Streamlit's "Connection error" modal has no place on the projector: the follow
   component (ui/follow.py) shows a small "Reconnecting…" line instead, and the page
   comes back by itself. The projector uses no dialogs of its own. */
[data-testid="stDialog"], div[role="dialog"] { display: none !important; }
</style>
"""


# The projector redraws twice a second: never fade a part that is being redrawn.
PROJECTOR_CSS = """
<style>
[data-testid="stElementContainer"][data-stale="true"] { opacity: 1 !important;
  transition: none !important; }
</style>
"""


def use_facilitator_style(*, presenting: bool = False, projector: bool = False) -> None:
    st.html(FACILITATOR_CSS)
    if projector:
        st.html(PROJECTOR_CSS)
    if presenting:
        st.html(PRESENTING_CSS)
