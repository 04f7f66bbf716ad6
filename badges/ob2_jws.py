"""Open Badges 2.0 signed assertions: the JWS signature check alone (OB 2.0 §"Signed Badges").

A signed OB 2.0 assertion is a compact JWS (RFC 7515) whose payload is the assertion; the key is
an RSA key published as a ``CryptographicKey`` document (``publicKeyPem``) whose ``owner`` is the
issuer profile (OB 2.0 §"CryptographicKey", §"Verification"). Fetching and binding the key to
the issuer is the verifier's job (``verifier.legacy_signed``); this module only reads a PEM
public key and checks the signature, with the same algorithm allow-list as VC-JWT (``none`` and
HMAC are refused; the key type must match the algorithm; RSA keys of at least 2048 bits).
"""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from badges.jwk import MIN_RSA_BITS, PublicKeyLike
from badges.jwt import JwtError, decode_jose, key_matches_algorithm, signature_ok
from badges.problems import BadgeError

__all__ = ["Ob2KeyError", "public_key_from_pem", "verify_compact_jws"]

_ALGORITHMS = frozenset({"RS256", "ES256"})


class Ob2KeyError(BadgeError):
    """A ``publicKeyPem`` that is not a usable RSA or P-256 public key."""

    code = "key_format"


def public_key_from_pem(pem: Any) -> PublicKeyLike:
    """The public key of a ``CryptographicKey.publicKeyPem`` (RSA >= 2048 bits or P-256)."""
    if not isinstance(pem, str) or "PUBLIC KEY" not in pem:
        raise Ob2KeyError("publicKeyPem absent ou illisible")
    try:
        key = load_pem_public_key(pem.encode("ascii"))
    except (ValueError, TypeError, UnicodeEncodeError) as exc:
        raise Ob2KeyError(f"publicKeyPem illisible : {exc}") from exc
    if isinstance(key, rsa.RSAPublicKey):
        if key.key_size < MIN_RSA_BITS:
            raise Ob2KeyError(f"clé RSA de {key.key_size} bits : {MIN_RSA_BITS} au moins")
        return key
    if isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
        return key
    raise Ob2KeyError("publicKeyPem : seules les clés RSA et P-256 sont acceptées")


def verify_compact_jws(token: str, key: PublicKeyLike) -> tuple[dict[str, Any], bool]:
    """``(payload, signature_valid)``. Raises ``JwtError`` for a malformed token or an algorithm
    outside RS256/ES256 or not matching the key (``jwt_algorithm_refused``)."""
    header, payload, signing_input, signature = decode_jose(token)
    if header.alg not in _ALGORITHMS or not key_matches_algorithm(header.alg, key):
        raise JwtError(
            f"algorithme « {header.alg} » refusé pour cette clé", code="jwt_algorithm_refused"
        )
    return payload, signature_ok(header.alg, key, signing_input, signature)
