"""Public JWKs for JWT verification (RFC 7517/7518/8037) and RFC 7638 thumbprints."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from badges.jwk import (
    JwkError,
    jwk_thumbprint,
    public_key_from_jwk,
    public_key_to_jwk,
    same_public_key,
)
from badges.keys import Ed25519KeyPair

# RFC 7638 §3.1: the example RSA key and its SHA-256 thumbprint.
RFC7638_JWK = {
    "kty": "RSA",
    "n": (
        "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_B"
        "JECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FD"
        "W2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vM"
        "QFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
    ),
    "e": "AQAB",
    "alg": "RS256",
    "kid": "2011-04-29",
}


def test_rfc7638_thumbprint_example() -> None:
    assert jwk_thumbprint(RFC7638_JWK) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


def test_rsa_ec_and_okp_keys_round_trip() -> None:
    rsa_public = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    ec_public = ec.generate_private_key(ec.SECP256R1()).public_key()
    ed_public = Ed25519KeyPair.from_seed(bytes(32)).public
    for key in (rsa_public, ec_public, ed_public):
        again = public_key_from_jwk(public_key_to_jwk(key))
        assert same_public_key(key, again)
    assert public_key_to_jwk(ed_public) == ed_public.to_jwk()


@pytest.mark.parametrize(
    "jwk",
    [
        {**RFC7638_JWK, "d": "c2VjcmV0"},
        {"kty": "oct", "k": "c2VjcmV0"},
        {"kty": "OKP", "crv": "Ed25519", "x": "AA", "d": "AA"},
        {"kty": "EC", "crv": "P-384", "x": "AA", "y": "AA"},
        {"kty": "EC", "crv": "P-256", "x": "AQ", "y": "AQ"},
        {"kty": "RSA", "n": "AQAB", "e": "AQAB"},
        {"kty": "RSA", "e": "AQAB"},
        {"kty": "OKP", "crv": "X25519", "x": "AA"},
        "not a jwk",
    ],
)
def test_private_symmetric_weak_or_unsupported_jwks_are_refused(jwk: object) -> None:
    with pytest.raises(JwkError) as info:
        public_key_from_jwk(jwk)
    assert info.value.code == "jwk_invalid"


def test_different_keys_are_not_the_same() -> None:
    a = Ed25519KeyPair.from_seed(bytes(32)).public
    b = Ed25519KeyPair.from_seed(bytes(range(32))).public
    assert not same_public_key(a, b)
