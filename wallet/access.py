"""Getting into a wallet without a password to remember (WCAG 2.2 §3.3.8, issue 6).

- **Magic link** (e-mail): single use, 20 minutes; queued in the outbox in the same transaction
  as the login token. Asking for one never says whether the address has an account.
- **Personal link + short code**, for people without e-mail: a long-lived link (one year) that
  the holder keeps (printed, in their phone, with their counsellor) plus a 6-digit code. The link
  alone opens nothing; five wrong codes lock it (ask for a new one).
- A successful login opens a **web session** (cookie value stored hashed, 30 days).

Tokens carry 128 random bits and are stored as SHA-256 hashes (``wallet.tokens``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from storage.engine import session_scope
from storage.tables import LoginPurpose, LoginToken, User, WebSession
from wallet.context import WalletContext, WalletError
from wallet.holders import wallet_for_user
from wallet.outbox import enqueue
from wallet.tokens import new_short_code, new_token, same_hash, token_hash

__all__ = [
    "MAGIC_LINK_LIFETIME",
    "MessageComposer",
    "PersonalLink",
    "end_session",
    "french_magic_link_message",
    "hand_over",
    "new_personal_link",
    "open_session",
    "redeem_magic_link",
    "redeem_personal_link",
    "request_magic_link",
    "session_user",
]

MAGIC_LINK_LIFETIME = timedelta(minutes=20)
PERSONAL_LINK_LIFETIME = timedelta(days=365)
SESSION_LIFETIME = timedelta(days=30)
MAX_CODE_ATTEMPTS = 5


@dataclass(frozen=True, slots=True)
class PersonalLink:
    url: str
    code: str


# Writes the e-mail of a magic link: (holder's stored locale, display name, link) -> (subject,
# body). The web layer passes one that speaks the person's language (``api.mail_texts``).
MessageComposer = Callable[[str, str, str], tuple[str, str]]


def french_magic_link_message(_locale: str, name: str, link: str) -> tuple[str, str]:
    return (
        "Votre lien pour ouvrir vos badges",
        f"Bonjour {name},\n\n"
        "Pour ouvrir vos badges, touchez ce lien :\n"
        f"{link}\n\n"
        "Le lien marche une seule fois, pendant 20 minutes.\n"
        "Vous n'avez rien demandé ? Ne faites rien.\n",
    )


def request_magic_link(
    ctx: WalletContext, email: str, *, compose: MessageComposer = french_magic_link_message
) -> None:
    """Queue a magic link for ``email`` if it belongs to a wallet holder; silent otherwise."""
    address = email.strip().lower()
    now = ctx.now()
    with session_scope(ctx.engine) as session:
        user = session.exec(select(User).where(User.email == address)).first()
        if user is None or wallet_for_user(session, user.id) is None:
            return
        token = new_token()
        session.add(
            LoginToken(
                token_hash=token_hash(token),
                purpose=LoginPurpose.MAGIC_LINK,
                user_id=user.id,
                expires_at=now + MAGIC_LINK_LIFETIME,
            )
        )
        link = f"{ctx.base_url}/portefeuille/entrer/{token}"
        subject, body = compose(user.locale, user.display_name, link)
        enqueue(
            session,
            now=now,
            recipient=address,
            subject=subject,
            body=body,
        )


def new_personal_link(
    ctx: WalletContext, user_id: str, *, session: Session | None = None
) -> PersonalLink:
    """A personal link + short code; older personal links of this person stop working."""
    if session is None:
        with session_scope(ctx.engine) as own:
            return new_personal_link(ctx, user_id, session=own)
    now = ctx.now()
    for old in session.exec(
        select(LoginToken)
        .where(LoginToken.user_id == user_id)
        .where(LoginToken.purpose == LoginPurpose.PERSONAL_LINK)
        .where(LoginToken.used_at.is_(None))  # type: ignore[union-attr]
    ):
        old.used_at = now
        session.add(old)
    token, code = new_token(), new_short_code()
    session.add(
        LoginToken(
            token_hash=token_hash(token),
            code_hash=token_hash(code),
            purpose=LoginPurpose.PERSONAL_LINK,
            user_id=user_id,
            expires_at=now + PERSONAL_LINK_LIFETIME,
        )
    )
    return PersonalLink(url=f"{ctx.base_url}/portefeuille/lien/{token}", code=code)


def open_session(ctx: WalletContext, session: Session, user_id: str) -> str:
    """A new web session for ``user_id``; returns the cookie value (only its hash is kept)."""
    value = new_token(32)
    now = ctx.now()
    session.add(
        WebSession(token_hash=token_hash(value), user_id=user_id, expires_at=now + SESSION_LIFETIME)
    )
    user = session.get(User, user_id)
    if user is not None:
        user.last_login_at = now
        session.add(user)
    return value


def _expired_link() -> WalletError:
    return WalletError(
        "Ce lien ne marche plus. Demandez un nouveau lien.", code="login_link_invalid", status=410
    )


def redeem_magic_link(ctx: WalletContext, token: str) -> str:
    """Use a magic link once; returns a session cookie value."""
    now = ctx.now()
    with session_scope(ctx.engine) as session:
        row = session.exec(
            select(LoginToken)
            .where(LoginToken.token_hash == token_hash(token))
            .where(LoginToken.purpose == LoginPurpose.MAGIC_LINK)
        ).first()
        if row is None or row.expires_at <= now or row.used_at is not None:
            raise _expired_link()
        # Conditional update: a link clicked twice at once opens one session.
        used = session.execute(
            sa.update(LoginToken)
            .where(LoginToken.id == row.id)  # type: ignore[arg-type]
            .where(LoginToken.used_at.is_(None))  # type: ignore[union-attr]
            .values(used_at=now)
        )
        if used.rowcount != 1:  # type: ignore[attr-defined]
            raise _expired_link()
        return open_session(ctx, session, row.user_id)


def redeem_personal_link(ctx: WalletContext, token: str, code: str) -> str:
    """Check the short code of a personal link; returns a session cookie value."""
    now = ctx.now()
    with session_scope(ctx.engine) as session:
        row = session.exec(
            select(LoginToken)
            .where(LoginToken.token_hash == token_hash(token))
            .where(LoginToken.purpose == LoginPurpose.PERSONAL_LINK)
        ).first()
        if row is None or row.expires_at <= now or row.used_at is not None:
            raise _expired_link()
        if row.attempts >= MAX_CODE_ATTEMPTS:
            raise WalletError(
                "Trop d'essais. Ce lien est bloqué. Demandez un nouveau lien à votre conseiller.",
                code="login_locked",
                status=429,
            )
        if not same_hash(row.code_hash, token_hash("".join(code.split()))):
            row.attempts += 1
            session.add(row)
            left = MAX_CODE_ATTEMPTS - row.attempts
            error = WalletError(
                f"Le code n'est pas bon. Il vous reste {left} essai{'s' if left > 1 else ''}.",
                code="login_code_wrong",
                status=401,
            )
            session.commit()  # the failed attempt counts even though we raise
            raise error
        row.attempts = 0
        session.add(row)
        return open_session(ctx, session, row.user_id)


def session_user(ctx: WalletContext, cookie: str | None) -> str | None:
    """The user id of a live session cookie, or None."""
    if not cookie:
        return None
    now = ctx.now()
    with session_scope(ctx.engine, write=False) as session:
        row = session.exec(
            select(WebSession).where(WebSession.token_hash == token_hash(cookie))
        ).first()
        if row is None or row.revoked_at is not None or row.expires_at <= now:
            return None
        return row.user_id


def end_session(ctx: WalletContext, cookie: str | None) -> None:
    if not cookie:
        return
    with session_scope(ctx.engine) as session:
        row = session.exec(
            select(WebSession).where(WebSession.token_hash == token_hash(cookie))
        ).first()
        if row is not None and row.revoked_at is None:
            row.revoked_at = ctx.now()
            session.add(row)


def hand_over(
    ctx: WalletContext,
    wallet_id: str,
    *,
    counsellor_user_id: str,
    display_name: str,
    email: str | None = None,
    locale: str | None = None,
    compose: MessageComposer = french_magic_link_message,
) -> PersonalLink | None:
    """A counsellor hands a wallet in their custody over to the beneficiary.

    Custody ends now (``wallet.holders.take_over``). With an e-mail address, a magic link is
    queued for the holder (outbox, same transaction as the login token); without one, the
    counsellor receives a personal link + code to give to the person, on paper or by phone.
    ``locale``, chosen by the counsellor for the person, is stored on their new account before
    the e-mail is written, so ``compose`` receives it as the holder's stored language.
    """
    from wallet.holders import counsellor_may_manage, take_over

    with session_scope(ctx.engine, write=False) as session:
        if not counsellor_may_manage(session, wallet_id, counsellor_user_id):
            raise WalletError("Ce portefeuille n'existe pas.", code="wallet_not_found", status=404)
    address = email.strip().lower() if email and email.strip() else None
    _wallet, user = take_over(
        ctx, wallet_id, display_name=display_name, email=address, locale=locale
    )
    if address is not None:
        request_magic_link(ctx, address, compose=compose)
        return None
    return new_personal_link(ctx, user.id)
