"""Share links: one audience, picked badges, an expiry the holder chooses, withdrawn in one tap.

Issue 6 and reliability-ux.md B2/P6:

- one audience: a named employer, or "anyone with the link";
- an expiry the holder picks (default 30 days, at most one year). The page says plainly that
  the *link* expires, not the badge (LCW #446: people thought the badge itself expired);
- the token carries 128 random bits and only its SHA-256 is stored; withdrawing deletes the
  share row (and by cascade its items and access log): afterwards the link reveals nothing;
- every opening is logged (time and kind only: no IP address, no user agent) for the holder;
- one holder can never read or withdraw another's shares: every holder-side function takes the
  wallet id and answers "not found" for a share of another wallet.

Opening a share (:func:`open_share`) re-verifies each shared badge at the injected clock's time,
so the employer sees today's verdict (a badge revoked after sharing shows as withdrawn).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote, urlsplit

from sqlmodel import Session, select

from storage.engine import session_scope
from storage.tables import (
    Share,
    ShareAccess,
    ShareAccessKind,
    ShareAudience,
    ShareItem,
    Wallet,
    WalletItem,
)
from verifier.report import Verdict, VerificationReport
from wallet.context import WalletContext, WalletError
from wallet.items import get_item, reverify
from wallet.tokens import new_token, token_hash

__all__ = [
    "DEFAULT_SHARE_DAYS",
    "MAX_SHARE_DAYS",
    "CreatedShare",
    "OpenedShare",
    "ShareGoneError",
    "access_log",
    "create_share",
    "get_share",
    "linkedin_url",
    "list_shares",
    "open_share",
    "parse_duration",
    "share_items",
    "token_from_link",
    "withdraw_share",
    "withdraw_share_by_token",
]

DEFAULT_SHARE_DAYS = 30
MAX_SHARE_DAYS = 365


class ShareGoneError(WalletError):
    """The link was withdrawn, has expired, or never existed: 410, and nothing else is said."""

    def __init__(self) -> None:
        super().__init__(
            "Ce lien ne marche plus. La personne l'a retiré, ou il a expiré.",
            code="share_gone",
            status=410,
        )


@dataclass(frozen=True, slots=True)
class CreatedShare:
    share: Share
    token: str  # shown once to the holder; only its hash is stored
    url: str


@dataclass(slots=True)
class SharedBadge:
    item: WalletItem
    report: VerificationReport


@dataclass(slots=True)
class OpenedShare:
    share: Share
    holder_name: str
    badges: list[SharedBadge] = field(default_factory=list)


def parse_duration(text: str | None) -> timedelta:
    """``30d``, ``7 jours``, ``2w``/``2sem``, ``12h``; a bare number is days."""
    if text is None or not str(text).strip():
        return timedelta(days=DEFAULT_SHARE_DAYS)
    match = re.fullmatch(
        r"\s*(\d+)\s*(d|j|jours?|days?|w|sem|semaines?|weeks?|h|heures?|hours?)?\s*",
        str(text).lower(),
    )
    if not match:
        raise WalletError(
            f"Durée « {text} » non comprise : écrivez par exemple 7d ou 30 jours.",
            code="share_duration_invalid",
        )
    number, unit = int(match.group(1)), (match.group(2) or "d")
    if unit.startswith(("w", "sem")):
        duration = timedelta(weeks=number)
    elif unit.startswith("h"):
        duration = timedelta(hours=number)
    else:
        duration = timedelta(days=number)
    if duration <= timedelta(0) or duration > timedelta(days=MAX_SHARE_DAYS):
        raise WalletError(
            f"Un lien dure de 1 heure à {MAX_SHARE_DAYS} jours.", code="share_duration_invalid"
        )
    return duration


def create_share(
    ctx: WalletContext,
    wallet_id: str,
    item_ids: list[str],
    *,
    audience_name: str | None = None,
    duration: timedelta | None = None,
) -> CreatedShare:
    """A new link for the picked badges of this wallet (see the module docstring)."""
    ids = list(dict.fromkeys(i.strip() for i in item_ids if i and i.strip()))
    if not ids:
        raise WalletError("Choisissez au moins un badge à montrer.", code="share_no_badge")
    duration = duration or timedelta(days=DEFAULT_SHARE_DAYS)
    name = (audience_name or "").strip() or None
    now = ctx.now()
    token = new_token()
    with session_scope(ctx.engine) as session:
        items = [get_item(session, wallet_id, item_id) for item_id in ids]
        refused = [i for i in items if i.verdict == Verdict.NOT_VERIFIED]
        if refused:
            raise WalletError(
                "Un badge choisi n'est pas valable : il ne peut pas être montré. "
                f"({refused[0].summary.get('name') or refused[0].id})",
                code="share_badge_not_valid",
            )
        share = Share(
            wallet_id=wallet_id,
            token_hash=token_hash(token),
            audience=ShareAudience.NAMED if name else ShareAudience.ANYONE,
            audience_name=name[:200] if name else None,
            created_at=now,
            expires_at=now + duration,
        )
        session.add(share)
        session.flush()
        for position, item in enumerate(items):
            session.add(ShareItem(share_id=share.id, wallet_item_id=item.id, position=position))
        return CreatedShare(share, token, ctx.share_url(token))


def list_shares(session: Session, wallet_id: str) -> list[Share]:
    return list(
        session.exec(
            select(Share).where(Share.wallet_id == wallet_id).order_by(Share.created_at.desc())  # type: ignore[attr-defined]
        )
    )


def get_share(session: Session, wallet_id: str, share_id: str) -> Share:
    share = session.get(Share, share_id)
    if share is None or share.wallet_id != wallet_id:
        raise WalletError("Ce lien n'existe pas.", code="share_not_found", status=404)
    return share


def share_items(session: Session, share_id: str) -> list[WalletItem]:
    rows = session.exec(
        select(WalletItem, ShareItem.position)
        .join(ShareItem, ShareItem.wallet_item_id == WalletItem.id)  # type: ignore[arg-type]
        .where(ShareItem.share_id == share_id)
        .order_by(ShareItem.position)  # type: ignore[arg-type]
    ).all()
    return [item for item, _ in rows]


def access_log(ctx: WalletContext, wallet_id: str, share_id: str) -> list[ShareAccess]:
    with session_scope(ctx.engine, write=False) as session:
        get_share(session, wallet_id, share_id)
        return list(
            session.exec(
                select(ShareAccess)
                .where(ShareAccess.share_id == share_id)
                .order_by(ShareAccess.accessed_at.desc())  # type: ignore[attr-defined]
            )
        )


def withdraw_share(ctx: WalletContext, wallet_id: str, share_id: str) -> None:
    """Hard delete of one of *this wallet's* shares (its log goes with it)."""
    with session_scope(ctx.engine) as session:
        share = get_share(session, wallet_id, share_id)
        session.delete(share)


