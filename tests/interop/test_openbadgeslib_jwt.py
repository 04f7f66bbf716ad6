"""Interop with openbadgeslib (PyPI), another OB 3.0 implementation (issue 5, "What must hold").

openbadgeslib signs VC-JWTs (RS256, ES256, EdDSA) with the public key in a ``jwk`` header. atouts
checks the signature and the iss/sub/jti/nbf/exp claims, and trusts the header key only when the
issuer publishes it (controller document served from a local map) or it is pinned.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from badges.fetch import MapFetcher
from badges.jwk import public_key_from_jwk, public_key_to_jwk
from badges.jwt import decode_jose, verify_vc_jwt
from badges.keys import Ed25519PublicKey
from badges.resolution import KeyResolver

ob3 = pytest.importorskip("openbadgeslib.ob3.credential", reason="openbadgeslib not installed")
signer_module = pytest.importorskip("openbadgeslib.ob3.signer")

pytestmark = pytest.mark.interop

ISSUER = "https://formation.example/issuers/atelier-velo"
NOW = datetime(2026, 6, 1, tzinfo=UTC)


def issue(private_key: Any, algorithm: str, *, expires: datetime | None = None) -> str:
    credential = ob3.OpenBadgeCredential(
        issuer=ob3.Issuer(id=ISSUER, name="Atelier Vélo Solidaire"),
        recipient_id="did:example:apprenant",
        achievement=ob3.Achievement(
            id="https://formation.example/achievements/crevaison",
            name="Réparer une crevaison",
            description="Démonte la roue, répare la chambre à air et remonte la roue.",
            criteria_narrative="Observé en atelier sur trois réparations.",
        ),
        id="urn:uuid:0b7f3c8e-2a41-4d7a-9a5e-1f2e3d4c5b6a",
        issuance_date=datetime(2026, 1, 15, 9, 0, tzinfo=UTC),
        expiration_date=expires,
    )
    return str(signer_module.OB3Signer(private_key, algorithm=algorithm).sign(credential))


def issuer_document(jwk: dict[str, Any]) -> bytes:
    method = f"{ISSUER}#key-1"
    return json.dumps(
        {
            "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/jwk/v1"],
            "id": ISSUER,
            "verificationMethod": [
                {"id": method, "type": "JsonWebKey", "controller": ISSUER, "publicKeyJwk": jwk}
            ],
            "assertionMethod": [method],
        }
    ).encode()


def public_jwk(private_key: Any) -> dict[str, str]:
    public = private_key.public_key()
    if isinstance(public, ed25519.Ed25519PublicKey):
        return public_key_to_jwk(Ed25519PublicKey(public.public_bytes_raw()))
    return public_key_to_jwk(public)


KEYS = {
    "RS256": lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048),
    "ES256": lambda: ec.generate_private_key(ec.SECP256R1()),
    "EdDSA": ed25519.Ed25519PrivateKey.generate,
}


@pytest.mark.parametrize("algorithm", sorted(KEYS))
def test_openbadgeslib_jwt_verifies_when_the_issuer_publishes_its_key(algorithm: str) -> None:
    private_key = KEYS[algorithm]()
    token = issue(private_key, algorithm)
    header, payload, _, _ = decode_jose(token)
    assert header.alg == algorithm
    assert header.jwk is not None
    assert public_key_to_jwk(public_key_from_jwk(header.jwk)) == public_jwk(private_key)
    resolver = KeyResolver(MapFetcher({ISSUER: issuer_document(public_jwk(private_key))}))
    result = verify_vc_jwt(token, resolve_key=resolver.jose_resolver(ISSUER), now=NOW)
    assert result.verified, result.problems
    assert result.credential is not None
    assert result.credential["issuer"]["id"] == ISSUER
    assert payload["nbf"] == 1768467600


@pytest.mark.parametrize("algorithm", sorted(KEYS))
def test_openbadgeslib_jwt_header_key_alone_is_not_trusted(algorithm: str) -> None:
    token = issue(KEYS[algorithm](), algorithm)
    other_jwk = public_jwk(KEYS[algorithm]())
    resolver = KeyResolver(MapFetcher({ISSUER: issuer_document(other_jwk)}))
    result = verify_vc_jwt(token, resolve_key=resolver.jose_resolver(ISSUER), now=NOW)
    assert result.signature_valid
    assert not result.verified
    assert [p.code for p in result.problems] == ["key_not_bound_to_issuer"]


def test_openbadgeslib_eddsa_jwt_verifies_with_a_pinned_key() -> None:
    private_key = ed25519.Ed25519PrivateKey.generate()
    token = issue(private_key, "EdDSA")
    raw = private_key.public_key().public_bytes_raw()
    resolver = KeyResolver(pinned=[Ed25519PublicKey(raw)])
    assert verify_vc_jwt(token, resolve_key=resolver.jose_resolver(ISSUER), now=NOW).verified


def test_openbadgeslib_expired_jwt_is_expired_with_a_valid_proof() -> None:
    private_key = KEYS["ES256"]()
    token = issue(private_key, "ES256", expires=datetime(2026, 3, 1, tzinfo=UTC))
    resolver = KeyResolver(MapFetcher({ISSUER: issuer_document(public_jwk(private_key))}))
    result = verify_vc_jwt(token, resolve_key=resolver.jose_resolver(ISSUER), now=NOW)
    assert result.proof_valid
    assert [p.code for p in result.problems] == ["jwt_expired"]
