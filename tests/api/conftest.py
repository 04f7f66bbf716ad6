"""Fixtures shared by the web application tests (see ``tests/api/webapp_fixtures.py``)."""

from tests.api.webapp_fixtures import web

__all__ = ["web"]
