"""KeyResolver: a key is trusted only when its controller (= the issuer) lists it under
assertionMethod; a key written in a URL fragment never is (reliability-ux.md finding 4, §A3-S7)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from hypothesis import given, settings
from hypothesis import strategies as st

from badges.fetch import GuardedFetcher, MapFetcher
from badges.jwk import public_key_to_jwk
from badges.jwt import JoseHeader
from badges.keys import Ed25519KeyPair
from badges.resolution import KeyResolutionError, KeyResolver, method_public_key

ISSUER_KEY = Ed25519KeyPair.from_seed(bytes(range(32)))
ATTACKER_KEY = Ed25519KeyPair.from_seed(bytes(range(1, 33)))
ISSUER = "https://issuer.example/issuers/1"
MB = ISSUER_KEY.public.public_key_multibase
ATTACKER_MB = ATTACKER_KEY.public.public_key_multibase
DCC_DID = "did:web:digitalcredentials.github.io:vc-test-fixtures:dids:legacy"
DCC_DID_URL = "https://digitalcredentials.github.io/vc-test-fixtures/dids/legacy/did.json"


def controller_document(**overrides: Any) -> dict[str, Any]:
    document = {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": ISSUER,
        "verificationMethod": [
            {
                "id": f"{ISSUER}#key-1",
                "type": "Multikey",
                "controller": ISSUER,
                "publicKeyMultibase": MB,
            }
        ],
        "assertionMethod": [f"{ISSUER}#key-1"],
    }
    document.update(overrides)
    return document


def serving(documents: dict[str, dict[str, Any]]) -> MapFetcher:
    return MapFetcher({url: json.dumps(doc).encode() for url, doc in documents.items()})


def code_of(resolver: KeyResolver, method: str, issuer: str | None) -> str:
    with pytest.raises(KeyResolutionError) as info:
        resolver.resolve(method, issuer_id=issuer)
    return info.value.code


# -- did:key ------------------------------------------------------------------------------------


def test_did_key_method_resolves_offline_for_its_own_did() -> None:
    did = ISSUER_KEY.public.did_key
    key = KeyResolver().resolve(f"{did}#{MB}", issuer_id=did)
    assert key == ISSUER_KEY.public


def test_bare_did_key_names_its_single_key() -> None:
    did = ISSUER_KEY.public.did_key
    assert KeyResolver().resolve(did, issuer_id=did) == ISSUER_KEY.public


def test_did_key_of_someone_else_is_not_bound_to_the_issuer() -> None:
    did = ATTACKER_KEY.public.did_key
    assert code_of(KeyResolver(), f"{did}#{ATTACKER_MB}", ISSUER) == "key_not_bound_to_issuer"


def test_did_key_with_a_foreign_fragment_is_not_bound() -> None:
    did = ISSUER_KEY.public.did_key
    assert code_of(KeyResolver(), f"{did}#{ATTACKER_MB}", did) == "key_not_bound_to_issuer"


def test_without_issuer_the_key_is_returned_without_the_issuer_check() -> None:
    did = ISSUER_KEY.public.did_key
    assert KeyResolver().resolve(did, issuer_id=None) == ISSUER_KEY.public


# -- did:web ------------------------------------------------------------------------------------


def test_did_web_method_listed_under_assertion_method_resolves(shared: Path) -> None:
    fetcher = MapFetcher(
        {DCC_DID_URL: shared / "standards/negative/dcc-vc-test-fixtures/dids/legacy-did.json"}
    )
    method = f"{DCC_DID}#z6MkjXe1vZvPRqFuc9nRBtZ3e1Y9XKDFSbjFAfzLfW2bD6cZ"
    key = KeyResolver(fetcher).resolve(method, issuer_id=DCC_DID)
    assert key.public_key_multibase == "z6MkjXe1vZvPRqFuc9nRBtZ3e1Y9XKDFSbjFAfzLfW2bD6cZ"


def test_unreachable_did_web_is_unresolvable_not_invalid() -> None:
    did = "did:web:digitalcredentials.github.io:dcc-did-web-bad"
    assert code_of(KeyResolver(MapFetcher({})), f"{did}#key-1", did) == (
        "verification_method_unresolvable"
    )
    assert code_of(KeyResolver(), f"{did}#key-1", did) == "verification_method_unresolvable"


def test_did_web_pointing_at_a_private_address_is_refused_without_a_request() -> None:
    requests: list[httpx.Request] = []
    fetcher = GuardedFetcher(
        resolver=lambda host, port: ["192.168.0.10"],
        transport=httpx.MockTransport(lambda r: requests.append(r) or httpx.Response(200)),
    )
    with pytest.raises(KeyResolutionError) as info:
        KeyResolver(fetcher).resolve("did:web:intranet.example#key-1", issuer_id=None)
    assert info.value.code == "verification_method_unresolvable"
    assert info.value.cause == "fetch_refused_private_address"
    assert info.value.to_problem().details == {"cause": "fetch_refused_private_address"}
    assert requests == []


def test_did_web_document_with_another_id_is_invalid() -> None:
    fetcher = serving({"https://a.example/.well-known/did.json": {"id": "did:web:b.example"}})
    assert code_of(KeyResolver(fetcher), "did:web:a.example#k", "did:web:a.example") == (
        "verification_method_invalid"
    )


# -- https controller documents -----------------------------------------------------------------


def test_https_controller_document_binds_the_key_to_the_issuer() -> None:
    resolver = KeyResolver(serving({ISSUER: controller_document()}))
    assert resolver.resolve(f"{ISSUER}#key-1", issuer_id=ISSUER) == ISSUER_KEY.public


def test_relative_ids_in_controller_document_are_resolved() -> None:
    document = controller_document(
        verificationMethod=[
            {"id": "#key-1", "type": "Multikey", "controller": ISSUER, "publicKeyMultibase": MB}
        ],
        assertionMethod=["#key-1"],
    )
    resolver = KeyResolver(serving({ISSUER: document}))
    assert resolver.resolve(f"{ISSUER}#key-1", issuer_id=ISSUER) == ISSUER_KEY.public


def test_key_substitution_through_the_url_fragment_is_not_bound() -> None:
    # The attacker writes their own key after the victim's URL; the victim's document lists
    # another key, so the attacker key is not the victim's (finding 4).
    resolver = KeyResolver(serving({ISSUER: controller_document()}))
    assert code_of(resolver, f"{ISSUER}#{ATTACKER_MB}", ISSUER) == "key_not_bound_to_issuer"


def test_fragment_key_is_never_trusted_offline() -> None:
    assert code_of(KeyResolver(), f"{ISSUER}#{MB}", ISSUER) == "verification_method_unresolvable"
    assert code_of(KeyResolver(MapFetcher({})), f"{ISSUER}#{MB}", ISSUER) == (
        "verification_method_unresolvable"
    )


def test_key_listed_only_for_authentication_is_not_an_assertion_key() -> None:
    document = controller_document(assertionMethod=[], authentication=[f"{ISSUER}#key-1"])
    resolver = KeyResolver(serving({ISSUER: document}))
    assert code_of(resolver, f"{ISSUER}#key-1", ISSUER) == "key_not_bound_to_issuer"


def test_method_whose_controller_is_someone_else_is_not_bound() -> None:
    document = controller_document(
        verificationMethod=[
            {
                "id": f"{ISSUER}#key-1",
                "type": "Multikey",
                "controller": "https://evil.example/",
                "publicKeyMultibase": MB,
            }
        ]
    )
    resolver = KeyResolver(serving({ISSUER: document}))
    assert code_of(resolver, f"{ISSUER}#key-1", ISSUER) == "key_not_bound_to_issuer"


def test_controller_document_served_under_another_url_is_not_bound() -> None:
    resolver = KeyResolver(serving({"https://mirror.example/keys": controller_document()}))
    method = "https://mirror.example/keys#key-1"
    assert code_of(resolver, method, ISSUER) == "key_not_bound_to_issuer"


def test_key_of_another_controller_is_not_bound_to_the_issuer() -> None:
    other = "https://other.example/org"
    document = controller_document(
        id=other,
        verificationMethod=[
            {
                "id": f"{other}#key-1",
                "type": "Multikey",
                "controller": other,
                "publicKeyMultibase": MB,
            }
        ],
        assertionMethod=[f"{other}#key-1"],
    )
    resolver = KeyResolver(serving({other: document}))
    assert code_of(resolver, f"{other}#key-1", ISSUER) == "key_not_bound_to_issuer"


def test_standalone_key_document_is_checked_against_its_controller() -> None:
    key_url = "https://keys.example/k1"
    key_doc = {"id": key_url, "type": "Multikey", "controller": ISSUER, "publicKeyMultibase": MB}
    listed = controller_document(verificationMethod=[key_doc], assertionMethod=[key_url])
    resolver = KeyResolver(serving({key_url: key_doc, ISSUER: listed}))
    assert resolver.resolve(key_url, issuer_id=ISSUER) == ISSUER_KEY.public
    unlisted = KeyResolver(serving({key_url: key_doc, ISSUER: controller_document()}))
    assert code_of(unlisted, key_url, ISSUER) == "key_not_bound_to_issuer"


def test_http_errors_and_non_json_are_distinguished() -> None:
    class Status:
        def fetch(self, url: str, *, accept: str = ""):
            from badges.fetch import FetchResult

            return FetchResult(404, "text/html", b"", url)

    assert code_of(KeyResolver(Status()), f"{ISSUER}#key-1", ISSUER) == (
        "verification_method_unresolvable"
    )
    html = KeyResolver(MapFetcher({ISSUER: b"<html>profil</html>"}))
    assert code_of(html, f"{ISSUER}#key-1", ISSUER) == "verification_method_invalid"


def test_documents_are_fetched_once_per_resolver() -> None:
    fetcher = serving({ISSUER: controller_document()})
    resolver = KeyResolver(fetcher)
    for _ in range(3):
        resolver.resolve(f"{ISSUER}#key-1", issuer_id=ISSUER)
    assert fetcher.requested == [ISSUER]


@pytest.mark.parametrize(
    ("method", "expected"),
    [
        ("z6MkrvfzkMnvCroEUP2DVc9SHPE48CRsvHiVSusHioxTYu1x", "verification_method_invalid"),
        ("xxx:z6MkrvfzkMnvCroEUP2DVc9SHPE48CRsvHiVSusHioxTYu1x", "verification_method_invalid"),
        (
            "did:example:z6MkrvfzkMnvCroEUP2DVc9SHPE48CRsvHiVSusHioxTYu1x",
            "verification_method_invalid",
        ),
        ("http://issuer.example/issuers/1#key-1", "verification_method_invalid"),
        ("", "verification_method_invalid"),
    ],
)
def test_unusable_method_ids_are_invalid(method: str, expected: str) -> None:
    assert code_of(KeyResolver(MapFetcher({})), method, ISSUER) == expected


# -- key types ----------------------------------------------------------------------------------


def test_jsonwebkey_methods_give_ed25519_or_rsa_keys() -> None:
    okp = {"id": "x", "type": "JsonWebKey", "publicKeyJwk": ISSUER_KEY.public.to_jwk()}
    assert method_public_key(okp) == ISSUER_KEY.public
    rsa_public = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    document = controller_document(
        verificationMethod=[
            {
                "id": f"{ISSUER}#rsa",
                "type": "JsonWebKey",
                "controller": ISSUER,
                "publicKeyJwk": public_key_to_jwk(rsa_public),
            }
        ],
        assertionMethod=[f"{ISSUER}#rsa"],
    )
    resolver = KeyResolver(serving({ISSUER: document}))
    resolved = resolver.resolve_method(f"{ISSUER}#rsa", issuer_id=ISSUER)
    assert isinstance(resolved.key, rsa.RSAPublicKey)
    # Data Integrity asks for Ed25519 only.
    assert code_of(resolver, f"{ISSUER}#rsa", ISSUER) == "verification_method_invalid"


def test_method_with_private_jwk_or_unknown_type_is_invalid() -> None:
    with pytest.raises(KeyResolutionError) as info:
        method_public_key(
            {"id": "x", "type": "JsonWebKey", "publicKeyJwk": {"kty": "oct", "k": "c2"}}
        )
    assert info.value.code == "verification_method_invalid"
    with pytest.raises(KeyResolutionError):
        method_public_key({"id": "x", "type": "EcdsaSecp256k1VerificationKey2019"})


# -- pinned keys --------------------------------------------------------------------------------


def test_pinned_key_binds_a_fragment_method_of_the_issuer_offline() -> None:
    resolver = KeyResolver(pinned=[ISSUER_KEY.public])
    assert resolver.resolve(f"{ISSUER}#{MB}", issuer_id=ISSUER) == ISSUER_KEY.public


def test_pinned_key_does_not_vouch_for_another_issuer_or_key() -> None:
    resolver = KeyResolver(pinned=[ISSUER_KEY.public])
    other = "https://victim.example/issuer"
    assert code_of(resolver, f"{ISSUER}#{MB}", other) == "key_not_bound_to_issuer"
    assert code_of(resolver, f"{ISSUER}#{ATTACKER_MB}", ISSUER) == (
        "verification_method_unresolvable"
    )


def test_for_issuer_adapter_is_a_verify_proof_callback() -> None:
    did = ISSUER_KEY.public.did_key
    resolve_key = KeyResolver().for_issuer(did)
    assert resolve_key(f"{did}#{MB}") == ISSUER_KEY.public


# -- 1EdTech fixtures: the fragment shortcut never verifies (finding 4) -------------------------


def fixture_methods(shared: Path) -> list[tuple[str, str, str | None]]:
    found = []
    for folder in ("standards/negative/1edtech-validator", "standards/1edtech-validator/ob30"):
        for path in sorted((shared / folder).glob("*.json")):
            data = json.loads(path.read_text())
            proofs = data.get("proof")
            proofs = proofs if isinstance(proofs, list) else [proofs]
            issuer = data.get("issuer")
            issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
            for proof in proofs:
                if isinstance(proof, dict) and proof.get("verificationMethod"):
                    found.append((path.name, proof["verificationMethod"], issuer_id))
    return found


def test_no_1edtech_fixture_key_is_trusted_from_its_url_fragment(shared: Path) -> None:
    methods = fixture_methods(shared)
    assert len(methods) >= 30
    for resolver in (KeyResolver(), KeyResolver(MapFetcher({}))):
        for name, method, issuer_id in methods:
            with pytest.raises(KeyResolutionError) as info:
                resolver.resolve(method, issuer_id=issuer_id)
            assert info.value.code in {
                "verification_method_unresolvable",
                "key_not_bound_to_issuer",
                "verification_method_invalid",
            }, name
            if method.startswith("https://"):
                assert info.value.code != "verification_method_invalid" or "#" not in method, name


def test_1edtech_did_key_method_is_not_the_urn_uuid_issuer(shared: Path) -> None:
    data = json.loads(
        (shared / "standards/1edtech-validator/ob30/simple-did-key-method.json").read_text()
    )
    assert code_of(KeyResolver(), data["proof"][0]["verificationMethod"], data["issuer"]["id"]) == (
        "key_not_bound_to_issuer"
    )


# -- JOSE headers -------------------------------------------------------------------------------


def header(**members: Any) -> JoseHeader:
    raw = {"alg": "EdDSA", **members}
    return JoseHeader(raw["alg"], raw.get("kid"), raw.get("jwk"), raw.get("typ"), raw)


def test_jose_kid_is_resolved_like_a_verification_method() -> None:
    resolver = KeyResolver(serving({ISSUER: controller_document()}))
    assert resolver.resolve_jose(header(kid=f"{ISSUER}#key-1"), issuer_id=ISSUER) == (
        ISSUER_KEY.public
    )
    assert resolver.resolve_jose(header(kid="#key-1"), issuer_id=ISSUER) == ISSUER_KEY.public


def test_jose_header_jwk_must_be_published_by_the_issuer() -> None:
    resolver = KeyResolver(serving({ISSUER: controller_document()}))
    published = header(jwk=ISSUER_KEY.public.to_jwk())
    assert resolver.resolve_jose(published, issuer_id=ISSUER) == ISSUER_KEY.public
    with pytest.raises(KeyResolutionError) as info:
        resolver.resolve_jose(header(jwk=ATTACKER_KEY.public.to_jwk()), issuer_id=ISSUER)
    assert info.value.code == "key_not_bound_to_issuer"


def test_jose_header_jwk_matching_a_pinned_key_is_accepted_offline() -> None:
    resolver = KeyResolver(pinned=[ISSUER_KEY.public])
    assert resolver.resolve_jose(header(jwk=ISSUER_KEY.public.to_jwk()), issuer_id=ISSUER) == (
        ISSUER_KEY.public
    )
    with pytest.raises(KeyResolutionError) as info:
        KeyResolver().resolve_jose(header(jwk=ISSUER_KEY.public.to_jwk()), issuer_id=ISSUER)
    assert info.value.code == "verification_method_unresolvable"


def test_jose_kid_and_jwk_naming_different_keys_is_not_bound() -> None:
    resolver = KeyResolver(serving({ISSUER: controller_document()}))
    mixed = header(kid=f"{ISSUER}#key-1", jwk=ATTACKER_KEY.public.to_jwk())
    with pytest.raises(KeyResolutionError) as info:
        resolver.resolve_jose(mixed, issuer_id=ISSUER)
    assert info.value.code == "key_not_bound_to_issuer"


# -- DCC fixtures (digitalcredentials/vc-test-fixtures): did:key issuers bind, bad did:web does not


def test_every_dcc_fixture_key_is_bound_to_its_issuer_or_unresolvable(shared: Path) -> None:
    root = shared / "standards/negative/dcc-vc-test-fixtures"
    fetcher = MapFetcher({DCC_DID_URL: root / "dids/legacy-did.json"})
    resolver = KeyResolver(fetcher)
    checked = 0
    for path in sorted(root.rglob("*.json")):
        data = json.loads(path.read_text())
        if "proof" not in data:
            continue
        issuer = data["issuer"]["id"] if isinstance(data["issuer"], dict) else data["issuer"]
        proofs = data["proof"] if isinstance(data["proof"], list) else [data["proof"]]
        for proof in proofs:
            method = proof["verificationMethod"]
            if method.startswith("did:web:digitalcredentials.github.io:dcc-did-web-bad"):
                assert code_of(resolver, method, issuer) == "verification_method_unresolvable"
            else:
                key = resolver.resolve(method, issuer_id=issuer)
                assert method.endswith("#" + key.public_key_multibase), path.name
            checked += 1
    assert checked >= 20


method_ids = st.text(max_size=60) | st.builds(
    lambda scheme, rest: scheme + rest,
    st.sampled_from(
        ["https://", "did:web:", "did:key:", "did:key:z6Mk", "did:jwk:", "http://", "did:"]
    ),
    st.text(max_size=50),
)


@settings(max_examples=300, deadline=None)
@given(method=method_ids, issuer=st.none() | st.text(max_size=30))
def test_resolution_fails_only_with_key_resolution_errors(method: str, issuer: str | None) -> None:
    resolver = KeyResolver(serving({ISSUER: controller_document()}))
    code = None
    try:
        resolver.resolve(method, issuer_id=issuer)
    except KeyResolutionError as exc:
        code = exc.code
    if code is not None:
        assert code in {
            "verification_method_unresolvable",
            "key_not_bound_to_issuer",
            "verification_method_invalid",
        }


# -- did:jwk --------------------------------------------------------------------------------------


def did_jwk_of(jwk: dict[str, Any]) -> str:
    from badges.multibase import base64url_encode

    return "did:jwk:" + base64url_encode(json.dumps(jwk).encode())


def test_did_jwk_methods_resolve_offline_and_bind_to_their_did() -> None:
    did = did_jwk_of(ISSUER_KEY.public.to_jwk())
    assert KeyResolver().resolve(f"{did}#0", issuer_id=did) == ISSUER_KEY.public
    assert code_of(KeyResolver(), f"{did}#0", ISSUER) == "key_not_bound_to_issuer"
    encryption_only = did_jwk_of({**ISSUER_KEY.public.to_jwk(), "use": "enc"})
    assert code_of(KeyResolver(), f"{encryption_only}#0", encryption_only) == (
        "key_not_bound_to_issuer"
    )


def test_jwt_kid_may_be_a_did_jwk_with_a_p256_key() -> None:
    from cryptography.hazmat.primitives.asymmetric import ec

    public = ec.generate_private_key(ec.SECP256R1()).public_key()
    did = did_jwk_of(public_key_to_jwk(public))
    resolved = KeyResolver().resolve_jose(header(alg="ES256", kid=f"{did}#0"), issuer_id=did)
    assert isinstance(resolved, ec.EllipticCurvePublicKey)
    assert resolved.public_numbers() == public.public_numbers()
