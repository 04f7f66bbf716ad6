"""Forgetting on schedule: what is deleted or blanked once it has served (``atouts db purge``).

Data minimisation (reliability-ux.md A4, GDPR art. 5(1)(e)): opening secrets that expired,
personal data that was only needed to deliver a message or to issue a batch row, idempotency
records past their window. The issuer's record of what it issued (credentials, audit log) is not
touched here. Expired shares are kept for a while on purpose: until they are purged, their link
answers "expired" (410) rather than "unknown" (404), which is what the holder and the employer
should read (issue 6).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from storage.tables import (
    BatchRowState,
    CredentialOffer,
    IdempotencyRecord,
    IssuanceBatch,
    IssuanceBatchRow,
    LoginToken,
    OutboxMessage,
    Share,
    WebSession,
)


@dataclass(frozen=True, slots=True)
class RetentionPolicy:
    """How long each kind of record is kept after it stopped being useful."""

    used_or_expired_tokens: timedelta = timedelta(days=1)
    sent_message_contents: timedelta = timedelta(days=30)
    finished_batch_row_data: timedelta = timedelta(days=30)
    expired_shares: timedelta = timedelta(days=90)


def _count_or_apply(session: Session, statement: Any, *, dry_run: bool) -> int:
    """Run ``statement`` (UPDATE/DELETE), or count the rows it would touch."""
    if dry_run:
        table = statement.table
        counted = sa.select(sa.func.count()).select_from(table).where(statement.whereclause)
        return int(session.scalar(counted) or 0)
    result = session.execute(statement.execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)


def purge(
    session: Session,
    now: datetime,
    *,
    policy: RetentionPolicy | None = None,
    dry_run: bool = False,
) -> dict[str, int]:
    """Delete or blank what the policy says is no longer needed; returns counts per kind.

    Runs in the caller's transaction. ``dry_run`` counts without changing anything.
    """
    policy = policy or RetentionPolicy()
    token_cutoff = now - policy.used_or_expired_tokens
    statements: dict[str, Any] = {
        "login_tokens": sa.delete(LoginToken).where(
            sa.or_(
                col(LoginToken.expires_at) < token_cutoff,
                col(LoginToken.used_at) < token_cutoff,
            )
        ),
        "web_sessions": sa.delete(WebSession).where(
            sa.or_(
                col(WebSession.expires_at) < now,
                col(WebSession.revoked_at) < token_cutoff,
            )
        ),
        "credential_offers": sa.delete(CredentialOffer).where(
            sa.or_(
                col(CredentialOffer.expires_at) < token_cutoff,
                col(CredentialOffer.redeemed_at) < token_cutoff,
            )
        ),
        "idempotency_records": sa.delete(IdempotencyRecord).where(
            col(IdempotencyRecord.expires_at) < now
        ),
        # The row stays (its dedupe key keeps a retried operation from sending twice); who it
        # went to and what it said do not.
        "outbox_contents": sa.update(OutboxMessage)
        .where(col(OutboxMessage.sent_at) < now - policy.sent_message_contents)
        .where(col(OutboxMessage.recipient).is_not(None))
        .values(recipient=None, body="", payload={}),
        "batch_row_data": sa.update(IssuanceBatchRow)
        .where(col(IssuanceBatchRow.state) != BatchRowState.PENDING)
        .where(col(IssuanceBatchRow.data).is_not(None))
        .where(
            col(IssuanceBatchRow.batch_id).in_(
                sa.select(col(IssuanceBatch.id)).where(
                    col(IssuanceBatch.finished_at) < now - policy.finished_batch_row_data
                )
            )
        )
        .values(data=None),
        "expired_shares": sa.delete(Share).where(
            col(Share.expires_at) < now - policy.expired_shares
        ),
    }
    return {
        name: _count_or_apply(session, statement, dry_run=dry_run)
        for name, statement in statements.items()
    }
