"""Shared test fixtures: where ../shared is, and the databases to run on."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"

# db_backend, db_url, db_engine, db_session: SQLite always, PostgreSQL when configured.
pytest_plugins = ["tests.dbfixtures"]


@pytest.fixture(scope="session")
def shared() -> Path:
    """The reference material beside the checkout; tests that need it skip cleanly without it."""
    if not SHARED.is_dir():
        pytest.skip("../shared is absent (fresh clone without the reference material)")
    return SHARED
