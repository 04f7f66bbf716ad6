"""The words of the message telling a person about their badge, in their language.

The issuer does not translate: the composition root (``api``, ``cli``) hands it a
:class:`NoticeTexts` through :class:`issuer.context.IssuerContext` (the web layer's is backed by
its gettext catalogue). Without one, or for a language nobody translated, the message is in
French, the words below. Short sentences, common words (easy-to-read rules).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from storage.tables import OutboxChannel

__all__ = [
    "DEFAULT_LANGUAGE",
    "FRENCH_NOTICE",
    "FrenchNoticeTexts",
    "NoticeTexts",
    "NoticeValues",
    "compose",
]

DEFAULT_LANGUAGE = "fr"


@dataclass(frozen=True, slots=True)
class NoticeValues:
    """What a notice says besides its fixed words."""

    badge_name: str
    issuer_name: str
    verify_url: str  # the verification page
    credential_url: str  # the badge's own address, to keep it in a wallet


class NoticeTexts(Protocol):
    def badge_notice(
        self, language: str, channel: OutboxChannel, values: NoticeValues
    ) -> tuple[str, str]:
        """(subject, body) of the notice in ``language`` (French when not translated)."""
        ...


# The French words, with ``%(name)s`` placeholders: also the msgids of the web catalogue.
SMS = "%(issuer)s vous a délivré le badge « %(badge)s ». Le voir : %(verify)s"
SUBJECT = "Votre badge « %(badge)s »"
HELLO = "Bonjour,"
ISSUED = "%(issuer)s vous a délivré un badge : « %(badge)s »."
MEANING = "Ce badge montre une compétence que vous avez prouvée."
SEE = "Voir et vérifier votre badge : %(verify)s"
KEEP = "Le garder dans votre portefeuille (adresse du badge) : %(credential)s"
FRENCH_NOTICE = (SMS, SUBJECT, HELLO, ISSUED, MEANING, SEE, KEEP)


def compose(
    gettext: Callable[[str], str], channel: OutboxChannel, values: NoticeValues
) -> tuple[str, str]:
    """The notice with ``gettext`` translating the French words above."""
    fields = {
        "badge": values.badge_name,
        "issuer": values.issuer_name,
        "verify": values.verify_url,
        "credential": values.credential_url,
    }
    subject = gettext(SUBJECT) % fields
    if channel == OutboxChannel.SMS:
        return subject, gettext(SMS) % fields
    lines = (
        gettext(HELLO),
        "",
        gettext(ISSUED) % fields,
        gettext(MEANING),
        "",
        gettext(SEE) % fields,
        gettext(KEEP) % fields,
    )
    return subject, "\n".join(lines) + "\n"


class FrenchNoticeTexts:
    """The notice in French whatever the language (no catalogue at hand)."""

    def badge_notice(
        self, language: str, channel: OutboxChannel, values: NoticeValues
    ) -> tuple[str, str]:
        return compose(str, channel, values)
