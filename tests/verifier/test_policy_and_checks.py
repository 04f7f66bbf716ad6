"""Verdict policies, the validity period, trust registry, recipient and input limits."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from badges.identity import hashed_identity
from badges.problems import Problem, Severity
from verifier.checks.parties import check_issuer_trust, check_recipient
from verifier.checks.validity import check_validity_period
from verifier.inputs import InputKind, parse_input
from verifier.options import Limits
from verifier.policy import apply_policy
from verifier.report import Check, CheckId, Outcome, Verdict
from verifier.trust import TrustRegistry, TrustRegistryError

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def checks(**outcomes: Outcome | tuple[Outcome, str]) -> list[Check]:
    result = []
    for name, value in outcomes.items():
        outcome, code = value if isinstance(value, tuple) else (value, "")
        problems = [Problem(code, code)] if code else []
        result.append(Check(check=CheckId(name), outcome=outcome, problems=problems))
    return result


P, F, UNSURE = Outcome.PASSED, Outcome.FAILED, Outcome.INDETERMINATE


def test_all_passed_is_verified_under_both_policies() -> None:
    found = checks(structure=P, proof=P, validity_period=P, status=P, issuer_trust=P)
    assert apply_policy("default", found, []) == Verdict.VERIFIED
    assert apply_policy("strict", found, []) == Verdict.VERIFIED


def test_expired_alone_stays_verified_by_default_but_not_when_strict() -> None:
    found = checks(proof=P, validity_period=(F, "expired"), status=P)
    assert apply_policy("default", found, []) == Verdict.VERIFIED
    assert apply_policy("strict", found, []) == Verdict.NOT_VERIFIED


def test_not_yet_valid_is_not_verified() -> None:
    found = checks(proof=P, validity_period=(F, "not_yet_valid"))
    assert apply_policy("default", found, []) == Verdict.NOT_VERIFIED


def test_unknown_issuer_is_a_warning_by_default() -> None:
    found = checks(proof=P, issuer_trust=(F, "issuer_not_in_registry"))
    assert apply_policy("default", found, []) == Verdict.VERIFIED
    assert apply_policy("strict", found, []) == Verdict.NOT_VERIFIED


def test_revoked_is_not_verified_and_unreachable_status_is_inconclusive() -> None:
    assert apply_policy("default", checks(proof=P, status=(F, "revoked")), []) == (
        Verdict.NOT_VERIFIED
    )
    unreachable = checks(proof=P, status=(UNSURE, "status_list_unreachable"))
    assert apply_policy("default", unreachable, []) == Verdict.INCONCLUSIVE


def test_unresolvable_key_is_inconclusive_not_false() -> None:
    found = checks(structure=P, proof=(UNSURE, "verification_method_unresolvable"))
    assert apply_policy("default", found, []) == Verdict.INCONCLUSIVE


def test_without_a_passed_proof_nothing_is_verified() -> None:
    assert apply_policy("default", checks(structure=P), []) == Verdict.INCONCLUSIVE


def test_validity_period_reports_expired_with_dates() -> None:
    check = check_validity_period({"validUntil": "2011-01-01T00:00:00Z"}, NOW)
    assert check.outcome == Outcome.FAILED
    assert check.codes() == ["expired"]
    assert check.problems[0].details["valid_until"].startswith("2011-01-01")


def test_validity_period_reports_not_yet_valid_and_reads_vc_1_1_dates() -> None:
    assert check_validity_period({"validFrom": "2099-01-01T00:00:00Z"}, NOW).codes() == [
        "not_yet_valid"
    ]
    legacy = {"issuanceDate": "2020-01-01T00:00:00Z", "expirationDate": "2021-01-01T00:00:00Z"}
    assert check_validity_period(legacy, NOW).codes() == ["expired"]
    assert check_validity_period({"validFrom": "2020-01-01T00:00:00Z"}, NOW).outcome == P


def test_validity_period_with_unreadable_date_fails() -> None:
    check = check_validity_period({"validFrom": "yesterday"}, NOW)
    assert check.codes() == ["validity_period_malformed"]


def test_trust_registry_from_yaml_and_json(tmp_path: Path) -> None:
    yaml_file = tmp_path / "trust.yaml"
    yaml_file.write_text("issuers:\n  - id: did:web:a.example\n    name: A\n", encoding="utf-8")
    json_file = tmp_path / "trust.json"
    json_file.write_text(json.dumps(["did:web:b.example"]), encoding="utf-8")
    registry = TrustRegistry.from_file(yaml_file).merged(TrustRegistry.from_file(json_file))
    assert "did:web:a.example" in registry
    assert "did:web:b.example" in registry
    assert registry.lookup("did:web:a.example").name == "A"  # type: ignore[union-attr]
    bad = tmp_path / "bad.yaml"
    bad.write_text("issuers:\n  - name: no id\n", encoding="utf-8")
    with pytest.raises(TrustRegistryError):
        TrustRegistry.from_file(bad)


def test_issuer_trust_known_passes_unknown_is_a_warning() -> None:
    registry = TrustRegistry.from_data({"issuers": [{"id": "did:web:a.example", "name": "A"}]})
    assert check_issuer_trust({"issuer": "did:web:a.example"}, registry).outcome == P
    unknown = check_issuer_trust({"issuer": {"id": "did:web:z.example"}}, registry)
    assert unknown.outcome == F
    assert unknown.problems[0].severity == Severity.WARNING
    assert unknown.codes() == ["issuer_not_in_registry"]


def test_recipient_matches_hashed_identifier_and_rejects_others() -> None:
    identity = hashed_identity("Ada@example.org", "emailAddress")
    credential = {"credentialSubject": {"identifier": [identity]}}
    assert check_recipient(credential, "ada@example.org").outcome == P
    mismatch = check_recipient(credential, "bob@example.org")
    assert mismatch.outcome == F
    assert mismatch.codes() == ["recipient_mismatch"]
    nobody = check_recipient({"credentialSubject": {"type": "AchievementSubject"}}, "x")
    assert nobody.outcome == UNSURE
    assert check_recipient({"credentialSubject": {"id": "did:key:z1"}}, "did:key:z1").outcome == P


def test_input_limits_each_have_their_own_code() -> None:
    limits = Limits(max_input_bytes=100, max_json_depth=5, max_blank_nodes=3)
    assert parse_input(b"{" + b" " * 200 + b"}", limits).problems[0].code == "input_too_large"
    deep = json.dumps({"a": [[[[[[1]]]]]]})
    assert parse_input(deep, limits).problems[0].code == "json_too_deep"
    many = json.dumps({"a": [{"x": 1}, {"x": 2}, {"x": 3}, {"x": 4}]})
    assert parse_input(many, limits).problems[0].code == "blank_node_limit_exceeded"
    assert parse_input('{"a": 1, "a": 2}', limits).problems[0].code == "json_duplicate_key"
    assert parse_input("{nope", limits).problems[0].code == "malformed_json"
    assert parse_input("   ", limits).problems[0].code == "input_empty"
    assert parse_input("[1]", limits).problems[0].code == "not_an_object"
    image = Limits(max_image_bytes=10)
    assert parse_input(b"\x89PNG\r\n\x1a\n" + b"0" * 20, image).problems[0].code == (
        "image_too_large"
    )


def test_json_nested_far_beyond_the_parser_stack_is_refused() -> None:
    text = "[" * 100_000 + "]" * 100_000
    parsed = parse_input(text, Limits(max_input_bytes=1_000_000))
    assert parsed.problems[0].code == "json_too_deep"


def test_inputs_are_classified() -> None:
    limits = Limits()
    assert parse_input("eyJhbGciOiJFZERTQSJ9.eyJ2YyI6e319.c2ln", limits).kind == InputKind.JWT
    assert parse_input("https://a.example/badge/1", limits).kind == InputKind.URL
    assert parse_input(b"<svg/>", limits).kind == InputKind.SVG
    vp = {"type": ["VerifiablePresentation"]}
    assert parse_input(vp, limits).kind == InputKind.PRESENTATION
    ob2 = {"@context": "https://w3id.org/openbadges/v2", "type": "Assertion"}
    assert parse_input(ob2, limits).kind == InputKind.OB2_ASSERTION
