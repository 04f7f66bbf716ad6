"""Issuing a group of credentials in one transaction (bulk issuance's chunk).

Same rules as :func:`issuer.issuance.issue_in_session` — indexes, signed bytes, rows and the
batch rows' states commit together or not at all — with the database work done in a few
statements per group instead of a few per credential: status indexes drawn in one
``INSERT ... ON CONFLICT DO NOTHING RETURNING`` (``storage.status.allocate_status_indexes``),
credentials, recipients and claims inserted with one executemany each, allocations linked in
one update. A row whose data is refused (unknown level, bad date, a signing error) gets its
reason instead of a credential; it never stops the group.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from badges.problems import BadgeError
from issuer.context import IssuerContext, IssuerError, iso
from issuer.issuance import IssueSpec, Signer, build_credential
from issuer.recipients import claim_code_hash, new_claim_code
from issuer.status import status_entries
from storage.status import allocate_status_indexes, link_allocations
from storage.tables import (
    Achievement,
    Claim,
    Credential,
    CredentialRecipient,
    CredentialState,
    RecipientKind,
    StatusList,
    StatusPurpose,
    new_id,
)

__all__ = ["Outcome", "issue_group"]


@dataclass(frozen=True, slots=True)
class Outcome:
    """A credential row id (and claim code), or the refusal."""

    row_id: str | None = None
    claim_code: str | None = None
    error: IssuerError | None = None


def issue_group(
    ctx: IssuerContext,
    session: Session,
    *,
    signer: Signer,
    achievement: Achievement,
    specs: list[IssueSpec],
    lists: dict[StatusPurpose, StatusList],
    now: datetime,
) -> list[Outcome]:
    """Issue ``specs`` in ``session``'s transaction; outcomes in input order."""
    purposes = [
        StatusPurpose.SUSPENSION if s.suspendable else StatusPurpose.REVOCATION for s in specs
    ]
    indexes: dict[StatusPurpose, list[Any]] = {}
    for purpose in set(purposes):
        count = purposes.count(purpose)
        indexes[purpose] = allocate_status_indexes(session, lists[purpose], count)
    lookup_key = ctx.custody.derived_key("recipient-lookup")
    credentials: list[dict[str, Any]] = []
    recipients: list[dict[str, Any]] = []
    claims: list[dict[str, Any]] = []
    links: list[tuple[int, str]] = []
    unused: list[int] = []
    outcomes: list[Outcome] = []
    created = iso(now)
    for spec, purpose in zip(specs, purposes, strict=True):
        allocated = indexes[purpose].pop()
        row_id = new_id()
        url = ctx.urls.credential(row_id)
        claim_code = new_claim_code() if spec.recipient.kind == RecipientKind.NONE else None
        identity = spec.recipient.identity(claim_code)
        valid_from = spec.valid_from or now
        try:
            document = build_credential(
                credential_url=url,
                org=signer.org,
                achievement=achievement.achievement,
                identity=identity,
                spec=spec,
                valid_from=valid_from,
                status=status_entries([(lists[purpose], allocated.status_index)])[0],
            )
            text, fmt = signer.sign(document, spec.suite, created)
        except IssuerError as exc:
            unused.append(allocated.id)
            outcomes.append(Outcome(error=exc))
            continue
        except BadgeError as exc:
            unused.append(allocated.id)
            outcomes.append(Outcome(error=IssuerError(str(exc), code=exc.code)))
            continue
        credentials.append(
            {
                "id": row_id,
                "credential_id": url,
                "organisation_id": signer.org.id,
                "issuer_key_id": signer.key_row.id,
                "achievement_id": achievement.id,
                "format": fmt,
                "proof_suite": spec.suite,
                "signed_text": text,
                "content_sha256": hashlib.sha256(text.encode()).hexdigest(),
                "recipient_identity_hash": str(identity["identityHash"]),
                "issued_at": now,
                "valid_from": valid_from,
                "valid_until": spec.valid_until,
                "state": CredentialState.ACTIVE,
                "created_by_user_id": spec.created_by_user_id,
            }
        )
        recipients.append(
            {
                "credential_id": row_id,
                "kind": spec.recipient.kind,
                "contact": spec.recipient.value,
                "display_name": spec.recipient.name,
                "lookup_hmac": spec.recipient.lookup_hmac(lookup_key),
                "created_at": now,
            }
        )
        if claim_code is not None:
            claims.append(
                {
                    "id": new_id(),
                    "code_hash": claim_code_hash(claim_code),
                    "credential_id": row_id,
                    "created_at": now,
                }
            )
        links.append((allocated.id, row_id))
        outcomes.append(Outcome(row_id=row_id, claim_code=claim_code))
    for table, rows in (
        (Credential.__table__, credentials),  # type: ignore[attr-defined]
        (CredentialRecipient.__table__, recipients),  # type: ignore[attr-defined]
        (Claim.__table__, claims),  # type: ignore[attr-defined]
    ):
        if rows:
            session.execute(sa.insert(table), rows)
    link_allocations(session, links)
    # An index drawn for a row that was then refused stays reserved (never reused: BSL §6
    # privacy does not need it back, and reuse is what the unique constraint forbids).
    del unused
    return outcomes
