"""Baking credentials into images and extracting them (OB 3.0 §5.3 "Baked Badge"; OB 2.0).

PNG (OB 3.0 §5.3.1): one ``iTXt`` chunk, keyword ``openbadgecredential``, compression flag 0,
holding the credential JSON or its compact JWS; the chunk "MUST NOT appear more than once", so
baking again replaces it. SVG (§5.3.2): ``xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"``
and one ``<openbadges:credential>`` right after ``<svg>``, JSON in CDATA or JWS in ``verify``.

Extraction also reads OB 2.0 bakes: PNG ``iTXt`` ``openbadges`` (assertion JSON or JWS), legacy
``tEXt``/``zTXt`` ``openbadges`` (often a hosted URL), SVG ``<openbadges:assertion>`` with a
``verify`` attribute (JWS or URL) or a JSON body.

Images come from strangers, so parsing is defensive (reliability-ux.md S10/S11): a size cap,
every PNG chunk's CRC checked, pixels never decoded, duplicate or compressed credential chunks
refused without inflating them, zTXt inflated under a cap, SVG read without entities or DTD
subsets (``badges.baking_svg``).
"""

from __future__ import annotations

import json
import re
import struct
import zlib
from dataclasses import dataclass
from typing import Any, Literal

from badges.baking_svg import OB2_NS, OB3_NS, BakingError, bake_svg_bytes, scan_svg

__all__ = [
    "BakingError",
    "Extracted",
    "bake",
    "bake_png",
    "bake_svg",
    "extract_from_image",
    "image_kind",
]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
OB3_KEYWORD = b"openbadgecredential"
OB2_KEYWORD = b"openbadges"
MAX_IMAGE_BYTES = 16 * 1024 * 1024
MAX_PAYLOAD_BYTES = 2 * 1024 * 1024
MAX_CHUNKS = 10_000

Kind = Literal["ob3_json", "ob3_jwt", "ob2_assertion", "url"]
_JWS = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+$")
_URL = re.compile(r"^https?://\S+$")


@dataclass(frozen=True, slots=True)
class Extracted:
    """A baked payload. ``kind`` says what it is; ``source`` where it was found."""

    kind: Kind
    payload: str
    source: str  # "png:iTXt", "png:tEXt", "png:zTXt", "svg:credential", "svg:assertion"

    @property
    def is_jws(self) -> bool:
        return bool(_JWS.match(self.payload))


def image_kind(data: bytes) -> Literal["png", "svg"] | None:
    """``png`` by signature, ``svg`` when the bytes look like XML with an ``<svg`` element."""
    if data.startswith(PNG_SIGNATURE):
        return "png"
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<") and b"<svg" in data[:65536]:
        return "svg"
    return None


def _payload_text(payload: str | dict[str, Any]) -> str:
    if isinstance(payload, dict):
        return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    text = payload.strip()
    if not text:
        raise BakingError("Rien à cuire : le badge est vide", code="no_baked_credential")
    return text


# -- PNG ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Chunk:
    type: bytes
    data: bytes
    start: int
    end: int


