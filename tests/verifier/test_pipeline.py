"""End-to-end verification of credentials signed with the real primitives."""

from __future__ import annotations

import copy
import json
import struct
import zlib
from typing import Any

import pytest

from badges.baking import bake_png, bake_svg
from badges.fetch import MapFetcher
from badges.identity import hashed_identity
from badges.jwt import encode_vc_jwt
from badges.multibase import base64url_encode
from tests.verifier.builders import (
    LIST_URL,
    NOW,
    did_of,
    fetcher_for,
    key,
    method_of,
    sign,
    signed,
    status_entry,
    status_list,
    unsigned,
)
from verifier import TrustRegistry, VerifyOptions, verify
from verifier.report import CheckId, Outcome, Verdict, VerificationReport


def _png_1x1() -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0)
    pixels = zlib.compress(b"\x00\x00\x00\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


PNG_1X1 = _png_1x1()
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"></svg>'


def run(value: Any, **options: Any) -> VerificationReport:
    return verify(value, options=VerifyOptions(now=options.pop("now", NOW), **options))


def outcomes(report: VerificationReport) -> dict[str, str]:
    return {str(c.check): str(c.outcome) for c in report.checks}


def test_signed_badge_is_verified_and_unknown_issuer_is_only_a_warning() -> None:
    report = run(signed())
    assert report.verdict == Verdict.VERIFIED, report.codes()
    assert outcomes(report) == {
        "structure": "passed",
        "context": "passed",
        "schema": "passed",
        "proof": "passed",
        "validity_period": "passed",
        "status": "passed",
        "issuer_trust": "failed",
    }
    assert report.check(CheckId.ISSUER_TRUST).codes() == ["issuer_not_in_registry"]  # type: ignore[union-attr]


def test_known_issuer_passes_trust() -> None:
    pair = key()
    registry = TrustRegistry.from_data([did_of(pair)])
    report = run(signed(pair), trust_registry=registry, policy="strict")
    assert report.verdict == Verdict.VERIFIED
    assert report.outcome(CheckId.ISSUER_TRUST) == Outcome.PASSED


def test_tampered_badge_fails_and_later_checks_are_skipped() -> None:
    credential = signed()
    credential["credentialSubject"]["achievement"]["name"] = "Diriger une entreprise"
    report = run(credential)
    assert report.verdict == Verdict.NOT_VERIFIED
    assert report.outcome(CheckId.PROOF) == Outcome.FAILED
    for later in (CheckId.VALIDITY_PERIOD, CheckId.STATUS, CheckId.ISSUER_TRUST):
        check = report.check(later)
        assert check is not None
        assert check.outcome == Outcome.SKIPPED
        assert check.codes() == ["prerequisite_failed"]


def test_expired_badge_is_verified_by_default_and_not_when_strict() -> None:
    credential = signed(validUntil="2025-06-01T00:00:00Z")
    default = run(credential)
    assert default.verdict == Verdict.VERIFIED
    assert default.check(CheckId.VALIDITY_PERIOD).codes() == ["expired"]  # type: ignore[union-attr]
    assert run(credential, policy="strict").verdict == Verdict.NOT_VERIFIED


def test_not_yet_valid_badge_is_not_verified() -> None:
    report = run(signed(), now=NOW.replace(year=2024))
    assert report.verdict == Verdict.NOT_VERIFIED
    assert report.check(CheckId.VALIDITY_PERIOD).codes() == ["not_yet_valid"]  # type: ignore[union-attr]


def test_revoked_through_a_local_status_list() -> None:
    pair = key()
    credential = signed(pair, credentialStatus=status_entry(42))
    fetcher = fetcher_for(status_list(pair, revoked=(42,)))
    report = run(credential, fetcher=fetcher)
    assert report.verdict == Verdict.NOT_VERIFIED
    assert report.check(CheckId.STATUS).codes() == ["revoked"]  # type: ignore[union-attr]
    other = signed(pair, credentialStatus=status_entry(43))
    assert run(other, fetcher=fetcher).verdict == Verdict.VERIFIED


def test_status_is_indeterminate_when_list_unreachable_and_verdict_inconclusive() -> None:
    credential = signed(credentialStatus=status_entry(42))
    report = run(credential, fetcher=MapFetcher({}))
    assert report.verdict == Verdict.INCONCLUSIVE
    assert report.check(CheckId.STATUS).codes() == ["status_list_unreachable"]  # type: ignore[union-attr]


def test_status_list_tampered_after_signing_is_never_read() -> None:
    pair = key()
    listing = status_list(pair, revoked=())
    listing["credentialSubject"]["encodedList"] = status_list(pair, revoked=(42,))[
        "credentialSubject"
    ]["encodedList"]
    report = run(signed(pair, credentialStatus=status_entry(42)), fetcher=fetcher_for(listing))
    assert report.verdict == Verdict.INCONCLUSIVE
    assert report.check(CheckId.STATUS).codes() == ["status_list_proof_invalid"]  # type: ignore[union-attr]


def test_one_status_list_serves_many_badges_from_the_cache() -> None:
    pair = key()
    fetcher = fetcher_for(status_list(pair, revoked=(7,)))
    options = VerifyOptions(now=NOW, fetcher=fetcher)
    verdicts = [
        verify(signed(pair, credentialStatus=status_entry(i)), options=options).verdict
        for i in (5, 6, 7)
    ]
    assert verdicts == [Verdict.VERIFIED, Verdict.VERIFIED, Verdict.NOT_VERIFIED]
    assert fetcher.requested == [LIST_URL]


def test_key_substitution_is_refused() -> None:
    issuer, attacker = key(1), key(2)
    credential = sign(unsigned(did_of(issuer)), attacker)  # attacker's did:key method
    for policy in ("default", "strict"):
        report = run(credential, policy=policy)
        assert report.verdict == Verdict.NOT_VERIFIED
        # The seal matches the attacker's key (proof passed); the key is not the issuer's.
        assert report.outcome(CheckId.PROOF) == Outcome.PASSED
        trust = report.check(CheckId.ISSUER_TRUST)
        assert trust is not None
        assert trust.outcome == Outcome.FAILED
        assert "key_not_bound_to_issuer" in trust.codes()
        assert trust.details["key_binding"] == "not_bound"


def test_fragment_key_of_an_https_issuer_is_never_trusted() -> None:
    pair = key()
    issuer = "https://victim.example/issuers/1"
    credential = sign(
        unsigned(issuer), pair, verification_method=f"{issuer}#{pair.public.public_key_multibase}"
    )
    report = run(credential, fetcher=MapFetcher({}))
    assert report.verdict == Verdict.INCONCLUSIVE
    # The fragment key only shows the seal is intact; it binds nothing to the issuer.
    assert report.outcome(CheckId.PROOF) == Outcome.PASSED
    assert report.outcome(CheckId.ISSUER_TRUST) == Outcome.INDETERMINATE
    assert "verification_method_unresolvable" in report.check(CheckId.ISSUER_TRUST).codes()  # type: ignore[union-attr]
    assert run(credential, fetcher=MapFetcher({}), policy="strict").verdict == (
        Verdict.INCONCLUSIVE
    )
    assert run(credential, fetcher=MapFetcher({}), pinned_keys=[pair.public]).verdict == (
        Verdict.VERIFIED
    )


def test_remote_context_is_refused_without_any_request() -> None:
    credential = signed()
    credential["@context"].append("https://attacker.example/ctx.jsonld")
    fetcher = MapFetcher({})
    report = run(credential, fetcher=fetcher)
    assert report.verdict == Verdict.NOT_VERIFIED
    assert "context_not_allowed" in report.codes()
    assert not [u for u in fetcher.requested if "attacker" in u]


def test_undefined_term_is_data_loss() -> None:
    pair = key()
    credential = signed(pair)
    credential["unsignedClaim"] = "ajouté après la signature"
    report = run(credential)
    assert report.verdict == Verdict.NOT_VERIFIED
    assert "data_loss" in report.check(CheckId.PROOF).codes()  # type: ignore[union-attr]


def test_recipient_check_with_hashed_identifier() -> None:
    pair = key()
    subject = unsigned(did_of(pair))["credentialSubject"]
    del subject["id"]
    subject["identifier"] = [hashed_identity("ada@example.org", "emailAddress")]
    credential = sign(unsigned(did_of(pair), credentialSubject=subject), pair)
    assert run(credential, expected_recipient="ada@example.org").verdict == Verdict.VERIFIED
    wrong = run(credential, expected_recipient="bob@example.org")
    assert wrong.verdict == Verdict.NOT_VERIFIED
    assert wrong.check(CheckId.RECIPIENT).codes() == ["recipient_mismatch"]  # type: ignore[union-attr]


def test_vc_jwt_badge_is_verified() -> None:
    pair = key()
    credential = unsigned(did_of(pair))
    token = encode_vc_jwt(credential, pair, kid=method_of(pair))
    report = run(token)
    assert report.input_kind == "vc_jwt"
    assert report.verdict == Verdict.VERIFIED, report.codes()


def test_jwt_with_alg_none_is_refused() -> None:
    pair = key()
    token = encode_vc_jwt(unsigned(did_of(pair)), pair, kid=method_of(pair))
    _, payload, _ = token.split(".")
    header = base64url_encode(json.dumps({"alg": "none", "kid": method_of(pair)}).encode())
    report = run(f"{header}.{payload}.")
    assert report.verdict == Verdict.NOT_VERIFIED
    assert "jwt_algorithm_refused" in report.codes()


def test_baked_png_and_svg_verify() -> None:
    credential = json.dumps(signed())
    png = run(bake_png(PNG_1X1, credential))
    assert png.verdict == Verdict.VERIFIED
    assert png.input_kind.startswith("png+")
    svg = run(bake_svg(SVG, credential))
    assert svg.verdict == Verdict.VERIFIED
    assert svg.input_kind.startswith("svg+")


def test_image_without_badge_is_reported() -> None:
    report = run(PNG_1X1)
    assert report.verdict == Verdict.NOT_VERIFIED
    assert report.input_problems[0].code == "no_baked_credential"


def test_svg_with_entities_is_refused() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
        b'<svg xmlns="http://www.w3.org/2000/svg">&b;</svg>'
    )
    report = run(bomb)
    assert report.verdict == Verdict.NOT_VERIFIED
    assert report.input_problems[0].code == "xml_entities_refused"


