"""OB 3.0 pydantic models: lossless round trips, compacted forms, languages, output rules."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from badges.model import (
    OB_CONTEXT,
    VC_V2_CONTEXT,
    Achievement,
    AchievementCredential,
    AchievementSubject,
    Alignment,
    BitstringStatusList,
    BitstringStatusListCredential,
    Criteria,
    IdentityObject,
    ModelError,
    Profile,
    localized,
    parse_credential,
    parse_endorsement,
    parse_presentation,
    parse_profile,
)
from badges.structure import check_context, check_structure
from tests.conftest import SHARED

EXAMPLES = SHARED / "standards/openbadges-3.0/examples"

# Examples that are not a whole OB 3.0 object, so no model applies to them as a whole.
NOT_A_WHOLE_OBJECT = {
    "extensions--ob-clr-extension-json-ld-context.json": "a JSON-LD context",
    "extensions--ob-clr-extension-json-schema.json": "a JSON Schema",
    "integrity--sample-jose-header-with-reference-to-a-public-key-in-a-jwks.json": "a JOSE header",
    "migrating--openbadges-2-0-with-related-openbadges-3-0.json": "an OB 2.0 BadgeClass",
    "recommended-practices--given-name-and-family-name-credential-subject-with-profile.json": (
        "a credentialSubject fragment without achievement"
    ),
}


def _parse_any(document: dict[str, Any]) -> dict[str, Any]:
    types = document.get("type")
    types = types if isinstance(types, list) else [types]
    if "EndorsementCredential" in types:
        return parse_endorsement(document).to_json()
    if "Profile" in types:
        return parse_profile(document).to_json()
    if "VerifiablePresentation" in types:
        return parse_presentation(document).to_json()
    if "@context" not in document and "credentialSubject" in document:
        # Fragments of the recommended-practices section: round-trip their identity objects.
        identifiers = document["credentialSubject"]["identifier"]
        return {
            "credentialSubject": dict(
                document["credentialSubject"],
                identifier=[IdentityObject.model_validate(i).to_json() for i in identifiers],
            )
        }
    return parse_credential(document).to_json()


def _example_names() -> list[str]:
    if not EXAMPLES.is_dir():
        return []
    return sorted(p.name for p in EXAMPLES.glob("*.json"))


@pytest.mark.skipif(not _example_names(), reason="../shared is absent")
@pytest.mark.parametrize("name", _example_names())
def test_every_specification_example_round_trips_losslessly(name: str) -> None:
    if name in NOT_A_WHOLE_OBJECT:
        pytest.skip(NOT_A_WHOLE_OBJECT[name])
    document = json.loads((EXAMPLES / name).read_text(encoding="utf-8"))
    assert _parse_any(document) == document


def _fixture_paths() -> list[Path]:
    if not SHARED.is_dir():
        return []
    standards = SHARED / "standards"
    paths = sorted(standards.glob("openbadges-3.0/test-vectors/obv3p0/*credential.json"))
    for path in sorted(standards.glob("1edtech-validator/ob30/*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        # Fixtures that miss a member the spec requires cannot be a model (checked elsewhere).
        if "achievement" in document.get("credentialSubject", {}) and "issuer" in document:
            paths.append(path)
    return paths


@pytest.mark.skipif(not _fixture_paths(), reason="../shared is absent")
@pytest.mark.parametrize("path", _fixture_paths(), ids=lambda p: p.name)
def test_signed_vectors_and_validator_fixtures_round_trip(path: Path) -> None:
    document = json.loads(path.read_text(encoding="utf-8"))
    assert _parse_any(document) == document


def test_building_a_credential_in_python_gives_clean_json() -> None:
    credential = AchievementCredential(
        context=[VC_V2_CONTEXT, OB_CONTEXT],
        id="urn:uuid:1",
        type=["VerifiableCredential", "OpenBadgeCredential"],
        issuer=Profile(id="https://example.fr/issuers/1", name="Atelier"),
        validFrom="2024-01-01T00:00:00Z",
        credentialSubject=AchievementSubject(
            identifier=[IdentityObject.hashed_from("a@b.fr", salt="s")],
            achievement=Achievement(
                id="https://example.fr/achievements/1",
                name={"fr": "Ponctualité", "en": "Punctuality"},
                description="Arrive à l'heure.",
                criteria=Criteria(narrative="Observé."),
                alignment=[
                    Alignment(targetName="Ponctualité", targetUrl="https://example.fr/c/P1")
                ],
                tag=[],
            ),
        ),
    )
    output = credential.to_json()
    assert output["@context"] == [VC_V2_CONTEXT, OB_CONTEXT]
    assert output["issuer"] == {
        "id": "https://example.fr/issuers/1",
        "type": ["Profile"],
        "name": "Atelier",
    }
    text = json.dumps(output)
    assert "null" not in text
    assert "tag" not in output["credentialSubject"]["achievement"]
    assert "a@b.fr" not in text
    assert check_context(output) == []
    assert check_structure(output) == []
    assert credential.credentialSubject.identifier is not None


def test_compacted_single_values_stay_single() -> None:
    document = {
        "@context": [VC_V2_CONTEXT, OB_CONTEXT],
        "id": "urn:uuid:1",
        "type": "OpenBadgeCredential",
        "issuer": "https://example.fr/issuers/1",
        "validFrom": "2024-01-01T00:00:00+01:00",
        "proof": {"type": "DataIntegrityProof", "proofValue": "z1"},
        "credentialSchema": {"id": "https://x.example/s.json", "type": "X"},
        "termsOfUse": {"type": "Policy"},
        "credentialSubject": {
            "id": "did:example:1",
            "type": "AchievementSubject",
            "achievement": {
                "id": "urn:uuid:a",
                "type": "Achievement",
                "name": "N",
                "description": "D",
                "criteria": {"id": "https://example.fr/c"},
                "creditsAvailable": 3,
                "alignment": {"type": "Alignment", "targetName": "T", "targetUrl": "https://t"},
            },
        },
    }
    credential = parse_credential(document)
    assert credential.to_json() == document
    assert credential.issuer_id == "https://example.fr/issuers/1"
    assert len(credential.proofs) == 1
    assert credential.types == ["OpenBadgeCredential"]


def test_unknown_members_survive_at_every_level() -> None:
    document = parse_credential(_minimal()).to_json()
    document["ext:foo"] = {"bar": [1, 2]}
    document["credentialSubject"]["achievement"]["ext:level"] = "B1"
    document["issuer"] = {"id": "https://i", "type": "Profile", "ext:siret": "123"}
    assert parse_credential(document).to_json() == document


def test_nulls_and_empty_arrays_are_dropped_on_output() -> None:
    document = _minimal()
    document["evidence"] = []
    document["name"] = None
    document["ext:empty"] = []
    output = parse_credential(document).to_json()
    assert "evidence" not in output
    assert "name" not in output
    assert "ext:empty" not in output


def test_language_value_objects_and_localized_text() -> None:
    document = _minimal()
    document["name"] = [
        {"@value": "Soft skills", "@language": "en"},
        {"@value": "Savoir-être", "@language": "fr-FR"},
    ]
    credential = parse_credential(document)
    assert credential.to_json() == document
    assert localized(credential.name) == "Savoir-être"
    assert localized(credential.name, ("en",)) == "Soft skills"
    assert localized({"@value": "x", "@language": "de"}) == "x"
    assert localized({"en": "E", "fr": "F"}) == "F"
    assert localized("plain") == "plain"
    assert localized(None) is None


def test_wrong_json_types_raise_a_coded_model_error() -> None:
    document = _minimal()
    document["credentialSubject"]["achievement"]["creditsAvailable"] = "3"
    with pytest.raises(ModelError) as caught:
        parse_credential(document)
    assert caught.value.code == "credential_model_invalid"
    assert "creditsAvailable" in caught.value.path
    with pytest.raises(ModelError):
        parse_credential([])


def test_identity_object_checks_a_known_email() -> None:
    identity = IdentityObject.hashed_from("Camille@Example.fr")
    assert identity.matches("camille@example.fr")
    assert not identity.matches("camille@example.com")
    assert str(identity.identityHash).startswith("sha256$")


def test_presentation_keeps_embedded_credentials_raw() -> None:
    presentation = {
        "@context": [VC_V2_CONTEXT],
        "type": "VerifiablePresentation",
        "holder": "did:example:holder",
        "verifiableCredential": [_minimal(), "eyJhbGciOi.e30.sig"],
    }
    parsed = parse_presentation(presentation)
    assert parsed.to_json() == presentation
    assert parsed.credentials[0] == _minimal()


def _minimal() -> dict[str, Any]:
    return {
        "@context": [VC_V2_CONTEXT, OB_CONTEXT],
        "id": "urn:uuid:1",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": "https://example.fr/issuers/1",
        "validFrom": "2024-01-01T00:00:00Z",
        "credentialSubject": {
            "id": "did:example:1",
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "urn:uuid:a",
                "type": ["Achievement"],
                "name": "N",
                "description": "D",
                "criteria": {"narrative": "C"},
            },
        },
    }


# -- property: any well-formed credential round-trips -------------------------------------

text = st.text(min_size=1, max_size=12)
language_string = st.one_of(
    text,
    st.dictionaries(st.sampled_from(["fr", "en", "de-DE"]), text, min_size=1, max_size=2),
    st.lists(
        st.fixed_dictionaries(
            {"@value": text}, optional={"@language": st.sampled_from(["fr", "en"])}
        ),
        min_size=1,
        max_size=2,
    ),
)
extension_value = st.recursive(
    st.booleans() | st.integers() | text,
    lambda children: (
        st.lists(children, min_size=1, max_size=3)
        | st.dictionaries(text, children, min_size=1, max_size=3)
    ),
    max_leaves=8,
)


def one_or_many(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(strategy, st.lists(strategy, min_size=1, max_size=3))


alignment = st.fixed_dictionaries(
    {"type": one_or_many(st.just("Alignment")), "targetName": language_string, "targetUrl": text},
    optional={"targetCode": text, "targetType": st.sampled_from(["CFItem", "ext:x"])},
)
achievement = st.fixed_dictionaries(
    {
        "id": text,
        "type": one_or_many(st.just("Achievement")),
        "name": language_string,
        "description": language_string,
        "criteria": st.fixed_dictionaries({}, optional={"id": text, "narrative": language_string}),
    },
    optional={
        "alignment": one_or_many(alignment),
        "creditsAvailable": st.integers() | st.floats(allow_nan=False, allow_infinity=False),
        "tag": one_or_many(text),
        "ext:extra": extension_value,
    },
)
credential_strategy = st.fixed_dictionaries(
    {
        "@context": st.just([VC_V2_CONTEXT, OB_CONTEXT]),
        "id": text,
        "type": one_or_many(st.sampled_from(["VerifiableCredential", "OpenBadgeCredential"])),
        "issuer": st.one_of(
            text,
            st.fixed_dictionaries(
                {"id": text, "type": one_or_many(st.just("Profile"))},
                optional={"name": language_string},
            ),
        ),
        "credentialSubject": st.fixed_dictionaries(
            {"type": one_or_many(st.just("AchievementSubject")), "achievement": achievement},
            optional={"id": text},
        ),
    },
    optional={
        "validFrom": text,
        "name": language_string,
        "proof": one_or_many(st.fixed_dictionaries({"type": text}, optional={"proofValue": text})),
        "ext:member": extension_value,
    },
)


@settings(max_examples=150, deadline=None)
@given(credential_strategy)
def test_any_well_formed_credential_round_trips(document: dict[str, Any]) -> None:
    assert parse_credential(document).to_json() == document


def test_status_list_credential_round_trips_the_rec_example(shared: Path) -> None:
    examples = shared / "standards/bitstring-status-list/examples"
    for name in (
        "REC-example5-status-list-vc-unsigned.json",
        "REC-example5-status-list-vc-eddsa-rdfc-2022.json",
    ):
        document = json.loads((examples / name).read_text(encoding="utf-8"))
        parsed = BitstringStatusListCredential.model_validate(document)
        assert parsed.to_json() == document
        assert parsed.credentialSubject.statusPurpose == "revocation"


def test_building_a_status_list_credential() -> None:
    from badges.status_list import StatusList

    credential = BitstringStatusListCredential(
        context=[VC_V2_CONTEXT],
        id="https://example.fr/status/1",
        issuer="did:example:issuer",
        validFrom="2024-01-01T00:00:00Z",
        credentialSubject=BitstringStatusList(
            id="https://example.fr/status/1#list",
            statusPurpose="revocation",
            encodedList=StatusList().encode(),
        ),
    )
    output = credential.to_json()
    assert output["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert output["credentialSubject"]["type"] == "BitstringStatusList"
