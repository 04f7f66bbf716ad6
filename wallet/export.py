"""Export everything: one zip archive the holder can keep or take elsewhere (issue 6).

Contents:

- ``badges/NN-<name>.<ext>``: every credential's **original bytes**, exactly as received
  (``.json``, ``.jwt``, ``.png``, ``.svg``);
- ``images/NN-<name>.svg``: for a badge that did not come as an image, a simple picture with the
  badge's name, the credential **baked** into it (OB 3.0 §5.3 SVG baking), so it can be dropped
  into any verifier or backpack; badges that came as images are already baked (``badges/``);
- ``portefeuille.json``: what the wallet knew (summaries, verdicts, verification reports);
- ``LISEZMOI.txt``: what the files are, in plain French.
"""

from __future__ import annotations

import io
import json
import re
import unicodedata
import zipfile
from html import escape
from typing import Any

from badges.baking import BakingError, bake_svg
from storage.engine import session_scope
from storage.tables import WalletItem
from wallet.context import WalletContext
from wallet.holders import get_wallet
from wallet.items import list_items
from wallet.payloads import payload_of

__all__ = ["export_archive", "picture_svg"]

_EXTENSIONS = {
    "application/json": "json",
    "application/vc+jwt": "jwt",
    "image/png": "png",
    "image/svg+xml": "svg",
}

README = """Vos badges numériques
=====================

Ce fichier contient tous vos badges.

- Le dossier « badges » contient chaque badge tel que vous l'avez reçu.
  Ne modifiez pas ces fichiers : sinon, le badge ne sera plus authentique.
- Le dossier « images » contient une image pour chaque badge.
  Le badge est caché dans l'image. Vous pouvez envoyer l'image à une entreprise.
  L'entreprise peut vérifier l'image sur un site de vérification de badges.
- Le fichier « portefeuille.json » est pour les programmes informatiques.

Your digital badges: "badges" holds each badge exactly as received; "images" holds a picture
with the badge baked in; "portefeuille.json" is for programs.
"""


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:40] or "badge"


def picture_svg(name: str, issuer: str = "") -> str:
    """A plain square picture with the badge's name in words (never meaning in the image alone:
    the text is real SVG text, and the picture has a title)."""
    words = escape(name[:60])
    by = escape(issuer[:60])
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="400" height="400" viewBox="0 0 400 400" '
        f'role="img" aria-label="Badge : {words}">'
        f"<title>Badge : {words}</title>"
        '<rect width="400" height="400" rx="40" fill="#0b5cad"/>'
        '<circle cx="200" cy="150" r="80" fill="#ffffff"/>'
        '<text x="200" y="165" font-size="48" text-anchor="middle" fill="#0b5cad" '
        'font-family="sans-serif">★</text>'
        f'<text x="200" y="290" font-size="22" text-anchor="middle" fill="#ffffff" '
        f'font-family="sans-serif">{words}</text>'
        f'<text x="200" y="330" font-size="16" text-anchor="middle" fill="#ffffff" '
        f'font-family="sans-serif">{by}</text>'
        "</svg>"
    )


def _manifest_entry(item: WalletItem, path: str, image: str | None) -> dict[str, Any]:
    return {
        "id": item.id,
        "file": path,
        "baked_image": image,
        "media_type": item.media_type,
        "sha256": item.content_sha256,
        "issuer_id": item.issuer_id,
        "credential_id": item.credential_id,
        "source": str(item.source),
        "verdict": item.verdict,
        "verified_at": item.verified_at.isoformat(),
        "summary": item.summary,
        "verification_report": item.verification_report,
    }


def export_archive(ctx: WalletContext, wallet_id: str) -> bytes:
    with session_scope(ctx.engine, write=False) as session:
        wallet = get_wallet(session, wallet_id)
        items = list_items(session, wallet_id)
        holder = wallet.display_name
    buffer = io.BytesIO()
    manifest: list[dict[str, Any]] = []
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("LISEZMOI.txt", README)
        for number, item in enumerate(items, start=1):
            name = str(item.summary.get("name") or "badge")
            stem = f"{number:02d}-{_slug(name)}"
            path = f"badges/{stem}.{_EXTENSIONS.get(item.media_type, 'bin')}"
            archive.writestr(path, bytes(item.original_bytes))
            image: str | None = None
            if not item.media_type.startswith("image/"):
                try:
                    payload = payload_of(item)
                    baked = bake_svg(
                        picture_svg(name, str(item.summary.get("issuer_name") or "")),
                        payload.text,
                    )
                except (BakingError, ValueError):
                    baked = None  # the original bytes are still in badges/
                if baked is not None:
                    image = f"images/{stem}.svg"
                    archive.writestr(image, baked)
            manifest.append(_manifest_entry(item, path, image))
        archive.writestr(
            "portefeuille.json",
            json.dumps(
                {"holder": holder, "exported_at": ctx.now().isoformat(), "badges": manifest},
                ensure_ascii=False,
                indent=2,
            ),
        )
    return buffer.getvalue()
