"""Public JSON Web Keys for verifying JWTs: Ed25519 (OKP), RSA and P-256 (EC).

- RFC 7517 (JWK), RFC 7518 §6.2–6.3 (EC and RSA parameters), RFC 8037 (OKP / Ed25519),
  RFC 7638 (thumbprints, used to compare a key carried in a JWT header with a published key).
- OB 3.0 §8.2.3: a JWK in a JOSE header "MUST NOT contain the private key" — any private member
  (``d``, ``p``, ``q``, ``dp``, ``dq``, ``qi``, ``oth``, ``k``) is refused, as are symmetric keys
  (``kty: oct``): a verifier that accepts an HMAC secret as a "public key" is the textbook
  algorithm-confusion hole (reliability-ux.md §A3-S5).

Errors are ``JwkError`` (``BadgeError``) with code ``jwk_invalid``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec, rsa

from badges.keys import Ed25519PublicKey, KeyFormatError
from badges.multibase import MultibaseError, base64url_decode, base64url_encode
from badges.problems import BadgeError

__all__ = [
    "MIN_RSA_BITS",
    "JwkError",
    "PublicKeyLike",
    "jwk_thumbprint",
    "public_key_from_jwk",
    "public_key_to_jwk",
    "same_public_key",
]

PublicKeyLike = Ed25519PublicKey | rsa.RSAPublicKey | ec.EllipticCurvePublicKey
"""A key a JWT signature can be checked with. Data Integrity uses ``Ed25519PublicKey`` only."""

MIN_RSA_BITS = 2048
_PRIVATE_MEMBERS = ("d", "p", "q", "dp", "dq", "qi", "oth", "k")


class JwkError(BadgeError):
    code = "jwk_invalid"


def _b64_int(jwk: Mapping[str, Any], member: str) -> int:
    value = jwk.get(member)
    if not isinstance(value, str) or not value:
        raise JwkError(f"JWK : membre « {member} » absent ou invalide")
    try:
        return int.from_bytes(base64url_decode(value), "big")
    except MultibaseError as exc:
        raise JwkError(f"JWK : « {member} » n'est pas du base64url : {exc}") from exc


def public_key_from_jwk(jwk: Any) -> PublicKeyLike:
    """The public key of a JWK; refuses private, symmetric and unsupported keys."""
    if not isinstance(jwk, Mapping):
        raise JwkError("JWK : un objet JSON est attendu")
    leaked = [m for m in _PRIVATE_MEMBERS if m in jwk]
    if leaked:
        raise JwkError(f"JWK : une clé publique ne doit pas contenir {', '.join(leaked)}")
    kty = jwk.get("kty")
    if kty == "OKP":
        try:
            return Ed25519PublicKey.from_jwk(jwk)
        except KeyFormatError as exc:
            raise JwkError(str(exc)) from exc
    if kty == "RSA":
        n, e = _b64_int(jwk, "n"), _b64_int(jwk, "e")
        if n.bit_length() < MIN_RSA_BITS:
            raise JwkError(f"JWK : clé RSA de {n.bit_length()} bits, {MIN_RSA_BITS} au minimum")
        try:
            return rsa.RSAPublicNumbers(e, n).public_key()
        except ValueError as exc:
            raise JwkError(f"JWK : clé RSA invalide : {exc}") from exc
    if kty == "EC":
        if jwk.get("crv") != "P-256":
            raise JwkError(f"JWK : courbe {jwk.get('crv')!r} non prise en charge (P-256 seulement)")
        x, y = _b64_int(jwk, "x"), _b64_int(jwk, "y")
        try:
            return ec.EllipticCurvePublicNumbers(x, y, ec.SECP256R1()).public_key()
        except ValueError as exc:
            raise JwkError(f"JWK : point P-256 invalide : {exc}") from exc
    raise JwkError(f"JWK : type de clé {kty!r} non pris en charge (OKP, RSA, EC)")


def _int_b64(value: int, length: int | None = None) -> str:
    size = length if length is not None else max(1, (value.bit_length() + 7) // 8)
    return base64url_encode(value.to_bytes(size, "big"))


def public_key_to_jwk(key: PublicKeyLike) -> dict[str, str]:
    """The public JWK of a key (members of RFC 7638 §3.2 only)."""
    if isinstance(key, Ed25519PublicKey):
        return {"kty": "OKP", "crv": "Ed25519", "x": base64url_encode(key.raw)}
    if isinstance(key, rsa.RSAPublicKey):
        numbers = key.public_numbers()
        return {"kty": "RSA", "n": _int_b64(numbers.n), "e": _int_b64(numbers.e)}
    if isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
        point = key.public_numbers()
        return {"kty": "EC", "crv": "P-256", "x": _int_b64(point.x, 32), "y": _int_b64(point.y, 32)}
    raise JwkError("clé non prise en charge pour JWK")


def jwk_thumbprint(key: PublicKeyLike | Mapping[str, Any]) -> str:
    """RFC 7638 SHA-256 thumbprint (base64url) of a key or public JWK."""
    jwk = public_key_to_jwk(key if not isinstance(key, Mapping) else public_key_from_jwk(key))
    canonical = json.dumps(jwk, sort_keys=True, separators=(",", ":")).encode("utf-8")
    return base64url_encode(hashlib.sha256(canonical).digest())


def same_public_key(a: PublicKeyLike, b: PublicKeyLike) -> bool:
    return jwk_thumbprint(a) == jwk_thumbprint(b)
