"""Interop with the Digital Bazaar / DCC JavaScript stack (issue 2, "What must hold").

Both directions for DataIntegrityProof ``eddsa-rdfc-2022``: a credential signed by atouts verifies
with ``@digitalbazaar/vc`` + ``@digitalbazaar/eddsa-rdfc-2022-cryptosuite``, one signed there
verifies in atouts, and a tampered copy fails on both sides. The npm packages are installed on
demand (``tests/interop/harness.py``); the JS document loader serves only the contexts of the npm
context packages and did:key documents (no network).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from badges.keys import Ed25519KeyPair
from badges.proofs.data_integrity import create_proof, verify_proof
from badges.resolution import KeyResolver
from tests.interop.harness import JsRunner

pytestmark = pytest.mark.interop

SEED = bytes(range(32))
CREATED = "2025-01-15T09:00:00Z"


def ob_credential(issuer: str) -> dict[str, Any]:
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": "urn:uuid:7f3b1c52-0f0d-4a5e-9d1c-5d8f0e7a9b10",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer, "type": ["Profile"], "name": "Atelier Vélo Solidaire"},
        "validFrom": "2025-01-15T09:00:00Z",
        "name": "Réparer une crevaison",
        "credentialSubject": {
            "id": "did:example:apprenant",
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://atouts.example/achievements/velo-1",
                "type": ["Achievement"],
                "name": "Réparer une crevaison",
                "description": "Démonte la roue, répare la chambre à air et remonte la roue.",
                "criteria": {"narrative": "Observé en atelier sur trois réparations."},
            },
        },
    }


def tampered(document: dict[str, Any]) -> dict[str, Any]:
    copy_ = copy.deepcopy(document)
    copy_["credentialSubject"]["achievement"]["name"] = "Diplôme d'ingénieur"
    return copy_


@pytest.fixture(scope="module")
def key() -> Ed25519KeyPair:
    return Ed25519KeyPair.from_seed(SEED)


def test_js_stack_checks_the_w3c_vector_and_rejects_a_tampered_copy(
    js: JsRunner, shared: Path
) -> None:
    vectors = shared / "standards/vc-di-eddsa/TestVectors/eddsa-rdfc-2022"
    signed = json.loads((vectors / "signedDataInt.json").read_text())
    # The W3C examples context ships in no npm package; the test hands it over from ../shared.
    examples = json.loads(
        (shared / "standards/vc-data-model-2.0/contexts/credentials/examples/v2").read_text()
    )
    extra = {"https://www.w3.org/ns/credentials/examples/v2": examples}
    assert js("verify-proof", {"credential": signed, "extraContexts": extra}) == {
        "verified": True,
        "errors": [],
    }
    forged = {**signed, "name": "Forged Credential"}
    result = js("verify-proof", {"credential": forged, "extraContexts": extra})
    assert result["verified"] is False
    assert "Invalid signature." in result["errors"]


def test_credential_signed_by_atouts_verifies_in_the_js_stack(
    js: JsRunner, key: Ed25519KeyPair
) -> None:
    did = key.public.did_key
    signed = create_proof(
        ob_credential(did),
        key,
        cryptosuite="eddsa-rdfc-2022",
        verification_method=f"{did}#{key.public.public_key_multibase}",
        created=CREATED,
    )
    assert js("verify", {"credential": signed}) == {"verified": True, "errors": []}
    result = js("verify", {"credential": tampered(signed)})
    assert result["verified"] is False
    assert "Invalid signature." in result["errors"]


def test_credential_signed_by_the_js_stack_verifies_in_atouts(
    js: JsRunner, key: Ed25519KeyPair
) -> None:
    did = key.public.did_key
    output = js("sign", {"seed": SEED.hex(), "created": CREATED, "credential": ob_credential(did)})
    signed = output["signed"]
    assert output["verificationMethod"] == f"{did}#{key.public.public_key_multibase}"
    assert signed["proof"]["cryptosuite"] == "eddsa-rdfc-2022"

    resolve_key = KeyResolver().for_issuer(did)
    result = verify_proof(signed, resolve_key=resolve_key)
    assert result.verified, result.problems
    assert result.verification_method == output["verificationMethod"]

    forged = verify_proof(tampered(signed), resolve_key=resolve_key)
    assert not forged.verified
    assert [p.code for p in forged.problems] == ["signature_invalid"]


def test_both_stacks_produce_the_same_signature_for_the_same_options(
    js: JsRunner, key: Ed25519KeyPair
) -> None:
    # Ed25519 is deterministic: equal proofValues mean equal canonical N-Quads and hashes.
    did = key.public.did_key
    theirs = js("sign", {"seed": SEED.hex(), "created": CREATED, "credential": ob_credential(did)})
    ours = create_proof(
        ob_credential(did),
        key,
        cryptosuite="eddsa-rdfc-2022",
        verification_method=theirs["verificationMethod"],
        created=CREATED,
    )
    assert ours["proof"]["proofValue"] == theirs["signed"]["proof"]["proofValue"]


def test_js_signed_credential_is_not_bound_to_another_issuer_in_atouts(
    js: JsRunner, key: Ed25519KeyPair
) -> None:
    # Key substitution across stacks: a valid JS signature by someone else's did:key does not make
    # the credential the stated issuer's.
    victim = Ed25519KeyPair.from_seed(bytes(32)).public.did_key
    output = js(
        "sign", {"seed": SEED.hex(), "created": CREATED, "credential": ob_credential(victim)}
    )
    result = verify_proof(output["signed"], resolve_key=KeyResolver().for_issuer(victim))
    assert not result.verified
    assert [p.code for p in result.problems] == ["key_not_bound_to_issuer"]


def test_js_signed_status_list_and_expired_credential_have_valid_proofs_in_atouts(
    js: JsRunner, key: Ed25519KeyPair
) -> None:
    # Material for the verifier's own interop cases (issue 5): the proof layer must accept them;
    # expiry and revocation are decided by later checks, not by the signature.
    from badges.status_list import StatusList

    did = key.public.did_key
    bits = StatusList()
    bits.set(8, True)
    status_list = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "https://atouts.example/status/1",
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": did,
        "validFrom": "2025-01-01T00:00:00Z",
        "credentialSubject": {
            "id": "https://atouts.example/status/1#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": bits.encode(),
        },
    }
    expired = {**ob_credential(did), "validFrom": "2020-01-01T00:00:00Z"}
    expired["validUntil"] = "2021-01-01T00:00:00Z"
    for document in (status_list, expired):
        signed = js("sign", {"seed": SEED.hex(), "created": CREATED, "credential": document})
        result = verify_proof(signed["signed"], resolve_key=KeyResolver().for_issuer(did))
        assert result.verified, result.problems


def test_eddsa_jcs_2022_credentials_verify_both_ways_and_tampering_fails_on_both_sides(
    js: JsRunner, key: Ed25519KeyPair
) -> None:
    did = key.public.did_key
    ours = create_proof(
        ob_credential(did),
        key,
        cryptosuite="eddsa-jcs-2022",
        verification_method=f"{did}#{key.public.public_key_multibase}",
        created=CREATED,
    )
    assert js("verify", {"credential": ours}) == {"verified": True, "errors": []}
    assert js("verify", {"credential": tampered(ours)})["verified"] is False

    theirs = js(
        "sign",
        {
            "seed": SEED.hex(),
            "created": CREATED,
            "cryptosuite": "eddsa-jcs-2022",
            "credential": ob_credential(did),
        },
    )["signed"]
    assert theirs["proof"]["cryptosuite"] == "eddsa-jcs-2022"
    resolve_key = KeyResolver().for_issuer(did)
    assert verify_proof(theirs, resolve_key=resolve_key).verified
    forged = verify_proof(tampered(theirs), resolve_key=resolve_key)
    assert [p.code for p in forged.problems] == ["signature_invalid"]
    # Deterministic Ed25519 over the same JCS bytes and proof options: the same signature.
    assert ours["proof"]["proofValue"] == theirs["proof"]["proofValue"]
