"""CLR 2.0 structure: ClrCredential and ClrSubject, each embedded credential with the OB rules."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from badges.schema import check_json_schema
from badges.structure import check_context, check_structure, has_errors

VC2 = "https://www.w3.org/ns/credentials/v2"
CLR = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"
OB = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"


def _embedded() -> dict[str, Any]:
    return {
        "@context": [VC2, OB],
        "id": "urn:uuid:91537dba-56cb-11ec-bf63-0242ac130002",
        "type": ["VerifiableCredential", "AchievementCredential"],
        "issuer": {"id": "https://example.fr/issuers/1", "type": "Profile", "name": "Atelier"},
        "validFrom": "2024-01-01T00:00:00Z",
        "name": "Accueil",
        "credentialSubject": {
            "id": "did:example:apprenant",
            "type": "AchievementSubject",
            "achievement": {
                "id": "urn:uuid:a7467ef6-56cb-11ec-bf63-0242ac130002",
                "type": "Achievement",
                "name": "Accueillir",
                "description": "Accueille un client.",
                "criteria": {"narrative": "Observé."},
            },
        },
    }


def clr() -> dict[str, Any]:
    return {
        "@context": [VC2, CLR, OB],
        "id": "urn:uuid:0d4a6e9e-0000-4000-8000-000000000001",
        "type": ["VerifiableCredential", "ClrCredential"],
        "issuer": {"id": "https://example.fr/issuers/1", "type": "Profile", "name": "Atelier"},
        "validFrom": "2024-01-01T00:00:00Z",
        "name": "Relevé",
        "credentialSubject": {
            "id": "did:example:apprenant",
            "type": "ClrSubject",
            "verifiableCredential": [_embedded()],
            "achievement": [_embedded()["credentialSubject"]["achievement"]],
            "association": [
                {
                    "type": "Association",
                    "associationType": "isParentOf",
                    "sourceId": "urn:uuid:a7467ef6-56cb-11ec-bf63-0242ac130002",
                    "targetId": "urn:uuid:dd887f0a-56cb-11ec-bf63-0242ac130002",
                }
            ],
        },
    }


def codes_at(problems: list[Any]) -> set[tuple[str, str]]:
    return {(p.code, p.path) for p in problems}


def test_a_well_formed_clr_credential_has_no_problem() -> None:
    document = clr()
    assert check_structure(document) == []
    assert check_context(document) == []
    assert check_json_schema(document) == []


def test_clr_test_vector_and_validator_fixture_pass_structure_and_context(shared: Path) -> None:
    for relative in (
        "standards/openbadges-3.0/test-vectors/clrv2p0/signed-credential.json",
        "standards/1edtech-validator/clr20/simple.json",
    ):
        document = json.loads((shared / relative).read_text(encoding="utf-8"))
        assert not has_errors(check_structure(document)), relative
        assert not has_errors(check_context(document)), relative


def test_an_embedded_credential_is_checked_with_the_open_badges_rules() -> None:
    document = clr()
    del document["credentialSubject"]["verifiableCredential"][0]["credentialSubject"][
        "achievement"
    ]["criteria"]
    problems = check_structure(document)
    assert (
        "required_member_missing",
        "credentialSubject.verifiableCredential[0].credentialSubject.achievement.criteria",
    ) in codes_at(problems)


def test_an_embedded_credential_context_counts_too() -> None:
    document = clr()
    document["credentialSubject"]["verifiableCredential"][0]["@context"] = [VC2]
    problems = check_structure(document)
    assert ("missing_ob_context", "credentialSubject.verifiableCredential[0].@context[1]") in (
        codes_at(problems)
    )


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda d: d["credentialSubject"].pop("verifiableCredential"),
            ("required_member_missing", "credentialSubject.verifiableCredential"),
        ),
        (
            lambda d: d["credentialSubject"].update(type="AchievementSubject"),
            ("type_missing", "credentialSubject.type"),
        ),
        (
            lambda d: d["credentialSubject"]["association"][0].update(associationType="isBoss"),
            ("value_not_allowed", "credentialSubject.association[0].associationType"),
        ),
        (
            lambda d: d["credentialSubject"]["association"][0].pop("targetId"),
            ("required_member_missing", "credentialSubject.association[0].targetId"),
        ),
        (
            lambda d: d["credentialSubject"]["association"][0].update(sourceId="pas une uri"),
            ("url_invalid", "credentialSubject.association[0].sourceId"),
        ),
        (lambda d: d.pop("name"), ("required_member_missing", "name")),
        (
            lambda d: d.update(type=["VerifiableCredential", "ClrCredential"], partial="oui"),
            ("member_type_invalid", "partial"),
        ),
    ],
)
def test_clr_rules_report_their_code_and_path(change: Any, expected: tuple[str, str]) -> None:
    document = copy.deepcopy(clr())
    change(document)
    assert expected in codes_at(check_structure(document))


def test_clr_context_must_come_second_with_an_open_badges_context_after() -> None:
    document = clr()
    document["@context"] = [VC2, OB]
    expected = {"missing_clr_context", "missing_ob_context"}
    assert {p.code for p in check_context(document)} == expected
    document["@context"] = [VC2, OB, CLR]
    assert {p.code for p in check_context(document)} == {"context_order", "missing_ob_context"}


def test_clr_schema_findings_carry_the_rule() -> None:
    document = clr()
    document["@context"] = [VC2, OB]
    rules = {p.details["rule"] for p in check_json_schema(document)}
    assert "missing_clr_context" in rules
