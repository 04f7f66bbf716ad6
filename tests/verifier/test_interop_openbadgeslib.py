"""Badges issued by openbadgeslib (PyPI) verify through ``verifier.verify`` (issue 5).

openbadgeslib signs VC-JWTs (RS256, ES256, EdDSA) with its public key in a ``jwk`` header, and
(since 4.6, ``openbadgeslib.ob3.ldp``) eddsa-rdfc-2022 Data Integrity credentials; it bakes both
into SVG/PNG. The issuer's controller document (listing the key under ``assertionMethod``) is
served from a local map.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from badges.fetch import MapFetcher
from badges.jwk import public_key_to_jwk
from badges.keys import Ed25519PublicKey
from verifier import VerifyOptions, verify
from verifier.report import CheckId, Outcome, Verdict

ob3 = pytest.importorskip("openbadgeslib.ob3.credential", reason="openbadgeslib not installed")
signer_module = pytest.importorskip("openbadgeslib.ob3.signer")

pytestmark = pytest.mark.interop

ISSUER = "https://formation.example/issuers/atelier-velo"
NOW = datetime(2026, 6, 1, tzinfo=UTC)
KEYS = {
    "RS256": lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048),
    "ES256": lambda: ec.generate_private_key(ec.SECP256R1()),
    "EdDSA": ed25519.Ed25519PrivateKey.generate,
}
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"></svg>'


def credential(expires: datetime | None = None) -> Any:
    return ob3.OpenBadgeCredential(
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


def controller_document(private_key: Any) -> MapFetcher:
    public = private_key.public_key()
    if isinstance(public, ed25519.Ed25519PublicKey):
        jwk = public_key_to_jwk(Ed25519PublicKey(public.public_bytes_raw()))
    else:
        jwk = public_key_to_jwk(public)
    method = f"{ISSUER}#key-1"
    document = {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/jwk/v1"],
        "id": ISSUER,
        "verificationMethod": [
            {"id": method, "type": "JsonWebKey", "controller": ISSUER, "publicKeyJwk": jwk}
        ],
        "assertionMethod": [method],
    }
    return MapFetcher({ISSUER: json.dumps(document).encode()})


@pytest.mark.parametrize("algorithm", sorted(KEYS))
def test_openbadgeslib_jwt_badge_is_verified(algorithm: str) -> None:
    private_key = KEYS[algorithm]()
    token = str(signer_module.OB3Signer(private_key, algorithm=algorithm).sign(credential()))
    report = verify(token, options=VerifyOptions(now=NOW, fetcher=controller_document(private_key)))
    assert report.outcome(CheckId.PROOF) == Outcome.PASSED, report.codes()
    assert report.verdict == Verdict.VERIFIED, report.codes()


def test_openbadgeslib_jwt_with_only_its_header_key_is_inconclusive_or_refused() -> None:
    private_key = KEYS["EdDSA"]()
    token = str(signer_module.OB3Signer(private_key, algorithm="EdDSA").sign(credential()))
    report = verify(token, options=VerifyOptions(now=NOW, fetcher=MapFetcher({})))
    assert report.verdict != Verdict.VERIFIED
    # The bytes are intact under the header key (proof); that key is not bound to the issuer.
    assert report.outcome(CheckId.PROOF) == Outcome.PASSED
    assert report.outcome(CheckId.ISSUER_TRUST) in (Outcome.INDETERMINATE, Outcome.FAILED)


def test_openbadgeslib_baked_svg_is_verified_and_expiry_is_shown() -> None:
    private_key = KEYS["ES256"]()
    signer = signer_module.OB3Signer(private_key, algorithm="ES256")
    baked = signer.sign_into_svg(credential(datetime(2026, 3, 1, tzinfo=UTC)), SVG)
    report = verify(baked, options=VerifyOptions(now=NOW, fetcher=controller_document(private_key)))
    assert report.input_kind.startswith("svg+")
    assert report.verdict == Verdict.VERIFIED, report.codes()
    assert report.check(CheckId.VALIDITY_PERIOD).codes() == ["expired"]  # type: ignore[union-attr]


def _ldp_signer(private_key: ed25519.Ed25519PrivateKey, method: str | None) -> Any:
    from cryptography.hazmat.primitives import serialization

    ldp = pytest.importorskip("openbadgeslib.ob3.ldp", reason="openbadgeslib[ldp] not installed")
    pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return ldp.OB3LdpSigner(pem, verification_method=method)


def test_openbadgeslib_data_integrity_badge_is_verified() -> None:
    # openbadgeslib >= 4.6 also issues eddsa-rdfc-2022 Data Integrity proofs (ob3/ldp.py).
    private_key = ed25519.Ed25519PrivateKey.generate()
    signer = _ldp_signer(private_key, f"{ISSUER}#key-1")
    document = signer.sign(credential(), created=datetime(2026, 1, 15, 9, 0, tzinfo=UTC))
    assert document["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    options = VerifyOptions(now=NOW, fetcher=controller_document(private_key))
    report = verify(json.dumps(document).encode(), options=options)
    assert report.outcome(CheckId.PROOF) == Outcome.PASSED, report.codes()
    assert report.verdict == Verdict.VERIFIED, report.codes()


def test_openbadgeslib_data_integrity_badge_tampered_or_baked() -> None:
    private_key = ed25519.Ed25519PrivateKey.generate()
    signer = _ldp_signer(private_key, f"{ISSUER}#key-1")
    options = VerifyOptions(now=NOW, fetcher=controller_document(private_key))
    document = signer.sign(credential(), created=datetime(2026, 1, 15, 9, 0, tzinfo=UTC))
    document["name"] = "Autre badge"
    tampered = verify(document, options=options)
    assert tampered.verdict == Verdict.NOT_VERIFIED
    assert "signature_invalid" in tampered.check(CheckId.PROOF).codes()  # type: ignore[union-attr]
    baked = verify(signer.sign_into_svg(credential(), SVG), options=options)
    assert baked.input_kind.startswith("svg+")
    assert baked.verdict == Verdict.VERIFIED, baked.codes()