def test_link_is_fetched_through_the_injected_fetcher_only() -> None:
    credential = signed()
    url = "https://formation.example/badges/1"
    report = run(url, fetcher=MapFetcher({url: json.dumps(credential).encode()}))
    assert report.verdict == Verdict.VERIFIED
    assert report.input_kind == "url+credential"
    assert run(url).input_problems[0].code == "fetch_unavailable"


def test_did_web_to_a_private_address_is_refused_and_inconclusive() -> None:
    from badges.fetch import GuardedFetcher

    pair = key()
    issuer = "did:web:formation.example"
    credential = sign(unsigned(issuer), pair, verification_method=f"{issuer}#key-1")
    # The name resolves to a private address: refused after DNS, nothing is sent.
    fetcher = GuardedFetcher(resolver=lambda host, port: ["10.0.0.5"])
    report = run(credential, fetcher=fetcher)
    assert report.verdict == Verdict.INCONCLUSIVE
    assert report.outcome(CheckId.PROOF) == Outcome.INDETERMINATE


def test_did_web_with_an_ip_literal_is_not_a_valid_issuer_key() -> None:
    pair = key()
    issuer = "did:web:127.0.0.1%3A8000"
    credential = sign(unsigned(issuer), pair, verification_method=f"{issuer}#key-1")
    report = run(credential, fetcher=MapFetcher({}))
    assert report.verdict == Verdict.NOT_VERIFIED
    assert report.check(CheckId.PROOF).codes() == ["verification_method_invalid"]  # type: ignore[union-attr]


