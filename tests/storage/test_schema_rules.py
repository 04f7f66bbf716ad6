"""Rules the schema and the ORM guards enforce: uniqueness that makes idempotency and OB
equality work, cascades that make erasure and withdrawal complete, and records that never change."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from storage.engine import session_scope
from storage.errors import ImmutableRecordError, is_unique_violation
from storage.tables import (
    AuditEvent,
    AuditOutcome,
    BatchRowState,
    Consent,
    ConsentScope,
    Credential,
    CredentialFormat,
    DocumentFormat,
    IssuanceBatch,
    IssuanceBatchRow,
    MatchingOptIn,
    Organisation,
    Referential,
    ReferentialStatus,
    Share,
    ShareAccess,
    ShareAudience,
    ShareItem,
    Wallet,
    WalletItem,
    WalletItemSource,
)

NOW = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)


def _count(engine: Engine, table: type) -> int:
    with session_scope(engine, write=False) as session:
        return int(session.scalar(sa.select(sa.func.count()).select_from(table)) or 0)


def _unique_violation(engine: Engine, *rows: object) -> bool:
    try:
        with session_scope(engine) as session:
            session.add_all(rows)
    except sa.exc.IntegrityError as error:
        return is_unique_violation(error)
    return False


def _referential(**overrides: object) -> Referential:
    values: dict[str, object] = {
        "slug": "attitude-pro",
        "version": "2",
        "title": "Attitude Pro",
        "document_format": DocumentFormat.YAML,
        "document": "slug: attitude-pro\n",
        "document_sha256": hashlib.sha256(b"slug: attitude-pro\n").hexdigest(),
    }
    values.update(overrides)
    return Referential(**values)


def test_a_referential_version_exists_once(db_engine: Engine) -> None:
    with session_scope(db_engine) as session:
        session.add(_referential())
    assert _unique_violation(db_engine, _referential(title="Copie"))


def test_a_draft_referential_can_change(db_engine: Engine) -> None:
    with session_scope(db_engine) as session:
        referential = _referential()
        session.add(referential)
    with session_scope(db_engine) as session:
        draft = session.get_one(Referential, referential.id)
        draft.title = "Attitude Pro (révisé)"
        draft.status = ReferentialStatus.PUBLISHED
        draft.published_at = NOW
    with session_scope(db_engine, write=False) as session:
        assert session.get_one(Referential, referential.id).title == "Attitude Pro (révisé)"


def test_a_published_referential_cannot_change_or_be_deleted_but_can_be_retired(
    db_engine: Engine,
) -> None:
    with session_scope(db_engine) as session:
        referential = _referential(status=ReferentialStatus.PUBLISHED, published_at=NOW)
        session.add(referential)
    with (
        pytest.raises(ImmutableRecordError, match="nouvelle version"),
        session_scope(db_engine) as session,
    ):
        session.get_one(Referential, referential.id).document = "slug: changed\n"
    with (
        pytest.raises(ImmutableRecordError, match="nouvelle version"),
        session_scope(db_engine) as session,
    ):
        session.get_one(Referential, referential.id).status = ReferentialStatus.DRAFT
    with pytest.raises(ImmutableRecordError, match="supprimé"), session_scope(db_engine) as session:
        session.delete(session.get_one(Referential, referential.id))
    with session_scope(db_engine) as session:
        published = session.get_one(Referential, referential.id)
        published.status = ReferentialStatus.RETIRED
        published.retired_at = NOW
    with session_scope(db_engine, write=False) as session:
        stored = session.get_one(Referential, referential.id)
        assert stored.status is ReferentialStatus.RETIRED
        assert stored.document == "slug: attitude-pro\n"


def test_the_signed_text_of_a_credential_never_changes(
    db_engine: Engine, issuer_setup: dict[str, str]
) -> None:
    with session_scope(db_engine) as session:
        credential = Credential(
            credential_id="urn:uuid:1",
            organisation_id=issuer_setup["organisation"],
            issuer_key_id=issuer_setup["key"],
            achievement_id=issuer_setup["achievement"],
            format=CredentialFormat.JWT,
            proof_suite="vc-jwt-eddsa",
            signed_text="eyJhbGciOiJFZERTQSJ9.e30.sig",
            content_sha256="0" * 64,
            issued_at=NOW,
            valid_from=NOW,
        )
        session.add(credential)
    with (
        pytest.raises(ImmutableRecordError, match="signed_text"),
        session_scope(db_engine) as session,
    ):
        session.get_one(Credential, credential.id).signed_text = "eyJhbGciOiJub25lIn0.e30."
    # Its state, on the other hand, is what revocation changes.
    with session_scope(db_engine) as session:
        stored = session.get_one(Credential, credential.id)
        stored.state_reason = "Erreur de saisie"
        stored.state_changed_at = NOW


def test_the_audit_log_is_append_only(db_engine: Engine) -> None:
    with session_scope(db_engine) as session:
        event = AuditEvent(
            occurred_at=NOW,
            action="credential.revoke",
            object_type="credential",
            outcome=AuditOutcome.SUCCESS,
        )
        session.add(event)
    with pytest.raises(ImmutableRecordError), session_scope(db_engine) as session:
        session.get_one(AuditEvent, event.id).outcome = AuditOutcome.FAILURE
    with pytest.raises(ImmutableRecordError), session_scope(db_engine) as session:
        session.delete(session.get_one(AuditEvent, event.id))
    assert _count(db_engine, AuditEvent) == 1


def test_a_batch_idempotency_key_and_a_row_key_are_used_once(
    db_engine: Engine, issuer_setup: dict[str, str]
) -> None:
    def batch() -> IssuanceBatch:
        return IssuanceBatch(
            organisation_id=issuer_setup["organisation"],
            achievement_id=issuer_setup["achievement"],
            idempotency_key="session-2026-01",
            input_sha256="a" * 64,
        )

    first = batch()
    with session_scope(db_engine) as session:
        session.add(first)
        session.flush()
        session.add(
            IssuanceBatchRow(batch_id=first.id, row_number=2, row_key="r-1", row_sha256="b" * 64)
        )
    assert _unique_violation(db_engine, batch())
    assert _unique_violation(
        db_engine,
        IssuanceBatchRow(batch_id=first.id, row_number=3, row_key="r-1", row_sha256="c" * 64),
    )
    with session_scope(db_engine, write=False) as session:
        row = session.scalars(sa.select(IssuanceBatchRow)).one()
        assert row.state is BatchRowState.PENDING


def _wallet_with_a_shared_item(engine: Engine) -> tuple[str, str]:
    with session_scope(engine) as session:
        wallet = Wallet(display_name="Awa")
        session.add(wallet)
        session.flush()
        item = WalletItem(
            wallet_id=wallet.id,
            original_bytes=b"\x89PNG\r\n\x1a\n\x00baked",
            media_type="image/png",
            content_sha256="d" * 64,
            issuer_id="https://atelier.example/issuer",
            credential_id="urn:uuid:42",
            verdict="verified",
            verification_report={"verdict": "verified", "checks": []},
            verified_at=NOW,
            source=WalletItemSource.IMPORT,
        )
        share = Share(
            wallet_id=wallet.id,
            token_hash="e" * 64,
            audience=ShareAudience.NAMED,
            audience_name="Boulangerie Martin",
            expires_at=NOW + timedelta(days=30),
        )
        session.add_all([item, share])
        session.flush()
        session.add_all(
            [
                ShareItem(share_id=share.id, wallet_item_id=item.id),
                ShareAccess(share_id=share.id, accessed_at=NOW),
                Consent(
                    wallet_id=wallet.id,
                    scope=ConsentScope.CUSTODY,
                    wording="J'accepte.",
                    recorded_at=NOW,
                ),
                MatchingOptIn(wallet_id=wallet.id, disclosure={"first_name": True}),
            ]
        )
        return wallet.id, share.id


def test_the_same_credential_is_kept_once_per_wallet(db_engine: Engine) -> None:
    wallet_id, _ = _wallet_with_a_shared_item(db_engine)
    duplicate = WalletItem(
        wallet_id=wallet_id,
        original_bytes=b"{}",
        media_type="application/vc+ld+json",
        content_sha256="f" * 64,
        issuer_id="https://atelier.example/issuer",
        credential_id="urn:uuid:42",
        verdict="verified",
        verification_report={},
        verified_at=NOW,
        source=WalletItemSource.IMPORT,
    )
    assert _unique_violation(db_engine, duplicate)


def test_withdrawing_a_share_deletes_it_and_its_access_log(db_engine: Engine) -> None:
    _, share_id = _wallet_with_a_shared_item(db_engine)
    with session_scope(db_engine) as session:
        session.execute(sa.delete(Share).where(Share.id == share_id))  # type: ignore[arg-type]
    assert _count(db_engine, Share) == 0
    assert _count(db_engine, ShareItem) == 0
    assert _count(db_engine, ShareAccess) == 0
    assert _count(db_engine, WalletItem) == 1  # the badge stays in the wallet


def test_erasing_a_wallet_removes_everything_personal_in_it(db_engine: Engine) -> None:
    wallet_id, _ = _wallet_with_a_shared_item(db_engine)
    with session_scope(db_engine) as session:
        session.execute(sa.delete(Wallet).where(Wallet.id == wallet_id))  # type: ignore[arg-type]
    for table in (Wallet, WalletItem, Share, ShareItem, ShareAccess, Consent, MatchingOptIn):
        assert _count(db_engine, table) == 0, table.__name__


def test_wallet_items_keep_the_exact_bytes_received(db_engine: Engine) -> None:
    wallet_id, _ = _wallet_with_a_shared_item(db_engine)
    with session_scope(db_engine, write=False) as session:
        item = session.scalars(sa.select(WalletItem).where(WalletItem.wallet_id == wallet_id)).one()  # type: ignore[arg-type]
        assert item.original_bytes == b"\x89PNG\r\n\x1a\n\x00baked"
        assert item.verification_report == {"verdict": "verified", "checks": []}


def test_an_organisation_that_issued_cannot_be_deleted(
    db_engine: Engine, issuer_setup: dict[str, str]
) -> None:
    with pytest.raises(sa.exc.IntegrityError), session_scope(db_engine) as session:
        session.execute(
            sa.delete(Organisation).where(Organisation.id == issuer_setup["organisation"])  # type: ignore[arg-type]
        )
    assert _count(db_engine, Organisation) == 1
