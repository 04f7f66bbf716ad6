"""Redeeming a claim code, claim link or printed QR into a wallet (issue 6, DESIGN.md §3.2).

The issuer (helper "issuer", ``issuer.recipients``) hands out a 16-character code grouped by 4
(``ABCD-EFGH-JKMN-PQRS``), stores ``sha256(code.upper())`` in ``claims.code_hash`` and links to
``{base}/reclamer/{code}``. The wallet does not import the issuer: it reads the ``claims`` row and
the credential's stored signed text, and redeems with a conditional update (``WHERE redeemed_at
IS NULL``) so a code is redeemed once, even when two people type it at the same time.

A person without any wallet yet can claim: a new wallet is opened in the same transaction (no
e-mail needed) and they get a personal link + short code to come back (``wallet.access``).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, select

from storage.engine import session_scope
from storage.tables import Claim, Credential, User, Wallet, WalletItemSource
from verifier.pipeline import verify
from wallet.access import PersonalLink, new_personal_link, open_session
from wallet.context import WalletContext, WalletError
from wallet.items import ImportResult, add_verified

__all__ = ["ClaimResult", "claim_hashes", "normalise_claim_code", "redeem_claim"]


@dataclass(frozen=True, slots=True)
class ClaimResult:
    wallet_id: str
    imported: ImportResult
    personal_link: PersonalLink | None = None  # for a wallet opened by this claim
    session_cookie: str | None = None  # idem: the new holder is signed in


def normalise_claim_code(text: str) -> str:
    """What people type (spaces, lower case, missing dashes) to the issuer's form."""
    raw = re.sub(r"[^0-9A-Za-z]", "", text).upper()
    if len(raw) == 16:
        return "-".join(raw[i : i + 4] for i in range(0, 16, 4))
    return text.strip().upper()


def claim_hashes(text: str) -> list[str]:
    forms = {normalise_claim_code(text), text.strip().upper()}
    return [hashlib.sha256(form.encode()).hexdigest() for form in sorted(forms)]


def _find_claim(session: Session, code: str) -> Claim | None:
    hashes = claim_hashes(code)
    return session.exec(select(Claim).where(Claim.code_hash.in_(hashes))).first()  # type: ignore[attr-defined]


def redeem_claim(
    ctx: WalletContext,
    code: str,
    *,
    wallet_id: str | None = None,
    display_name: str | None = None,
) -> ClaimResult:
    """Put the claimed badge into ``wallet_id``, or into a new wallet for ``display_name``."""
    if not code.strip():
        raise WalletError("Écrivez le code du badge.", code="claim_code_missing")
    now = ctx.now()
    with session_scope(ctx.engine) as session:
        claim = _find_claim(session, code)
        if claim is None:
            raise WalletError(
                "Ce code n'existe pas. Vérifiez les lettres et les chiffres.",
                code="claim_not_found",
                status=404,
            )
        if claim.redeemed_at is not None:
            raise WalletError(
                "Ce code a déjà servi. Le badge est déjà dans un portefeuille.",
                code="claim_already_redeemed",
                status=409,
            )
        if claim.expires_at is not None and claim.expires_at <= now:
            raise WalletError(
                "Ce code a expiré. Demandez un nouveau code à l'organisme.",
                code="claim_expired",
                status=410,
            )
        credential = session.get(Credential, claim.credential_id)
        if credential is None:
            raise WalletError("Ce badge n'existe plus.", code="claim_not_found", status=404)
        personal_link: PersonalLink | None = None
        cookie: str | None = None
        if wallet_id is None:
            name = (display_name or "").strip() or "Mon portefeuille"
            user = User(display_name=name[:200])
            session.add(user)
            session.flush()
            wallet = Wallet(holder_user_id=user.id, display_name=name[:200], taken_over_at=now)
            session.add(wallet)
            session.flush()
            wallet_id = wallet.id
            personal_link = new_personal_link(ctx, user.id, session=session)
            cookie = open_session(ctx, session, user.id)
        redeemed = session.execute(
            sa.update(Claim)
            .where(Claim.id == claim.id)  # type: ignore[arg-type]
            .where(Claim.redeemed_at.is_(None))  # type: ignore[union-attr]
            .values(redeemed_at=now, wallet_id=wallet_id)
        )
        if redeemed.rowcount != 1:  # type: ignore[attr-defined]
            raise WalletError(
                "Ce code a déjà servi. Le badge est déjà dans un portefeuille.",
                code="claim_already_redeemed",
                status=409,
            )
        raw = credential.signed_text.encode("utf-8")
        report = verify(raw, options=ctx.verify_options())
        imported = add_verified(
            ctx, session, wallet_id, raw, report, WalletItemSource.CLAIM, credential.id
        )
        return ClaimResult(wallet_id, imported, personal_link, cookie)
