"""Single-credential operations in their own transaction: what the CLI and the API call.

``issue`` returns only after the commit of the signed text, the row and the status indexes
(reliability-ux.md D4): if the commit fails, the caller gets the exception, never the badge.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import exc as sa_exc
from sqlmodel import Session, select

from issuer.audit import audit
from issuer.context import IssuerContext, IssuerError
from issuer.issuance import Issued, IssueSpec, Signer, issue_in_session
from issuer.keyring import current_key_row, signing_key
from issuer.status import publish_pending
from storage.engine import session_scope
from storage.errors import is_unique_violation
from storage.tables import Achievement, Credential, IdempotencyRecord, Organisation

__all__ = ["get_credential", "issue", "issue_idempotent", "load_signer"]


def load_signer(
    ctx: IssuerContext, session: Session, achievement_id: str
) -> tuple[Signer, Achievement]:
    achievement = session.get(Achievement, achievement_id)
    if achievement is None:
        raise IssuerError(
            f"badge type « {achievement_id} » inconnu", code="achievement_not_found", status=404
        )
    if achievement.archived_at is not None:
        raise IssuerError("ce badge type est archivé", code="achievement_archived", status=409)
    org = session.get(Organisation, achievement.organisation_id)
    assert org is not None
    key_row = current_key_row(session, org)
    return Signer(org, key_row, signing_key(ctx, key_row)), achievement


def issue(
    ctx: IssuerContext, achievement_id: str, spec: IssueSpec, *, actor: str | None = None
) -> Issued:
    """Issue one credential in one transaction (see the module docstring)."""
    with session_scope(ctx.engine) as session:
        signer, achievement = load_signer(ctx, session, achievement_id)
        issued = issue_in_session(ctx, session, signer=signer, achievement=achievement, spec=spec)
        audit(ctx, session, "credential.issue", "credential", issued.row_id, actor=actor)
    if issued.opened_status_list:
        publish_pending(ctx)
    return issued


def get_credential(ctx: IssuerContext, ref: str) -> Credential:
    """By row id, exact ``credential_id``, or public URL (newest version of a lineage)."""
    with session_scope(ctx.engine, write=False) as session:
        row = session.get(Credential, ref)
        if row is None:
            row = session.exec(select(Credential).where(Credential.credential_id == ref)).first()
            row_id = ctx.urls.row_id_of_credential(ref)
            if row is None and row_id is not None:
                row = session.get(Credential, row_id.split("?", 1)[0])
        if row is None:
            raise IssuerError(f"badge « {ref} » inconnu", code="credential_not_found", status=404)
        while row.replaced_by_id is not None and ref == row.credential_id.split("?")[0]:
            newer = session.get(Credential, row.replaced_by_id)
            if newer is None:
                break
            row = newer
        return row


def issue_idempotent(
    ctx: IssuerContext,
    achievement_id: str,
    spec: IssueSpec,
    *,
    key: str,
    request_sha256: str,
    ttl: timedelta = timedelta(hours=24),
    actor: str | None = None,
) -> tuple[dict[str, Any], bool]:
    """Issue once per ``Idempotency-Key`` (IETF httpapi idempotency-key draft; D2).

    The key's record and the credential commit in the same transaction, so a retry after a
    crash either finds nothing (and issues) or finds the completed record and gets the same
    answer back. Returns ``(response body, replayed)``. The same key with another request is
    refused (422 ``idempotency_key_reused``); a concurrent twin still running gives 409.
    """
    now = ctx.now()
    with session_scope(ctx.engine) as session:
        achievement = session.get(Achievement, achievement_id)
        scope = f"org:{achievement.organisation_id}" if achievement else "org:?"
        existing = session.exec(
            select(IdempotencyRecord)
            .where(IdempotencyRecord.scope == scope)
            .where(IdempotencyRecord.key == key)
        ).first()
        if existing is not None:
            return _replay(existing, request_sha256), True
        record = IdempotencyRecord(
            scope=scope, key=key, request_sha256=request_sha256, expires_at=now + ttl
        )
        try:
            with session.begin_nested():
                session.add(record)
        except sa_exc.IntegrityError as error:
            if not is_unique_violation(error):
                raise
            raise IssuerError(
                "une demande avec cette clé est en cours",
                code="idempotency_in_progress",
                status=409,
            ) from error
        signer, achievement_row = load_signer(ctx, session, achievement_id)
        issued = issue_in_session(
            ctx, session, signer=signer, achievement=achievement_row, spec=spec
        )
        body = issued.to_json()
        audit(ctx, session, "credential.issue", "credential", issued.row_id, actor=actor)
        record.completed_at = now
        record.response_status = 201
        record.response_body = body
        session.add(record)
    if issued.opened_status_list:
        publish_pending(ctx)
    return body, False


def _replay(record: IdempotencyRecord, request_sha256: str) -> dict[str, Any]:
    if record.request_sha256 != request_sha256:
        raise IssuerError(
            "cette clé d'idempotence a déjà servi pour une autre demande",
            code="idempotency_key_reused",
            status=422,
        )
    if record.completed_at is None or record.response_body is None:
        raise IssuerError(
            "une demande avec cette clé est en cours", code="idempotency_in_progress", status=409
        )
    return dict(record.response_body)
