"""Shared fixtures: a fresh database per test, on SQLite and on a real PostgreSQL."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.postgres import create_database, find_pg_bin, throwaway_cluster
from workshop.guards import (
    ADMIN_GUARD,
    CODE_GUARD,
    KEY_GUARD,
    MINT_GUARD,
    START_GUARD,
    SUBMIT_GUARD,
)
from workshop.storage import Database, make_database
from workshop.templates import load_template_file, templates_dir

REQUIRE_POSTGRES = os.environ.get("CI") == "true" or os.environ.get("WORKSHOP_REQUIRE_POSTGRES")
_db_counter = itertools.count(1)


@pytest.hookimpl(trylast=True)  # after pytest's own reordering by fixture parameters
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # pytest-playwright's sync API keeps an asyncio loop running in the main thread from
    # the first browser test to the end of the session, and asyncio.run() in any later
    # test then fails: run the real-browser tests last (the sort is stable). They carry
    # the marker themselves, or get it from tests/browser/conftest.py.
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.fixture(scope="session")
def postgres_admin_url() -> Iterator[str]:
    if os.environ.get("WORKSHOP_TEST_POSTGRES_URL"):
        yield os.environ["WORKSHOP_TEST_POSTGRES_URL"]
        return
    if find_pg_bin() is None:
        if REQUIRE_POSTGRES:
            pytest.fail("PostgreSQL binaries are required in CI but missing")
        pytest.skip("PostgreSQL server binaries not installed")
    with throwaway_cluster() as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL of a brand-new, empty database on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'workshop.db'}"
    admin = request.getfixturevalue("postgres_admin_url")
    return create_database(admin, f"t{os.getpid()}_{next(_db_counter)}")


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = make_database(database_url)
    yield database
    database.dispose()


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[Database]:
    database = make_database(f"sqlite:///{tmp_path / 'workshop.db'}")
    yield database
    database.dispose()


@pytest.fixture(autouse=True)
def _fresh_guards() -> Iterator[None]:
    """Rate limits are process-wide; give each test its own clean slate."""
    SUBMIT_GUARD.configure(burst=5, interval=1.0)
    MINT_GUARD.configure(burst=600, interval=60 / 300)
    KEY_GUARD.reset()
    ADMIN_GUARD.reset()
    CODE_GUARD.reset()
    START_GUARD.configure(burst=10, interval=30.0)
    yield
    SUBMIT_GUARD.configure(burst=5, interval=1.0)
    KEY_GUARD.reset()
    ADMIN_GUARD.reset()
    CODE_GUARD.reset()
    START_GUARD.configure(burst=10, interval=30.0)


@pytest.fixture
def secret() -> bytes:
    return b"test-installation-secret"


@pytest.fixture
def leadership_template():
    return load_template_file(templates_dir() / "leadership.yaml")


@pytest.fixture
def quick_pulse_template():
    return load_template_file(templates_dir() / "quick-pulse.yaml")
