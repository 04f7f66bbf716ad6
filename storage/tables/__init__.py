"""Every table of atouts, by concept (importing this package registers them all in
:data:`metadata`, which Alembic and ``create_all`` use).

- ``accounts``: users, organisations, members, issuer_keys, api_tokens, login_tokens,
  web_sessions
- ``catalogue``: referentials, achievements, endorsements
- ``issuing``: credentials, credential_recipients, status_lists, status_allocations, claims,
  issuance_batches, issuance_batch_rows
- ``wallets``: wallets, wallet_items, shares, share_items, share_accesses, consents,
  wallet_competences, credential_offers
- ``jobs``: jobs, job_requirements, matching_optins
- ``system``: outbox_messages, audit_events, idempotency_records, rate_limit_buckets
"""

from storage.tables.accounts import (
    ApiToken,
    IssuerKey,
    LoginPurpose,
    LoginToken,
    Member,
    MemberRole,
    Organisation,
    User,
    WebSession,
)
from storage.tables.base import metadata, new_id, utcnow
from storage.tables.catalogue import (
    Achievement,
    DocumentFormat,
    Endorsement,
    Referential,
    ReferentialStatus,
)
from storage.tables.issuing import (
    MIN_STATUS_LIST_LENGTH,
    BatchRowState,
    BatchState,
    Claim,
    Credential,
    CredentialFormat,
    CredentialRecipient,
    CredentialState,
    IssuanceBatch,
    IssuanceBatchRow,
    RecipientKind,
    StatusAllocation,
    StatusList,
    StatusPurpose,
)
from storage.tables.jobs import Job, JobKind, JobRequirement, JobStatus, MatchingOptIn
from storage.tables.system import (
    AuditEvent,
    AuditOutcome,
    IdempotencyRecord,
    OutboxChannel,
    OutboxMessage,
    RateLimitBucket,
)
from storage.tables.wallets import (
    Consent,
    ConsentScope,
    CredentialOffer,
    Share,
    ShareAccess,
    ShareAccessKind,
    ShareAudience,
    ShareItem,
    Wallet,
    WalletCompetence,
    WalletItem,
    WalletItemSource,
)

__all__ = [
    "MIN_STATUS_LIST_LENGTH",
    "Achievement",
    "ApiToken",
    "AuditEvent",
    "AuditOutcome",
    "BatchRowState",
    "BatchState",
    "Claim",
    "Consent",
    "ConsentScope",
    "Credential",
    "CredentialFormat",
    "CredentialOffer",
    "CredentialRecipient",
    "CredentialState",
    "DocumentFormat",
    "Endorsement",
    "IdempotencyRecord",
    "IssuanceBatch",
    "IssuanceBatchRow",
    "IssuerKey",
    "Job",
    "JobKind",
    "JobRequirement",
    "JobStatus",
    "LoginPurpose",
    "LoginToken",
    "MatchingOptIn",
    "Member",
    "MemberRole",
    "Organisation",
    "OutboxChannel",
    "OutboxMessage",
    "RateLimitBucket",
    "RecipientKind",
    "Referential",
    "ReferentialStatus",
    "Share",
    "ShareAccess",
    "ShareAccessKind",
    "ShareAudience",
    "ShareItem",
    "StatusAllocation",
    "StatusList",
    "StatusPurpose",
    "User",
    "Wallet",
    "WalletCompetence",
    "WalletItem",
    "WalletItemSource",
    "WebSession",
    "metadata",
    "new_id",
    "utcnow",
]

# The write rules (published referentials, signed bytes, audit log) apply wherever tables are used.
import storage.guards  # noqa: F401  (registers the ORM listener)