def _presentation(holder: Any, credential: dict[str, Any], **proof: Any) -> dict[str, Any]:
    document = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": did_of(holder),
        "verifiableCredential": [credential],
    }
    return sign(document, holder, proof_purpose="authentication", **proof)


def test_presentation_with_expected_challenge_verifies() -> None:
    holder = key(9)
    vp = _presentation(holder, signed(), challenge="abc", domain="employeur.example")
    report = run(vp, expected_challenge="abc", expected_domain="employeur.example")
    assert report.verdict == Verdict.VERIFIED, (report.codes(), report.credentials[0].codes())
    assert report.credentials[0].verdict == Verdict.VERIFIED


def test_presentation_replayed_with_another_challenge_is_refused() -> None:
    holder = key(9)
    vp = _presentation(holder, signed(), challenge="abc", domain="employeur.example")
    report = run(vp, expected_challenge="xyz", expected_domain="employeur.example")
    assert report.verdict == Verdict.NOT_VERIFIED
    assert "challenge_mismatch" in report.codes()
    other_domain = run(vp, expected_challenge="abc", expected_domain="autre.example")
    assert "domain_mismatch" in other_domain.codes()


def test_unsigned_presentation_is_refused_when_a_challenge_is_expected() -> None:
    vp = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "verifiableCredential": [signed()],
    }
    assert run(vp, expected_challenge="abc").verdict == Verdict.NOT_VERIFIED
    assert run(vp).verdict == Verdict.VERIFIED


