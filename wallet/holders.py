"""Wallets and their holders: opening one (alone or with a counsellor), custody, hand-over,
erasure.

Custody (issue 6, peers.md §3.4): a counsellor may open a wallet **on behalf of** a beneficiary
who has no account or no e-mail yet. The beneficiary's consent is recorded with the exact words
they agreed to (``consents``, scope ``custody``); the holder sees it on their wallet page, and it
ends the moment they take the wallet over (``taken_over_at``, consent ``ended_at``).

Erasure (GDPR art. 17, reliability-ux.md P5): deleting a wallet removes its items, shares,
access logs, consents, competence index and offers (``ON DELETE CASCADE``); the holder's user row
goes too when it owns nothing else. Issued credentials stay the issuer's record: a claimed
credential row is untouched and a share link answers 410.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from storage.engine import session_scope
from storage.tables import (
    Consent,
    ConsentScope,
    Member,
    OutboxMessage,
    User,
    Wallet,
)
from wallet.context import WalletContext, WalletError

__all__ = [
    "CUSTODY_WORDING_FR",
    "active_custody",
    "erase_wallet",
    "find_wallet",
    "get_wallet",
    "open_wallet",
    "open_wallet_in_custody",
    "take_over",
    "wallet_for_user",
]

CUSTODY_WORDING_FR = (
    "J'accepte que {counsellor} ouvre et garde mon portefeuille de badges pour moi. "
    "Je peux le reprendre quand je veux. Alors, {counsellor} n'y aura plus accès."
)


def get_wallet(session: Session, wallet_id: str) -> Wallet:
    found = session.get(Wallet, wallet_id)
    if found is None:
        raise WalletError("Ce portefeuille n'existe pas.", code="wallet_not_found", status=404)
    return found


def wallet_for_user(session: Session, user_id: str) -> Wallet | None:
    return session.exec(select(Wallet).where(Wallet.holder_user_id == user_id)).first()


def open_wallet(
    ctx: WalletContext,
    *,
    display_name: str,
    email: str | None = None,
    phone: str | None = None,
    locale: str = "fr",
) -> Wallet:
    """A new wallet with its holder account (no password; e-mail and phone optional)."""
    name = display_name.strip()
    if not name:
        raise WalletError("Donnez un prénom ou un nom.", code="display_name_missing")
    email = email.strip().lower() if email and email.strip() else None
    with session_scope(ctx.engine) as session:
        if email and session.exec(select(User).where(User.email == email)).first():
            raise WalletError(
                "Un compte existe déjà avec cette adresse e-mail.", code="email_taken", status=409
            )
        user = User(display_name=name[:200], email=email, phone=phone, locale=locale)
        session.add(user)
        session.flush()
        wallet = Wallet(holder_user_id=user.id, display_name=name[:200], taken_over_at=ctx.now())
        session.add(wallet)
        session.flush()
        return wallet


def open_wallet_in_custody(
    ctx: WalletContext,
    *,
    display_name: str,
    counsellor_user_id: str,
    consent_given: bool,
    organisation_id: str | None = None,
) -> Wallet:
    """A wallet a counsellor opens for a beneficiary, with their recorded consent."""
    if not consent_given:
        raise WalletError(
            "La personne doit d'abord être d'accord pour que vous gardiez son portefeuille.",
            code="consent_missing",
        )
    name = display_name.strip()
    if not name:
        raise WalletError("Donnez le prénom ou le nom de la personne.", code="display_name_missing")
    with session_scope(ctx.engine) as session:
        counsellor = session.get(User, counsellor_user_id)
        if counsellor is None:
            raise WalletError("Conseiller inconnu.", code="counsellor_not_found", status=404)
        # Custody is for counsellors of a structure (issue 8 roles), not for any account.
        if session.exec(select(Member).where(Member.user_id == counsellor.id)).first() is None:
            raise WalletError(
                "Seuls les conseillers d'une structure peuvent garder un portefeuille.",
                code="forbidden",
                status=403,
            )
        if organisation_id is not None:
            member = session.exec(
                select(Member)
                .where(Member.user_id == counsellor.id)
                .where(Member.organisation_id == organisation_id)
            ).first()
            if member is None:
                raise WalletError(
                    "Vous n'êtes pas membre de cette structure.", code="forbidden", status=403
                )
        wallet = Wallet(holder_user_id=None, display_name=name[:200])
        session.add(wallet)
        session.flush()
        session.add(
            Consent(
                wallet_id=wallet.id,
                scope=ConsentScope.CUSTODY,
                counsellor_user_id=counsellor.id,
                organisation_id=organisation_id,
                wording=CUSTODY_WORDING_FR.format(counsellor=counsellor.display_name),
                recorded_at=ctx.now(),
            )
        )
        return wallet


def active_custody(session: Session, wallet_id: str) -> Consent | None:
    return session.exec(
        select(Consent)
        .where(Consent.wallet_id == wallet_id)
        .where(Consent.scope == ConsentScope.CUSTODY)
        .where(Consent.ended_at.is_(None))  # type: ignore[union-attr]
    ).first()


def counsellor_may_manage(session: Session, wallet_id: str, user_id: str) -> bool:
    custody = active_custody(session, wallet_id)
    return custody is not None and custody.counsellor_user_id == user_id


def take_over(
    ctx: WalletContext,
    wallet_id: str,
    *,
    display_name: str,
    email: str | None = None,
    locale: str | None = None,
) -> tuple[Wallet, User]:
    """The beneficiary takes their wallet over: they get their own account, custody ends.

    ``locale`` (checked by the caller) is the language of the e-mails they will get."""
    now = ctx.now()
    with session_scope(ctx.engine) as session:
        wallet = get_wallet(session, wallet_id)
        if wallet.holder_user_id is not None:
            raise WalletError(
                "Ce portefeuille a déjà été repris par la personne.",
                code="already_taken_over",
                status=409,
            )
        user = User(display_name=display_name.strip()[:200] or wallet.display_name, email=email)
        if locale is not None:
            user.locale = locale
        session.add(user)
        session.flush()
        wallet.holder_user_id = user.id
        wallet.taken_over_at = now
        session.add(wallet)
        _end_custody(session, wallet_id, now, "taken_over")
        return wallet, user


def _end_custody(session: Session, wallet_id: str, now: datetime, reason: str) -> None:
    for consent in session.exec(
        select(Consent)
        .where(Consent.wallet_id == wallet_id)
        .where(Consent.scope == ConsentScope.CUSTODY)
        .where(Consent.ended_at.is_(None))  # type: ignore[union-attr]
    ):
        consent.ended_at = now
        consent.end_reason = reason
        session.add(consent)


def find_wallet(session: Session, holder: str) -> Wallet | None:
    """A wallet named on the command line: its id, its holder's e-mail, or its unique name."""
    holder = holder.strip()
    found = session.get(Wallet, holder)
    if found is not None:
        return found
    if "@" in holder:
        user = session.exec(select(User).where(User.email == holder.lower())).first()
        if user is not None:
            return wallet_for_user(session, user.id)
    named = session.exec(select(Wallet).where(Wallet.display_name == holder)).all()
    if len(named) > 1:
        raise WalletError(
            f"Plusieurs portefeuilles s'appellent « {holder} » : donnez son identifiant.",
            code="holder_ambiguous",
            status=409,
        )
    return named[0] if named else None


def erase_wallet(ctx: WalletContext, wallet_id: str, *, confirmation: str) -> None:
    """Delete the wallet and its holder's personal data after a plain confirmation.

    ``confirmation`` must be the word « SUPPRIMER » (or "DELETE"): deleting is not undone.
    """
    if confirmation.strip().upper() not in ("SUPPRIMER", "DELETE"):
        raise WalletError("Pour supprimer, écrivez le mot SUPPRIMER.", code="confirmation_missing")
    with session_scope(ctx.engine) as session:
        wallet = get_wallet(session, wallet_id)
        user_id = wallet.holder_user_id
        session.delete(wallet)
        session.flush()
        if user_id is not None:
            user = session.get(User, user_id)
            if user is not None and user.email:
                # A message not sent yet (a magic link) must not keep the address.
                for message in session.exec(
                    select(OutboxMessage)
                    .where(OutboxMessage.recipient == user.email)
                    .where(OutboxMessage.sent_at.is_(None))  # type: ignore[union-attr]
                ):
                    session.delete(message)
            owns_more = session.exec(select(Member).where(Member.user_id == user_id)).first()
            if user is not None and owns_more is None:
                session.delete(user)
