"""The message telling a person they received a badge, queued in the transactional outbox
(reliability-ux.md D4): it is written in the same transaction as the credential, so it is sent
only for a badge that exists, and a crash between the two can neither lose nor invent it. The
wallet's sender (``wallet.outbox.deliver_pending``) delivers it. Plain French, short sentences
(FALC); no personal data besides the address itself, which the sender blanks once sent.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from issuer.context import IssuerContext
from issuer.recipients import Recipient
from storage.tables import OutboxChannel, RecipientKind

__all__ = ["badge_message"]


def badge_message(
    ctx: IssuerContext,
    *,
    recipient: Recipient,
    row_id: str,
    credential_url: str,
    badge_name: str,
    issuer_name: str,
    now: datetime,
) -> dict[str, Any] | None:
    """Column values of the ``outbox_messages`` row, or ``None`` when nobody can be told (no
    contact: the claim code is handed over by the trainer)."""
    if recipient.kind == RecipientKind.EMAIL:
        channel = OutboxChannel.EMAIL
    elif recipient.kind == RecipientKind.PHONE:
        channel = OutboxChannel.SMS
    else:
        return None
    verify_url = ctx.urls.verification_page(credential_url)
    if channel == OutboxChannel.SMS:
        body = f"{issuer_name} vous a délivré le badge « {badge_name} ». Le voir : {verify_url}"
    else:
        body = (
            "Bonjour,\n\n"
            f"{issuer_name} vous a délivré un badge : « {badge_name} ».\n"
            "Ce badge montre une compétence que vous avez prouvée.\n\n"
            f"Voir et vérifier votre badge : {verify_url}\n"
            f"Le garder dans votre portefeuille (adresse du badge) : {credential_url}\n"
        )
    return {
        "channel": channel,
        "recipient": recipient.value,
        "subject": f"Votre badge « {badge_name} »"[:300],
        "body": body,
        "payload": {"kind": "badge_issued", "credential": row_id},
        "dedupe_key": f"badge:{row_id}",
        "created_at": now,
        "available_at": now,
        "attempts": 0,
    }
