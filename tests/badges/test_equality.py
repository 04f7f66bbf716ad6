"""OB 3.0 credential equality: issuer.id + id after percent-decoding and trimming."""

from __future__ import annotations

import json
from pathlib import Path

from badges.equality import credential_key, current, is_newer, same_credential


def _cred(
    cid: object, issuer: object, valid_from: str = "2024-01-01T00:00:00Z"
) -> dict[str, object]:
    return {"id": cid, "issuer": issuer, "validFrom": valid_from}


def test_same_credential_after_percent_decoding_and_trimming() -> None:
    a = _cred("urn:uuid:a b", "https://issuer.example/1")
    b = _cred(" urn:uuid:a%20b ", {"id": "https://issuer.example/1", "type": ["Profile"]})
    assert same_credential(a, b)
    assert credential_key(a) == ("https://issuer.example/1", "urn:uuid:a b")


def test_different_issuer_or_id_is_another_credential() -> None:
    a = _cred("urn:uuid:a", "https://issuer.example/1")
    assert not same_credential(a, _cred("urn:uuid:a", "https://issuer.example/2"))
    assert not same_credential(a, _cred("urn:uuid:b", "https://issuer.example/1"))


def test_credentials_without_ids_are_never_equal() -> None:
    assert not same_credential(_cred(None, "https://i"), _cred(None, "https://i"))
    assert credential_key({"issuer": 3}) is None


def test_newer_valid_from_replaces_and_equal_or_older_keeps_existing() -> None:
    old = _cred("urn:uuid:a", "https://i", "2024-01-01T00:00:00Z")
    new = _cred("urn:uuid:a", "https://i", "2024-01-01T01:00:00+00:30")
    assert is_newer(new, old)
    assert current(old, new) is new
    assert current(new, old) is new
    same_time = _cred("urn:uuid:a", "https://i", "2024-01-01T00:00:00Z")
    assert current(old, same_time) is old
    other = _cred("urn:uuid:b", "https://i", "2030-01-01T00:00:00Z")
    assert current(old, other) is old


def test_unreadable_dates_are_never_newer() -> None:
    old = _cred("urn:uuid:a", "https://i")
    assert not is_newer(_cred("urn:uuid:a", "https://i", "yesterday"), old)
    assert is_newer(old, _cred("urn:uuid:a", "https://i", "2024-01-01T00:00:00"))


def test_specification_equality_examples(shared: Path) -> None:
    folder = shared / "standards/openbadges-3.0/examples"
    a, b, c, d = (
        json.loads((folder / f"equality-and-comparison--sample-credential-{x}.json").read_text())
        for x in "abcd"
    )
    assert same_credential(a, b)
    assert same_credential(a, c)
    assert same_credential(a, d)
    assert current(a, c) is c
    assert current(c, a) is c