def token_from_link(link: str) -> str:
    """The token of a share link (``…/p/<token>``, with or without ``/imprimer``) or a bare one."""
    text = link.strip()
    if "/" in text:
        path = urlsplit(text).path.rstrip("/")
        parts = [p for p in path.split("/") if p]
        if "p" in parts and parts.index("p") + 1 < len(parts):
            return parts[parts.index("p") + 1]
        return parts[-1] if parts else ""
    return text


def withdraw_share_by_token(ctx: WalletContext, link: str) -> bool:
    """Withdraw the share a link opens (operator command ``atouts wallet unshare LINK``)."""
    digest = token_hash(token_from_link(link))
    with session_scope(ctx.engine) as session:
        share = session.exec(select(Share).where(Share.token_hash == digest)).first()
        if share is None:
            return False
        session.delete(share)
        return True


def _live_share(session: Session, token: str, now: datetime) -> Share:
    share = session.exec(select(Share).where(Share.token_hash == token_hash(token))).first()
    if share is None or share.expires_at <= now:
        raise ShareGoneError()
    return share


def open_share(
    ctx: WalletContext,
    token: str,
    *,
    kind: ShareAccessKind = ShareAccessKind.VIEW,
    log: bool = True,
) -> OpenedShare:
    """What the employer sees; logs the opening (``log=False`` for a messaging app fetching a
    link preview: the holder's log says when a *person* opened it). Raises
    :class:`ShareGoneError` (410)."""
    now = ctx.now()
    with session_scope(ctx.engine) as session:
        share = _live_share(session, token, now)
        if log:
            session.add(ShareAccess(share_id=share.id, accessed_at=now, kind=kind))
        wallet = session.get(Wallet, share.wallet_id)
        items = share_items(session, share.id)
        holder = wallet.display_name if wallet is not None else ""
    opened = OpenedShare(share=share, holder_name=holder)
    for item in items:
        opened.badges.append(SharedBadge(item, reverify(ctx, item)))
    return opened


def preview_share(ctx: WalletContext, wallet_id: str, item_ids: list[str]) -> list[SharedBadge]:
    """Exactly what the employer would see for these badges, verified now (nothing stored)."""
    with session_scope(ctx.engine, write=False) as session:
        items = [get_item(session, wallet_id, i) for i in item_ids]
    return [SharedBadge(item, reverify(ctx, item)) for item in items]


def shared_badge_for_download(ctx: WalletContext, token: str, item_id: str) -> WalletItem:
    """The exact bytes of one shared badge (logged as a download)."""
    now = ctx.now()
    with session_scope(ctx.engine) as session:
        share = _live_share(session, token, now)
        items = {i.id: i for i in share_items(session, share.id)}
        if item_id not in items:
            raise ShareGoneError()
        session.add(ShareAccess(share_id=share.id, accessed_at=now, kind=ShareAccessKind.DOWNLOAD))
        return items[item_id]


def linkedin_url(
    *,
    name: str,
    organisation: str,
    issued: datetime | None,
    cert_url: str,
    expires: datetime | None = None,
    cert_id: str | None = None,
) -> str:
    """LinkedIn "Add to profile" certification URL; every value URL-encoded (reliability-ux.md
    B2 — LCW did not encode, which broke names with accents and ``&``). ``certUrl`` must be the
    verification page, not the badge file."""
    params: list[tuple[str, Any]] = [
        ("startTask", "CERTIFICATION_NAME"),
        ("name", name),
        ("organizationName", organisation),
    ]
    if issued is not None:
        params += [("issueYear", issued.year), ("issueMonth", issued.month)]
    if expires is not None:
        params += [("expirationYear", expires.year), ("expirationMonth", expires.month)]
    params.append(("certUrl", cert_url))
    if cert_id:
        params.append(("certId", cert_id))
    query = "&".join(f"{k}={quote(str(v), safe='')}" for k, v in params)
    return f"https://www.linkedin.com/profile/add?{query}"
