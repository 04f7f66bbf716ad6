"""The credential inside the bytes a wallet keeps, for reading competences and levels.

A wallet item stores the exact bytes received (``wallet_items.original_bytes``: OB 3.0 JSON, a
VC-JWT, or a PNG / SVG with the credential baked in) and the verifier's verdict. The wallet's
own index of competences (``wallet_competences``) records nodes without levels, so matching
reads the levels (``result[].achievedLevel``, OB 3.0 §B.1.14 Result) from the credential
itself. Nothing is verified here: the caller only passes bytes whose stored verdict is
``verified`` (matching never imports the verifier).
"""

from __future__ import annotations

import json
from typing import Any

from badges.baking import extract_from_image, image_kind
from badges.jwt import credential_from_payload, decode_jose
from badges.problems import BadgeError

__all__ = ["credential_from_bytes"]


def _from_text(text: str) -> dict[str, Any] | None:
    text = text.strip().lstrip("\ufeff").strip()
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except ValueError:
            return None
        return data if isinstance(data, dict) else None
    try:
        _, payload, _, _ = decode_jose(text)
    except BadgeError:
        return None
    return credential_from_payload(payload)


def credential_from_bytes(raw: bytes) -> dict[str, Any] | None:
    """The credential the stored bytes carry, or ``None`` when they cannot be read."""
    try:
        if image_kind(raw) is not None:
            return _from_text(extract_from_image(raw).payload)
        return _from_text(raw.decode("utf-8"))
    except (BadgeError, UnicodeDecodeError):
        return None
