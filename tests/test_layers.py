"""Imports point downwards only: pages -> ui -> services -> domain/storage.

Every module's imports (including those inside functions) are read with ``ast`` and
checked against the layer rules of DESIGN.md. A synthetic check at the end proves the
rules catch a layer that reaches upward.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
STDLIB = set(sys.stdlib_module_names) | {"__future__"}

# Layers by rank: a module may import its own rank or lower ones, never a higher one.
# Every root module has its own rank, so that (say) charts can never import services.
TOP = 6  # what people and processes enter through
RANKS = {
    "workshop.domain": 0,  # the model and rules: standard library only
    "workshop.storage": 1,  # SQLAlchemy: the only database code
    "workshop.config": 1,  # settings from the environment
    "workshop.changes": 1,  # the process's change signal (services announce, web listens)
    "workshop.guards": 1,  # per-process rate limits
    "workshop.joining": 1,  # join URL and QR
    "workshop.results": 2,  # tallies (pandas)
    "workshop.export": 2,  # CSV rows
    "workshop.templates": 2,  # YAML templates
    "workshop.context": 2,  # settings + database: the one AppContext per process
    "workshop.charts": 3,  # figures from tallies: below services, never calls one
    "workshop.services": 4,  # use cases, one transaction each
    "workshop.phone_view": 5,  # what phones show, read through services
    "workshop.ui": TOP,  # Streamlit pages' code
    "workshop.web": TOP,  # HTTP routes without Streamlit
    "workshop.cli": TOP,
}
ACTIVITIES = 1  # a kind's config, validation, tally, CSV cells, phone JSON (activities/)
CORE = 4  # a new root module not ranked above: treated like services until it is
DATABASE_LIBRARIES = ("sqlalchemy", "alembic", "psycopg", "sqlite3")
ENTRY_SCRIPTS = ("pages", "app", "server")  # Streamlit scripts outside the package


@dataclass(frozen=True)
class Import:
    module: str  # the importing module, e.g. workshop.domain.rules
    target: str  # what it imports, absolute, e.g. workshop.domain.text.clean_text
    line: int

    def __str__(self) -> str:
        return f"{self.module}:{self.line} imports {self.target}"


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(module: str, source: str, *, is_package: bool = False) -> Iterator[Import]:
    """Every import in ``source``, resolved to absolute names (``from .x import y`` gives
    both ``pkg.x`` and ``pkg.x.y``, since ``y`` may be a module)."""
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(module, alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base_parts = parts[: len(parts) - (node.level - 1)]
                base = ".".join(base_parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            yield Import(module, base, node.lineno)
            for alias in node.names:
                if alias.name != "*":
                    yield Import(module, f"{base}.{alias.name}", node.lineno)


def within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def is_kind_figure(name: str) -> bool:
    """A kind's figure module (``activities/<kind>/figure.py``, ``activities/*_figure.py``):
    the only part of a kind that draws, so the only one that may import plotly."""
    return within(name, "workshop.activities") and (
        name.endswith(".figure") or name.endswith("_figure") or ".figure." in name
    )


def rank(name: str) -> int | None:
    """The layer of a workshop module; None for anything outside the package."""
    if not within(name, "workshop") or name == "workshop":
        return None
    if within(name, "workshop.activities"):
        # A kind's rules sit with storage (which parses stored prompts through them);
        # its figure uses the chart toolkit, a core module.
        return RANKS["workshop.charts"] if is_kind_figure(name) else ACTIVITIES
    for prefix, value in RANKS.items():
        if within(name, prefix):
            return value
    return CORE


def violations(found: list[Import]) -> list[str]:
    """Every broken layer rule among ``found`` imports, as readable lines."""
    problems: list[str] = []
    for imp in found:
        source, target = imp.module, imp.target
        top_level = target.split(".")[0]
        source_rank, target_rank = rank(source), rank(target)
        if within(source, "workshop.domain") and not (
            top_level in STDLIB or within(target, "workshop.domain")
        ):
            problems.append(f"{imp}: the domain imports only the standard library and itself")
        if top_level in DATABASE_LIBRARIES and not within(source, "workshop.storage"):
            problems.append(f"{imp}: only workshop.storage talks to the database")
        if (
            top_level == "streamlit"
            and within(source, "workshop")
            and not within(source, "workshop.ui")
        ):
            problems.append(f"{imp}: only workshop.ui imports Streamlit under src/")
        if (
            within(source, "workshop.activities")
            and not is_kind_figure(source)
            and not (
                top_level in STDLIB
                or within(target, "workshop.domain")
                or (within(target, "workshop.activities") and not is_kind_figure(target))
            )
        ):
            problems.append(
                f"{imp}: a kind's config, validation and tally use the standard library only"
            )
        if within(source, "workshop.activities") and any(
            within(target, f"workshop.{part}") for part in ("storage", "services", "ui", "web")
        ):
            problems.append(f"{imp}: a kind never touches storage, services or the screens")
        if within(source, "workshop") and top_level in ENTRY_SCRIPTS:
            problems.append(f"{imp}: the package never imports pages, app or server")
        if within(target, "workshop.services") and (
            within(source, "workshop.domain") or within(source, "workshop.storage")
        ):
            problems.append(f"{imp}: services are never imported by domain or storage")
        if source_rank is not None and target_rank is not None and target_rank > source_rank:
            problems.append(f"{imp}: layer {source_rank} reaches up to layer {target_rank}")
        for one, other in (("workshop.ui", "workshop.web"), ("workshop.web", "workshop.ui")):
            if within(source, one) and within(target, other):
                problems.append(f"{imp}: ui and web never import each other")
        if source_rank == TOP and within(target, "workshop.storage"):
            problems.append(f"{imp}: ui, web and cli reach storage only through services")
        if (
            source_rank is None
            and not within(source, "workshop")
            and (within(target, "workshop.storage") or top_level in DATABASE_LIBRARIES)
        ):
            problems.append(f"{imp}: a page never touches storage; it calls a service")
    return problems


def package_imports() -> list[Import]:
    found: list[Import] = []
    for path in sorted((SRC / "workshop").rglob("*.py")):
        name = module_name(path, SRC)
        source = path.read_text(encoding="utf-8")
        found.extend(imports_of(name, source, is_package=path.name == "__init__.py"))
    return found


def script_imports() -> list[Import]:
    found: list[Import] = []
    scripts = [ROOT / "app.py", ROOT / "server.py", *sorted((ROOT / "pages").glob("*.py"))]
    for path in scripts:
        if path.exists():
            name = module_name(path, ROOT)
            found.extend(imports_of(name, path.read_text(encoding="utf-8")))
    return found


# ---- the real tree --------------------------------------------------------------------


def test_the_walk_sees_every_layer():
    modules = {imp.module for imp in package_imports()}
    for expected in [
        "workshop.domain.rules",
        "workshop.storage.repository",
        "workshop.storage.migrations.env",
        "workshop.services",
        "workshop.ui.context",
        "workshop.phone_view",
        "workshop.web.answers",
        "workshop.web.events",
        "workshop.web.phone_page",
        "workshop.web.phone_html",
        "workshop.web.phone_assets",
        "workshop.guards",
        "workshop.context",
        "workshop.config",
        "workshop.changes",
        "workshop.charts",
        "workshop.cli",
    ]:
        assert expected in modules
    targets = {imp.target for imp in package_imports()}
    assert "sqlalchemy" in targets and "streamlit" in targets  # they are really imported


def test_package_imports_point_downwards_only():
    assert violations(package_imports()) == []


def test_pages_and_entry_scripts_never_touch_storage():
    assert violations(script_imports()) == []


def test_domain_is_standard_library_only():
    outside = sorted(
        {
            imp.target.split(".")[0]
            for imp in package_imports()
            if within(imp.module, "workshop.domain") and not within(imp.target, "workshop")
        }
    )
    assert set(outside) <= STDLIB, outside


# ---- proof that the rules bite --------------------------------------------------------

UPWARD = [
    ("workshop.domain.model", "import sqlalchemy", "domain"),
    ("workshop.domain.model", "import pandas as pd", "standard library"),
    ("workshop.domain.rules", "from .. import services", "services are never imported"),
    ("workshop.domain.rules", "from ..storage import Database", "reaches up"),
    ("workshop.storage.repository", "from ..services import submit_answer", "services are"),
    ("workshop.storage.repository", "from ..results import tally", "reaches up"),
    ("workshop.services", "from sqlalchemy.exc import IntegrityError", "only workshop.storage"),
    ("workshop.services", "from .ui.context import get_context", "reaches up"),
    ("workshop.results", "import streamlit as st", "only workshop.ui imports Streamlit"),
    # The phone view is pushed by web/events without Streamlit: it must stay free of it.
    ("workshop.phone_view", "import streamlit as st", "only workshop.ui imports Streamlit"),
    ("workshop.phone_view", "from .web.phone_page import join_page", "reaches up"),
    ("workshop.web.answers", "from ..storage import repository", "only through services"),
    ("workshop.export", "import pages.home", "never imports pages"),
    ("workshop.activities.scale.kind", "import plotly.graph_objects as go", "standard library"),
    ("workshop.activities.scale.kind", "import pandas as pd", "standard library only"),
    ("workshop.activities.base", "from ..results import Tally", "standard library only"),
    ("workshop.activities.scale.figure", "from ...storage import Database", "never touches"),
    ("workshop.activities.scale.kind", "from ...services import submit_answer", "never touch"),
    ("workshop.charts", "from app import main", "never imports pages"),
    ("workshop.web.phone_page", "from ..storage import repository", "only through services"),
    ("workshop.web.phone_page", "import streamlit as st", "only workshop.ui imports Streamlit"),
    ("workshop.web.phone_html", "from ..ui.style import PHONE", "never import each other"),
    ("workshop.cli", "from .storage.repository import list_sessions", "only through services"),
    ("workshop.web.phone_assets", "import sqlalchemy.orm", "only workshop.storage"),
    ("pages.console", "from workshop.storage import repository", "a page never touches storage"),
    ("pages.console", "import sqlalchemy", "only workshop.storage"),
    ("workshop.charts", "from . import services", "reaches up"),
    ("workshop.charts", "from .phone_view import read_phone_view", "reaches up"),
    ("workshop.results", "from .charts import figure_for", "reaches up"),
    ("workshop.changes", "from . import services", "reaches up"),
    ("workshop.context", "from .services import get_session", "reaches up"),
    ("workshop.ui.console", "from ..web.events import HUB", "never import each other"),
    ("workshop.web.events", "from ..ui.follow import follow_room", "never import each other"),
]


@pytest.mark.parametrize(("module", "source", "reason"), UPWARD)
def test_a_layer_reaching_upward_is_caught(module, source, reason):
    def body():
        if module.startswith("workshop.services"):
            return source
        return f"def inside_a_function():\n    {source}\n"  # nested imports count too

    found = list(imports_of(module, body()))
    problems = violations(found)
    assert problems, f"{module}: {source!r} was not caught"
    assert any(reason in p for p in problems), problems


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("workshop.domain.rules", "from .text import clean_text"),
        ("workshop.domain.rules", "import re, unicodedata"),
        ("workshop.storage.repository", "from ..domain.model import Answer"),
        ("workshop.storage.repository", "from sqlalchemy import select"),
        ("workshop.services", "from .storage import Database"),
        ("workshop.services", "from .domain import codes"),
        ("workshop.web.phone_page", "from .. import services"),
        ("workshop.web.phone_page", "from ..phone_view import read_phone_view"),
        ("workshop.ui.console", "import streamlit as st"),
        ("workshop.web.events", "from .. import services"),
        ("workshop.web.events", "from ..changes import CHANGES"),
        ("workshop.services", "from .changes import CHANGES"),
        ("workshop.ui.follow", "from ..context import AppContext"),
        ("workshop.charts", "from .results import Tally"),
        ("workshop.web.answers", "from ..phone_view import read_phone_view"),
        ("workshop.phone_view", "from . import services"),
        ("pages.console", "from workshop.ui.console import render_console"),
        ("pages.console", "import streamlit as st"),
    ],
)
def test_downward_imports_pass(module, source):
    assert violations(list(imports_of(module, source))) == []


def test_relative_imports_resolve_like_python():
    def targets(module: str, source: str, is_package: bool = False) -> set[str]:
        return {i.target for i in imports_of(module, source, is_package=is_package)}

    assert targets("workshop.domain.rules", "from .text import x") == {
        "workshop.domain.text",
        "workshop.domain.text.x",
    }
    assert targets("workshop.domain.rules", "from .. import services") == {
        "workshop",
        "workshop.services",
    }
    assert "workshop.domain.model" in targets(
        "workshop.domain", "from .model import X", is_package=True
    )
    assert "workshop.storage.tables" in targets(
        "workshop.storage.migrations.env", "from ...storage.tables import metadata"
    )
