"""Data Integrity proofs: create/verify round trips, options checks, tampering, safe mode."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from badges.keys import Ed25519KeyPair, Ed25519PublicKey
from badges.problems import BadgeError
from badges.proofs.data_integrity import ProofError, create_proof, verify_proof

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
KEY = Ed25519KeyPair.from_seed(bytes(range(32)))
VM = KEY.public.did_key + "#" + KEY.public.public_key_multibase


def badge() -> dict[str, Any]:
    return {
        "@context": [VC_V2, OB],
        "id": "urn:uuid:1b9f0f3e-94a4-4a8e-b3c3-0c5b6c3c2f10",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": KEY.public.did_key, "type": ["Profile"], "name": "Centre de formation"},
        "validFrom": "2026-03-01T09:00:00Z",
        "name": "Travail en équipe",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://atouts.example/achievements/1",
                "type": ["Achievement"],
                "name": "Travail en équipe",
                "criteria": {"narrative": "Observé sur chantier"},
            },
        },
    }


def resolve(vm: str) -> Ed25519PublicKey:
    assert vm == VM
    return KEY.public


def sign(suite: str = "eddsa-rdfc-2022", **kwargs: Any) -> dict[str, Any]:
    return create_proof(
        badge(),
        KEY,
        cryptosuite=suite,
        verification_method=VM,
        created="2026-03-01T09:00:00Z",
        **kwargs,
    )


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "eddsa-jcs-2022"])
def test_signed_badge_verifies(suite: str) -> None:
    signed = sign(suite)
    assert signed["proof"]["cryptosuite"] == suite
    assert signed["proof"]["proofValue"].startswith("z")
    result = verify_proof(signed, resolve_key=resolve)
    assert result.verified, result.problems
    assert result.verification_method == VM
    assert result.cryptosuite == suite


def test_create_returns_a_new_document() -> None:
    doc = badge()
    before = copy.deepcopy(doc)
    create_proof(doc, KEY, verification_method=VM)
    assert doc == before


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "eddsa-jcs-2022"])
def test_changed_value_fails_with_signature_invalid(suite: str) -> None:
    signed = sign(suite)
    signed["credentialSubject"]["achievement"]["name"] = "Autre chose"
    result = verify_proof(signed, resolve_key=resolve)
    assert not result.verified
    assert [p.code for p in result.problems] == ["signature_invalid"]


def test_changed_proof_option_fails() -> None:
    signed = sign()
    signed["proof"]["created"] = "2026-03-02T09:00:00Z"
    assert not verify_proof(signed, resolve_key=resolve).verified


def test_wrong_key_fails() -> None:
    other = Ed25519KeyPair.generate()
    result = verify_proof(sign(), resolve_key=lambda vm: other.public)
    assert [p.code for p in result.problems] == ["signature_invalid"]


def test_missing_proof() -> None:
    result = verify_proof(badge(), resolve_key=resolve)
    assert [p.code for p in result.problems] == ["proof_missing"]


def test_unknown_cryptosuite_and_proof_type() -> None:
    signed = sign()
    signed["proof"]["cryptosuite"] = "ecdsa-rdfc-2019"
    assert [p.code for p in verify_proof(signed, resolve_key=resolve).problems] == [
        "cryptosuite_unsupported"
    ]
    signed["proof"]["type"] = "BbsBlsSignature2020"
    assert [p.code for p in verify_proof(signed, resolve_key=resolve).problems] == [
        "proof_type_unsupported"
    ]


def test_legacy_eddsa_2022_name_verifies_with_a_warning() -> None:
    signed = create_proof(
        badge(),
        KEY,
        proof_options={
            "type": "DataIntegrityProof",
            "cryptosuite": "eddsa-rdfc-2022",
            "verificationMethod": VM,
            "proofPurpose": "assertionMethod",
        },
    )
    # same algorithm: re-sign with the legacy name in the signed options
    legacy = dict(signed["proof"], cryptosuite="eddsa-2022")
    del legacy["proofValue"]
    unsigned = {k: v for k, v in signed.items() if k != "proof"}
    from badges.multibase import multibase_encode_base58btc
    from badges.proofs.data_integrity import hash_data

    data = hash_data(unsigned, {**legacy, "@context": unsigned["@context"]}, "eddsa-rdfc-2022")
    legacy["proofValue"] = multibase_encode_base58btc(KEY.sign(data))
    result = verify_proof({**unsigned, "proof": legacy}, resolve_key=resolve)
    assert result.verified
    assert [(p.code, str(p.severity)) for p in result.problems] == [
        ("cryptosuite_deprecated", "warning")
    ]


def test_challenge_domain_and_purpose_are_checked() -> None:
    signed = sign(challenge="abc", domain="employeur.example", proof_purpose="authentication")
    ok = verify_proof(
        signed,
        resolve_key=resolve,
        expected_challenge="abc",
        expected_domain="employeur.example",
        expected_purpose="authentication",
    )
    assert ok.verified
    bad = verify_proof(
        signed,
        resolve_key=resolve,
        expected_challenge="xyz",
        expected_domain="autre.example",
        expected_purpose="assertionMethod",
    )
    assert {p.code for p in bad.problems} == {
        "challenge_mismatch",
        "domain_mismatch",
        "proof_purpose_mismatch",
    }


def test_missing_challenge_when_one_is_expected() -> None:
    result = verify_proof(sign(), resolve_key=resolve, expected_challenge="abc")
    assert [p.code for p in result.problems] == ["challenge_mismatch"]


def test_unresolvable_key_is_its_own_problem() -> None:
    def fail(vm: str) -> Ed25519PublicKey:
        raise BadgeError("did:web injoignable", code="verification_method_unresolvable")

    result = verify_proof(sign(), resolve_key=fail)
    assert not result.verified
    assert [p.code for p in result.problems] == ["verification_method_unresolvable"]


def test_malformed_proof_value() -> None:
    signed = sign()
    signed["proof"]["proofValue"] = "zabc"
    assert [p.code for p in verify_proof(signed, resolve_key=resolve).problems] == [
        "proof_malformed"
    ]


def test_data_loss_on_sign() -> None:
    doc = badge()
    doc["credentialSubject"]["grade"] = "A"
    with pytest.raises(BadgeError) as info:
        create_proof(doc, KEY, verification_method=VM)
    assert info.value.code == "data_loss"


def test_data_loss_on_verify() -> None:
    signed = sign()
    signed["credentialSubject"]["grade"] = "A"  # added after signing, would not be covered
    result = verify_proof(signed, resolve_key=resolve)
    assert [p.code for p in result.problems] == ["data_loss"]


def test_jcs_is_not_fooled_by_undefined_terms_either() -> None:
    # JCS signs the JSON bytes: an added member breaks the signature
    signed = sign("eddsa-jcs-2022")
    signed["credentialSubject"]["grade"] = "A"
    assert not verify_proof(signed, resolve_key=resolve).verified


def test_unknown_context_on_verify() -> None:
    signed = sign()
    signed["@context"].append("https://attacker.example/ctx")
    assert [p.code for p in verify_proof(signed, resolve_key=resolve).problems] == [
        "context_not_allowed"
    ]


def test_bad_created_is_refused_on_create() -> None:
    with pytest.raises(ProofError):
        create_proof(badge(), KEY, verification_method=VM, created="hier")


def test_proof_set_verifies_only_if_every_proof_does() -> None:
    second = create_proof(sign(), KEY, verification_method=VM, cryptosuite="eddsa-jcs-2022")
    assert isinstance(second["proof"], list)
    assert len(second["proof"]) == 2
    assert verify_proof(second, resolve_key=resolve).verified
    second["proof"][0]["proofValue"] = second["proof"][1]["proofValue"]
    assert not verify_proof(second, resolve_key=resolve).verified


def test_proof_as_set_writes_an_array() -> None:
    signed = sign(proof_as_set=True)
    assert isinstance(signed["proof"], list)
    assert verify_proof(signed, resolve_key=resolve).verified


def test_jcs_refuses_numbers_outside_the_json_safe_range() -> None:
    doc = badge()
    doc["credentialSubject"]["achievement"]["creditsAvailable"] = 2**60
    with pytest.raises(BadgeError) as info:
        create_proof(doc, KEY, verification_method=VM, cryptosuite="eddsa-jcs-2022")
    assert info.value.code == "json_not_canonicalizable"
    signed = sign("eddsa-jcs-2022")
    signed["credentialSubject"]["achievement"]["creditsAvailable"] = float("nan")
    result = verify_proof(signed, resolve_key=resolve)
    assert [p.code for p in result.problems] == ["json_not_canonicalizable"]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)


@settings(max_examples=60, deadline=None)
@given(
    target=st.sampled_from(["proof", "document", "context"]),
    key=st.sampled_from(
        [
            "type",
            "cryptosuite",
            "proofValue",
            "verificationMethod",
            "created",
            "@context",
            "credentialSubject",
            "issuer",
            "proofPurpose",
        ]
    ),
    value=json_values,
)
def test_verify_never_raises_whatever_the_input(target: str, key: str, value: Any) -> None:
    signed = sign()
    if target == "proof":
        signed["proof"][key] = value
    elif target == "document":
        signed[key] = value
    else:
        signed["@context"] = value
    result = verify_proof(signed, resolve_key=resolve)
    assert isinstance(result.verified, bool)
    if not result.verified:
        assert result.problems
