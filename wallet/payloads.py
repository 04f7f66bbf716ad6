"""The credential inside a stored wallet item, in the form other programs take it.

A wallet keeps the exact bytes it received (JSON, VC-JWT, or a baked PNG/SVG). Presentations,
credential offers and the export need the credential itself: the JSON object, the compact JWT,
or what the image carries (``badges.baking.extract_from_image``). Never re-serialised from the
summary: the signed text as received.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from badges.baking import BakingError, extract_from_image
from storage.tables import WalletItem
from wallet.context import WalletError

__all__ = ["Payload", "payload_of"]


@dataclass(frozen=True, slots=True)
class Payload:
    kind: Literal["json", "jwt", "ob2"]
    text: str

    def as_json(self) -> dict[str, Any]:
        value = json.loads(self.text)
        if not isinstance(value, dict):
            raise WalletError("Ce badge n'est pas un objet JSON.", code="badge_unreadable")
        return value


def payload_of(item: WalletItem) -> Payload:
    raw = bytes(item.original_bytes)
    if item.media_type.startswith("image/"):
        try:
            extracted = extract_from_image(raw)
        except BakingError as error:
            raise WalletError(
                "Le badge caché dans l'image ne peut pas être lu.", code="badge_unreadable"
            ) from error
        if extracted.kind == "ob3_jwt":
            return Payload("jwt", extracted.payload.strip())
        if extracted.kind == "ob3_json":
            return Payload("json", extracted.payload)
        return Payload("ob2", extracted.payload)
    text = raw.decode("utf-8").strip().lstrip("\ufeff")
    if item.media_type == "application/vc+jwt":
        return Payload("jwt", text)
    if '"@context"' in text and "openbadges/v2" in text:
        return Payload("ob2", text)
    return Payload("json", text)
