"""Issuing a group of credentials (bulk issuance's chunk) in three steps.

1. :func:`prepare_group` — in a transaction: draw every status index of the group in one
   ``INSERT ... ON CONFLICT DO NOTHING RETURNING`` (``issuer.status.allocate_entries``, which
   opens a new list when the current one is half full), then build each unsigned credential.
2. signing — in this process (:func:`sign_drafts`) or in worker processes
   (``badges.proofs.bulk.BulkSigner``, see ``issuer.pipeline``).
3. :func:`store_group` — in a transaction: credentials, recipients, claims and the outbox
   messages telling people (``issuer.notify``) with one executemany each, allocations linked
   to their credentials in one update.

When the three steps share one transaction (the default), the signed bytes, the rows and the
status indexes commit together or not at all, exactly as for a single badge. The pipelined mode
commits step 1 on its own so that the next group can be prepared while this one is signed: a
crash between 1 and 3 then leaves reserved indexes that no credential uses — never reused,
never published as set, harmless — and the rows still pending for ``resume``.

A row whose data is refused (unknown level, bad date, a signing error) gets its reason instead
of a credential; it never stops the group.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from badges.problems import BadgeError
from issuer.bulk_sql import insert_many, insert_rows, update_rows
from issuer.context import IssuerContext, IssuerError, iso
from issuer.issuance import IssueSpec, Signer, build_credential
from issuer.notify import badge_message, notice_languages
from issuer.recipients import claim_code_hash, new_claim_code
from issuer.status import allocate_entries, status_entries
from storage.tables import (
    Achievement,
    Claim,
    Credential,
    CredentialRecipient,
    CredentialState,
    OutboxMessage,
    RecipientKind,
    StatusAllocation,
    StatusList,
    StatusPurpose,
    new_id,
)

__all__ = ["Draft", "Outcome", "issue_group", "prepare_group", "sign_drafts", "store_group"]


@dataclass(slots=True)
class Draft:
    """One credential between preparation and storage."""

    spec: IssueSpec
    allocation_id: int
    row_id: str
    url: str
    identity: dict[str, Any]
    valid_from: datetime
    claim_code: str | None
    document: dict[str, Any] | None
    error: IssuerError | None = None
    signed_text: str | None = None
    format: str = "json"


@dataclass(frozen=True, slots=True)
class Outcome:
    """A credential row id (and claim code), or the refusal."""

    row_id: str | None = None
    claim_code: str | None = None
    error: IssuerError | None = None


def prepare_group(
    ctx: IssuerContext,
    session: Session,
    *,
    signer: Signer,
    achievement: Achievement,
    specs: Sequence[IssueSpec],
    lists: dict[StatusPurpose, StatusList],
    now: datetime,
) -> list[Draft]:
    purposes = [
        StatusPurpose.SUSPENSION if s.suspendable else StatusPurpose.REVOCATION for s in specs
    ]
    indexes: dict[StatusPurpose, list[Any]] = {}
    for purpose in set(purposes):
        indexes[purpose] = allocate_entries(ctx, session, lists, purpose, purposes.count(purpose))
    drafts: list[Draft] = []
    for spec, purpose in zip(specs, purposes, strict=True):
        status_list, allocated = indexes[purpose].pop()
        row_id = new_id()
        url = ctx.urls.credential(row_id)
        claim_code = new_claim_code() if spec.recipient.kind == RecipientKind.NONE else None
        draft = Draft(
            spec=spec,
            allocation_id=allocated.id,
            row_id=row_id,
            url=url,
            identity=spec.recipient.identity(claim_code),
            valid_from=spec.valid_from or now,
            claim_code=claim_code,
            document=None,
        )
        try:
            draft.document = build_credential(
                credential_url=url,
                org=signer.org,
                achievement=achievement.achievement,
                identity=draft.identity,
                spec=spec,
                valid_from=draft.valid_from,
                status=status_entries([(status_list, allocated.status_index)])[0],
            )
        except IssuerError as exc:
            draft.error = exc
        drafts.append(draft)
    return drafts


def sign_drafts(signer: Signer, drafts: Sequence[Draft], created: str) -> None:
    """Sign in this process (any suite, VC-JWT included)."""
    for draft in drafts:
        if draft.error is not None or draft.document is None:
            continue
        try:
            draft.signed_text, draft.format = signer.sign(draft.document, draft.spec.suite, created)
        except IssuerError as exc:
            draft.error = exc
        except BadgeError as exc:
            draft.error = IssuerError(str(exc), code=exc.code)


def set_signed(
    draft: Draft, signed: dict[str, Any] | None, code: str | None, message: str | None
) -> None:
    """Record a worker's result (``badges.proofs.bulk.BulkOutcome``) on a draft."""
    if signed is None:
        draft.error = IssuerError(message or "signature impossible", code=code or "signing_failed")
    else:
        draft.signed_text = json.dumps(signed, ensure_ascii=False, separators=(",", ":"))
        draft.format = "json"


