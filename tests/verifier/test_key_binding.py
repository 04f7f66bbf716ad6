"""Issue 2: the signature (``proof``) and the key's binding to the issuer (``issuer_trust``) are
two findings; a key that is not the issuer's never verifies a badge (key substitution); the
clock leeway granted to ``validFrom``."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from badges.fetch import MapFetcher
from badges.problems import Problem
from tests.verifier.builders import NOW, did_of, key, sign, unsigned
from verifier import VerifyOptions, verify
from verifier.checks.parties import check_issuer_trust
from verifier.checks.validity import DEFAULT_CLOCK_LEEWAY, check_validity_period
from verifier.policy import apply_policy
from verifier.report import Check, CheckId, Outcome, Verdict, VerificationReport

ISSUER = "https://issuer.example/issuers/1"


def run(value: Any, **options: Any) -> VerificationReport:
    return verify(value, options=VerifyOptions(now=options.pop("now", NOW), **options))


def controller_document(public_key_multibase: str, *, listed: bool) -> bytes:
    method = f"{ISSUER}#key-1"
    document = {
        "@context": ["https://www.w3.org/ns/cid/v1"],
        "id": ISSUER,
        "verificationMethod": [
            {
                "id": method,
                "type": "Multikey",
                "controller": ISSUER,
                "publicKeyMultibase": public_key_multibase,
            }
        ],
        "assertionMethod": [method] if listed else [],
    }
    return json.dumps(document).encode()


def test_substituted_key_keeps_a_valid_seal_but_is_never_verified() -> None:
    issuer, attacker = key(1), key(2)
    credential = sign(unsigned(did_of(issuer)), attacker)
    for policy in ("default", "strict"):
        report = run(credential, policy=policy)
        assert report.outcome(CheckId.PROOF) == Outcome.PASSED
        assert report.outcome(CheckId.ISSUER_TRUST) == Outcome.FAILED
        assert report.verdict == Verdict.NOT_VERIFIED


def test_changed_document_under_an_unbound_key_fails_the_proof() -> None:
    issuer, attacker = key(1), key(2)
    credential = sign(unsigned(did_of(issuer)), attacker)
    credential["name"] = "Autre chose"
    report = run(credential)
    proof = report.check(CheckId.PROOF)
    assert proof is not None
    assert proof.outcome == Outcome.FAILED
    assert "signature_invalid" in proof.codes()
    assert proof.details["proofs"][0]["signature"] == "invalid"
    assert report.outcome(CheckId.ISSUER_TRUST) == Outcome.SKIPPED
    assert report.verdict == Verdict.NOT_VERIFIED


def test_unreachable_did_web_without_key_material_leaves_the_proof_indeterminate() -> None:
    pair = key(3)
    issuer = "did:web:issuer.example"
    credential = sign(unsigned(issuer), pair, verification_method=f"{issuer}#key-1")
    report = run(credential, fetcher=MapFetcher({}))
    proof = report.check(CheckId.PROOF)
    assert proof is not None
    assert proof.outcome == Outcome.INDETERMINATE
    assert proof.details["proofs"][0]["signature"] == "not_checked"
    assert "verification_method_unresolvable" in proof.codes()
    trust = report.check(CheckId.ISSUER_TRUST)
    assert trust is not None
    assert trust.outcome == Outcome.INDETERMINATE
    assert trust.details["key_binding"] == "could_not_bind"
    assert report.verdict == Verdict.INCONCLUSIVE


def test_key_published_but_not_for_assertions_is_not_bound() -> None:
    pair = key(4)
    credential = sign(unsigned(ISSUER), pair, verification_method=f"{ISSUER}#key-1")
    unlisted = MapFetcher(
        {ISSUER: controller_document(pair.public.public_key_multibase, listed=False)}
    )
    report = run(credential, fetcher=unlisted)
    # The key of the fetched document checks the seal; it is still not an assertion key.
    assert report.outcome(CheckId.PROOF) == Outcome.PASSED
    trust = report.check(CheckId.ISSUER_TRUST)
    assert trust is not None
    assert "key_not_bound_to_issuer" in trust.codes()
    assert report.verdict == Verdict.NOT_VERIFIED
    listed = MapFetcher(
        {ISSUER: controller_document(pair.public.public_key_multibase, listed=True)}
    )
    bound = run(credential, fetcher=listed)
    assert bound.check(CheckId.ISSUER_TRUST).details["key_binding"] == "bound"  # type: ignore[union-attr]
    assert bound.verdict == Verdict.VERIFIED


def test_pinned_key_named_for_another_issuer_is_not_bound() -> None:
    pair = key(5)
    other = "https://other.example/issuers/9"
    method = f"{other}#{pair.public.public_key_multibase}"
    credential = sign(unsigned(ISSUER), pair, verification_method=method)
    report = run(credential, pinned_keys=[pair.public])
    assert report.outcome(CheckId.PROOF) == Outcome.PASSED
    assert "key_not_bound_to_issuer" in report.check(CheckId.ISSUER_TRUST).codes()  # type: ignore[union-attr]
    assert report.verdict == Verdict.NOT_VERIFIED


def test_issuer_trust_says_could_not_bind_and_keeps_the_unknown_issuer_warning() -> None:
    could_not = Problem("verification_method_unresolvable", "hors ligne")
    check = check_issuer_trust(
        {"issuer": ISSUER}, None, key_binding=[could_not], binding_state="could_not_bind"
    )
    assert check.outcome == Outcome.INDETERMINATE
    assert check.codes() == ["verification_method_unresolvable", "issuer_not_in_registry"]
    not_bound = Problem("key_not_bound_to_issuer", "clé d'un autre")
    assert check_issuer_trust({"issuer": ISSUER}, None, key_binding=[not_bound]).outcome == (
        Outcome.FAILED
    )


def _checks(trust: Outcome, code: str) -> list[Check]:
    return [
        Check(check=CheckId.PROOF, outcome=Outcome.PASSED),
        Check(check=CheckId.ISSUER_TRUST, outcome=trust, problems=[Problem(code, code)]),
    ]


def test_policies_never_verify_a_key_not_bound_and_call_an_unbound_one_inconclusive() -> None:
    for policy in ("default", "strict"):
        not_bound = _checks(Outcome.FAILED, "key_not_bound_to_issuer")
        assert apply_policy(policy, not_bound, []) == Verdict.NOT_VERIFIED
        could_not = _checks(Outcome.INDETERMINATE, "verification_method_unresolvable")
        assert apply_policy(policy, could_not, []) == Verdict.INCONCLUSIVE


def test_brand_new_badge_seen_by_a_lagging_clock_is_valid_within_the_leeway() -> None:
    assert timedelta(minutes=5) == DEFAULT_CLOCK_LEEWAY
    just_issued = {"validFrom": (NOW + timedelta(minutes=2)).isoformat()}
    check = check_validity_period(just_issued, NOW, leeway=DEFAULT_CLOCK_LEEWAY)
    assert check.outcome == Outcome.PASSED
    assert check.details["clock_leeway_seconds"] == 300
    assert check_validity_period(just_issued, NOW).codes() == ["not_yet_valid"]
    later = {"validFrom": (NOW + timedelta(minutes=10)).isoformat()}
    assert check_validity_period(later, NOW, leeway=DEFAULT_CLOCK_LEEWAY).codes() == [
        "not_yet_valid"
    ]


def test_leeway_never_extends_expiry() -> None:
    expired = {"validUntil": (NOW - timedelta(minutes=1)).isoformat()}
    assert check_validity_period(expired, NOW, leeway=DEFAULT_CLOCK_LEEWAY).codes() == ["expired"]


def test_report_states_the_leeway_and_verifies_a_badge_issued_a_moment_ahead() -> None:
    pair = key(6)
    issued = (NOW + timedelta(minutes=3)).isoformat().replace("+00:00", "Z")
    credential = sign(unsigned(did_of(pair), validFrom=issued), pair)
    report = run(credential)
    assert report.verdict == Verdict.VERIFIED, report.codes()
    assert report.policy_settings["clock_leeway_seconds"] == 300
    assert report.policy_settings["name"] == "default"
    exact = run(credential, clock_leeway=timedelta(0))
    assert "not_yet_valid" in exact.codes()
    assert exact.verdict == Verdict.NOT_VERIFIED


def test_summary_says_the_key_could_not_be_tied_to_the_issuer_never_false() -> None:
    from verifier.summary import summary_lines

    pair = key(7)
    method = f"{ISSUER}#{pair.public.public_key_multibase}"
    credential = sign(unsigned(ISSUER), pair, verification_method=method)
    lines = summary_lines(run(credential))
    assert lines[0].startswith("⚠ À vérifier")
    seal = next(line for line in lines if "Signature" in line)
    assert "depuis sa signature" in seal  # not "délivré par l'organisme": that is not shown
    issuer_line = next(line for line in lines if "Organisme" in line)
    assert "Nous n'avons pas pu vérifier que la clé appartient à l'organisme" in issuer_line
    assert "faux" not in issuer_line


def test_jwt_signed_with_someone_elses_did_key_is_intact_but_not_verified() -> None:
    from badges.jwt import encode_vc_jwt
    from badges.multibase import base64url_decode, base64url_encode
    from tests.verifier.builders import method_of

    issuer, attacker = key(1), key(2)
    token = encode_vc_jwt(unsigned(did_of(issuer)), attacker, kid=method_of(attacker))
    report = run(token)
    assert report.outcome(CheckId.PROOF) == Outcome.PASSED
    trust = report.check(CheckId.ISSUER_TRUST)
    assert trust is not None
    assert "key_not_bound_to_issuer" in trust.codes()
    assert trust.details["key_binding"] == "not_bound"
    assert report.verdict == Verdict.NOT_VERIFIED
    header, payload, signature = token.split(".")
    claims = json.loads(base64url_decode(payload))
    claims["name"] = "Autre chose"  # the payload is the credential (VC-JOSE-COSE)
    changed = f"{header}.{base64url_encode(json.dumps(claims).encode())}.{signature}"
    tampered = run(changed)
    assert tampered.outcome(CheckId.PROOF) == Outcome.FAILED
    assert "signature_invalid" in tampered.codes()
    assert tampered.verdict == Verdict.NOT_VERIFIED
