"""Verifiable presentations signed by the service on the holder's behalf (issue 6).

A program (an employment service, a recruiter's tool) asks for some badges with a ``challenge``
and a ``domain`` (VC Data Integrity §4.4, replay protection). The holder has no key of their own
(no app, often no smartphone of their own), so the service signs the presentation with its key,
**only with the holder's recorded consent** (``consents``, scope ``presentation``). The
presentation's ``holder`` is the service's DID; the proof purpose is ``authentication``. Any
verifier (``atouts verify`` with ``--challenge``/``--domain``) checks it like any presentation.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from badges.proofs.data_integrity import create_proof
from storage.engine import session_scope
from storage.tables import Consent, ConsentScope
from wallet.context import WalletContext, WalletError
from wallet.holders import get_wallet
from wallet.items import get_item
from wallet.payloads import payload_of

__all__ = [
    "PRESENTATION_WORDING_FR",
    "grant_presentation_consent",
    "has_presentation_consent",
    "sign_presentation",
    "withdraw_presentation_consent",
]

PRESENTATION_WORDING_FR = (
    "J'accepte que le service montre mes badges à un programme qui les demande, en mon nom. "
    "Je choisis les badges à chaque fois. Je peux retirer mon accord quand je veux."
)


def grant_presentation_consent(ctx: WalletContext, wallet_id: str) -> None:
    with session_scope(ctx.engine) as session:
        get_wallet(session, wallet_id)
        if _active(session, wallet_id) is None:
            session.add(
                Consent(
                    wallet_id=wallet_id,
                    scope=ConsentScope.PRESENTATION,
                    wording=PRESENTATION_WORDING_FR,
                    recorded_at=ctx.now(),
                )
            )


def withdraw_presentation_consent(ctx: WalletContext, wallet_id: str) -> None:
    with session_scope(ctx.engine) as session:
        consent = _active(session, wallet_id)
        if consent is not None:
            consent.ended_at = ctx.now()
            consent.end_reason = "withdrawn"
            session.add(consent)


def _active(session: Any, wallet_id: str) -> Consent | None:
    found: Consent | None = session.exec(
        select(Consent)
        .where(Consent.wallet_id == wallet_id)
        .where(Consent.scope == ConsentScope.PRESENTATION)
        .where(Consent.ended_at.is_(None))  # type: ignore[union-attr]
    ).first()
    return found


def has_presentation_consent(ctx: WalletContext, wallet_id: str) -> bool:
    with session_scope(ctx.engine, write=False) as session:
        return _active(session, wallet_id) is not None


def service_did(ctx: WalletContext) -> str:
    if ctx.service_key is None:
        raise WalletError(
            "Le service n'a pas de clé pour signer des présentations.",
            code="presentation_unavailable",
            status=503,
        )
    return str(ctx.service_key.public.did_key)


def sign_presentation(
    ctx: WalletContext,
    wallet_id: str,
    item_ids: list[str],
    *,
    challenge: str,
    domain: str,
) -> dict[str, Any]:
    if not challenge.strip() or not domain.strip():
        raise WalletError(
            "Une présentation demande un « challenge » et un « domain ».",
            code="presentation_request_invalid",
        )
    holder = service_did(ctx)
    assert ctx.service_key is not None
    with session_scope(ctx.engine, write=False) as session:
        if _active(session, wallet_id) is None:
            raise WalletError(
                "La personne n'a pas donné son accord pour que le service montre ses badges.",
                code="presentation_consent_missing",
                status=403,
            )
        items = [get_item(session, wallet_id, i) for i in item_ids]
    if not items:
        raise WalletError("Choisissez au moins un badge.", code="presentation_no_badge")
    credentials: list[Any] = []
    for item in items:
        payload = payload_of(item)
        if payload.kind == "jwt":
            credentials.append(
                {
                    "@context": ["https://www.w3.org/ns/credentials/v2"],
                    "type": "EnvelopedVerifiableCredential",
                    "id": f"data:application/vc+jwt,{payload.text}",
                }
            )
        elif payload.kind == "json":
            credentials.append(payload.as_json())
        else:
            raise WalletError(
                "Un badge Open Badges 2.0 ne peut pas aller dans une présentation.",
                code="presentation_badge_unsupported",
            )
    document = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": holder,
        "verifiableCredential": credentials,
    }
    created = ctx.now().replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
    return create_proof(
        document,
        ctx.service_key,
        verification_method=f"{holder}#{ctx.service_key.public.public_key_multibase}",
        created=created,
        proof_purpose="authentication",
        challenge=challenge,
        domain=domain,
    )
