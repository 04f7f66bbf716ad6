"""Claim codes: a badge issued before its holder is known is redeemed once with its code."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import col, select

from issuer.context import IssuerContext, IssuerError
from issuer.recipients import claim_code_hash
from storage.engine import session_scope
from storage.tables import Claim, Credential

__all__ = ["claimed_credential", "redeem_claim"]


def redeem_claim(ctx: IssuerContext, code: str, *, wallet_id: str | None = None) -> Credential:
    """Mark the claim redeemed (once: conditional update) and return its credential."""
    now = ctx.now()
    with session_scope(ctx.engine) as session:
        claim = session.exec(select(Claim).where(Claim.code_hash == claim_code_hash(code))).first()
        if claim is None:
            raise IssuerError("code de réception inconnu", code="claim_unknown", status=404)
        if claim.expires_at is not None and claim.expires_at <= now:
            raise IssuerError("ce code de réception a expiré", code="claim_expired", status=410)
        result = session.execute(
            sa.update(Claim)
            .where(col(Claim.id) == claim.id)
            .where(col(Claim.redeemed_at).is_(None))
            .values(redeemed_at=now, wallet_id=wallet_id)
        )
        if not getattr(result, "rowcount", 0):
            raise IssuerError("ce code a déjà été utilisé", code="claim_already_used", status=409)
        credential = session.get(Credential, claim.credential_id)
        assert credential is not None
        return credential


def claimed_credential(ctx: IssuerContext, code: str) -> Credential:
    """The credential a claim code stands for, without redeeming it (download page)."""
    with session_scope(ctx.engine, write=False) as session:
        claim = session.exec(select(Claim).where(Claim.code_hash == claim_code_hash(code))).first()
        if claim is None or (claim.expires_at is not None and claim.expires_at <= ctx.now()):
            raise IssuerError(
                "code de réception inconnu ou expiré", code="claim_unknown", status=404
            )
        credential = session.get(Credential, claim.credential_id)
        assert credential is not None
        return credential
