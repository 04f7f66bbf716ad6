"""check_json_schema: spec-derived schema rules, or a caller-supplied JSON Schema."""

from __future__ import annotations

from typing import Any

from badges.schema import check_json_schema
from tests.badges.test_structure import VC1, credential


def test_valid_credential_has_no_schema_violation() -> None:
    assert check_json_schema(credential()) == []


def test_schema_rules_are_reported_as_schema_violation_with_the_rule() -> None:
    doc = credential()
    del doc["issuer"]
    doc["credentialSubject"]["identifier"][0]["identityType"] = "email"
    problems = check_json_schema(doc)
    assert {(p.code, p.details["rule"], p.path) for p in problems} == {
        ("schema_violation", "required_member_missing", "issuer"),
        ("schema_violation", "value_not_allowed", "credentialSubject.identifier[0].identityType"),
    }


def test_rules_beyond_the_schema_are_left_to_the_structure_check() -> None:
    doc = credential()
    doc["credentialSubject"]["identifier"] = []
    doc["validFrom"] = "yesterday"
    assert check_json_schema(doc) == []


def test_legacy_vc_1_1_credential_is_not_a_schema_violation() -> None:
    doc = credential()
    doc["@context"][0] = VC1
    doc["issuanceDate"] = doc.pop("validFrom")
    assert check_json_schema(doc) == []


def test_supplied_schema_is_applied_with_draft_2019_09() -> None:
    schema: dict[str, Any] = {
        "$schema": "https://json-schema.org/draft/2019-09/schema",
        "$id": "https://example.org/s.json",
        "type": "object",
        "required": ["awardedDate"],
        "properties": {"name": {"type": "integer"}},
    }
    problems = check_json_schema(credential(), schema=schema)
    assert {(p.details["keyword"], p.path) for p in problems} == {
        ("required", ""),
        ("type", "name"),
    }
    assert all(p.details["schema_id"] == "https://example.org/s.json" for p in problems)


def test_broken_schema_is_reported_not_raised() -> None:
    problems = check_json_schema(credential(), schema={"type": 12})
    assert [p.code for p in problems] == ["schema_invalid"]
