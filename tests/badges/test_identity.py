"""Hashed recipient identifiers (OB 3.0 IdentityHash)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from badges.identity import (
    IdentityType,
    hashed_identity,
    identity_hash,
    identity_matches,
    plain_identity,
    subject_matches,
)


def test_hash_matches_the_verified_specification_examples() -> None:
    assert identity_hash("a@example.com", "Kosher") == (
        "sha256$b5809d8a92f8858436d7e6b87c12ebc0ae1eac4baecc2c0b913aee2c922ef399"
    )
    assert identity_hash("jjefferson18@example.com", "FleurDeSel").startswith("sha256$658625b2")


def test_built_identity_has_random_salt_and_never_contains_the_email() -> None:
    first = hashed_identity("Camille.Martin@Example.fr")
    second = hashed_identity("Camille.Martin@Example.fr")
    assert first["salt"] != second["salt"]
    assert first["identityHash"] != second["identityHash"]
    assert first["type"] == "IdentityObject"
    assert first["hashed"] is True
    assert first["identityType"] == "emailAddress"
    assert "camille" not in json.dumps(first).lower()


def test_known_email_matches_regardless_of_case_and_spaces() -> None:
    identity = hashed_identity("camille.martin@example.fr", salt="s1")
    assert identity_matches(identity, "camille.martin@example.fr")
    assert identity_matches(identity, "  Camille.Martin@EXAMPLE.fr ")
    assert not identity_matches(identity, "camille.martin@example.com")


def test_phone_and_national_id_are_normalised_before_hashing() -> None:
    phone = hashed_identity("06 12 34 56 78", IdentityType.PHONE, salt="x")
    assert identity_matches(phone, "06.12.34.56.78")
    assert not identity_matches(phone, "06 12 34 56 79")
    national = hashed_identity("1 85 05 78 006 084 36", IdentityType.NATIONAL_ID, salt="y")
    assert identity_matches(national, "185057800608436")


def test_upper_case_hex_and_md5_hashes_from_other_issuers_are_accepted() -> None:
    upper = {
        "type": "IdentityObject",
        "hashed": True,
        "identityType": "emailAddress",
        "salt": "Kosher",
        "identityHash": "sha256$B5809D8A92F8858436D7E6B87C12EBC0AE1EAC4BAECC2C0B913AEE2C922EF399",
    }
    assert identity_matches(upper, "a@example.com")
    md5 = dict(upper, identityHash=identity_hash("a@example.com", "Kosher", algorithm="md5"))
    assert md5["identityHash"].startswith("md5$")
    assert identity_matches(md5, "a@example.com")


def test_unsalted_hash_and_unknown_algorithm() -> None:
    unsalted = {"hashed": True, "identityType": "name", "identityHash": identity_hash("mayze")}
    assert identity_matches(unsalted, "mayze")
    sha1 = {"hashed": True, "identityType": "name", "identityHash": "sha1$abcd"}
    assert not identity_matches(sha1, "mayze")
    with pytest.raises(ValueError):
        identity_hash("x", algorithm="sha1")


def test_plain_identity_compares_text() -> None:
    identity = plain_identity("Camille Martin")
    assert identity["hashed"] is False
    assert identity_matches(identity, "Camille Martin")
    assert not identity_matches(identity, "Camille")


def test_subject_matches_by_id_or_by_identifier_of_the_given_type() -> None:
    subject = {
        "id": "did:example:123",
        "identifier": [hashed_identity("a@b.fr", salt="z")],
    }
    assert subject_matches(subject, "did:example:123", None)
    assert subject_matches(subject, "a@b.fr", "emailAddress")
    assert not subject_matches(subject, "a@b.fr", "nationalIdentityNumber")
    assert not subject_matches({"identifier": "bad"}, "a@b.fr", None)


def test_dcc_unhashed_name_identifier_matches_plain_text(shared: Path) -> None:
    path = (
        shared
        / "standards/negative/dcc-vc-test-fixtures/credentials/v2/dataIntegrityProof/didKey"
        / "legacyRegistry-noStatus-noExpiry-identityHash.json"
    )
    subject = json.loads(path.read_text(encoding="utf-8"))["credentialSubject"]
    assert subject_matches(subject, "Parker Pearl", "name")
    assert not subject_matches(subject, "Parker", "name")
