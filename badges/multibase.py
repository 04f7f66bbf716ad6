"""Multibase and base58btc / base64url codecs used by Multikey, Data Integrity and JOSE.

Multibase: draft-multiformats-multibase (prefix ``z`` = base58btc, ``u`` = base64url without
padding). Data Integrity proof values and Multikey keys use ``z`` (VC-DI-EDDSA §2.1.1, §3.2.5);
Bitstring Status List ``encodedList`` uses ``u`` (BSL §3.2).
"""

from __future__ import annotations

import base64
import binascii

from badges.problems import BadgeError

_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_INDEX = {ch: i for i, ch in enumerate(_ALPHABET)}


class MultibaseError(BadgeError):
    """A multibase / base58 / base64url string that does not decode."""

    code = "multibase_invalid"


_CHUNK_DIGITS = 10
_CHUNK = 58**_CHUNK_DIGITS


def base58btc_encode(data: bytes) -> str:
    """Bitcoin base58 alphabet; each leading zero byte becomes a leading ``1``."""
    zeros = len(data) - len(data.lstrip(b"\0"))
    number = int.from_bytes(data, "big")
    out: list[str] = []
    # Ten digits per big-integer division; the inner divisions are on machine-size integers.
    while number:
        number, chunk = divmod(number, _CHUNK)
        for _ in range(_CHUNK_DIGITS):
            chunk, rem = divmod(chunk, 58)
            out.append(_ALPHABET[rem])
    while out and out[-1] == _ALPHABET[0]:
        out.pop()  # the zero digits padding the last chunk (leading zero bytes are added below)
    return "1" * zeros + "".join(reversed(out))


def base58btc_decode(text: str) -> bytes:
    """Inverse of :func:`base58btc_encode`; raises :class:`MultibaseError` on a foreign char."""
    if not isinstance(text, str):
        raise MultibaseError("base58btc: une chaîne est attendue")
    number = 0
    for ch in text:
        digit = _INDEX.get(ch)
        if digit is None:
            raise MultibaseError(f"base58btc : caractère invalide {ch!r}")
        number = number * 58 + digit
    zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * zeros + body


def base64url_encode(data: bytes) -> str:
    """RFC 4648 §5 alphabet without ``=`` padding (as JOSE and multibase ``u`` use it)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def base64url_decode(text: str) -> bytes:
    """Accepts input with or without padding; refuses characters outside the url-safe alphabet."""
    if not isinstance(text, str):
        raise MultibaseError("base64url : une chaîne est attendue")
    if any(ch in text for ch in "+/"):
        raise MultibaseError("base64url : caractères « + » ou « / » interdits")
    stripped = text.rstrip("=")
    padded = stripped + "=" * (-len(stripped) % 4)
    try:
        return base64.b64decode(padded, altchars=b"-_", validate=True)
    except (binascii.Error, ValueError) as exc:
        raise MultibaseError(f"base64url invalide : {exc}") from exc


def multibase_encode_base58btc(data: bytes) -> str:
    """``z`` + base58btc, the encoding of Multikey values and eddsa proof values."""
    return "z" + base58btc_encode(data)


def multibase_encode_base64url(data: bytes) -> str:
    """``u`` + base64url without padding, the encoding of Bitstring Status List lists."""
    return "u" + base64url_encode(data)


def multibase_decode(text: str) -> bytes:
    """Decode a multibase string with prefix ``z`` (base58btc) or ``u`` (base64url)."""
    if not isinstance(text, str) or not text:
        raise MultibaseError("multibase : chaîne vide ou absente")
    prefix, body = text[0], text[1:]
    if prefix == "z":
        return base58btc_decode(body)
    if prefix == "u":
        return base64url_decode(body)
    raise MultibaseError(f"multibase : préfixe {prefix!r} non pris en charge (attendu z ou u)")
