"""Pages: the presenter link carries the presenter key, which opens the presenter only."""

from __future__ import annotations

from tests.app.facilitator_support import app_ctx, assert_no_errors, open_page, page_text
from tests.support.builders import make_session

__all__ = ["app_ctx"]


def test_the_presenter_key_opens_the_presenter_but_not_the_console_or_results(
    app_ctx, leadership_template
):
    started = make_session(app_ctx.db, leadership_template)
    code, presenter = started.session.code, started.presenter_key
    at = open_page("presenter", code=code, key=presenter)
    assert_no_errors(at)
    assert not at.error
    linked = " ".join(str(link.proto) for link in at.get("page_link"))
    assert "presenter" in linked and "console" not in linked and "results" not in linked
    assert "Join code" in page_text(at)
    for page in ("console", "results"):
        refused = open_page(page, code=code, key=presenter)
        assert any("does not open the facilitator controls" in e.value for e in refused.error)


def test_the_home_page_hands_the_projector_the_presenter_key(app_ctx):
    at = open_page("home")
    at.button(key="start-session").click().run()
    facilitator = next(iter(at.session_state["facilitator_keys"].values()))
    presenter = next(iter(at.session_state["presenter_keys"].values()))
    queries = [str(link.proto) for link in at.get("page_link")]
    assert queries and presenter != facilitator
    presenting = [q for q in queries if "presenter" in q]
    assert presenting and all(presenter in q and facilitator not in q for q in presenting)
