"""The Streamlit internals workshop relies on still exist and still do what we need."""

from __future__ import annotations

from streamlit.runtime.pages_manager import PagesManager

from workshop.ui.streamlit_internals import disable_legacy_pages_directory


def test_legacy_pages_directory_can_be_switched_off(monkeypatch):
    monkeypatch.setattr(PagesManager, "uses_pages_directory", None, raising=True)
    disable_legacy_pages_directory()
    assert PagesManager.uses_pages_directory is False
