"""The results page: every prompt's chart with n and its note, and the CSV download."""

from __future__ import annotations

import html

import streamlit as st

from .. import services
from ..activities import get_kind
from ..charts import REPORT, figure_for
from ..domain.codes import display_code
from ..export import session_csv_filename
from .facilitator import FacilitatorAccess
from .results_view import REPORT_WALL, render_card_wall, render_figure


def render_report(access: FacilitatorAccess) -> None:
    db, sid = access.ctx.db, access.session.id
    view = services.get_live_view(db=db, session_id=sid)
    session = view.session
    status = "live" if session.is_live else "ended"
    st.html(
        f'<p class="ws-meta">Results · join code {display_code(session.code)} · {status} · '
        f"started {session.started_at:%Y-%m-%d %H:%M} UTC</p>"
        f'<h1 class="ws-prompt-small">{html.escape(session.title)}</h1>'
    )
    download, refresh = st.columns([3, 1])
    download.download_button(
        "Download CSV (one row per answer)",
        icon=":material/download:",
        data=lambda: services.export_csv(db=db, session_id=sid),
        file_name=session_csv_filename(session),
        mime="text/csv",
        on_click="ignore",
        type="primary",
        key="download-csv",
    )
    if session.is_live:
        refresh.button("Refresh", icon=":material/refresh:", width="stretch", key="refresh-results")
    st.caption(
        f"{view.counts.joined} people joined. Hidden (moderated) answers are left out of "
        "the charts and flagged in the CSV."
    )
    for prompt in services.list_prompts(db=db, session_id=sid):
        result = services.results_for(db=db, session_id=sid, prompt_id=prompt.id)
        with st.container(border=True):
            st.html(
                f'<p class="ws-meta">Question {prompt.number} · '
                f"{html.escape(get_kind(prompt.kind).label)}</p>"
                f'<p class="ws-prompt-small">{html.escape(prompt.text)}</p>'
            )
            figure = figure_for(result, joined=view.counts.joined, style=REPORT)
            if figure is None:
                render_card_wall(result, joined=view.counts.joined, fit=REPORT_WALL)
            else:
                render_figure(figure, static=False, key=f"results-chart-{prompt.id}")
                if result.n:
                    with st.expander("The same figures as text"):
                        st.text(get_kind(prompt.kind).text_alternative(result))  # literal text
            if prompt.spec.note:
                with st.expander("Facilitator note"):
                    st.text(prompt.spec.note)
