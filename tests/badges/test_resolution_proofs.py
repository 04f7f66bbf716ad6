"""Key binding end to end: Data Integrity proofs and VC-JWTs verified through KeyResolver.

The signature and the binding are separate findings (issue 2): a vector with an https issuer that
cannot be fetched offline is "key could not be bound", not "bad proof"; ``--trust-key`` (pinned
key) makes it verify; a key written after someone else's URL never verifies.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from badges.fetch import MapFetcher
from badges.jwt import encode_vc_jwt, verify_vc_jwt
from badges.keys import Ed25519KeyPair, load_key_file
from badges.proofs.data_integrity import create_proof, verify_proof
from badges.resolution import KeyResolver

NOW = datetime(2025, 6, 1, tzinfo=UTC)
ATTACKER = Ed25519KeyPair.from_seed(bytes(range(7, 39)))


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())


def issuer_of(credential: dict[str, Any]) -> str:
    issuer = credential["issuer"]
    return issuer["id"] if isinstance(issuer, dict) else issuer


def controller_document(issuer: str, multibase: str) -> bytes:
    method = f"{issuer}#{multibase}"
    return json.dumps(
        {
            "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
            "id": issuer,
            "verificationMethod": [
                {
                    "id": method,
                    "type": "Multikey",
                    "controller": issuer,
                    "publicKeyMultibase": multibase,
                }
            ],
            "assertionMethod": [method],
        }
    ).encode()


def codes(result: Any) -> list[str]:
    return [p.code for p in result.problems]


def test_ob_vector_is_unbound_offline_and_verifies_with_the_pinned_key(shared: Path) -> None:
    folder = shared / "standards/openbadges-3.0/test-vectors/obv3p0"
    signed = load(folder / "signed-credential.json")
    issuer = issuer_of(signed)
    offline = verify_proof(signed, resolve_key=KeyResolver().for_issuer(issuer))
    assert not offline.verified
    assert codes(offline) == ["verification_method_unresolvable"]

    pinned_key = load_key_file(folder / "keypair.json")
    public = pinned_key.public if isinstance(pinned_key, Ed25519KeyPair) else pinned_key
    pinned = verify_proof(signed, resolve_key=KeyResolver(pinned=[public]).for_issuer(issuer))
    assert pinned.verified, pinned.problems


def test_1edtech_simple_json_verifies_only_when_the_issuer_publishes_the_key(shared: Path) -> None:
    signed = load(shared / "standards/1edtech-validator/ob30/simple.json")
    issuer = issuer_of(signed)
    multibase = (
        signed["proof"][0]["verificationMethod"].split("#")[1]
        if isinstance(signed["proof"], list)
        else signed["proof"]["verificationMethod"].split("#")[1]
    )

    # The 1EdTech shortcut: the key is only written in the URL fragment. Never trusted as such.
    offline = verify_proof(signed, resolve_key=KeyResolver().for_issuer(issuer))
    assert not offline.verified
    assert "verification_method_unresolvable" in codes(offline)

    # The issuer's own document lists the key under assertionMethod: now it is bound.
    published = MapFetcher({issuer: controller_document(issuer, multibase)})
    bound = verify_proof(signed, resolve_key=KeyResolver(published).for_issuer(issuer))
    assert bound.verified, bound.problems

    # The issuer publishes another key: the fragment key is someone else's.
    other = MapFetcher({issuer: controller_document(issuer, ATTACKER.public.public_key_multibase)})
    substituted = verify_proof(signed, resolve_key=KeyResolver(other).for_issuer(issuer))
    assert not substituted.verified
    assert "key_not_bound_to_issuer" in codes(substituted)


def test_key_substitution_attack_is_not_verified_although_the_signature_is_valid(
    shared: Path,
) -> None:
    victim = "https://victim.example/issuers/1"
    real_key = Ed25519KeyPair.from_seed(bytes(32))
    unsigned = load(
        shared / "standards/openbadges-3.0/test-vectors/obv3p0/unsigned-credential.json"
    )
    unsigned["issuer"] = (
        {**unsigned["issuer"], "id": victim} if isinstance(unsigned["issuer"], dict) else victim
    )
    forged = create_proof(
        unsigned,
        ATTACKER,
        verification_method=f"{victim}#{ATTACKER.public.public_key_multibase}",
        created="2025-01-01T00:00:00Z",
    )
    fetcher = MapFetcher(
        {victim: controller_document(victim, real_key.public.public_key_multibase)}
    )
    result = verify_proof(forged, resolve_key=KeyResolver(fetcher).for_issuer(victim))
    assert not result.verified
    assert codes(result) == ["key_not_bound_to_issuer"]


def test_vc_jwt_with_did_key_kid_verifies_through_the_resolver() -> None:
    key = Ed25519KeyPair.from_seed(bytes(range(32)))
    did = key.public.did_key
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "urn:uuid:1",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": did, "type": ["Profile"]},
        "validFrom": "2025-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:x", "type": ["AchievementSubject"]},
    }
    token = encode_vc_jwt(credential, key, kid=f"{did}#{key.public.public_key_multibase}")
    result = verify_vc_jwt(token, resolve_key=KeyResolver().jose_resolver(did), now=NOW)
    assert result.verified, result.problems
    # Claiming another issuer with the same token's key fails binding.
    other = verify_vc_jwt(
        token, resolve_key=KeyResolver().jose_resolver("did:web:victim.example"), now=NOW
    )
    assert not other.verified
    assert "key_not_bound_to_issuer" in codes(other)


def test_1edtech_jwt_with_header_jwk_is_intact_but_not_bound(shared: Path) -> None:
    raw = (shared / "standards/1edtech-validator/ob30/simple-jwt.svg").read_bytes()
    match = re.search(rb"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*", raw)
    assert match is not None
    token = match.group(0).decode()
    issuer = "https://1edtech.edu/issuers/565049"
    result = verify_vc_jwt(token, resolve_key=KeyResolver().jose_resolver(issuer), now=NOW)
    assert result.signature_valid
    assert not result.verified
    assert "verification_method_unresolvable" in codes(result)
