"""The message telling a person they received a badge, queued in the transactional outbox
(reliability-ux.md D4): it is written in the same transaction as the credential, so it is sent
only for a badge that exists, and a crash between the two can neither lose nor invent it. The
wallet's sender (``wallet.outbox.deliver_pending``) delivers it. Short sentences, common words
(easy-to-read); no personal data besides the address itself, which the sender blanks once sent.

Language: when the contact (e-mail or phone) belongs to an account that stores a language
(``users.locale``), the message is in it, through the context's :class:`NoticeTexts`; otherwise
French. :func:`notice_languages` finds them for a whole group of recipients in one query, so a
bulk chunk costs one query, not one per row. Nothing here logs (contacts are personal data).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from issuer.context import IssuerContext
from issuer.notice_texts import DEFAULT_LANGUAGE, FrenchNoticeTexts, NoticeValues
from issuer.recipients import Recipient
from storage.tables import OutboxChannel, RecipientKind, User

__all__ = ["badge_message", "notice_languages"]

_FRENCH = FrenchNoticeTexts()


def notice_languages(
    ctx: IssuerContext, session: Session, recipients: Iterable[Recipient]
) -> dict[Recipient, str]:
    """The stored language of each recipient whose e-mail or phone is an account's, in one
    query (nothing when the context has no :class:`NoticeTexts`: French only)."""
    if ctx.notice_texts is None:
        return {}
    emails: set[str] = set()
    phones: set[str] = set()
    wanted: list[Recipient] = []
    for recipient in recipients:
        if recipient.value is None:
            continue
        if recipient.kind == RecipientKind.EMAIL:
            emails.add(recipient.value)
        elif recipient.kind == RecipientKind.PHONE:
            phones.add(recipient.value)
        else:
            continue
        wanted.append(recipient)
    if not wanted:
        return {}
    conditions = []
    if emails:
        conditions.append(col(User.email).in_(sorted(emails)))
    if phones:
        conditions.append(col(User.phone).in_(sorted(phones)))
    rows = session.exec(
        select(User.email, User.phone, User.locale, User.last_login_at)
        .where(sa.or_(*conditions))
        .order_by(col(User.id))
    ).all()
    by_email: dict[str, str] = {}
    by_phone: dict[str, tuple[datetime | None, str]] = {}
    for email, phone, locale, last_login in rows:
        if not locale:
            continue
        if email in emails:
            by_email[email] = locale
        if phone in phones:
            # A phone may be on several accounts (not unique): the one used last speaks.
            known = by_phone.get(phone)
            if known is None or _later(last_login, known[0]):
                by_phone[phone] = (last_login, locale)
    found: dict[Recipient, str] = {}
    for recipient in wanted:
        assert recipient.value is not None
        if recipient.kind == RecipientKind.EMAIL and recipient.value in by_email:
            found[recipient] = by_email[recipient.value]
        elif recipient.kind == RecipientKind.PHONE and recipient.value in by_phone:
            found[recipient] = by_phone[recipient.value][1]
    return found


def _later(moment: datetime | None, than: datetime | None) -> bool:
    if moment is None:
        return False
    return than is None or moment.replace(tzinfo=None) > than.replace(tzinfo=None)


def badge_message(
    ctx: IssuerContext,
    *,
    recipient: Recipient,
    row_id: str,
    credential_url: str,
    badge_name: str,
    issuer_name: str,
    now: datetime,
    language: str | None = None,
) -> dict[str, Any] | None:
    """Column values of the ``outbox_messages`` row, or ``None`` when nobody can be told (no
    contact: the claim code is handed over by the trainer). ``language``: the recipient's, from
    :func:`notice_languages` (French when ``None`` or not translated)."""
    if recipient.kind == RecipientKind.EMAIL:
        channel = OutboxChannel.EMAIL
    elif recipient.kind == RecipientKind.PHONE:
        channel = OutboxChannel.SMS
    else:
        return None
    values = NoticeValues(
        badge_name=badge_name,
        issuer_name=issuer_name,
        verify_url=ctx.urls.verification_page(credential_url),
        credential_url=credential_url,
    )
    texts = ctx.notice_texts or _FRENCH
    subject, body = texts.badge_notice(language or DEFAULT_LANGUAGE, channel, values)
    return {
        "channel": channel,
        "recipient": recipient.value,
        "subject": subject[:300],
        "body": body,
        "payload": {"kind": "badge_issued", "credential": row_id},
        "dedupe_key": f"badge:{row_id}",
        "created_at": now,
        "available_at": now,
        "attempts": 0,
    }
