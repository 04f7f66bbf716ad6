"""Shared pieces of the durability drill scripts (reliability-ux.md D3, D7)."""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import select

from badges.fetch import MapFetcher
from issuer.achievements import create_achievement
from issuer.context import IssuerContext
from issuer.custody import KeyCustody
from issuer.orgs import create_organisation, did_document
from referentials.bundled import load_bundled
from storage.engine import session_scope
from storage.tables import Organisation, StatusList
from verifier import VerifyOptions, verify

BASE = "https://formation.example"


def context(engine: Engine, kek: bytes) -> IssuerContext:
    return IssuerContext(engine=engine, custody=KeyCustody([kek]), base_url=BASE)


def new_kek() -> bytes:
    return secrets.token_bytes(32)


def prepare(ctx: IssuerContext) -> str:
    """An organisation and an achievement; returns the achievement id."""
    create_organisation(ctx, slug="drill", name="Organisme d'exercice")
    ref = next(r for r in load_bundled() if r.slug == "attitude-pro-reunion")
    return create_achievement(ctx, "drill", ref, ["SE01"]).id


def publications(ctx: IssuerContext) -> MapFetcher:
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


def verdict(ctx: IssuerContext, signed: str) -> str:
    now = datetime.now(UTC) + timedelta(minutes=1)
    report = verify(signed, options=VerifyOptions(now=now, fetcher=publications(ctx)))
    return str(report.verdict)