def store_group(
    ctx: IssuerContext,
    session: Session,
    *,
    signer: Signer,
    achievement: Achievement,
    drafts: Sequence[Draft],
    now: datetime,
) -> list[Outcome]:
    """Insert the signed drafts; outcomes in input order."""
    lookup_key = ctx.custody.derived_key("recipient-lookup")
    # Rows are built as tuples in the column order below (``bulk_sql.insert_rows``): no dict
    # per row and table (bench.issuance).
    credentials: list[tuple[Any, ...]] = []
    recipients: list[tuple[Any, ...]] = []
    claims: list[tuple[Any, ...]] = []
    messages: list[dict[str, Any]] = []
    links: list[tuple[Any, ...]] = []
    outcomes: list[Outcome] = []
    badge_name = str(achievement.achievement.get("name", achievement.name))
    issuer_name = str(signer.org.profile.get("name", signer.org.name))
    org_id, key_id, achievement_id = signer.org.id, signer.key_row.id, achievement.id
    sha256 = hashlib.sha256
    # One query for the whole chunk (none without notice texts): the language each recipient
    # chose on their account, so the badge notice is written in it.
    languages = notice_languages(
        ctx,
        session,
        [d.spec.recipient for d in drafts if d.error is None and d.signed_text is not None],
    )
    for draft in drafts:
        text = draft.signed_text
        if draft.error is not None or text is None:
            # The index drawn for a refused row stays reserved: never reused (BSL §6).
            outcomes.append(Outcome(error=draft.error or IssuerError("non signé")))
            continue
        spec = draft.spec
        recipient = spec.recipient
        row_id = draft.row_id
        credentials.append(
            (
                row_id,
                draft.url,
                org_id,
                key_id,
                achievement_id,
                draft.format,
                spec.suite,
                text,
                sha256(text.encode()).hexdigest(),
                str(draft.identity["identityHash"]),
                now,
                draft.valid_from,
                spec.valid_until,
                CredentialState.ACTIVE,
                spec.created_by_user_id,
            )
        )
        recipients.append(
            (
                row_id,
                recipient.kind,
                recipient.value,
                recipient.name,
                recipient.lookup_hmac(lookup_key),
                now,
            )
        )
        if draft.claim_code is not None:
            claims.append((new_id(), claim_code_hash(draft.claim_code), row_id, now))
        message = badge_message(
            ctx,
            recipient=recipient,
            row_id=row_id,
            credential_url=draft.url,
            badge_name=badge_name,
            issuer_name=issuer_name,
            now=now,
            language=languages.get(recipient),
        )
        if message is not None:
            messages.append(message)
        links.append((row_id, draft.allocation_id))
        outcomes.append(Outcome(row_id=row_id, claim_code=draft.claim_code))
    insert_rows(session, Credential.__table__, _CREDENTIAL_COLUMNS, credentials)  # type: ignore[attr-defined]
    insert_rows(session, CredentialRecipient.__table__, _RECIPIENT_COLUMNS, recipients)  # type: ignore[attr-defined]
    insert_rows(session, Claim.__table__, _CLAIM_COLUMNS, claims)  # type: ignore[attr-defined]
    insert_many(session, OutboxMessage.__table__, messages)  # type: ignore[attr-defined]
    # In credential id order, SQLite adds to the unique (credential, list) index page by page
    # instead of at random (≈ 1.5 µs a row less, bench.issuance); each row is set by its key,
    # so the order changes nothing stored.
    links.sort()
    update_rows(session, StatusAllocation.__table__, ("credential_id",), links)  # type: ignore[attr-defined]
    return outcomes


_CREDENTIAL_COLUMNS = (
    "id",
    "credential_id",
    "organisation_id",
    "issuer_key_id",
    "achievement_id",
    "format",
    "proof_suite",
    "signed_text",
    "content_sha256",
    "recipient_identity_hash",
    "issued_at",
    "valid_from",
    "valid_until",
    "state",
    "created_by_user_id",
)
_RECIPIENT_COLUMNS = (
    "credential_id",
    "kind",
    "contact",
    "display_name",
    "lookup_hmac",
    "created_at",
)
_CLAIM_COLUMNS = ("id", "code_hash", "credential_id", "created_at")


def issue_group(
    ctx: IssuerContext,
    session: Session,
    *,
    signer: Signer,
    achievement: Achievement,
    specs: Sequence[IssueSpec],
    lists: dict[StatusPurpose, StatusList],
    now: datetime,
) -> list[Outcome]:
    """All three steps in ``session``'s transaction; outcomes in input order."""
    drafts = prepare_group(
        ctx, session, signer=signer, achievement=achievement, specs=specs, lists=lists, now=now
    )
    sign_drafts(signer, drafts, iso(now))
    return store_group(ctx, session, signer=signer, achievement=achievement, drafts=drafts, now=now)
