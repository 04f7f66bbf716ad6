"""Badges arriving in a wallet: every import is verified, its exact bytes kept, duplicates
recognised by the OB equality rule.

Accepted (issue 6): OB 3.0 JSON (embedded proof), VC-JWT, baked PNG/SVG, OB 2.0 assertions, and
credentials issued here (claims, see :mod:`wallet.claims`). The verifier's report is stored with
the item and shown on the badge page; a badge that is "not valid" is kept too (the holder sees
why), but an input that is no badge at all is refused.

Duplicates (OB 3.0 §"Credential Equality and Comparison", ``badges.equality``): the same
``issuer.id`` and ``id`` in one wallet is one item; a copy with a strictly newer ``validFrom``
replaces the stored bytes, any other copy is recognised as already there.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlmodel import Session, select

from badges.baking import image_kind
from badges.equality import credential_key, is_newer
from storage.engine import session_scope
from storage.tables import WalletCompetence, WalletItem, WalletItemSource
from verifier.checks.validity import parse_datetime
from verifier.pipeline import verify
from verifier.report import Verdict, VerificationReport
from wallet.context import WalletContext, WalletError
from wallet.holders import get_wallet
from wallet.summary import summarise

__all__ = [
    "ImportOutcome",
    "ImportResult",
    "add_verified",
    "get_item",
    "import_badge",
    "list_items",
    "media_type_of",
    "refresh",
    "refresh_stale",
]

MAX_IMPORT_BYTES = 8 * 1024 * 1024


class ImportOutcome(StrEnum):
    ADDED = "added"
    REPLACED = "replaced"  # same badge, newer validFrom: the new copy replaced the old one
    DUPLICATE = "duplicate"  # same badge already in the wallet: nothing changed


@dataclass(frozen=True, slots=True)
class ImportResult:
    item: WalletItem
    outcome: ImportOutcome
    report: VerificationReport


def media_type_of(data: bytes) -> str:
    kind = image_kind(data)
    if kind == "png":
        return "image/png"
    if kind == "svg":
        return "image/svg+xml"
    text = data.strip().lstrip(b"\xef\xbb\xbf").strip()
    if text[:1] in (b"{", b"["):
        return "application/json"
    return "application/vc+jwt"


def _equality_key(credential: dict[str, Any], content_sha256: str) -> tuple[str, str]:
    """OB equality key; a badge without ids (some OB 2.0 assertions) is keyed by its bytes."""
    key = credential_key(credential)
    badge = credential.get("badge")
    if key is None and isinstance(badge, str) and isinstance(credential.get("id"), str):
        # OB 2.0: an assertion is identified by its id, under the BadgeClass it asserts.
        return badge[:500], str(credential["id"])[:500]
    if key is None:
        issuer = credential.get("issuer") or credential.get("badge")
        issuer_text = issuer if isinstance(issuer, str) else "urn:atouts:unknown-issuer"
        return issuer_text[:500], f"urn:sha256:{content_sha256}"
    return key[0][:500], key[1][:500]


def _valid_from(credential: dict[str, Any]) -> datetime | None:
    value = credential.get("validFrom", credential.get("issuanceDate", credential.get("issuedOn")))
    return parse_datetime(value) if isinstance(value, str) else None


def import_badge(
    ctx: WalletContext,
    wallet_id: str,
    data: bytes | str,
    *,
    source: WalletItemSource = WalletItemSource.IMPORT,
    issued_credential_id: str | None = None,
    session: Session | None = None,
) -> ImportResult:
    """Verify ``data`` and keep it in the wallet (see the module docstring)."""
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    if not raw.strip():
        raise WalletError("Le fichier est vide.", code="import_empty")
    if len(raw) > MAX_IMPORT_BYTES:
        raise WalletError("Le fichier est trop gros (8 Mo au plus).", code="import_too_large")
    report = verify(raw, options=ctx.verify_options())
    if report.input_kind in ("url", "presentation"):
        raise WalletError(
            "Donnez le fichier du badge (image, JSON ou texte), pas un lien ni une présentation.",
            code="import_not_a_badge",
        )
    if report.credential is None:
        raise WalletError(
            "Ce fichier n'est pas un badge numérique que nous savons lire.",
            code="import_not_a_badge",
        )
    if session is not None:
        return add_verified(ctx, session, wallet_id, raw, report, source, issued_credential_id)
    with session_scope(ctx.engine) as own:
        return add_verified(ctx, own, wallet_id, raw, report, source, issued_credential_id)


def add_verified(
    ctx: WalletContext,
    session: Session,
    wallet_id: str,
    raw: bytes,
    report: VerificationReport,
    source: WalletItemSource,
    issued_credential_id: str | None = None,
) -> ImportResult:
    get_wallet(session, wallet_id)
    credential = report.credential or {}
    sha = hashlib.sha256(raw).hexdigest()
    issuer_id, credential_id = _equality_key(credential, sha)
    existing = session.exec(
        select(WalletItem)
        .where(WalletItem.wallet_id == wallet_id)
        .where(WalletItem.issuer_id == issuer_id)
        .where(WalletItem.credential_id == credential_id)
    ).first()
    now = ctx.now()
    if existing is not None:
        stored = existing.verification_report.get("credential") or {}
        if not is_newer(credential, stored):
            return ImportResult(existing, ImportOutcome.DUPLICATE, report)
        item, outcome = existing, ImportOutcome.REPLACED
        item.updated_at = now
    else:
        item = WalletItem(
            wallet_id=wallet_id,
            issuer_id=issuer_id,
            credential_id=credential_id,
            source=source,
            original_bytes=raw,
            media_type="",
            content_sha256=sha,
            verdict=str(report.verdict),
            verified_at=now,
        )
        outcome = ImportOutcome.ADDED
    item.original_bytes = raw
    item.media_type = media_type_of(raw)
    item.content_sha256 = sha
    item.valid_from = _valid_from(credential)
    item.verdict = str(report.verdict)
    item.verification_report = report.to_json_dict()
    item.verified_at = now
    item.summary = summarise(credential)
    if issued_credential_id is not None:
        item.issued_credential_id = issued_credential_id
    session.add(item)
    session.flush()
    _index_competences(session, item)
    return ImportResult(item, outcome, report)


def _index_competences(session: Session, item: WalletItem) -> None:
    """Matching's inverted index (competence node -> wallets): verified badges only."""
    for old in session.exec(
        select(WalletCompetence).where(WalletCompetence.wallet_item_id == item.id)
    ):
        session.delete(old)
    session.flush()
    if item.verdict != Verdict.VERIFIED:
        return
    seen: set[str] = set()
    for competence in item.summary.get("competences", []):
        node = competence.get("node") or competence.get("url")
        if isinstance(node, str) and node not in seen:
            seen.add(node)
            session.add(
                WalletCompetence(
                    wallet_id=item.wallet_id, wallet_item_id=item.id, node_id=node[:500]
                )
            )


