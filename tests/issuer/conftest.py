"""Fixtures for issuer tests: an issuer context on the test database (SQLite and PostgreSQL),
an organisation with an achievement from a bundled referential, and a fetcher that serves what
the issuer publishes (did:web document, status lists) to the real verifier, offline."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import select

from badges.fetch import MapFetcher
from issuer.achievements import create_achievement
from issuer.context import IssuerContext
from issuer.custody import KeyCustody
from issuer.orgs import create_organisation, did_document
from referentials.bundled import load_bundled
from referentials.model import Referential
from storage.engine import create_engine, session_scope
from storage.tables import Organisation, StatusList
from verifier import VerificationReport, VerifyOptions, verify

BASE = "https://formation.example"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: int = 60) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def kek() -> bytes:
    return secrets.token_bytes(32)


@pytest.fixture
def ctx(db_url: str, clock: Clock, kek: bytes) -> Iterator[IssuerContext]:
    engine = create_engine(db_url)
    try:
        yield IssuerContext(engine=engine, custody=KeyCustody([kek]), base_url=BASE, clock=clock)
    finally:
        engine.dispose()


def referential(slug: str) -> Referential:
    return next(r for r in load_bundled() if r.slug == slug)


@pytest.fixture
def org(ctx: IssuerContext) -> Organisation:
    return create_organisation(ctx, slug="mission-ouest", name="Mission locale Exemple Ouest")


@pytest.fixture
def achievement_id(ctx: IssuerContext, org: Organisation) -> str:
    row = create_achievement(ctx, org.slug, referential("attitude-pro-reunion"), ["SE01"])
    return row.id


def publications(ctx: IssuerContext) -> MapFetcher:
    """What a browser would fetch from the issuer's public URLs."""
    fetcher = MapFetcher({})
    with session_scope(ctx.engine, write=False) as session:
        orgs = session.exec(select(Organisation)).all()
        lists = session.exec(select(StatusList)).all()
    for org in orgs:
        if str(org.issuer_id).startswith("did:web:"):
            document = json.dumps(did_document(ctx, org.slug)).encode()
            fetcher.add(ctx.urls.did_document(org.slug), document)
    for status_list in lists:
        if status_list.published_text and status_list.url:
            fetcher.add(status_list.url, status_list.published_text.encode())
    return fetcher


def check(ctx: IssuerContext, signed: str | dict[str, Any], **options: Any) -> VerificationReport:
    now = options.pop("now", ctx.clock() + timedelta(minutes=5))
    return verify(signed, options=VerifyOptions(now=now, fetcher=publications(ctx), **options))
