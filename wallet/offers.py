"""Take a badge into another wallet app: OpenID4VCI 1.0, pre-authorized code flow.

The holder asks for an offer of one badge (:func:`create_offer`); the service answers a
credential offer URI (``openid-credential-offer://?credential_offer=…``, OpenID4VCI §4.1) that
the other app reads as a QR code. The app exchanges the pre-authorized code (and the short
``tx_code`` the holder reads on their screen) at the token endpoint (§6, grant type
``urn:ietf:params:oauth:grant-type:pre-authorized_code``) for an access token, then asks the
credential endpoint (§8) for the badge and receives the **exact signed credential** the wallet
holds (``ldp_vc`` for Data Integrity JSON, ``jwt_vc_json`` for a VC-JWT); nothing is re-signed.

Codes and tokens carry 128 random bits, are stored hashed, expire after 10 minutes, and are
single use (conditional updates).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import sqlalchemy as sa
from sqlmodel import select

from storage.engine import session_scope
from storage.tables import CredentialOffer, WalletItem
from wallet.context import WalletContext, WalletError
from wallet.items import get_item
from wallet.payloads import payload_of
from wallet.tokens import new_short_code, new_token, same_hash, token_hash

__all__ = [
    "CONFIGURATIONS",
    "PRE_AUTHORIZED_GRANT",
    "CreatedOffer",
    "OfferError",
    "create_offer",
    "credential_for_token",
    "exchange_code",
    "issuer_metadata",
]

PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
OFFER_LIFETIME = timedelta(minutes=10)
OB_TYPES = ["VerifiableCredential", "OpenBadgeCredential"]
CONFIGURATIONS = {
    "OpenBadgeCredential_ldp_vc": {
        "format": "ldp_vc",
        "credential_signing_alg_values_supported": ["eddsa-rdfc-2022", "eddsa-jcs-2022"],
        "credential_definition": {
            "@context": [
                "https://www.w3.org/ns/credentials/v2",
                "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
            ],
            "type": OB_TYPES,
        },
        "credential_metadata": {
            "display": [
                {"name": "Badge numérique", "locale": "fr-FR"},
                {"name": "Digital badge", "locale": "en"},
            ]
        },
    },
    "OpenBadgeCredential_jwt_vc_json": {
        "format": "jwt_vc_json",
        "credential_signing_alg_values_supported": ["EdDSA", "ES256", "RS256"],
        "credential_definition": {"type": OB_TYPES},
        "credential_metadata": {
            "display": [
                {"name": "Badge numérique", "locale": "fr-FR"},
                {"name": "Digital badge", "locale": "en"},
            ]
        },
    },
}


class OfferError(WalletError):
    """An OAuth error (RFC 6749 §5.2 / OpenID4VCI §8.3.1): ``code`` is the ``error`` value."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description, code=error, status=status)


@dataclass(frozen=True, slots=True)
class CreatedOffer:
    offer: dict[str, Any]
    uri: str
    tx_code: str  # read by the holder on their screen and typed into the other app


def _configuration_for(item: WalletItem) -> str:
    payload = payload_of(item)
    if payload.kind == "jwt":
        return "OpenBadgeCredential_jwt_vc_json"
    if payload.kind == "json":
        return "OpenBadgeCredential_ldp_vc"
    raise WalletError(
        "Ce badge (Open Badges 2.0) ne peut pas être envoyé à une autre application.",
        code="offer_badge_unsupported",
    )


def issuer_metadata(base_url: str) -> dict[str, Any]:
    """Credential issuer metadata (OpenID4VCI §12.2), served at
    ``/.well-known/openid-credential-issuer``."""
    return {
        "credential_issuer": base_url,
        "credential_endpoint": f"{base_url}/oid4vci/credential",
        "display": [{"name": "atouts", "locale": "fr-FR"}],
        "credential_configurations_supported": CONFIGURATIONS,
    }


def authorization_server_metadata(base_url: str) -> dict[str, Any]:
    """RFC 8414 metadata: the token endpoint, anonymous pre-authorized access."""
    return {
        "issuer": base_url,
        "token_endpoint": f"{base_url}/oid4vci/token",
        "grant_types_supported": [PRE_AUTHORIZED_GRANT],
        "pre-authorized_grant_anonymous_access_supported": True,
    }


