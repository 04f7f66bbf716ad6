"""Fixtures for the trainer's pages: the web app on the test database (SQLite and PostgreSQL),
an issuing organisation with its key, a trainer (issuer role) signed in, and helpers to submit
forms with their CSRF token and to verify what the pages issued with the real verifier."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from issuer.achievements import create_achievement
from issuer.context import IssuerContext
from issuer.custody import KeyCustody
from issuer.orgs import add_member, create_organisation
from referentials.bundled import load_bundled
from storage.tables import MemberRole
from tests.api.app_fetcher import AppFetcher
from tests.api.webapp_fixtures import BASE, NOW, Web, csrf_of, make_web, signed_in
from verifier import VerificationReport, VerifyOptions, verify

__all__ = ["Trainer", "form_post", "person", "trainer", "verify_with_app"]


@dataclass
class Trainer:
    web: Web
    ctx: IssuerContext
    client: TestClient
    org_slug: str
    org_id: str
    achievement_id: str


def person(t: Trainer, role: MemberRole, email: str, *, org_slug: str | None = None) -> TestClient:
    member = add_member(t.ctx, org_slug or t.org_slug, email=email, display_name=email, role=role)
    return signed_in(t.web, member.user_id)


@pytest.fixture
def trainer(db_url: str, tmp_path: Path) -> Iterator[Trainer]:
    web = make_web(db_url, tmp_path)
    ctx = IssuerContext(
        engine=web.engine,
        custody=KeyCustody([secrets.token_bytes(32)]),
        base_url=BASE,
        clock=lambda: NOW,
    )
    web.app.state.issuer_ctx = ctx
    org = create_organisation(ctx, slug="of-test", name="Organisme Test")
    ref = next(r for r in load_bundled() if r.slug == "attitude-pro-reunion")
    achievement = create_achievement(ctx, org.slug, ref, ["SE01"])
    made = Trainer(web, ctx, TestClient(web.app), org.slug, org.id, achievement.id)
    made.client = person(made, MemberRole.ISSUER, "formatrice@example.org")
    try:
        yield made
    finally:
        web.engine.dispose()


def form_post(
    client: TestClient,
    page: str,
    action: str,
    data: dict[str, Any],
    files: dict[str, Any] | None = None,
) -> Any:
    """Open ``page`` (for its CSRF token), then submit ``data`` to ``action``."""
    opened = client.get(page, headers={"accept": "text/html"})
    assert opened.status_code == 200, opened.text
    body = {"csrf_token": csrf_of(opened.text), **data}
    return client.post(
        action, data=body, files=files, headers={"accept": "text/html"}, follow_redirects=False
    )


def verify_with_app(client: TestClient, credential: bytes | str) -> VerificationReport:
    options = VerifyOptions(now=NOW + timedelta(minutes=5), fetcher=AppFetcher(client))
    return verify(credential, options=options)


def hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, f"no hidden field {name}"
    return found.group(1)
