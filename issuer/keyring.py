"""The organisation's current signing key, opened from custody only when it signs."""

from __future__ import annotations

from sqlmodel import Session, col, select

from badges.keys import Ed25519KeyPair
from issuer.context import IssuerContext, IssuerError
from storage.tables import IssuerKey, Organisation

__all__ = ["current_key_row", "signing_key"]


def current_key_row(session: Session, org: Organisation) -> IssuerKey:
    """The newest non-retired key with a sealed secret."""
    key = session.exec(
        select(IssuerKey)
        .where(IssuerKey.organisation_id == org.id)
        .where(col(IssuerKey.retired_at).is_(None))
        .where(col(IssuerKey.encrypted_secret).is_not(None))
        .order_by(col(IssuerKey.created_at).desc())
    ).first()
    if key is None:
        raise IssuerError(
            f"l'organisation « {org.slug} » n'a pas de clé de signature active",
            code="no_signing_key",
            status=409,
        )
    return key


def signing_key(ctx: IssuerContext, key_row: IssuerKey) -> Ed25519KeyPair:
    """Open the sealed seed (AES-GCM bound to the verification method)."""
    if key_row.encrypted_secret is None:
        raise IssuerError("cette clé ne sert plus qu'à vérifier", code="no_signing_key", status=409)
    return ctx.custody.open(
        key_row.encrypted_secret, key_row.kek_id, aad=key_row.verification_method
    )
