"""Helpers for the facilitator pages' AppTests: a fresh app context, a page opened with
code and key, and all the text a page shows (to assert that refused pages show no data)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from workshop.config import Settings
from workshop.context import AppContext, forget_shared_contexts, open_context

APP = str(Path(__file__).resolve().parents[2] / "app.py")


@pytest.fixture
def app_ctx(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppContext]:
    """The app's own context on a fresh data directory (the pages open the same one)."""
    monkeypatch.setenv("WORKSHOP_DATA_DIR", str(tmp_path / "data"))
    for name in ("WORKSHOP_DATABASE_URL", "WORKSHOP_ADMIN_PASSWORD", "WORKSHOP_PUBLIC_URL"):
        monkeypatch.delenv(name, raising=False)
    st.cache_resource.clear()
    forget_shared_contexts()
    ctx = open_context(Settings.from_env())
    yield ctx
    ctx.db.dispose()
    st.cache_resource.clear()
    forget_shared_contexts()


def open_page(page: str, **params: str | None) -> AppTest:
    """Run ``pages/<page>.py`` through the app's router with these query parameters."""
    at = AppTest.from_file(APP, default_timeout=30)
    at.run()
    at.switch_page(f"pages/{page}.py")
    for name, value in params.items():
        if value is not None:
            at.query_params[name] = value
    return at.run()


def texts(node: Any) -> list[str]:
    """Every string a page shows: values, bodies, labels and options, depth first."""
    found: list[str] = []
    for attr in ("value", "body", "label"):  # the first that is text: no duplicates
        try:
            value = getattr(node, attr, None)
        except Exception:  # some elements compute values lazily and may refuse
            continue
        if isinstance(value, str):
            found.append(value)
            break
    options = getattr(node, "options", None)
    if isinstance(options, list | tuple):
        found.extend(str(o) for o in options)
    children = getattr(node, "children", None)
    if isinstance(children, dict):
        for child in children.values():
            found.extend(texts(child))
    return found


def page_text(at: AppTest) -> str:
    return "\n".join(texts(at.main) + texts(at.sidebar))


def assert_no_errors(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
