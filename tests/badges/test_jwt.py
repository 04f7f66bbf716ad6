"""VC-JWT (OB 3.0 §8.2): issue with EdDSA, verify EdDSA/RS256/ES256, refuse none/HMAC/confusion."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from hypothesis import given, settings
from hypothesis import strategies as st

from badges.jwk import PublicKeyLike, public_key_from_jwk, public_key_to_jwk
from badges.jwt import JoseHeader, decode_jose, encode_vc_jwt, verify_vc_jwt
from badges.keys import Ed25519KeyPair
from badges.multibase import base64url_decode, base64url_encode
from badges.problems import BadgeError, Severity

NOW = datetime(2025, 6, 1, tzinfo=UTC)
KEY = Ed25519KeyPair.from_seed(bytes(range(32)))
ISSUER = KEY.public.did_key
KID = f"{ISSUER}#{KEY.public.public_key_multibase}"
CREDENTIAL: dict[str, Any] = {
    "@context": [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ],
    "id": "urn:uuid:7f3b1c52-0f0d-4a5e-9d1c-5d8f0e7a9b10",
    "type": ["VerifiableCredential", "OpenBadgeCredential"],
    "issuer": {"id": ISSUER, "type": ["Profile"], "name": "Atelier Vélo Solidaire"},
    "validFrom": "2025-01-15T09:00:00Z",
    "validUntil": "2027-01-15T09:00:00Z",
    "name": "Réparer une crevaison",
    "credentialSubject": {"id": "did:example:apprenant", "type": ["AchievementSubject"]},
}


def fixed(key: PublicKeyLike):
    return lambda header: key


def refuse(code: str = "key_not_bound_to_issuer"):
    def resolve(header: JoseHeader) -> PublicKeyLike:
        raise BadgeError("refusée", code=code)

    return resolve


def b64json(value: dict[str, Any]) -> str:
    return base64url_encode(json.dumps(value, separators=(",", ":")).encode())


def sign_compact(header: dict[str, Any], payload: dict[str, Any], signer) -> str:
    signing_input = f"{b64json(header)}.{b64json(payload)}"
    return signing_input + "." + base64url_encode(signer(signing_input.encode()))


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def ec_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def rs256(private: rsa.RSAPrivateKey):
    return lambda data: private.sign(data, padding.PKCS1v15(), hashes.SHA256())


def es256(private: ec.EllipticCurvePrivateKey):
    def sign(data: bytes) -> bytes:
        r, s = decode_dss_signature(private.sign(data, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")

    return sign


def payload_for(credential: dict[str, Any]) -> dict[str, Any]:
    return {
        **credential,
        "iss": ISSUER,
        "jti": credential["id"],
        "sub": "did:example:apprenant",
        "nbf": 1736931600,
        "exp": 1800003600,
    }


def codes(result) -> list[str]:
    return [p.code for p in result.problems if p.severity == Severity.ERROR]


# -- issuing ------------------------------------------------------------------------------------


def test_encoded_vc_jwt_has_the_ob_header_and_claims_and_verifies() -> None:
    token = encode_vc_jwt(CREDENTIAL, KEY, kid=KID)
    header, payload, _, signature = decode_jose(token)
    assert header.raw == {"alg": "EdDSA", "kid": KID, "typ": "JWT"}
    assert payload["iss"] == ISSUER
    assert payload["jti"] == CREDENTIAL["id"]
    assert payload["sub"] == "did:example:apprenant"
    assert payload["nbf"] == 1736931600
    assert payload["exp"] == 1800003600
    assert payload["name"] == "Réparer une crevaison"
    assert len(signature) == 64
    result = verify_vc_jwt(token, resolve_key=fixed(KEY.public), now=NOW)
    assert result.verified, result.problems
    assert result.proof_valid
    assert result.credential == CREDENTIAL


def test_credential_without_expiry_gets_no_exp_claim() -> None:
    credential = {k: v for k, v in CREDENTIAL.items() if k != "validUntil"}
    _, payload, _, _ = decode_jose(encode_vc_jwt(credential, KEY, kid=KID))
    assert "exp" not in payload


def test_credential_without_issuer_cannot_be_encoded() -> None:
    with pytest.raises(BadgeError):
        encode_vc_jwt({"validFrom": "2025-01-01T00:00:00Z"}, KEY, kid=KID)


# -- tampering and keys -------------------------------------------------------------------------


def test_changed_payload_is_signature_invalid() -> None:
    header, payload, rest = encode_vc_jwt(CREDENTIAL, KEY, kid=KID).split(".")
    claims = json.loads(base64url_decode(payload))
    claims["name"] = "Diplôme d'ingénieur"
    forged = f"{header}.{b64json(claims)}.{rest}"
    result = verify_vc_jwt(forged, resolve_key=fixed(KEY.public), now=NOW)
    assert not result.verified
    assert codes(result) == ["signature_invalid"]


def test_signature_by_another_key_is_invalid() -> None:
    other = Ed25519KeyPair.from_seed(bytes(32))
    token = encode_vc_jwt(CREDENTIAL, other, kid=KID)
    result = verify_vc_jwt(token, resolve_key=fixed(KEY.public), now=NOW)
    assert codes(result) == ["signature_invalid"]


def test_unbound_key_keeps_its_own_code_and_is_not_verified() -> None:
    token = encode_vc_jwt(CREDENTIAL, KEY, kid=KID)
    result = verify_vc_jwt(token, resolve_key=refuse(), now=NOW)
    assert not result.verified
    assert not result.proof_valid
    assert codes(result) == ["key_not_bound_to_issuer"]


def test_rs256_with_embedded_public_jwk_verifies(rsa_key: rsa.RSAPrivateKey) -> None:
    jwk = public_key_to_jwk(rsa_key.public_key())
    token = sign_compact(
        {"alg": "RS256", "typ": "JWT", "jwk": jwk}, payload_for(CREDENTIAL), rs256(rsa_key)
    )
    result = verify_vc_jwt(token, resolve_key=lambda h: public_key_from_jwk(h.jwk), now=NOW)
    assert result.verified, result.problems


def test_es256_with_raw_r_s_signature_verifies(ec_key: ec.EllipticCurvePrivateKey) -> None:
    token = sign_compact({"alg": "ES256", "kid": KID}, payload_for(CREDENTIAL), es256(ec_key))
    result = verify_vc_jwt(token, resolve_key=fixed(ec_key.public_key()), now=NOW)
    assert result.verified, result.problems


def test_jwk_header_with_private_member_is_refused(rsa_key: rsa.RSAPrivateKey) -> None:
    jwk = {**public_key_to_jwk(rsa_key.public_key()), "d": "c2VjcmV0"}
    token = sign_compact({"alg": "RS256", "jwk": jwk}, payload_for(CREDENTIAL), rs256(rsa_key))
    result = verify_vc_jwt(token, resolve_key=fixed(rsa_key.public_key()), now=NOW)
    assert codes(result) == ["jwt_header_invalid"]
    assert not result.signature_valid


# -- attacks (reliability-ux.md §A3-S5) ---------------------------------------------------------


def test_alg_none_is_refused_even_with_an_empty_signature() -> None:
    token = f"{b64json({'alg': 'none', 'kid': KID})}.{b64json(payload_for(CREDENTIAL))}."
    called = []
    result = verify_vc_jwt(token, resolve_key=lambda h: called.append(h) or KEY.public, now=NOW)
    assert codes(result) == ["jwt_algorithm_refused"]
    assert called == []  # the key resolver is not even consulted
    assert not result.verified


@pytest.mark.parametrize("alg", ["HS256", "HS384", "HS512", "None", "NONE", "PS256", "RS512"])
def test_symmetric_and_unsupported_algorithms_are_refused(alg: str) -> None:
    token = sign_compact({"alg": alg, "kid": KID}, payload_for(CREDENTIAL), lambda d: b"x" * 32)
    result = verify_vc_jwt(token, resolve_key=fixed(KEY.public), now=NOW)
    assert codes(result) == ["jwt_algorithm_refused"]


def test_algorithm_confusion_hmac_over_the_rsa_public_key_fails(
    rsa_key: rsa.RSAPrivateKey,
) -> None:
    public = rsa_key.public_key()
    pem = public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    # The classic attack: sign with HMAC, using the public key the verifier will look up as secret.
    token = sign_compact(
        {"alg": "HS256", "typ": "JWT", "kid": KID},
        payload_for(CREDENTIAL),
        lambda data: hmac.new(pem, data, hashlib.sha256).digest(),
    )
    result = verify_vc_jwt(token, resolve_key=fixed(public), now=NOW)
    assert not result.verified
    assert not result.signature_valid
    assert codes(result) == ["jwt_algorithm_refused"]


def test_rs256_token_checked_with_an_ed25519_key_is_refused_not_verified(
    rsa_key: rsa.RSAPrivateKey,
) -> None:
    token = sign_compact({"alg": "RS256", "kid": KID}, payload_for(CREDENTIAL), rs256(rsa_key))
    result = verify_vc_jwt(token, resolve_key=fixed(KEY.public), now=NOW)
    assert codes(result) == ["jwt_algorithm_refused"]


def test_eddsa_header_with_rsa_key_is_refused(rsa_key: rsa.RSAPrivateKey) -> None:
    token = encode_vc_jwt(CREDENTIAL, KEY, kid=KID)
    result = verify_vc_jwt(token, resolve_key=fixed(rsa_key.public_key()), now=NOW)
    assert codes(result) == ["jwt_algorithm_refused"]


def test_short_rsa_keys_are_refused() -> None:
    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    token = sign_compact({"alg": "RS256", "kid": KID}, payload_for(CREDENTIAL), rs256(weak))
    result = verify_vc_jwt(token, resolve_key=fixed(weak.public_key()), now=NOW)
    assert codes(result) == ["jwt_algorithm_refused"]


def test_crit_header_is_refused_and_extra_headers_are_warned() -> None:
    crit = sign_compact(
        {"alg": "EdDSA", "kid": KID, "crit": ["b64"], "b64": False},
        payload_for(CREDENTIAL),
        KEY.sign,
    )
    assert "jwt_header_invalid" in codes(
        verify_vc_jwt(crit, resolve_key=fixed(KEY.public), now=NOW)
    )
    extra = sign_compact(
        {"alg": "EdDSA", "kid": KID, "jku": "https://evil.example/keys"},
        payload_for(CREDENTIAL),
        KEY.sign,
    )
    result = verify_vc_jwt(extra, resolve_key=fixed(KEY.public), now=NOW)
    assert result.verified
    assert [p.code for p in result.problems] == ["jwt_header_invalid"]
    assert result.problems[0].severity == Severity.WARNING


# -- malformed input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "token",
    [
        "",
        "abc",
        "a.b",
        "a.b.c.d",
        "!!.??.x",
        "e30.e30",
        "W10.e30.",
        "e30.W10.",
        "eyJhbGciOiJFZERTQSIsImFsZyI6Im5vbmUifQ.e30.",
        "bm90IGpzb24.e30.",
    ],
)
def test_malformed_tokens_are_jwt_malformed_and_never_raise(token: str) -> None:
    result = verify_vc_jwt(token, resolve_key=fixed(KEY.public), now=NOW)
    assert not result.verified
    assert codes(result) in (["jwt_malformed"], ["jwt_header_invalid"])


def test_duplicate_alg_member_is_malformed() -> None:
    header = base64url_encode(b'{"alg":"EdDSA","alg":"none","kid":"x"}')
    result = verify_vc_jwt(f"{header}.e30.", resolve_key=fixed(KEY.public), now=NOW)
    assert codes(result) == ["jwt_malformed"]


def test_header_without_kid_or_jwk_is_invalid() -> None:
    token = sign_compact({"alg": "EdDSA"}, payload_for(CREDENTIAL), KEY.sign)
    assert codes(verify_vc_jwt(token, resolve_key=fixed(KEY.public), now=NOW)) == [
        "jwt_header_invalid"
    ]


# -- claims and time ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("claim", "value"),
    [
        ("iss", "did:example:autre"),
        ("sub", "did:example:autre"),
        ("jti", "urn:uuid:autre"),
        ("nbf", 1736931601),
        ("exp", 1800003601),
    ],
)
def test_claim_not_matching_the_credential_is_a_mismatch(claim: str, value: Any) -> None:
    payload = {**payload_for(CREDENTIAL), claim: value}
    token = sign_compact({"alg": "EdDSA", "kid": KID, "typ": "JWT"}, payload, KEY.sign)
    result = verify_vc_jwt(token, resolve_key=fixed(KEY.public), now=NOW)
    assert codes(result) == ["jwt_claim_mismatch"]
    assert result.signature_valid
    assert not result.verified
    assert not result.proof_valid


def test_missing_claim_is_only_a_warning() -> None:
    payload = {k: v for k, v in payload_for(CREDENTIAL).items() if k != "sub"}
    token = sign_compact({"alg": "EdDSA", "kid": KID}, payload, KEY.sign)
    result = verify_vc_jwt(token, resolve_key=fixed(KEY.public), now=NOW)
    assert result.verified
    assert [(p.code, p.severity) for p in result.problems] == [
        ("jwt_claim_missing", Severity.WARNING)
    ]


def test_expired_token_is_jwt_expired_but_the_proof_stays_valid() -> None:
    token = encode_vc_jwt(CREDENTIAL, KEY, kid=KID)
    result = verify_vc_jwt(
        token, resolve_key=fixed(KEY.public), now=datetime(2030, 1, 1, tzinfo=UTC)
    )
    assert codes(result) == ["jwt_expired"]
    assert not result.verified
    assert result.proof_valid


def test_token_before_nbf_is_not_yet_valid_and_leeway_is_honoured() -> None:
    token = encode_vc_jwt(CREDENTIAL, KEY, kid=KID)
    early = datetime(2025, 1, 15, 8, 59, 30, tzinfo=UTC)
    assert codes(verify_vc_jwt(token, resolve_key=fixed(KEY.public), now=early)) == [
        "jwt_not_yet_valid"
    ]
    lenient = verify_vc_jwt(
        token, resolve_key=fixed(KEY.public), now=early, leeway=timedelta(minutes=1)
    )
    assert lenient.verified


def test_vc_1_1_payload_with_vc_claim_is_read_and_checked() -> None:
    vc = {
        "@context": ["https://www.w3.org/2018/credentials/v1"],
        "id": "http://example.edu/credentials/3732",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": ISSUER},
        "issuanceDate": "2010-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:ebfeb1f712ebc6f1c276e12ec21"},
    }
    payload = {
        "vc": vc,
        "iss": ISSUER,
        "nbf": 1262304000,
        "jti": vc["id"],
        "sub": "did:example:ebfeb1f712ebc6f1c276e12ec21",
    }
    token = sign_compact({"alg": "EdDSA", "kid": KID, "typ": "JWT"}, payload, KEY.sign)
    result = verify_vc_jwt(token, resolve_key=fixed(KEY.public), now=NOW)
    assert result.verified, result.problems
    assert result.credential == vc


# -- 1EdTech validator fixtures -----------------------------------------------------------------

JWT_RE = re.compile(rb"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")


def fixture_token(shared: Path, name: str) -> str:
    match = JWT_RE.search((shared / "standards/1edtech-validator" / name).read_bytes())
    assert match is not None
    return match.group(0).decode()


def test_1edtech_simple_jwt_names_no_key_so_it_cannot_verify(shared: Path) -> None:
    for path in ("standards/negative/1edtech-validator/simple.jwt",):
        token = (shared / path).read_text().strip()
        result = verify_vc_jwt(token, resolve_key=fixed(KEY.public), now=NOW)
        assert codes(result) == ["jwt_header_invalid"]
        assert result.credential is not None
        assert result.credential["id"] == "http://example.edu/credentials/3732"


@pytest.mark.parametrize(
    "name",
    ["ob30/simple-jwt.svg", "ob30/simple-jwt_v1.svg", "ob30/simple-jwt.png", "clr20/simple.jwt"],
)
def test_1edtech_rs256_jwk_fixtures_are_intact_but_their_header_key_is_not_trusted(
    shared: Path, name: str
) -> None:
    token = fixture_token(shared, name)
    header, _, _, _ = decode_jose(token)
    assert header.alg == "RS256"
    assert header.jwk is not None
    # Trusting the header key shows the bytes are intact (claims consistent) ...
    trusted = verify_vc_jwt(token, resolve_key=lambda h: public_key_from_jwk(h.jwk), now=NOW)
    assert trusted.signature_valid
    assert trusted.proof_valid, trusted.problems
    # ... but a resolver that cannot bind the key to the issuer keeps it from verifying.
    unbound = verify_vc_jwt(token, resolve_key=refuse(), now=NOW)
    assert unbound.signature_valid
    assert not unbound.verified
    assert "key_not_bound_to_issuer" in codes(unbound)


def test_1edtech_fixture_tampered_is_signature_invalid(shared: Path) -> None:
    token = fixture_token(shared, "ob30/simple-jwt.svg")
    header, payload, signature = token.split(".")
    claims = json.loads(base64url_decode(payload))
    claims["name"] = "Tampered Badge"
    forged = f"{header}.{b64json(claims)}.{signature}"
    result = verify_vc_jwt(forged, resolve_key=lambda h: public_key_from_jwk(h.jwk), now=NOW)
    assert codes(result) == ["signature_invalid"]


# -- never raises -------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
claim_names = st.sampled_from(["iss", "sub", "jti", "nbf", "exp", "vc", "issuer", "validFrom"])


@settings(max_examples=150, deadline=None)
@given(
    header=st.dictionaries(
        st.sampled_from(["alg", "kid", "jwk", "typ", "crit", "x"]), json_values, max_size=5
    ),
    payload=st.dictionaries(claim_names | st.text(max_size=8), json_values, max_size=6),
    signature=st.binary(max_size=80),
)
def test_verify_never_raises_on_arbitrary_headers_and_payloads(
    header: dict[str, Any], payload: dict[str, Any], signature: bytes
) -> None:
    token = f"{b64json(header)}.{b64json(payload)}.{base64url_encode(signature)}"
    result = verify_vc_jwt(token, resolve_key=fixed(KEY.public), now=NOW)
    assert not result.verified or result.signature_valid


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=200))
def test_verify_never_raises_on_arbitrary_text(token: str) -> None:
    assert not verify_vc_jwt(token, resolve_key=fixed(KEY.public), now=NOW).verified


def test_huge_nbf_and_deep_nesting_are_handled() -> None:
    # 1e999 is valid JSON that Python reads as infinity; "Infinity" itself is refused as malformed.
    claims = json.dumps(payload_for(CREDENTIAL)).replace("1736931600", "1e999")
    signing_input = f"{b64json({'alg': 'EdDSA', 'kid': KID})}.{base64url_encode(claims.encode())}"
    token = f"{signing_input}.{base64url_encode(KEY.sign(signing_input.encode()))}"
    assert codes(verify_vc_jwt(token, resolve_key=fixed(KEY.public), now=NOW)) == [
        "jwt_claim_mismatch",
        "jwt_not_yet_valid",
    ]
    deep = base64url_encode(b"[" * 100000 + b"]" * 100000)
    result = verify_vc_jwt(f"e30.{deep}.", resolve_key=fixed(KEY.public), now=NOW)
    assert codes(result) == ["jwt_malformed"]


def test_resolver_bug_is_reported_not_raised() -> None:
    def broken(header: JoseHeader) -> PublicKeyLike:
        raise RuntimeError("bug")

    token = encode_vc_jwt(CREDENTIAL, KEY, kid=KID)
    assert codes(verify_vc_jwt(token, resolve_key=broken, now=NOW)) == [
        "verification_method_unresolvable"
    ]
