"""Downloads of an issued credential: JSON, VC-JWT, baked PNG, baked SVG (OB 3.0 §5.3 baking).

The bytes exported are always the **stored signed text** (never re-serialised). A credential
signed as JSON with an embedded proof is exported as JSON or baked; one signed as a VC-JWT as
the compact JWT or baked. Converting between the two would mean signing new bytes outside the
issuance transaction, so it is refused with ``format_unavailable`` (issue the badge with the
other suite instead).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from badges.baking import bake_png, bake_svg
from issuer.context import IssuerContext, IssuerError
from issuer.images import badge_png, badge_svg
from issuer.service import get_credential
from storage.engine import session_scope
from storage.tables import Achievement, CredentialFormat

__all__ = ["ExportFormat", "Exported", "export_credential"]


class ExportFormat(StrEnum):
    JSON = "json"
    JWT = "jwt"
    PNG = "png"
    SVG = "svg"


@dataclass(frozen=True, slots=True)
class Exported:
    data: bytes
    media_type: str
    filename: str


def export_credential(ctx: IssuerContext, ref: str, as_: ExportFormat | str) -> Exported:
    wanted = ExportFormat(as_)
    row = get_credential(ctx, ref)
    with session_scope(ctx.engine, write=False) as session:
        achievement = session.get(Achievement, row.achievement_id)
    name = achievement.name if achievement else "Badge"
    stem = f"badge-{row.id[:8]}"
    text = row.signed_text
    if wanted == ExportFormat.JSON:
        if row.format != CredentialFormat.JSON:
            raise _unavailable("JSON", "jwt")
        return Exported(text.encode(), "application/vc+ld+json", f"{stem}.json")
    if wanted == ExportFormat.JWT:
        if row.format != CredentialFormat.JWT:
            raise _unavailable("JWT", "json")
        return Exported(text.encode(), "application/vc+jwt", f"{stem}.jwt")
    if wanted == ExportFormat.PNG:
        return Exported(bake_png(badge_png(name), text), "image/png", f"{stem}.png")
    return Exported(bake_svg(badge_svg(name), text), "image/svg+xml", f"{stem}.svg")


def _unavailable(wanted: str, available: str) -> IssuerError:
    return IssuerError(
        f"ce badge a été signé au format {available.upper()} : il ne peut pas être téléchargé "
        f"en {wanted} sans être signé à nouveau (exportez-le en {available}, png ou svg)",
        code="format_unavailable",
        status=409,
    )
