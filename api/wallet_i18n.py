"""The wallet pages in the reader's language (issue 8, languages): French first, English second.

``wallet/`` knows nothing of the web layer, so its refusals (:class:`wallet.context.WalletError`)
carry plain French messages; their French text is the msgid in ``api/locales``, and
:func:`error_text` translates them when a page shows them. The few messages built with a number
or a word inside are matched here and rebuilt from their own msgid.

``N_`` marks a text for the catalogue where it is written, translated later by ``gettext``
(labels kept in module-level tables).
"""

from __future__ import annotations

import re

from api.i18n import current_language
from api.i18n import gettext as _
from wallet.context import WalletError

__all__ = ["N_", "error_text", "lang"]


def N_(message: str) -> str:  # the usual gettext name for "translate later"
    return message


def lang() -> str:
    """The language of the request (``fr`` or ``en``)."""
    return current_language()


_TRIES_LEFT = re.compile(r"Il vous reste (\d+) essai")
_DURATION_TEXT = re.compile(r"Durée « (.*) » non comprise")
_DURATION_RANGE = re.compile(r"de 1 heure à (\d+) jours")


def error_text(error: WalletError) -> str:
    """The message of a refused wallet operation, in the language of the page."""
    message = error.message
    if error.code == "login_code_wrong" and (found := _TRIES_LEFT.search(message)):
        left = int(found.group(1))
        if left > 1:
            return _("Le code n'est pas bon. Il vous reste %(n)d essais.") % {"n": left}
        return _("Le code n'est pas bon. Il vous reste %(n)d essai.") % {"n": left}
    if error.code == "share_duration_invalid":
        if found := _DURATION_TEXT.search(message):
            return _("Durée « %(text)s » non comprise : écrivez par exemple 7d ou 30 jours.") % {
                "text": found.group(1)
            }
        if found := _DURATION_RANGE.search(message):
            return _("Un lien dure de 1 heure à %(days)s jours.") % {"days": found.group(1)}
    return _(message)
