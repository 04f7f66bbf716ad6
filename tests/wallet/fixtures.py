"""Fixtures for wallet tests (imported by tests/wallet/conftest.py and by the CLI and API wallet
tests): a wallet context and an issuer context on the same test database (SQLite, and
PostgreSQL when configured), an organisation issuing from the bundled BTP referential, a clock."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine

from badges.keys import Ed25519KeyPair
from issuer.achievements import create_achievement
from issuer.context import IssuerContext
from issuer.custody import KeyCustody
from issuer.issuance import Issued, IssueSpec
from issuer.orgs import create_organisation
from issuer.recipients import parse_recipient
from issuer.service import issue
from referentials.bundled import load_bundled
from referentials.graph import build_graph
from storage.engine import create_engine
from wallet.context import WalletContext
from wallet.local_fetch import StoredDocumentFetcher

# An http base on the loopback: the issuer uses did:key (ADR 0003), so everything verifies
# offline; status lists are served from the database by StoredDocumentFetcher.
BASE = "http://127.0.0.1:8000"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = create_engine(db_url)
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def graph():  # type: ignore[no-untyped-def]
    return build_graph(load_bundled(), BASE)


@pytest.fixture
def wctx(engine: Engine, clock: Clock, graph) -> WalletContext:  # type: ignore[no-untyped-def]
    return WalletContext(
        engine=engine,
        base_url=BASE,
        clock=clock,
        fetcher=StoredDocumentFetcher(engine),
        graph=graph,
        service_key=Ed25519KeyPair.from_seed(b"\x07" * 32),
    )


@pytest.fixture
def ictx(engine: Engine, clock: Clock) -> IssuerContext:
    return IssuerContext(
        engine=engine, custody=KeyCustody([secrets.token_bytes(32)]), base_url=BASE, clock=clock
    )


@pytest.fixture
def btp_achievements(ictx: IssuerContext) -> dict[str, str]:
    """Achievements of the bundled BTP referential: the safety block and drywall block 1."""
    ref = next(r for r in load_bundled() if r.slug == "btp-blocs-exemple")
    create_organisation(ictx, slug="cfa-exemple", name="CFA Exemple du Bâtiment")
    return {
        "secu": create_achievement(ictx, "cfa-exemple", ref, ["B-SECU"]).id,
        "pla1": create_achievement(ictx, "cfa-exemple", ref, ["PLA-B1"]).id,
    }


def issue_with_claim_code(ictx: IssuerContext, achievement_id: str, **extra: object) -> Issued:
    """A badge for someone without e-mail: the issuer hands out a claim code."""
    return issue(ictx, achievement_id, IssueSpec(recipient=parse_recipient(None), **extra))  # type: ignore[arg-type]


def make_counsellor(engine: Engine, user_id: str, org_slug: str = "cfa-exemple") -> None:
    """Make ``user_id`` a member of the organisation (custody is for counsellors of a structure)."""
    from sqlmodel import select

    from storage.engine import session_scope
    from storage.tables import Member, MemberRole, Organisation

    with session_scope(engine) as session:
        org = session.exec(select(Organisation).where(Organisation.slug == org_slug)).one()
        session.add(Member(organisation_id=org.id, user_id=user_id, role=MemberRole.REVIEWER))


def holder_user_id(engine: Engine, wallet_id: str) -> str:
    from storage.engine import session_scope
    from storage.tables import Wallet

    with session_scope(engine, write=False) as session:
        wallet = session.get(Wallet, wallet_id)
        assert wallet is not None
        assert wallet.holder_user_id is not None
        return wallet.holder_user_id
