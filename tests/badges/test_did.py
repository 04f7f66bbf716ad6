"""did:key (offline, against the CCG vectors) and did:web (URL rules, fetched through a map)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from badges.did import (
    DidError,
    DidWebResolver,
    did_key_public_key,
    did_web_to_url,
    find_verification_method,
    resolve_did_jwk,
    resolve_did_key,
    verification_relationship_ids,
)
from badges.fetch import MapFetcher
from badges.keys import Ed25519KeyPair, Ed25519PublicKey
from badges.multibase import base58btc_decode, base64url_encode

ZERO_SEED_DID = "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp"


def did_key_vectors(shared: Path, name: str) -> dict:
    return json.loads((shared / "standards/did-key/test-vectors" / name).read_text())


def test_did_key_document_lists_one_multikey_under_assertion_method() -> None:
    doc = resolve_did_key(ZERO_SEED_DID)
    vm_id = f"{ZERO_SEED_DID}#z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp"
    assert doc["id"] == ZERO_SEED_DID
    assert doc["@context"] == [
        "https://www.w3.org/ns/did/v1",
        "https://w3id.org/security/multikey/v1",
    ]
    assert doc["verificationMethod"] == [
        {
            "id": vm_id,
            "type": "Multikey",
            "controller": ZERO_SEED_DID,
            "publicKeyMultibase": "z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp",
        }
    ]
    for relationship in ("assertionMethod", "authentication"):
        assert doc[relationship] == [vm_id]


def test_did_key_resolution_ignores_the_fragment_of_a_did_url() -> None:
    assert resolve_did_key(ZERO_SEED_DID + "#anything")["id"] == ZERO_SEED_DID


def test_did_key_matches_every_ed25519_ccg_vector(shared: Path) -> None:
    vectors = did_key_vectors(shared, "ed25519-x25519.json")
    assert len(vectors) == 5
    for did, vector in vectors.items():
        pair = Ed25519KeyPair.from_seed(bytes.fromhex(vector["seed"]))
        assert pair.public.did_key == did
        doc = resolve_did_key(did)
        expected_vm = vector["didDocument"]["verificationMethod"][0]
        ours = doc["verificationMethod"][0]
        # The vectors use the 2018 key type; the key bytes and the method id are what must agree.
        assert ours["id"] == expected_vm["id"]
        if "publicKeyBase58" in expected_vm:
            expected_raw = base58btc_decode(expected_vm["publicKeyBase58"])
        else:
            expected_raw = Ed25519PublicKey.from_jwk(expected_vm["publicKeyJwk"]).raw
        assert did_key_public_key(did).raw == expected_raw
        assert set(doc["assertionMethod"]) == set(vector["didDocument"]["assertionMethod"])


def test_did_key_of_a_nist_curve_is_refused_as_unsupported(shared: Path) -> None:
    vectors = did_key_vectors(shared, "nist-curves.json")
    for did in vectors:
        with pytest.raises(DidError) as info:
            resolve_did_key(did)
        assert info.value.code == "did_unsupported_key_type"


@pytest.mark.parametrize(
    "did",
    [
        "did:key:6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp",
        "did:key:z",
        "did:web:x",
        "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8q",
    ],
)
def test_malformed_did_key_is_invalid(did: str) -> None:
    with pytest.raises(DidError) as info:
        resolve_did_key(did)
    assert info.value.code == "did_invalid"


@pytest.mark.parametrize(
    ("did", "url"),
    [
        ("did:web:w3c-ccg.github.io", "https://w3c-ccg.github.io/.well-known/did.json"),
        ("did:web:w3c-ccg.github.io:user:alice", "https://w3c-ccg.github.io/user/alice/did.json"),
        ("did:web:example.com%3A3000:user:alice", "https://example.com:3000/user/alice/did.json"),
        ("did:web:example.com%3A3000", "https://example.com:3000/.well-known/did.json"),
        ("did:web:example.com#key-1", "https://example.com/.well-known/did.json"),
    ],
)
def test_did_web_url_transformation_follows_the_method_spec(did: str, url: str) -> None:
    assert did_web_to_url(did) == url


@pytest.mark.parametrize(
    "did",
    [
        "did:web:",
        "did:web:127.0.0.1",
        "did:web:10.0.0.1%3A8080",
        "did:web:a.example::x",
        "did:web:a.example:..",
        "did:web:a.example%2Fevil",
        "did:key:z6Mk",
        "did:web:x%3Aport",
    ],
)
def test_invalid_did_web_is_refused_before_any_fetch(did: str) -> None:
    with pytest.raises(DidError) as info:
        did_web_to_url(did)
    assert info.value.code == "did_invalid"


def test_did_web_document_is_fetched_through_the_injected_fetcher(shared: Path) -> None:
    did = "did:web:digitalcredentials.github.io:vc-test-fixtures:dids:legacy"
    path = shared / "standards/negative/dcc-vc-test-fixtures/dids/legacy-did.json"
    fetcher = MapFetcher(
        {"https://digitalcredentials.github.io/vc-test-fixtures/dids/legacy/did.json": path}
    )
    doc = DidWebResolver(fetcher).resolve(did + "#z6MkjXe1vZvPRqFuc9nRBtZ3e1Y9XKDFSbjFAfzLfW2bD6cZ")
    assert doc["id"] == did
    vm_id = f"{did}#z6MkjXe1vZvPRqFuc9nRBtZ3e1Y9XKDFSbjFAfzLfW2bD6cZ"
    assert vm_id in verification_relationship_ids(doc, "assertionMethod")
    method = find_verification_method(doc, vm_id)
    assert method is not None
    assert method["publicKeyMultibase"] == "z6MkjXe1vZvPRqFuc9nRBtZ3e1Y9XKDFSbjFAfzLfW2bD6cZ"


def test_did_web_document_answering_for_another_id_is_invalid() -> None:
    fetcher = MapFetcher(
        {"https://a.example/.well-known/did.json": json.dumps({"id": "did:web:b.example"}).encode()}
    )
    with pytest.raises(DidError) as info:
        DidWebResolver(fetcher).resolve("did:web:a.example")
    assert info.value.code == "did_document_invalid"


def test_unreachable_did_web_is_a_resolution_failure_not_an_invalid_document() -> None:
    with pytest.raises(DidError) as info:
        DidWebResolver(MapFetcher({})).resolve(
            "did:web:digitalcredentials.github.io:dcc-did-web-bad"
        )
    assert info.value.code == "did_resolution_failed"


def test_relative_method_references_are_made_absolute() -> None:
    doc = {
        "id": "did:web:a.example",
        "verificationMethod": [
            {"id": "#k1", "type": "Multikey", "controller": "did:web:a.example"}
        ],
        "assertionMethod": ["#k1"],
    }
    assert verification_relationship_ids(doc, "assertionMethod") == {"did:web:a.example#k1"}
    assert find_verification_method(doc, "did:web:a.example#k1") is not None
    assert verification_relationship_ids(doc, "authentication") == set()


def did_jwk(jwk: dict) -> str:
    return "did:jwk:" + base64url_encode(json.dumps(jwk, separators=(",", ":")).encode())


def test_did_jwk_document_has_one_json_web_key_for_signing() -> None:
    jwk = Ed25519KeyPair.from_seed(bytes(32)).public.to_jwk()
    did = did_jwk(jwk)
    doc = resolve_did_jwk(did + "#0")
    assert doc["id"] == did
    assert doc["verificationMethod"] == [
        {"id": f"{did}#0", "type": "JsonWebKey2020", "controller": did, "publicKeyJwk": jwk}
    ]
    assert doc["assertionMethod"] == [f"{did}#0"]
    assert doc["keyAgreement"] == [f"{did}#0"]


def test_did_jwk_use_restricts_the_relationships() -> None:
    jwk = Ed25519KeyPair.from_seed(bytes(32)).public.to_jwk()
    assert "assertionMethod" not in resolve_did_jwk(did_jwk({**jwk, "use": "enc"}))
    assert "keyAgreement" not in resolve_did_jwk(did_jwk({**jwk, "use": "sig"}))


@pytest.mark.parametrize(
    "did",
    [
        "did:jwk:!!",
        "did:jwk:" + base64url_encode(b"[1]"),
        "did:key:z6Mk",
        "did:jwk:" + base64url_encode(b'{"kty":"OKP","crv":"Ed25519","x":"AA","d":"AA"}'),
    ],
)
def test_malformed_or_private_did_jwk_is_invalid(did: str) -> None:
    with pytest.raises(DidError) as info:
        resolve_did_jwk(did)
    assert info.value.code == "did_invalid"