def _png_chunks(data: bytes) -> list[_Chunk]:
    """Every chunk, CRC-checked; the file must end with IEND (PNG spec §5.3, §5.6)."""
    if not data.startswith(PNG_SIGNATURE):
        raise BakingError("Ce fichier n'est pas une image PNG")
    chunks: list[_Chunk] = []
    offset = len(PNG_SIGNATURE)
    while offset < len(data):
        if offset + 12 > len(data):
            raise BakingError("PNG tronqué")
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        chunk_type = data[offset + 4 : offset + 8]
        end = offset + 12 + length
        if length > 0x7FFFFFFF or end > len(data) or not chunk_type.isalpha():
            raise BakingError("PNG : bloc de données invalide")
        body = data[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack(">I", data[end - 4 : end])
        if zlib.crc32(chunk_type + body) != crc:
            raise BakingError(f"PNG : somme de contrôle fausse (bloc {chunk_type.decode()})")
        chunks.append(_Chunk(chunk_type, body, offset, end))
        if len(chunks) > MAX_CHUNKS:
            raise BakingError("PNG : trop de blocs", code="image_too_large")
        offset = end
        if chunk_type == b"IEND":
            break
    if not chunks or chunks[0].type != b"IHDR" or chunks[-1].type != b"IEND":
        raise BakingError("PNG : structure invalide (IHDR/IEND)")
    return chunks


def _make_chunk(chunk_type: bytes, body: bytes) -> bytes:
    crc = zlib.crc32(chunk_type + body)
    return struct.pack(">I", len(body)) + chunk_type + body + struct.pack(">I", crc)


def _inflate(body: bytes) -> bytes:
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(body, MAX_PAYLOAD_BYTES)
    except zlib.error as exc:
        raise BakingError(f"PNG : texte compressé illisible ({exc})") from exc
    if inflater.unconsumed_tail:
        raise BakingError("PNG : texte compressé trop gros", code="image_too_large")
    return out


def _text_chunk(chunk: _Chunk) -> tuple[bytes, str, bool] | None:
    """``(keyword, text, compressed)`` of a text chunk, or None for other chunks."""
    keyword, sep, rest = chunk.data.partition(b"\0")
    if not sep:
        return None
    if chunk.type == b"tEXt":
        return keyword, rest.decode("latin-1"), False
    if chunk.type == b"zTXt":
        if keyword == OB3_KEYWORD:
            return keyword, "", True  # refused by the caller, never inflated
        if keyword != OB2_KEYWORD:
            return None
        # Some OB 2.0 bakers wrote zTXt: read it, under the payload cap.
        return keyword, _inflate(rest[1:]).decode("latin-1"), True
    if chunk.type == b"iTXt":
        if len(rest) < 2:
            raise BakingError("PNG : bloc iTXt tronqué")
        compressed = rest[0] == 1
        _language, _, rest2 = rest[2:].partition(b"\0")
        _translated, _, text = rest2.partition(b"\0")
        if compressed:
            return keyword, "", True
        try:
            return keyword, text.decode("utf-8"), False
        except UnicodeDecodeError as exc:
            raise BakingError("PNG : texte iTXt non UTF-8") from exc
    return None


def _extract_png(data: bytes) -> Extracted:
    found: dict[bytes, list[tuple[str, str]]] = {OB3_KEYWORD: [], OB2_KEYWORD: []}
    for chunk in _png_chunks(data):
        if chunk.type not in (b"iTXt", b"tEXt", b"zTXt"):
            continue
        if not chunk.data.startswith((OB3_KEYWORD + b"\0", OB2_KEYWORD + b"\0")):
            continue
        parsed = _text_chunk(chunk)
        if parsed is None:
            continue
        keyword, text, compressed = parsed
        if compressed and (chunk.type == b"iTXt" or keyword == OB3_KEYWORD):
            # OB 3.0 §5.3.1 and OB 2.0: "Compression MUST NOT be used"; never inflate it.
            raise BakingError(
                "Le badge caché dans l'image est compressé", code="baked_chunk_compressed"
            )
        found[keyword].append((text, "png:" + chunk.type.decode()))
    for keyword in (OB3_KEYWORD, OB2_KEYWORD):
        entries = found[keyword]
        if len(entries) > 1:
            raise BakingError(
                "L'image contient plusieurs badges", code="baked_credential_duplicate"
            )
        if entries:
            text, source = entries[0]
            return _classify(text, source, ob3=keyword == OB3_KEYWORD)
    raise BakingError("Cette image ne contient pas de badge", code="no_baked_credential")


def bake_png(png: bytes, payload: str | dict[str, Any]) -> bytes:
    """Bake ``payload`` (credential JSON text, dict, or compact JWS) into ``png``.

    Existing ``openbadgecredential`` chunks are removed, so the result holds exactly one; the new
    uncompressed ``iTXt`` chunk goes right after IHDR.
    """
    if len(png) > MAX_IMAGE_BYTES:
        raise BakingError("Image trop grande", code="image_too_large")
    text = _payload_text(payload)
    chunks = _png_chunks(png)
    body = OB3_KEYWORD + b"\0" + b"\0\0" + b"\0" + b"\0" + text.encode("utf-8")
    out = bytearray(PNG_SIGNATURE)
    for chunk in chunks:
        is_ob3 = chunk.type in (b"iTXt", b"tEXt", b"zTXt") and chunk.data.startswith(
            OB3_KEYWORD + b"\0"
        )
        if is_ob3:
            continue
        out += png[chunk.start : chunk.end]
        if chunk.type == b"IHDR":
            out += _make_chunk(b"iTXt", body)
    _self_check(bytes(out), text)
    return bytes(out)


# -- SVG ------------------------------------------------------------------------------------


def _extract_svg(data: bytes) -> Extracted:
    scan = scan_svg(data)
    for namespace, ob3 in ((OB3_NS, True), (OB2_NS, False)):
        elements = [e for e in scan.elements if e.namespace == namespace]
        if len(elements) > 1:
            raise BakingError(
                "L'image contient plusieurs badges", code="baked_credential_duplicate"
            )
        if elements:
            element = elements[0]
            source = "svg:credential" if ob3 else "svg:assertion"
            text = element.verify if element.verify else element.text
            return _classify(text, source, ob3=ob3)
    raise BakingError("Cette image ne contient pas de badge", code="no_baked_credential")


def bake_svg(svg: str | bytes, payload: str | dict[str, Any]) -> bytes:
    """Bake ``payload`` into an SVG: JSON goes in CDATA, a compact JWS in ``verify``."""
    data = svg.encode("utf-8") if isinstance(svg, str) else svg
    if len(data) > MAX_IMAGE_BYTES:
        raise BakingError("Image trop grande", code="image_too_large")
    # XML turns CR and CRLF into LF when read: bake what will be read back.
    text = _payload_text(payload).replace("\r\n", "\n").replace("\r", "\n")
    baked = bake_svg_bytes(data, text, is_jws=bool(_JWS.match(text)))
    _self_check(baked, text)
    return baked


def _self_check(baked: bytes, text: str) -> None:
    """Read the result back: a payload XML cannot carry (control characters) fails here."""
    try:
        extracted = extract_from_image(baked)
    except BakingError as exc:
        raise BakingError(
            f"Ce badge ne peut pas être cuit dans cette image : {exc}", code=exc.code
        ) from exc
    if extracted.payload != text:
        raise BakingError("Ce badge ne peut pas être cuit dans cette image sans être modifié")


# -- both -----------------------------------------------------------------------------------


def _classify(text: str, source: str, *, ob3: bool) -> Extracted:
    payload = text.strip()
    if not payload:
        raise BakingError("Le badge caché dans l'image est vide", code="no_baked_credential")
    if len(payload.encode("utf-8")) > MAX_PAYLOAD_BYTES:
        raise BakingError("Le badge caché dans l'image est trop gros", code="image_too_large")
    if _URL.match(payload):
        return Extracted("url", payload, source)
    if not ob3:
        return Extracted("ob2_assertion", payload, source)
    if _JWS.match(payload):
        return Extracted("ob3_jwt", payload, source)
    return Extracted("ob3_json", payload, source)


def extract_from_image(data: bytes, *, max_bytes: int = MAX_IMAGE_BYTES) -> Extracted:
    """The credential baked into a PNG or SVG image; raises :class:`BakingError`.

    Codes: ``image_too_large``, ``image_malformed`` (not a PNG/SVG, bad CRC, broken XML),
    ``xml_entities_refused``, ``baked_credential_duplicate``, ``baked_chunk_compressed``,
    ``no_baked_credential``. An OB 3.0 bake wins over an OB 2.0 one in the same image.
    """
    if len(data) > max_bytes:
        raise BakingError("Image trop grande", code="image_too_large")
    kind = image_kind(data)
    if kind == "png":
        return _extract_png(data)
    if kind == "svg":
        return _extract_svg(data)
    raise BakingError("Format d'image non pris en charge (PNG ou SVG attendu)")


def bake(image: bytes, payload: str | dict[str, Any]) -> bytes:
    """Bake into a PNG or an SVG, chosen from the image bytes."""
    kind = image_kind(image)
    if kind == "png":
        return bake_png(image, payload)
    if kind == "svg":
        return bake_svg(image, payload)
    raise BakingError("Format d'image non pris en charge (PNG ou SVG attendu)")
