"""Fixtures for the web application tests (helper "webapp"): an app on a test database, people
with roles, and signing in without going through e-mail.

Import what you need into the test module (``from tests.api.webapp_fixtures import ...``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from api.app import create_app
from api.auth import SESSION_COOKIE
from api.security import RateLimiter
from api.settings import Settings
from storage.engine import DatabaseSettings, create_engine, session_scope
from storage.tables import Member, MemberRole, Organisation, User, Wallet, WebSession
from storage.tokens import hash_token, new_token

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
BASE = "http://testserver"


@dataclass
class Web:
    app: FastAPI
    client: TestClient
    engine: Engine
    home: Path


def make_web(db_url: str, home: Path, *, limiter: RateLimiter | None = None) -> Web:
    engine = create_engine(DatabaseSettings(url=db_url))
    settings = Settings(base_url=BASE, home=home, database_url=db_url)
    app = create_app(settings, engine=engine, clock=lambda: NOW, rate_limiter=limiter)
    return Web(app, TestClient(app), engine, home)


@pytest.fixture
def web(db_url: str, tmp_path: Path) -> Iterator[Web]:
    made = make_web(db_url, tmp_path)
    try:
        yield made
    finally:
        made.engine.dispose()


def add_user(engine: Engine, name: str, email: str | None = None) -> str:
    with session_scope(engine) as session:
        user = User(display_name=name, email=email)
        session.add(user)
        session.flush()
        return user.id


def add_org(engine: Engine, slug: str, *, issuing: bool) -> str:
    with session_scope(engine) as session:
        org = Organisation(
            slug=slug,
            name=slug.replace("-", " ").title(),
            issuer_id=f"did:key:z6Mk{slug}" if issuing else None,
            profile={"name": slug},
        )
        session.add(org)
        session.flush()
        return org.id


def add_member(engine: Engine, user_id: str, org_id: str, role: MemberRole) -> None:
    with session_scope(engine) as session:
        session.add(Member(user_id=user_id, organisation_id=org_id, role=role))


def add_wallet(engine: Engine, user_id: str) -> str:
    with session_scope(engine) as session:
        wallet = Wallet(holder_user_id=user_id, display_name="Portefeuille")
        session.add(wallet)
        session.flush()
        return wallet.id


def session_cookie(engine: Engine, user_id: str) -> str:
    """A valid session for ``user_id`` (what signing in would give), as the cookie value."""
    raw = new_token()
    with session_scope(engine) as session:
        session.add(
            WebSession(
                token_hash=hash_token(raw),
                user_id=user_id,
                created_at=NOW,
                expires_at=NOW + timedelta(hours=1),
            )
        )
    return raw


def signed_in(web: Web, user_id: str) -> TestClient:
    client = TestClient(web.app)
    client.cookies.set(SESSION_COOKIE, session_cookie(web.engine, user_id))
    return client


CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = CSRF_INPUT.search(html)
    assert found, "the page has no CSRF field"
    return found.group(1)
