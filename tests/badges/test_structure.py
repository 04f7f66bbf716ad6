"""OB 3.0 structure and context checks: one behaviour per test, codes and paths asserted."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from badges.problems import Severity
from badges.structure import (
    check_context,
    check_endorsement,
    check_profile,
    check_structure,
    has_errors,
)

OB = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
VC2 = "https://www.w3.org/ns/credentials/v2"
VC1 = "https://www.w3.org/2018/credentials/v1"


def credential() -> dict[str, Any]:
    return {
        "@context": [VC2, OB],
        "id": "urn:uuid:91537dba-56cb-11ec-bf63-0242ac130002",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": "https://example.fr/issuers/1", "type": ["Profile"], "name": "Atelier"},
        "validFrom": "2024-01-01T00:00:00Z",
        "name": "Savoir-être",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "hashed": True,
                    "identityHash": "sha256$" + "a" * 64,
                    "identityType": "emailAddress",
                    "salt": "x",
                }
            ],
            "achievement": {
                "id": "https://example.fr/achievements/1",
                "type": ["Achievement"],
                "name": "Ponctualité",
                "description": "Arrive à l'heure.",
                "criteria": {"narrative": "Observé pendant quatre semaines."},
                "alignment": [
                    {
                        "type": ["Alignment"],
                        "targetName": "Ponctualité",
                        "targetUrl": "https://example.fr/referentials/ap/1/competences/P1",
                        "targetType": "CFItem",
                    }
                ],
            },
        },
    }


def codes(problems: list[Any]) -> set[tuple[str, str]]:
    return {(p.code, p.path) for p in problems if p.severity is Severity.ERROR}


def test_minimal_open_badge_credential_has_no_problem() -> None:
    assert check_context(credential()) == []
    assert check_structure(credential()) == []


def test_single_values_for_type_and_proof_are_accepted() -> None:
    doc = credential()
    doc["type"] = ["VerifiableCredential", "AchievementCredential"]
    doc["proof"] = {"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022"}
    doc["credentialSchema"] = {
        "id": "https://x.example/s.json",
        "type": "1EdTechJsonSchemaValidator2019",
    }
    doc["credentialSubject"]["achievement"]["alignment"][0]["type"] = "Alignment"
    assert check_structure(doc) == []


def test_language_maps_and_value_objects_are_accepted_for_names() -> None:
    doc = credential()
    doc["name"] = {"fr": "Savoir-être", "en": "Soft skills"}
    doc["description"] = [
        {"@value": "Savoir-être", "@language": "fr"},
        {"@value": "Soft skills", "@language": "en", "@direction": "ltr"},
    ]
    doc["credentialSubject"]["achievement"]["name"] = {"@value": "Ponctualité", "@language": "fr"}
    assert check_structure(doc) == []
    doc["name"] = [{"@value": 3}]
    assert ("member_type_invalid", "name") in codes(check_structure(doc))


@pytest.mark.parametrize(
    ("context", "code"),
    [
        ([OB, VC2], "context_order"),
        ([VC2], "missing_ob_context"),
        ([VC2, "https://example.org/other.json", OB], "context_order"),
        ([OB], "missing_vc_context"),
        ([VC2, 3], "context_invalid"),
    ],
)
def test_context_order_problems(context: list[Any], code: str) -> None:
    doc = credential()
    doc["@context"] = context
    assert code in {p.code for p in check_context(doc)}


def test_missing_context_member() -> None:
    doc = credential()
    del doc["@context"]
    assert [p.code for p in check_context(doc)] == ["missing_vc_context"]


def test_ob_context_aliases_are_accepted() -> None:
    for alias in (
        "https://purl.imsglobal.org/spec/ob/v3p0/context.json",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json",
    ):
        doc = credential()
        doc["@context"] = [VC2, alias, "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"]
        assert check_context(doc) == []


def test_vc_1_1_credential_is_a_legacy_warning_with_issuance_date() -> None:
    doc = credential()
    doc["@context"] = [VC1, OB]
    del doc["validFrom"]
    doc["issuanceDate"] = "2024-01-01T00:00:00Z"
    problems = check_context(doc)
    assert [(p.code, p.severity) for p in problems] == [("legacy_vc_1_1", Severity.WARNING)]
    assert not has_errors(problems)
    assert check_structure(doc) == []
    del doc["issuanceDate"]
    assert ("required_member_missing", "issuanceDate") in codes(check_structure(doc))


@pytest.mark.parametrize(
    ("member", "path"),
    [
        ("id", "id"),
        ("issuer", "issuer"),
        ("validFrom", "validFrom"),
        ("credentialSubject", "credentialSubject"),
    ],
)
def test_required_credential_members(member: str, path: str) -> None:
    doc = credential()
    del doc[member]
    assert ("required_member_missing", path) in codes(check_structure(doc))


def test_credential_type_must_name_open_badge_and_verifiable_credential() -> None:
    doc = credential()
    doc["type"] = ["VerifiableCredential", "OtherCredential"]
    assert ("unsupported_credential_type", "type") in codes(check_structure(doc))
    doc["type"] = ["OpenBadgeCredential"]
    assert ("type_missing", "type") in codes(check_structure(doc))
    del doc["type"]
    assert ("type_missing", "type") in codes(check_structure(doc))


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (
            lambda d: d["credentialSubject"].update(type="Subject"),
            ("type_missing", "credentialSubject.type"),
        ),
        (lambda d: d["issuer"].update(type=["Organisation"]), ("type_missing", "issuer.type")),
        (
            lambda d: d["credentialSubject"]["achievement"].update(type=[]),
            ("member_type_invalid", "credentialSubject.achievement.type"),
        ),
        (
            lambda d: d["credentialSubject"]["identifier"][0].update(type="Identity"),
            ("type_missing", "credentialSubject.identifier[0].type"),
        ),
        (
            lambda d: d.update(evidence=[{"id": "https://e.example/1", "type": ["Proof"]}]),
            ("type_missing", "evidence[0].type"),
        ),
        (
            lambda d: d["credentialSubject"]["achievement"]["alignment"][0].pop("type"),
            ("type_missing", "credentialSubject.achievement.alignment[0].type"),
        ),
    ],
)
def test_every_nested_object_carries_its_own_type(mutate: Any, expected: tuple[str, str]) -> None:
    doc = credential()
    mutate(doc)
    assert expected in codes(check_structure(doc))


def test_subject_needs_an_id_or_an_identifier() -> None:
    doc = credential()
    doc["credentialSubject"]["identifier"] = []
    assert ("subject_identity_missing", "credentialSubject") in codes(check_structure(doc))
    doc["credentialSubject"]["id"] = "did:example:123"
    assert check_structure(doc) == []


def test_criteria_need_an_id_or_a_narrative() -> None:
    doc = credential()
    doc["credentialSubject"]["achievement"]["criteria"] = {}
    assert ("criteria_empty", "credentialSubject.achievement.criteria") in codes(
        check_structure(doc)
    )


@pytest.mark.parametrize(
    "value",
    [
        "2024-01-01",
        "2024-01-01T00:00:00",
        "2024-13-01T00:00:00Z",
        "yesterday",
        "2024-01-01 00:00:00Z",
    ],
)
def test_valid_from_must_be_a_date_time_stamp(value: str) -> None:
    doc = credential()
    doc["validFrom"] = value
    assert ("datetime_invalid", "validFrom") in codes(check_structure(doc))


@pytest.mark.parametrize("value", ["2024-01-01T00:00:00+02:00", "2024-01-01T00:00:00.123Z"])
def test_offsets_and_fractions_are_valid_date_times(value: str) -> None:
    doc = credential()
    doc["validFrom"] = value
    assert check_structure(doc) == []


def test_valid_until_before_valid_from() -> None:
    doc = credential()
    doc["validUntil"] = "2023-12-31T23:00:00Z"
    assert ("valid_until_before_valid_from", "validUntil") in codes(check_structure(doc))
    doc["validUntil"] = "2024-01-01T01:00:00+01:00"  # the same instant is not before
    assert check_structure(doc) == []


def test_identity_object_rules() -> None:
    doc = credential()
    identity = doc["credentialSubject"]["identifier"][0]
    identity["identityHash"] = "not-a-hash"
    identity["extra"] = "x"
    identity["identityType"] = "email"
    found = codes(check_structure(doc))
    path = "credentialSubject.identifier[0]"
    assert ("identity_hash_invalid", f"{path}.identityHash") in found
    assert ("member_not_allowed", f"{path}.extra") in found
    assert ("value_not_allowed", f"{path}.identityType") in found
    identity["identityType"] = "ext:telephone"
    assert ("value_not_allowed", f"{path}.identityType") not in codes(check_structure(doc))


def test_alignment_target_url_must_be_a_url() -> None:
    doc = credential()
    alignment = doc["credentialSubject"]["achievement"]["alignment"][0]
    alignment["targetUrl"] = "P1"
    assert ("url_invalid", "credentialSubject.achievement.alignment[0].targetUrl") in codes(
        check_structure(doc)
    )


def test_ids_must_be_absolute_uris_and_wrong_json_types_are_reported() -> None:
    doc = credential()
    doc["id"] = "credential 1"
    doc["credentialSubject"]["achievement"]["creditsAvailable"] = "3"
    doc["credentialSubject"]["identifier"][0]["hashed"] = "true"
    found = codes(check_structure(doc))
    assert ("url_invalid", "id") in found
    assert ("member_type_invalid", "credentialSubject.achievement.creditsAvailable") in found
    assert ("member_type_invalid", "credentialSubject.identifier[0].hashed") in found


def test_image_is_a_closed_object() -> None:
    doc = credential()
    doc["image"] = "https://example.fr/badge.png"
    assert ("member_type_invalid", "image") in codes(check_structure(doc))
    doc["image"] = {"id": "https://example.fr/badge.png", "type": "Image", "width": 3}
    assert ("member_not_allowed", "image.width") in codes(check_structure(doc))


def test_embedded_endorsement_is_checked_as_a_credential() -> None:
    doc = credential()
    doc["endorsement"] = [
        {
            "@context": [VC2],
            "type": ["VerifiableCredential", "EndorsementCredential"],
            "id": "urn:uuid:e1",
            "name": "Recommandation",
            "issuer": "https://employer.example",
            "validFrom": "2024-01-01T00:00:00Z",
            "credentialSubject": {"id": "https://example.fr/issuers/1"},
        }
    ]
    found = codes(check_structure(doc))
    assert ("missing_ob_context", "endorsement[0].@context[1]") in found
    assert ("type_missing", "endorsement[0].credentialSubject.type") in found


def test_endorsement_credential_rules() -> None:
    endorsement = {
        "@context": [VC2, OB],
        "type": ["VerifiableCredential", "EndorsementCredential"],
        "id": "urn:uuid:e1",
        "issuer": "https://employer.example",
        "validFrom": "2024-01-01T00:00:00Z",
        "credentialSubject": {"id": "https://example.fr/issuers/1", "type": "EndorsementSubject"},
    }
    assert ("required_member_missing", "name") in codes(check_endorsement(endorsement))
    endorsement["name"] = "Recommandation"
    assert check_structure(endorsement) == []


def test_profile_document() -> None:
    assert check_profile({"id": "https://example.fr/i", "type": "Profile"}) == []
    assert ("type_missing", "type") in codes(check_profile({"id": "https://example.fr/i"}))
    assert [p.code for p in check_profile([])] == ["not_a_credential"]


def test_non_object_input_is_not_a_credential() -> None:
    assert [p.code for p in check_structure("x")] == ["not_a_credential"]
    assert [p.code for p in check_context(None)] == ["not_a_credential"]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "id",
                    "type",
                    "name",
                    "achievement",
                    "identifier",
                    "criteria",
                    "credentialSubject",
                    "issuer",
                    "proof",
                ]
            ),
            children,
            max_size=5,
        )
    ),
    max_leaves=30,
)


@settings(max_examples=200)
@given(json_values)
def test_checks_never_raise_on_arbitrary_json(value: Any) -> None:
    check_context(value)
    check_structure(value)
    doc = credential()
    doc["credentialSubject"]["achievement"] = value
    doc["issuer"] = value
    check_structure(copy.deepcopy(doc))
