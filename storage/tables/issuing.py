"""Issued credentials, their private recipient contacts, status lists, claims and batches.

A credential is stored as the **exact signed text** it was handed out as (JSON with an embedded
proof, or a VC-JWT) plus indexed columns copied from it for queries; the columns are never
re-serialised into a credential (DESIGN.md §7). The signed text, the row, its status-list
allocations (and an outbox message announcing it) are written in one transaction.

Privacy (reliability-ux.md A4): the credential carries only a salted hash of the recipient's
identifier. The plain contact needed for delivery lives in ``credential_recipients``, a separate
table that can be erased without touching the issuer's record.
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
    fk_field,
    id_field,
    json_field,
    text_field,
    when_field,
)
from storage.types import BigIntId, EnumText

# Bitstring Status List: at least 131,072 entries so one credential hides among many (BSL §6.1).
MIN_STATUS_LIST_LENGTH = 131_072


class CredentialFormat(StrEnum):
    JSON = "json"  # JSON-LD with an embedded Data Integrity proof
    JWT = "jwt"  # VC-JWT (compact JWS)


class CredentialState(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    REVOKED = "revoked"


class StatusPurpose(StrEnum):
    REVOCATION = "revocation"
    SUSPENSION = "suspension"


class RecipientKind(StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    NATIONAL_ID = "national_id"
    LOCAL_ID = "local_id"
    NONE = "none"  # not known yet: a claim code is handed out instead


class BatchState(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"  # every row is issued or failed


class BatchRowState(StrEnum):
    PENDING = "pending"
    ISSUED = "issued"
    FAILED = "failed"


class Credential(SQLModel, table=True):
    """An issued credential (see the module docstring).

    ``credential_id`` is the credential's own ``id`` (for a JWT, its ``jti``); with the issuer's id
    it is the OB equality key. ``state_reason`` is private: it never leaves the issuer.
    ``replaced_by_id`` points to the re-issued credential that supersedes this one.
    """

    __tablename__ = "credentials"
    __table_args__ = (sa.Index("ix_credentials_org_issued", "organisation_id", "issued_at"),)

    id: str = id_field()
    credential_id: str = Field(max_length=URL_LENGTH, unique=True)
    organisation_id: str = fk_field("organisations.id", ondelete="RESTRICT", index=False)
    issuer_key_id: str = fk_field("issuer_keys.id", ondelete="RESTRICT")
    achievement_id: str = fk_field("achievements.id", ondelete="RESTRICT")
    format: CredentialFormat = Field(sa_type=EnumText(CredentialFormat, 8), nullable=False)
    proof_suite: str = Field(max_length=40)
    signed_text: str = text_field()
    content_sha256: str = Field(max_length=HASH_LENGTH)
    # Not indexed: the hash is salted per credential (OB 3.0 IdentityObject), so no query can
    # look it up; recipients are found by ``credential_recipients.lookup_hmac`` (migration 0004).
    recipient_identity_hash: str | None = Field(default=None, max_length=200, nullable=True)
    issued_at: datetime = at_field()
    valid_from: datetime = at_field()
    valid_until: datetime | None = when_field()
    state: CredentialState = Field(
        default=CredentialState.ACTIVE, sa_type=EnumText(CredentialState, 16), nullable=False
    )
    state_changed_at: datetime | None = when_field()
    state_reason: str | None = text_field(nullable=True)
    replaced_by_id: str | None = fk_field("credentials.id", nullable=True, ondelete="SET NULL")
    created_by_user_id: str | None = fk_field("users.id", nullable=True, ondelete="SET NULL")


class CredentialRecipient(SQLModel, table=True):
    """How to reach the recipient of one credential: private, erasable, never published.

    ``lookup_hmac`` is a keyed HMAC of the normalised identifier (key outside the database), so
    "the badges of this e-mail address" can be found without storing the address in clear in
    every row and without the per-credential salt of the public hash.
    """

    __tablename__ = "credential_recipients"

    credential_id: str = Field(
        primary_key=True,
        foreign_key="credentials.id",
        ondelete="CASCADE",
        max_length=36,
    )
    kind: RecipientKind = Field(sa_type=EnumText(RecipientKind, 16), nullable=False)
    contact: str | None = text_field(nullable=True)
    display_name: str | None = Field(default=None, max_length=200, nullable=True)
    lookup_hmac: str | None = Field(default=None, max_length=HASH_LENGTH, index=True)
    created_at: datetime = created_field()
    delivered_at: datetime | None = when_field()


class StatusList(SQLModel, table=True):
    """A Bitstring Status List of one organisation for one purpose, published at a stable URL.

    ``version`` grows by one at every change of a bit (``UPDATE ... SET version = version + 1``,
    safe under concurrency); ``published_version`` is the version whose signed
    ``BitstringStatusListCredential`` is in ``published_text``. ``version > published_version``
    means "publish me": after each change, and by the start-up reconciler after a crash
    (reliability-ux.md D6). The bits themselves are ``status_allocations.value``; ``encoded_list``
    is the encoding that was last published.
    """

    __tablename__ = "status_lists"
    __table_args__ = (
        sa.Index("ix_status_lists_org_purpose", "organisation_id", "purpose"),
        sa.CheckConstraint(f"length >= {MIN_STATUS_LIST_LENGTH}", name="min_length"),
    )

    id: str = id_field()
    organisation_id: str = fk_field("organisations.id", ondelete="RESTRICT", index=False)
    purpose: StatusPurpose = Field(sa_type=EnumText(StatusPurpose, 16), nullable=False)
    length: int = Field(default=MIN_STATUS_LIST_LENGTH)
    # False once too full for random allocation (count the list's status_allocations; no
    # counter here, as a counter row would serialise every concurrent issuance on the list).
    accepting: bool = Field(default=True)
    version: int = Field(default=1)
    published_version: int = Field(default=0)
    # The URL written into credentials' ``statusListCredential``, kept as issued so that a later
    # change of base URL cannot orphan what was already handed out.
    # A unique index rather than a unique constraint: adding it needs no table rebuild on SQLite.
    url: str | None = Field(
        default=None, max_length=URL_LENGTH, unique=True, index=True, nullable=True
    )
    encoded_list: str | None = text_field(nullable=True)
    published_text: str | None = text_field(nullable=True)
    published_at: datetime | None = when_field()
    created_at: datetime = created_field()


class StatusAllocation(SQLModel, table=True):
    """One index of a status list, given to one credential, never reused.

    The unique ``(status_list_id, status_index)`` is what makes random allocation safe under
    concurrent issuance (reliability-ux.md D5): a collision fails the insert, the issuer draws
    again. ``value`` is the bit (True = revoked, or suspended, per the list's purpose).
    """

    __tablename__ = "status_allocations"
    __table_args__ = (
        sa.UniqueConstraint("status_list_id", "status_index"),
        sa.UniqueConstraint("credential_id", "status_list_id"),
        sa.CheckConstraint("status_index >= 0", name="index_not_negative"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=BigIntId)
    status_list_id: str = fk_field("status_lists.id", ondelete="RESTRICT", index=False)
    status_index: int
    credential_id: str | None = fk_field(
        "credentials.id", nullable=True, ondelete="RESTRICT", index=False
    )
    value: bool = Field(default=False)
    allocated_at: datetime = created_field()
    changed_at: datetime | None = when_field()


class Claim(SQLModel, table=True):
    """A claim code / claim link / printed QR for a credential whose recipient has no wallet yet.

    Only the hash of the code is kept. Redeeming sets ``redeemed_at`` with a conditional update
    (``WHERE redeemed_at IS NULL``) so a code is redeemed once.
    """

    __tablename__ = "claims"

    id: str = id_field()
    code_hash: str = Field(max_length=HASH_LENGTH, unique=True)
    credential_id: str = fk_field("credentials.id", ondelete="CASCADE")
    created_at: datetime = created_field()
    expires_at: datetime | None = when_field()
    redeemed_at: datetime | None = when_field()
    wallet_id: str | None = fk_field("wallets.id", nullable=True, ondelete="SET NULL")


class IssuanceBatch(SQLModel, table=True):
    """A bulk issuance from one CSV/XLSX file.

    ``(organisation_id, idempotency_key)`` is unique: resubmitting returns this batch. A file
    under the same key whose ``input_sha256`` differs is refused (reliability-ux.md D2).
    """

    __tablename__ = "issuance_batches"
    __table_args__ = (sa.UniqueConstraint("organisation_id", "idempotency_key"),)

    id: str = id_field()
    organisation_id: str = fk_field("organisations.id", ondelete="RESTRICT", index=False)
    achievement_id: str = fk_field("achievements.id", ondelete="RESTRICT")
    idempotency_key: str = Field(max_length=200)
    input_sha256: str = Field(max_length=HASH_LENGTH)
    filename: str | None = Field(default=None, max_length=255, nullable=True)
    state: BatchState = Field(
        default=BatchState.PENDING, sa_type=EnumText(BatchState, 16), nullable=False
    )
    total_rows: int = Field(default=0)
    options: dict[str, Any] = json_field()
    created_by_user_id: str | None = fk_field("users.id", nullable=True, ondelete="SET NULL")
    created_at: datetime = created_field()
    started_at: datetime | None = when_field()
    finished_at: datetime | None = when_field()


class IssuanceBatchRow(SQLModel, table=True):
    """One row of a batch, in exactly one state (pending, issued, failed).

    The row moves from pending to issued in the transaction that stores its credential, so a
    crash leaves it pending and ``resume`` issues it once (reliability-ux.md D1). ``data`` (the
    row's cells, personal data) is kept only while it may still be needed to issue the row.
    """

    __tablename__ = "issuance_batch_rows"
    __table_args__ = (
        sa.UniqueConstraint("batch_id", "row_key"),
        sa.UniqueConstraint("batch_id", "row_number"),
        sa.Index("ix_issuance_batch_rows_batch_state", "batch_id", "state"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=BigIntId)
    batch_id: str = fk_field("issuance_batches.id", ondelete="CASCADE", index=False)
    row_number: int
    row_key: str = Field(max_length=200)
    row_sha256: str = Field(max_length=HASH_LENGTH)
    data: dict[str, Any] | None = json_field(nullable=True)
    state: BatchRowState = Field(
        default=BatchRowState.PENDING, sa_type=EnumText(BatchRowState, 16), nullable=False
    )
    error_code: str | None = Field(default=None, max_length=64, nullable=True)
    error_column: str | None = Field(default=None, max_length=100, nullable=True)
    error_message: str | None = text_field(nullable=True)
    credential_id: str | None = Field(
        default=None,
        foreign_key="credentials.id",
        ondelete="RESTRICT",
        nullable=True,
        unique=True,
        max_length=36,
    )
    updated_at: datetime | None = when_field()
