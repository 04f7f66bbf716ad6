"""The transactional outbox and the audit log.

Outbox (issue 6, reliability-ux.md D4): a message (magic link, claim notice) is written in the
same transaction as what it announces; a sender delivers it afterwards and marks it sent. A
crash between the two sends it late, never never-or-twice-silently.

Audit log (reliability-ux.md A7): who did what to which object and with which outcome, in UTC,
with pseudonymous actor ids and **no personal data** in any column. :mod:`storage.guards` refuses
updates and deletes of audit rows through the ORM.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from storage.tables.base import (
    HASH_LENGTH,
    URL_LENGTH,
    at_field,
    created_field,
    json_field,
    text_field,
    when_field,
)
from storage.types import BigIntId, EnumText


class OutboxChannel(StrEnum):
    EMAIL = "email"
    SMS = "sms"


class AuditOutcome(StrEnum):
    SUCCESS = "success"
    FAILURE = "failure"
    DENIED = "denied"


class OutboxMessage(SQLModel, table=True):
    """A message to deliver. ``dedupe_key`` (e.g. ``claim:<id>``) keeps a retried operation from
    queueing it twice; ``recipient`` is personal data and is blanked once sent."""

    __tablename__ = "outbox_messages"
    __table_args__ = (sa.Index("ix_outbox_messages_pending", "sent_at", "available_at"),)

    id: int | None = Field(default=None, primary_key=True, sa_type=BigIntId)
    channel: OutboxChannel = Field(sa_type=EnumText(OutboxChannel, 16), nullable=False)
    recipient: str | None = text_field(nullable=True)
    subject: str = Field(default="", max_length=300)
    body: str = text_field()
    payload: dict[str, Any] = json_field()
    dedupe_key: str | None = Field(default=None, max_length=200, unique=True, nullable=True)
    created_at: datetime = created_field()
    available_at: datetime = at_field()
    sent_at: datetime | None = when_field()
    attempts: int = Field(default=0)
    last_error: str | None = text_field(nullable=True)


class AuditEvent(SQLModel, table=True):
    """One audited action (append-only)."""

    __tablename__ = "audit_events"
    __table_args__ = (sa.Index("ix_audit_events_object", "object_type", "object_id"),)

    id: int | None = Field(default=None, primary_key=True, sa_type=BigIntId)
    occurred_at: datetime = at_field(index=True)
    actor: str | None = Field(default=None, max_length=100, nullable=True)
    action: str = Field(max_length=100)
    object_type: str = Field(max_length=50)
    object_id: str | None = Field(default=None, max_length=URL_LENGTH, nullable=True)
    outcome: AuditOutcome = Field(sa_type=EnumText(AuditOutcome, 16), nullable=False)
    request_id: str | None = Field(default=None, max_length=100, nullable=True)
    details: dict[str, Any] = json_field()


class IdempotencyRecord(SQLModel, table=True):
    """An ``Idempotency-Key`` seen by the API (IETF httpapi idempotency-key draft).

    ``(scope, key)`` is unique, so two parallel requests with one key cannot both start: the
    loser sees the row (409 while ``completed_at`` is null). ``request_sha256`` refuses the same
    key with another payload (422); a completed record replays ``response_status`` and
    ``response_body``. ``scope`` is who the key belongs to (e.g. ``org:<id>``).
    """

    __tablename__ = "idempotency_records"
    __table_args__ = (sa.UniqueConstraint("scope", "key"),)

    id: int | None = Field(default=None, primary_key=True, sa_type=BigIntId)
    scope: str = Field(max_length=100)
    key: str = Field(max_length=200)
    request_sha256: str = Field(max_length=HASH_LENGTH)
    created_at: datetime = created_field()
    completed_at: datetime | None = when_field()
    response_status: int | None = Field(default=None, nullable=True)
    response_body: dict[str, Any] | None = json_field(nullable=True)
    expires_at: datetime = at_field(index=True)


class RateLimitBucket(SQLModel, table=True):
    """How many requests one client made in one fixed window of one rate-limit bucket.

    Every web worker counts here, so a limit holds for the whole deployment, not per process.
    ``client_key`` is a SHA-256 of the client address (no address is stored); windows are
    aligned on multiples of their length in Unix seconds, so every worker agrees on them, and
    rows whose ``window_end`` has passed are purged.
    """

    __tablename__ = "rate_limit_buckets"

    bucket: str = Field(primary_key=True, max_length=50)
    client_key: str = Field(primary_key=True, max_length=HASH_LENGTH)
    window_start: int = Field(primary_key=True, sa_type=sa.BigInteger)
    window_end: int = Field(sa_type=sa.BigInteger, index=True)
    hits: int = Field(default=0)
