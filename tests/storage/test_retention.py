"""What ``atouts db purge`` forgets, and what it must keep."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import col

from cli.main import main
from storage.engine import session_scope
from storage.retention import purge
from storage.tables import (
    AuditEvent,
    AuditOutcome,
    BatchRowState,
    BatchState,
    IssuanceBatch,
    IssuanceBatchRow,
    LoginPurpose,
    LoginToken,
    OutboxChannel,
    OutboxMessage,
    Share,
    ShareAudience,
    User,
    Wallet,
    WebSession,
)
from storage.tokens import hash_token, new_token

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def _count(engine: Engine, table: type) -> int:
    with session_scope(engine, write=False) as session:
        return int(session.scalar(sa.select(sa.func.count()).select_from(table)) or 0)


@pytest.fixture
def aged_rows(db_engine: Engine, issuer_setup: dict[str, str]) -> dict[str, str]:
    """A mix of records, some past their retention and some not."""
    with session_scope(db_engine) as session:
        user = User(display_name="Awa", email="awa@example.org")
        wallet = Wallet(display_name="Awa")
        session.add_all([user, wallet])
        session.flush()

        def login(expires: datetime, used: datetime | None = None) -> LoginToken:
            return LoginToken(
                token_hash=hash_token(new_token()),
                purpose=LoginPurpose.MAGIC_LINK,
                user_id=user.id,
                expires_at=expires,
                used_at=used,
            )

        def share(expires: datetime) -> Share:
            return Share(
                wallet_id=wallet.id,
                token_hash=hash_token(new_token()),
                audience=ShareAudience.ANYONE,
                expires_at=expires,
            )

        session.add_all(
            [
                login(NOW - 3 * DAY),  # expired long ago: goes
                login(NOW + DAY, used=NOW - 2 * DAY),  # used: goes
                login(NOW + DAY),  # still valid: stays
                WebSession(token_hash="s1", user_id=user.id, expires_at=NOW - DAY),  # goes
                WebSession(token_hash="s2", user_id=user.id, expires_at=NOW + DAY),  # stays
                share(NOW - 100 * DAY),  # expired long ago: goes
                share(NOW - 10 * DAY),  # recently expired: stays, its link says "expired"
                OutboxMessage(
                    channel=OutboxChannel.EMAIL,
                    recipient="awa@example.org",
                    subject="Votre badge",
                    body="Bonjour Awa",
                    dedupe_key="claim:1",
                    available_at=NOW - 40 * DAY,
                    sent_at=NOW - 40 * DAY,
                ),
                OutboxMessage(
                    channel=OutboxChannel.EMAIL,
                    recipient="bob@example.org",
                    body="pas encore envoyé",
                    available_at=NOW - 40 * DAY,
                ),
                AuditEvent(
                    occurred_at=NOW - 400 * DAY,
                    action="credential.issue",
                    object_type="credential",
                    outcome=AuditOutcome.SUCCESS,
                ),
            ]
        )
        batch = IssuanceBatch(
            organisation_id=issuer_setup["organisation"],
            achievement_id=issuer_setup["achievement"],
            idempotency_key="old",
            input_sha256="0" * 64,
            state=BatchState.COMPLETED,
            finished_at=NOW - 31 * DAY,
        )
        session.add(batch)
        session.flush()
        session.add_all(
            [
                IssuanceBatchRow(
                    batch_id=batch.id,
                    row_number=n,
                    row_key=str(n),
                    row_sha256="0" * 64,
                    data={"email": f"person{n}@example.org"},
                    state=BatchRowState.FAILED,
                )
                for n in range(2)
            ]
        )
        return {"batch": batch.id}


def test_purge_forgets_what_has_served_and_keeps_the_rest(
    db_engine: Engine, aged_rows: dict[str, str]
) -> None:
    with session_scope(db_engine) as session:
        counts = purge(session, NOW)
    assert counts == {
        "login_tokens": 2,
        "web_sessions": 1,
        "credential_offers": 0,
        "idempotency_records": 0,
        "outbox_contents": 1,
        "batch_row_data": 2,
        "expired_shares": 1,
    }
    assert _count(db_engine, LoginToken) == 1
    assert _count(db_engine, WebSession) == 1
    assert _count(db_engine, Share) == 1
    assert _count(db_engine, AuditEvent) == 1  # the issuer's record is never purged
    with session_scope(db_engine, write=False) as session:
        messages = {m.dedupe_key: m for m in session.scalars(sa.select(OutboxMessage))}
        assert messages["claim:1"].recipient is None  # the row stays for its dedupe key
        assert messages["claim:1"].body == ""
        assert messages[None].recipient == "bob@example.org"  # not sent yet: untouched
        cleared = session.scalars(
            sa.select(IssuanceBatchRow).where(col(IssuanceBatchRow.data).is_(None))
        ).all()
        assert len(cleared) == 2
    with session_scope(db_engine) as session:
        assert set(purge(session, NOW).values()) == {0}  # nothing left to do


def test_a_dry_run_counts_without_changing_anything(
    db_engine: Engine, aged_rows: dict[str, str]
) -> None:
    with session_scope(db_engine) as session:
        counts = purge(session, NOW, dry_run=True)
    assert counts["login_tokens"] == 2
    assert counts["batch_row_data"] == 2
    assert _count(db_engine, LoginToken) == 3
    assert _count(db_engine, Share) == 2


def test_db_purge_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ATOUTS_HOME", str(tmp_path))
    monkeypatch.delenv("ATOUTS_DATABASE_URL", raising=False)
    assert main(["db", "upgrade"]) == 0
    capsys.readouterr()
    assert main(["db", "purge", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "rien n'a été modifié" in out
    assert "liens de connexion" in out
    assert main(["db", "purge"]) == 0
    assert "Effacé" in capsys.readouterr().out
