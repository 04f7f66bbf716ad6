"""structure / context / schema: each finding shown once, the schema check pointing at it."""

from __future__ import annotations

from badges.schema import check_json_schema
from tests.verifier.builders import NOW, key, sign, unsigned
from verifier import VerifyOptions, verify
from verifier.checks.document import document_checks


def test_schema_check_does_not_repeat_the_structure_findings() -> None:
    credential = unsigned("did:example:issuer")
    del credential["issuer"]
    structure, _context, schema = document_checks(credential)
    assert "required_member_missing" in structure.codes()
    assert [p.code for p in schema.problems] == ["schema_violation"]
    summary = schema.problems[0]
    assert summary.details["rules"] == ["required_member_missing"]
    assert summary.details["paths"] == ["issuer"]
    assert summary.details["listed_under"] == ["structure"]
    assert str(schema.outcome) == "failed"


def test_every_problem_of_a_report_appears_once() -> None:
    credential = unsigned("did:example:issuer")
    credential["@context"] = credential["@context"][:1]
    credential["credentialSubject"]["achievement"]["achievementType"] = "Program"
    report = verify(credential, options=VerifyOptions(now=NOW))
    findings = [p for c in report.checks for p in c.problems if p.code != "prerequisite_failed"]
    seen = [(p.code, p.path, p.message) for p in findings]
    assert len(seen) == len(set(seen))
    schema = report.check("schema")
    assert schema is not None
    assert len(schema.problems) == 1
    assert set(schema.problems[0].details["listed_under"]) == {"context", "structure"}


def test_a_conforming_badge_passes_all_three_without_findings() -> None:
    credential = unsigned("did:example:issuer")
    checks = document_checks(credential)
    assert [str(c.outcome) for c in checks] == ["passed", "passed", "passed"]
    assert check_json_schema(credential) == []


def test_only_soft_schema_rules_leave_the_default_verdict_unchanged() -> None:
    pair = key(4)
    credential = unsigned(str(pair.public.did_key))
    credential["credentialSubject"]["achievement"]["achievementType"] = "Program"
    report = verify(sign(credential, pair), options=VerifyOptions(now=NOW))
    assert str(report.verdict) == "verified", report.codes()
    strict = verify(sign(credential, pair), options=VerifyOptions(now=NOW, policy="strict"))
    assert str(strict.verdict) == "not_verified"
