"""Default badge pictures (SVG and PNG) and printable claim QR codes.

A badge whose achievement has no picture gets a generated one: a coloured disc with the
initials of its name. The picture only decorates: everything it shows is also in the
credential as text (reliability-ux.md B1, "data first"). The PNG is written with the standard
library (zlib + CRC chunks, PNG 1.2 §5), so no imaging dependency is needed.
"""

from __future__ import annotations

import hashlib
import struct
import zlib
from xml.sax.saxutils import escape

__all__ = ["badge_png", "badge_svg", "claim_qr_svg", "initials"]

_PALETTE = ("#1f5f8b", "#2e7d4f", "#8a4b08", "#6a3d9a", "#a4262c", "#00695c")
SIZE = 256


def initials(name: str) -> str:
    words = [w for w in name.replace("-", " ").split() if w[:1].isalnum() and len(w) > 2]
    return "".join(w[0].upper() for w in words[:3]) or (name[:1].upper() or "B")


def _colour(name: str) -> str:
    return _PALETTE[hashlib.sha256(name.encode()).digest()[0] % len(_PALETTE)]


def badge_svg(name: str) -> bytes:
    """An accessible SVG (``role="img"``, ``<title>``) with the achievement's initials."""
    colour = _colour(name)
    text = escape(initials(name))
    title = escape(name)
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 256 256" width="256" height="256" '
        f'role="img" aria-labelledby="t"><title id="t">{title}</title>'
        f'<circle cx="128" cy="128" r="120" fill="{colour}"/>'
        '<circle cx="128" cy="128" r="104" fill="none" stroke="#ffffff" stroke-width="6"/>'
        '<text x="128" y="150" font-family="system-ui, sans-serif" font-size="64" '
        f'font-weight="700" fill="#ffffff" text-anchor="middle">{text}</text></svg>'
    ).encode()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def badge_png(name: str) -> bytes:
    """A 256×256 RGBA PNG: a disc of the achievement's colour with a white ring."""
    colour = _colour(name)
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    centre = (SIZE - 1) / 2
    rows = bytearray()
    for y in range(SIZE):
        rows.append(0)  # filter type: none
        for x in range(SIZE):
            distance = ((x - centre) ** 2 + (y - centre) ** 2) ** 0.5
            if distance > 120:
                rows += b"\x00\x00\x00\x00"
            elif 98 <= distance <= 106:
                rows += b"\xff\xff\xff\xff"
            else:
                rows += bytes((r, g, b, 255))
    header = struct.pack(">IIBBBBB", SIZE, SIZE, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + _chunk(b"IEND", b"")
    )


def claim_qr_svg(url: str) -> bytes:
    """A printable QR code (SVG) of a claim link, error correction M."""
    import qrcode
    import qrcode.image.svg

    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    code.add_data(url)
    code.make(fit=True)
    image = code.make_image(image_factory=qrcode.image.svg.SvgPathImage)
    data = image.to_string(encoding="unicode")
    return data.encode() if isinstance(data, str) else bytes(data)
