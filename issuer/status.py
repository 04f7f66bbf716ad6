"""Revocation and suspension with Bitstring Status Lists (W3C BSL 1.0).

Each organisation has one accepting list per purpose (``revocation``, ``suspension``) of
131,072 entries (BSL §6.1 minimum, for herd privacy). OB 3.0 allows a single
``credentialStatus`` (``CredentialStatus [0..1]``, what ``badges.structure`` enforces), so every
credential gets one random index (``storage.status.allocate_rolling``: unique constraint,
never reused) in the revocation list, or, when issued *suspendable*, in the suspension list —
revoking a suspendable badge then sets its suspension bit for good (ADR 0003).

Rollover: once a list is half full (``IssuerContext.status_fill_limit``), random allocation
would slow down, so it is closed to new allocations and a new list with a new stable URL is
opened for that organisation and purpose, in the transaction of the allocation that noticed
it (:func:`allocate_entries`). Closed lists keep being published: their badges still point
to them.

Publication: the signed ``BitstringStatusListCredential`` (BSL §2.2) lives at the list's stable
URL, stored in ``status_lists.published_text``. A change of a bit bumps the list's ``version`` in
the same transaction as the credential's state; :func:`publish_pending` then signs and records
every list whose version is newer than what is published. It runs after each change and at
start-up, so a crash between the two is repaired by the next start (reliability-ux.md D6).
Reasons are kept in ``credentials.state_reason`` and never published.

Revocation is final (BSL §2.1: "This status is not reversible"); suspension can be lifted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from badges.proofs.data_integrity import create_proof
from badges.status_list import StatusList as Bitstring
from issuer.audit import audit
from issuer.context import IssuerContext, IssuerError, iso
from issuer.keyring import current_key_row, signing_key
from storage.engine import session_scope
from storage.status import (
    Allocated,
    allocate_rolling,
    lists_to_publish,
    mark_published,
    set_bits,
    set_status_bit,
)
from storage.tables import (
    Credential,
    CredentialState,
    Organisation,
    StatusAllocation,
    StatusList,
    StatusPurpose,
)

__all__ = [
    "StatusChange",
    "active_list",
    "allocate_entries",
    "change_status",
    "ensure_status_lists",
    "publish_pending",
    "status_entries",
]

VC_V2 = "https://www.w3.org/ns/credentials/v2"


def _new_list(ctx: IssuerContext, org_id: str, purpose: StatusPurpose) -> StatusList:
    status_list = StatusList(organisation_id=org_id, purpose=purpose)
    status_list.url = ctx.urls.status_list(status_list.id)
    return status_list


def ensure_status_lists(ctx: IssuerContext, session: Session, org: Organisation) -> None:
    """Create the accepting revocation and suspension lists of ``org`` if missing."""
    for purpose in StatusPurpose:
        if _accepting(session, org.id, purpose) is None:
            session.add(_new_list(ctx, org.id, purpose))
    session.flush()


def _accepting(session: Session, org_id: str, purpose: StatusPurpose) -> StatusList | None:
    return session.exec(
        select(StatusList)
        .where(StatusList.organisation_id == org_id)
        .where(StatusList.purpose == purpose)
        .where(col(StatusList.accepting).is_(True))
        .order_by(col(StatusList.created_at))
    ).first()


def active_list(
    ctx: IssuerContext, session: Session, org: Organisation, purpose: StatusPurpose
) -> StatusList:
    found = _accepting(session, org.id, purpose)
    if found is None:
        ensure_status_lists(ctx, session, org)
        found = _accepting(session, org.id, purpose)
        assert found is not None
    return found


def allocate_entries(
    ctx: IssuerContext,
    session: Session,
    lists: dict[StatusPurpose, StatusList],
    purpose: StatusPurpose,
    count: int,
) -> list[tuple[StatusList, Allocated]]:
    """``count`` random indexes for ``purpose``, in the caller's transaction, rolling over to a
    new list (new stable URL) when the accepting one is half full (ADR 0003,
    ``storage.status.allocate_rolling``). ``lists[purpose]`` is updated to the list to use
    next, so a batch keeps allocating on the new list. A newly opened list is published by
    :func:`publish_pending` after the commit (or by the start-up reconciler after a crash)."""
    current = lists[purpose]
    pairs, lists[purpose] = allocate_rolling(
        session,
        current,
        count,
        open_next=lambda: _new_list(ctx, current.organisation_id, purpose),
        fill_limit=ctx.status_fill_limit,
    )
    return pairs


def status_entries(allocations: list[tuple[StatusList, int]]) -> list[dict[str, Any]]:
    """``BitstringStatusListEntry`` objects (BSL §2.1): index as a base-10 string. OB 3.0 allows
    one ``credentialStatus`` per credential, so the issuer writes exactly one."""
    return [
        {
            "id": f"{status_list.url}#{index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": str(status_list.purpose),
            "statusListIndex": str(index),
            "statusListCredential": str(status_list.url),
        }
        for status_list, index in allocations
    ]


def _sign_list(ctx: IssuerContext, session: Session, status_list: StatusList) -> tuple[str, str]:
    org = session.get(Organisation, status_list.organisation_id)
    assert org is not None
    assert status_list.url is not None
    bits = Bitstring(status_list.length)
    for index in set_bits(session, status_list.id):
        bits.set(index, 1)
    encoded = bits.encode()
    now = ctx.now()
    key_row = current_key_row(session, org)
    document = {
        "@context": [VC_V2],
        "id": status_list.url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": org.issuer_id,
        # No validFrom (optional in VC 2.0): a verifier whose clock lags a little must not take
        # a list republished a second ago for "not yet valid". proof.created says when.
        "credentialSubject": {
            "id": f"{status_list.url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": str(status_list.purpose),
            "encodedList": encoded,
        },
    }
    signed = create_proof(
        document,
        signing_key(ctx, key_row),
        verification_method=key_row.verification_method,
        created=iso(now),
    )
    return encoded, json.dumps(signed, ensure_ascii=False, separators=(",", ":"))


def publish_pending(ctx: IssuerContext) -> int:
    """Sign and record every list changed since it was last published; returns how many.

    Each list is published in its own transaction, conditional on its version (a slower
    publisher of an older version never overwrites a newer one)."""
    with session_scope(ctx.engine, write=False) as session:
        pending = [(s.id, s.version) for s in lists_to_publish(session)]
    published = 0
    for list_id, version in pending:
        with session_scope(ctx.engine) as session:
            status_list = session.get(StatusList, list_id)
            if status_list is None or status_list.published_version >= status_list.version:
                continue
            version = status_list.version
            encoded, text = _sign_list(ctx, session, status_list)
            if mark_published(
                session,
                list_id,
                version=version,
                encoded_list=encoded,
                published_text=text,
                when=ctx.now(),
            ):
                published += 1
    return published


@dataclass(frozen=True, slots=True)
class StatusChange:
    credential_id: str
    state: CredentialState
    changed: bool


def _find_credential(ctx: IssuerContext, session: Session, ref: str) -> Credential:
    credential = session.get(Credential, ref)
    if credential is None:
        credential = session.exec(select(Credential).where(Credential.credential_id == ref)).first()
    if credential is None:
        raise IssuerError(f"badge « {ref} » inconnu", code="credential_not_found", status=404)
    # A credential id names its lineage (re-issue keeps the id): act on the newest version.
    while credential.replaced_by_id is not None and ref == credential.credential_id:
        newer = session.get(Credential, credential.replaced_by_id)
        if newer is None:
            break
        credential = newer
    return credential


def change_status(
    ctx: IssuerContext,
    ref: str,
    *,
    action: str,
    reason: str | None = None,
    publish: bool = True,
    actor: str | None = None,
) -> StatusChange:
    """``action`` is ``revoke``, ``suspend`` or ``reinstate``. The bit, the credential's state and
    the private reason change in one transaction; the list is then republished."""
    if action not in ("revoke", "suspend", "reinstate"):
        raise IssuerError(f"action inconnue : {action}", code="unknown_action", status=400)
    now = ctx.now()
    with session_scope(ctx.engine) as session:
        credential = _find_credential(ctx, session, ref)
        if credential.state == CredentialState.REVOKED and action != "revoke":
            raise IssuerError(
                "ce badge est révoqué : la révocation est définitive. Délivrez-en un nouveau.",
                code="revocation_final",
                status=409,
            )
        rows = session.exec(
            select(StatusAllocation, StatusList)
            .join(StatusList, col(StatusList.id) == StatusAllocation.status_list_id)
            .where(StatusAllocation.credential_id == credential.id)
        ).all()
        by_purpose = {status_list.purpose: allocation for allocation, status_list in rows}
        changed = False
        if action == "revoke":
            target = CredentialState.REVOKED
            # A suspendable badge has only a suspension entry (one credentialStatus in OB 3.0):
            # revoking it sets that bit for good.
            purpose = (
                StatusPurpose.REVOCATION
                if StatusPurpose.REVOCATION in by_purpose
                else StatusPurpose.SUSPENSION
            )
            changed |= _set(session, by_purpose, purpose, True, now)
        elif action == "suspend":
            target = CredentialState.SUSPENDED
            changed |= _set(session, by_purpose, StatusPurpose.SUSPENSION, True, now)
        else:
            target = CredentialState.ACTIVE
            changed |= _set(session, by_purpose, StatusPurpose.SUSPENSION, False, now)
        if credential.state != target:
            credential.state = target
            credential.state_changed_at = now
            changed = True
        if action != "reinstate" and reason is not None:
            credential.state_reason = reason
        session.add(credential)
        if changed:
            # The reason stays in credentials.state_reason (private): not copied to the log.
            audit(ctx, session, f"credential.{action}", "credential", credential.id, actor=actor)
        result = StatusChange(credential.credential_id, target, changed)
    if publish:
        publish_pending(ctx)
    return result


def _set(
    session: Session,
    by_purpose: dict[StatusPurpose, StatusAllocation],
    purpose: StatusPurpose,
    value: bool,
    now: Any,
) -> bool:
    allocation = by_purpose.get(purpose)
    if allocation is None:
        if purpose == StatusPurpose.SUSPENSION:
            raise IssuerError(
                "ce badge n'a pas été délivré « suspendable » : il peut seulement être révoqué",
                code="not_suspendable",
                status=409,
            )
        raise IssuerError(
            f"ce badge n'a pas d'entrée de statut « {purpose} »", code="no_status_entry", status=409
        )
    return set_status_bit(session, allocation, value, when=now)


def published_list(ctx: IssuerContext, list_id: str) -> str | None:
    """The signed status list text to serve at its URL (``None`` if unknown or unpublished)."""
    with session_scope(ctx.engine, write=False) as session:
        status_list = session.get(StatusList, list_id)
        return None if status_list is None else status_list.published_text
