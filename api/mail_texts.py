"""E-mails to a person, in that person's language (French by default, English).

Which language, in order: the choice remembered in the ``atouts_lang`` cookie of the request
the person makes (asking for a sign-in link); else the preference stored on their account
(``users.locale``) when it is not the default; else the language of the page they used
(``Accept-Language``); else French. A person who signs in with a chosen language, or chooses
one while signed in (``/langue``), gets it stored on their account (:func:`remember_language`,
:func:`store_language`), so a later e-mail sent from another device follows it too.

Texts are the French msgids of the pages' catalogue (``api/locales/en/LC_MESSAGES``), plain text
in short sentences (easy-to-read rules). Nothing here logs: addresses and links are personal
data.
"""

from __future__ import annotations

from fastapi import Request
from sqlalchemy.engine import Engine

from api.i18n import DEFAULT_LANGUAGE, LANGUAGE_COOKIE, LANGUAGES, current_language, translations
from issuer.notice_texts import NoticeValues, compose
from storage.engine import session_scope
from storage.tables import OutboxChannel, User
from wallet.access import MessageComposer
from wallet.context import WalletError

__all__ = [
    "SIGN_IN_MINUTES",
    "WALLET_LINK_MINUTES",
    "CatalogueNoticeTexts",
    "account_language_message",
    "chosen_mail_language",
    "mail_language",
    "remember_language",
    "sign_in_message",
    "store_language",
    "wallet_link_composer",
    "wallet_link_message",
]

SIGN_IN_MINUTES = 15  # api.login_tokens: a sign-in link lives 15 minutes
WALLET_LINK_MINUTES = 20  # wallet.access.MAGIC_LINK_LIFETIME


def _chosen(request: Request | None) -> str | None:
    value = request.cookies.get(LANGUAGE_COOKIE) if request is not None else None
    return value if value in LANGUAGES else None


def mail_language(request: Request | None, stored: str | None) -> str:
    """The language of an e-mail to a person (see the module docstring)."""
    chosen = _chosen(request)
    if chosen is not None:
        return chosen
    if stored in LANGUAGES and stored != DEFAULT_LANGUAGE:
        return str(stored)
    return current_language() if request is not None else DEFAULT_LANGUAGE


def _lines(*lines: str) -> str:
    return "\n".join(lines) + "\n"


def sign_in_message(language: str, link: str) -> tuple[str, str]:
    """Subject and body of a sign-in link (``/connexion``)."""
    _ = translations(language).gettext
    return (
        _("Votre lien de connexion à atouts"),
        _lines(
            _("Bonjour,"),
            "",
            _("Pour vous connecter, touchez ce lien :"),
            link,
            "",
            _("Le lien marche une seule fois, pendant %(minutes)d minutes.")
            % {"minutes": SIGN_IN_MINUTES},
            _("Vous n'avez rien demandé ? Ne faites rien."),
        ),
    )


def wallet_link_message(language: str, name: str, link: str) -> tuple[str, str]:
    """Subject and body of a link that opens a wallet (``/portefeuille/entrer/...``)."""
    _ = translations(language).gettext
    return (
        _("Votre lien pour ouvrir vos badges"),
        _lines(
            _("Bonjour %(name)s,") % {"name": name},
            "",
            _("Pour ouvrir vos badges, touchez ce lien :"),
            link,
            "",
            _("Le lien marche une seule fois, pendant %(minutes)d minutes.")
            % {"minutes": WALLET_LINK_MINUTES},
            _("Vous n'avez rien demandé ? Ne faites rien."),
        ),
    )


def chosen_mail_language(value: str | None) -> str:
    """The language a counsellor chose for a person's e-mails (none chosen: French)."""
    code = (value or "").strip().lower() or DEFAULT_LANGUAGE
    if code not in LANGUAGES:
        raise WalletError(
            "Langue inconnue : choisissez « fr » (français) ou « en » (anglais).",
            code="language_unknown",
            status=422,
        )
    return code


def account_language_message(stored: str, name: str, link: str) -> tuple[str, str]:
    """For :func:`wallet.access.hand_over`: the wallet link in the language stored on the
    person's account (chosen for them by the counsellor), not in the counsellor's language."""
    return wallet_link_message(stored if stored in LANGUAGES else DEFAULT_LANGUAGE, name, link)


class CatalogueNoticeTexts:
    """For :class:`issuer.context.IssuerContext`: the message telling a person about their
    badge, in the language stored on their account, from this catalogue (its French msgids
    are ``issuer.notice_texts.FRENCH_NOTICE``)."""

    def badge_notice(
        self, language: str, channel: OutboxChannel, values: NoticeValues
    ) -> tuple[str, str]:
        known = language if language in LANGUAGES else DEFAULT_LANGUAGE
        return compose(translations(known).gettext, channel, values)


def wallet_link_composer(request: Request) -> MessageComposer:
    """For :func:`wallet.access.request_magic_link`: the message in the person's language."""

    def compose(stored: str, name: str, link: str) -> tuple[str, str]:
        return wallet_link_message(mail_language(request, stored), name, link)

    return compose


def remember_language(request: Request, engine: Engine, user_id: str | None) -> None:
    """Store the language the person chose (cookie) on their account, once they are signed in
    (not when a link is merely asked for: anyone may type someone else's address)."""
    chosen = _chosen(request)
    if chosen is None or user_id is None:
        return
    store_language(engine, user_id, chosen)


def store_language(engine: Engine, user_id: str, language: str) -> None:
    """Keep ``language`` on the account of ``user_id`` (e-mails to them follow it)."""
    if language not in LANGUAGES:
        return
    with session_scope(engine) as session:
        user = session.get(User, user_id)
        if user is not None and user.locale != language:
            user.locale = language
            session.add(user)
