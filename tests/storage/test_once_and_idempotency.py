"""Races the database must settle: a claim code redeemed twice at once, one batch submitted twice
at once with the same idempotency key (reliability-ux.md D2), and how opening secrets are kept."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import col

from storage.engine import create_engine, session_scope
from storage.errors import is_unique_violation
from storage.once import mark_once
from storage.tables import (
    Claim,
    Credential,
    CredentialFormat,
    IdempotencyRecord,
    IssuanceBatch,
)
from storage.tokens import hash_token, new_token

NOW = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)


def _race(db_url: str, attempts: int, work: Callable[[Engine], object]) -> list[object]:
    """Run ``work`` in ``attempts`` threads released together; results or exceptions."""
    engine = create_engine(db_url)
    barrier = threading.Barrier(attempts)
    outcomes: list[object] = []

    def run() -> None:
        barrier.wait()
        try:
            outcomes.append(work(engine))
        except BaseException as error:  # collected and asserted by the caller
            outcomes.append(error)

    threads = [threading.Thread(target=run) for _ in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    engine.dispose()
    return outcomes


@pytest.fixture
def claim_id(db_engine: Engine, issuer_setup: dict[str, str]) -> str:
    with session_scope(db_engine) as session:
        credential = Credential(
            credential_id="urn:uuid:claimed",
            organisation_id=issuer_setup["organisation"],
            issuer_key_id=issuer_setup["key"],
            achievement_id=issuer_setup["achievement"],
            format=CredentialFormat.JSON,
            proof_suite="eddsa-rdfc-2022",
            signed_text="{}",
            content_sha256="0" * 64,
            issued_at=NOW,
            valid_from=NOW,
        )
        session.add(credential)
        session.flush()
        claim = Claim(code_hash=hash_token("K7P-2QX"), credential_id=credential.id)
        session.add(claim)
        return claim.id


def test_a_claim_code_is_redeemed_once_even_when_two_redeem_it_at_the_same_time(
    db_url: str, db_engine: Engine, claim_id: str
) -> None:
    def redeem(engine: Engine) -> bool:
        with session_scope(engine) as session:
            return mark_once(session, Claim.redeemed_at, NOW, col(Claim.id) == claim_id)

    outcomes = _race(db_url, 4, redeem)
    assert sorted(outcomes, key=str) == [False, False, False, True]
    with session_scope(db_engine, write=False) as session:
        assert session.get_one(Claim, claim_id).redeemed_at == NOW
        assert not mark_once(session, Claim.redeemed_at, NOW, col(Claim.id) == claim_id)


def test_the_same_batch_submitted_twice_at_once_is_created_once(
    db_url: str, db_engine: Engine, issuer_setup: dict[str, str]
) -> None:
    def submit(engine: Engine) -> str:
        with session_scope(engine) as session:
            batch = IssuanceBatch(
                organisation_id=issuer_setup["organisation"],
                achievement_id=issuer_setup["achievement"],
                idempotency_key="fin-de-session-14",
                input_sha256=hashlib.sha256(b"csv").hexdigest(),
            )
            session.add(batch)
            session.flush()
            return batch.id

    outcomes = _race(db_url, 3, submit)
    created = [o for o in outcomes if isinstance(o, str)]
    refused = [o for o in outcomes if isinstance(o, BaseException)]
    assert len(created) == 1
    assert len(refused) == 2
    assert all(isinstance(e, sa.exc.IntegrityError) and is_unique_violation(e) for e in refused)
    with session_scope(db_engine, write=False) as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(IssuanceBatch)) == 1


def test_an_api_idempotency_key_is_recorded_once_per_scope(db_engine: Engine) -> None:
    def record(scope: str) -> IdempotencyRecord:
        return IdempotencyRecord(scope=scope, key="k-1", request_sha256="a" * 64, expires_at=NOW)

    with session_scope(db_engine) as session:
        session.add_all([record("org:1"), record("org:2")])
    with pytest.raises(sa.exc.IntegrityError) as raised, session_scope(db_engine) as session:
        session.add(record("org:1"))
    assert is_unique_violation(raised.value)


def test_tokens_are_long_random_and_stored_only_as_hashes() -> None:
    token = new_token()
    assert len(token) >= 32  # 24 random bytes in base64url
    assert new_token() != token
    assert hash_token(token) == hashlib.sha256(token.encode()).hexdigest()
    with pytest.raises(ValueError, match="128"):
        new_token(8)


def test_short_codes_are_hashed_with_a_secret_pepper() -> None:
    code = "K7P-2QX"
    peppered = hash_token(code, pepper=b"server secret")
    assert peppered != hash_token(code)
    assert peppered == hash_token(code, pepper=b"server secret")
    assert peppered != hash_token(code, pepper=b"another secret")
