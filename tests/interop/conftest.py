"""Fixtures for the interop tests: ``js`` runs the Digital Bazaar / DCC JavaScript stack."""

from __future__ import annotations

import pytest

from tests.interop.harness import JsRunner, ensure_js


@pytest.fixture(scope="session")
def js() -> JsRunner:
    return ensure_js()