def list_items(session: Session, wallet_id: str) -> list[WalletItem]:
    return list(
        session.exec(
            select(WalletItem)
            .where(WalletItem.wallet_id == wallet_id)
            .order_by(WalletItem.added_at, WalletItem.id)  # type: ignore[arg-type]
        )
    )


def get_item(session: Session, wallet_id: str, item_id: str) -> WalletItem:
    """An item of *this* wallet; another holder's item is "not found" (no existence leak)."""
    item = session.get(WalletItem, item_id)
    if item is None or item.wallet_id != wallet_id:
        raise WalletError(
            "Ce badge n'est pas dans votre portefeuille.", code="badge_not_found", status=404
        )
    return item


def reverify(ctx: WalletContext, item: WalletItem) -> VerificationReport:
    """Verify the stored bytes again now (status may have changed since the import)."""
    return verify(bytes(item.original_bytes), options=ctx.verify_options())


def refresh(ctx: WalletContext, wallet_id: str, item_id: str) -> WalletItem:
    """Verify one kept badge again now and keep the new report (an issuer may have withdrawn it
    since it arrived; the badge page must say whether it is *still* valid)."""
    with session_scope(ctx.engine, write=False) as session:
        item = get_item(session, wallet_id, item_id)
    report = reverify(ctx, item)
    with session_scope(ctx.engine) as session:
        row = get_item(session, wallet_id, item_id)
        row.verdict = str(report.verdict)
        row.verification_report = report.to_json_dict()
        row.verified_at = ctx.now()
        session.add(row)
        session.flush()
        _index_competences(session, row)
        return row


def refresh_stale(ctx: WalletContext, wallet_id: str, *, max_age: timedelta) -> int:
    """Re-verify the badges verified longer than ``max_age`` ago; returns how many."""
    limit = ctx.now() - max_age
    with session_scope(ctx.engine, write=False) as session:
        stale = [i.id for i in list_items(session, wallet_id) if i.verified_at < limit]
    for item_id in stale:
        refresh(ctx, wallet_id, item_id)
    return len(stale)