def create_offer(ctx: WalletContext, wallet_id: str, item_id: str) -> CreatedOffer:
    code, tx_code = new_token(), new_short_code()
    now = ctx.now()
    with session_scope(ctx.engine) as session:
        item = get_item(session, wallet_id, item_id)
        configuration = _configuration_for(item)
        session.add(
            CredentialOffer(
                wallet_item_id=item.id,
                pre_authorized_code_hash=token_hash(code),
                tx_code_hash=token_hash(tx_code),
                created_at=now,
                expires_at=now + OFFER_LIFETIME,
            )
        )
    offer = {
        "credential_issuer": ctx.base_url,
        "credential_configuration_ids": [configuration],
        "grants": {
            PRE_AUTHORIZED_GRANT: {
                "pre-authorized_code": code,
                # No description: the page says it, and a shorter offer is an easier QR code.
                "tx_code": {"input_mode": "numeric", "length": 6},
            }
        },
    }
    text = json.dumps(offer, separators=(",", ":"))
    uri = f"openid-credential-offer://?credential_offer={quote(text, safe='')}"
    return CreatedOffer(offer, uri, tx_code)


def exchange_code(
    ctx: WalletContext, *, grant_type: str, code: str, tx_code: str | None
) -> dict[str, Any]:
    """Token endpoint (OpenID4VCI §6): pre-authorized code (+ tx_code) -> access token."""
    if grant_type != PRE_AUTHORIZED_GRANT:
        raise OfferError(
            "unsupported_grant_type", "Only the pre-authorized code grant is supported."
        )
    now = ctx.now()
    access = new_token()
    with session_scope(ctx.engine) as session:
        row = session.exec(
            select(CredentialOffer).where(
                CredentialOffer.pre_authorized_code_hash == token_hash(code)
            )
        ).first()
        if row is None or row.expires_at <= now or row.access_token_hash is not None:
            raise OfferError("invalid_grant", "The pre-authorized code is invalid or expired.")
        if row.tx_code_hash is not None and not same_hash(
            row.tx_code_hash, token_hash(tx_code or "")
        ):
            raise OfferError("invalid_grant", "The transaction code is wrong.")
        done = session.execute(
            sa.update(CredentialOffer)
            .where(CredentialOffer.id == row.id)  # type: ignore[arg-type]
            .where(CredentialOffer.access_token_hash.is_(None))  # type: ignore[union-attr]
            .values(access_token_hash=token_hash(access))
        )
        if done.rowcount != 1:  # type: ignore[attr-defined]
            raise OfferError("invalid_grant", "The pre-authorized code was already used.")
    remaining = int((row.expires_at - now).total_seconds())
    return {"access_token": access, "token_type": "Bearer", "expires_in": max(remaining, 1)}


def credential_for_token(
    ctx: WalletContext, access_token: str, request: dict[str, Any]
) -> dict[str, Any]:
    """Credential endpoint (OpenID4VCI §8): the exact credential, once."""
    now = ctx.now()
    with session_scope(ctx.engine) as session:
        row = session.exec(
            select(CredentialOffer).where(
                CredentialOffer.access_token_hash == token_hash(access_token)
            )
        ).first()
        if row is None or row.expires_at <= now or row.redeemed_at is not None:
            raise OfferError("invalid_token", "The access token is invalid or expired.", 401)
        item = session.get(WalletItem, row.wallet_item_id)
        if item is None:
            raise OfferError("invalid_token", "The credential is no longer available.", 401)
        configuration = _configuration_for(item)
        wanted = request.get("credential_configuration_id")
        if wanted is not None and wanted != configuration:
            raise OfferError(
                "unknown_credential_configuration", "This offer is for another configuration."
            )
        done = session.execute(
            sa.update(CredentialOffer)
            .where(CredentialOffer.id == row.id)  # type: ignore[arg-type]
            .where(CredentialOffer.redeemed_at.is_(None))  # type: ignore[union-attr]
            .values(redeemed_at=now)
        )
        if done.rowcount != 1:  # type: ignore[attr-defined]
            raise OfferError("invalid_token", "The credential was already delivered.", 401)
        payload = payload_of(item)
    credential: Any = payload.text if payload.kind == "jwt" else payload.as_json()
    return {"credentials": [{"credential": credential}]}


def get_offer_item(ctx: WalletContext, wallet_id: str, item_id: str) -> WalletItem:
    with session_scope(ctx.engine, write=False) as session:
        return get_item(session, wallet_id, item_id)