def test_tampered_credential_inside_a_presentation_fails_it() -> None:
    inner = signed()
    inner["name"] = "Autre chose"
    holder = key(9)
    report = run(_presentation(holder, inner, challenge="abc"), expected_challenge="abc")
    assert report.verdict == Verdict.NOT_VERIFIED
    assert report.credentials[0].verdict == Verdict.NOT_VERIFIED


def _endorsement(endorser: Any, subject_id: str) -> dict[str, Any]:
    document = {
        "@context": list(unsigned("x")["@context"]),
        "id": "urn:uuid:9a0c1e2b-0000-4000-8000-000000000001",
        "type": ["VerifiableCredential", "EndorsementCredential"],
        "issuer": {"id": did_of(endorser), "type": ["Profile"], "name": "Fédération du BTP"},
        "validFrom": "2025-01-01T00:00:00Z",
        "name": "Recommandation",
        "credentialSubject": {
            "id": subject_id,
            "type": ["EndorsementSubject"],
            "endorsementComment": "Référentiel co-construit avec nos entreprises.",
        },
    }
    return sign(document, endorser)


def test_endorsements_are_verified_each_on_its_own() -> None:
    pair, endorser = key(1), key(3)
    achievement_id = "https://formation.example/achievements/accueil"
    good = _endorsement(endorser, achievement_id)
    credential = unsigned(did_of(pair))
    credential["credentialSubject"]["achievement"]["endorsement"] = [good]
    report = run(sign(credential, pair))
    assert report.outcome(CheckId.ENDORSEMENTS) == Outcome.PASSED, report.check(
        CheckId.ENDORSEMENTS
    )
    bad = copy.deepcopy(good)
    bad["credentialSubject"]["endorsementComment"] = "Modifié"
    credential["credentialSubject"]["achievement"]["endorsement"] = [good, bad]
    report = run(sign(credential, pair))
    endorsements = report.check(CheckId.ENDORSEMENTS)
    assert endorsements is not None
    assert endorsements.outcome == Outcome.FAILED
    assert endorsements.codes() == ["endorsement_not_verified"]
    assert report.verdict == Verdict.VERIFIED
    assert run(sign(credential, pair), policy="strict").verdict == Verdict.NOT_VERIFIED


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "eddsa-jcs-2022"])
def test_both_cryptosuites_verify(suite: str) -> None:
    pair = key()
    report = run(sign(unsigned(did_of(pair)), pair, cryptosuite=suite))
    assert report.verdict == Verdict.VERIFIED, report.codes()


def test_presentation_key_must_be_listed_for_authentication_by_the_holder() -> None:
    holder = key(9)
    did = "did:web:titulaire.example"
    method = f"{did}#key-1"
    document = {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": did,
        "verificationMethod": [
            {
                "id": method,
                "type": "Multikey",
                "controller": did,
                "publicKeyMultibase": holder.public.public_key_multibase,
            }
        ],
        "assertionMethod": [method],
    }
    vp = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": did,
        "verifiableCredential": [signed()],
    }
    vp = sign(
        vp, holder, verification_method=method, proof_purpose="authentication", challenge="abc"
    )
    url = "https://titulaire.example/.well-known/did.json"
    only_assertion = MapFetcher({url: json.dumps(document).encode()})
    report = run(vp, fetcher=only_assertion, expected_challenge="abc")
    assert report.verdict == Verdict.NOT_VERIFIED
    assert report.outcome(CheckId.PROOF) == Outcome.FAILED
    document["authentication"] = [method]
    both = MapFetcher({url: json.dumps(document).encode()})
    assert run(vp, fetcher=both, expected_challenge="abc").verdict == Verdict.VERIFIED
