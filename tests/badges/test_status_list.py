"""Bitstring Status List encode/decode and the 1EdTech revocation list (BSL REC §3)."""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from badges.status_list import (
    MIN_ENTRIES,
    StatusList,
    StatusListError,
    decode_bitstring,
    encode_bitstring,
    get_bits,
    read_status_entry,
    revoked_ids,
)


def _encoded_list(path: Path) -> str:
    document = json.loads(path.read_text(encoding="utf-8"))
    return str(document["credentialSubject"]["encodedList"])


def test_new_list_has_minimum_length_and_all_bits_clear() -> None:
    status = StatusList()
    assert status.length == MIN_ENTRIES == 131_072
    assert len(status.bitstring) == 16_384
    assert status.get(0) == 0
    assert status.get(MIN_ENTRIES - 1) == 0


def test_setting_index_zero_sets_the_most_significant_bit_of_the_first_byte() -> None:
    status = StatusList()
    status.set(0, 1)
    status.set(9, True)
    assert status.bitstring[0] == 0b1000_0000
    assert status.bitstring[1] == 0b0100_0000
    status.set(0, 0)
    assert status.bitstring[0] == 0


def test_encode_then_decode_round_trips_and_starts_with_multibase_u() -> None:
    status = StatusList()
    for index in (3, 94_567, MIN_ENTRIES - 1):
        status.set(index, 1)
    encoded = status.encode()
    assert encoded.startswith("u")
    assert "=" not in encoded
    again = StatusList.decode(encoded)
    assert again.bitstring == status.bitstring
    assert [again.get(i) for i in (2, 3, 94_567, MIN_ENTRIES - 1)] == [0, 1, 1, 1]


def test_encoding_is_deterministic() -> None:
    status = StatusList()
    status.set(42, 1)
    assert status.encode() == status.encode()


@given(st.sets(st.integers(min_value=0, max_value=MIN_ENTRIES - 1), max_size=20))
def test_any_set_of_revoked_indexes_survives_encoding(indexes: set[int]) -> None:
    status = StatusList()
    for index in indexes:
        status.set(index, 1)
    decoded = decode_bitstring(status.encode())
    found = {
        byte_index * 8 + bit
        for byte_index, byte in enumerate(decoded)
        if byte
        for bit in range(8)
        if get_bits(decoded, byte_index * 8 + bit)
    }
    assert found == indexes


def test_multi_bit_entries_read_msb_first() -> None:
    status = StatusList(131_072, status_size=2)
    status.set(1, 0b10)
    assert status.bitstring[0] == 0b0010_0000
    assert status.get(1) == 2
    with pytest.raises(StatusListError):
        status.set(0, 4)


def test_short_list_raises_status_list_length() -> None:
    encoded = encode_bitstring(bytes(100))
    with pytest.raises(StatusListError) as caught:
        decode_bitstring(encoded)
    assert caught.value.code == "status_list_length"
    assert decode_bitstring(encoded, min_entries=0) == bytes(100)


def test_index_outside_the_list_is_a_range_error() -> None:
    status = StatusList()
    with pytest.raises(StatusListError) as caught:
        status.get(MIN_ENTRIES)
    assert caught.value.code == "status_index_out_of_range"
    with pytest.raises(StatusListError) as negative:
        status.set(-1, 1)
    assert negative.value.code == "status_index_out_of_range"


@pytest.mark.parametrize(
    "encoded",
    ["", "u", "u!!!", "uAAAA", "u" + base64.urlsafe_b64encode(b"not gzip").decode().rstrip("=")],
)
def test_garbage_is_status_list_malformed(encoded: str) -> None:
    with pytest.raises(StatusListError) as caught:
        decode_bitstring(encoded)
    assert caught.value.code == "status_list_malformed"


def test_gzip_bomb_is_refused_without_expanding_it() -> None:
    bomb = gzip.compress(bytes(64 * 1024 * 1024), mtime=0)
    encoded = "u" + base64.urlsafe_b64encode(bomb).decode().rstrip("=")
    with pytest.raises(StatusListError) as caught:
        decode_bitstring(encoded)
    assert caught.value.code == "status_list_malformed"


def test_rec_example_status_list_is_all_clear_at_index_94567(shared: Path) -> None:
    examples = shared / "standards/bitstring-status-list/examples"
    entry = json.loads(
        (examples / "REC-example4-revocable-vc-eddsa-rdfc-2022.json").read_text(encoding="utf-8")
    )["credentialStatus"]
    parsed = read_status_entry(entry)
    assert parsed.index == 94_567
    assert parsed.purpose == "revocation"
    for name in (
        "REC-example5-status-list-vc-unsigned.json",
        "REC-example5-status-list-vc-eddsa-rdfc-2022.json",
    ):
        status = StatusList.decode(_encoded_list(examples / name))
        assert status.length >= MIN_ENTRIES
        assert status.get(parsed.index) == 0
        assert not any(status.bitstring)


def test_1edtech_validator_test_list_has_only_bit_23_set(shared: Path) -> None:
    for path in (
        shared / "standards/1edtech-validator/ob30/bit-string-list/testlist",
        shared / "standards/negative/1edtech-validator/bsl-testlist.json",
    ):
        raw = decode_bitstring(_encoded_list(path))
        set_bits = [i for i in range(len(raw) * 8) if get_bits(raw, i)]
        assert set_bits == [23]


def test_validator_fixture_integer_index_is_read_leniently(shared: Path) -> None:
    path = (
        shared / "standards/1edtech-validator/ob30/bit-string-list/credential-status-revoked.json"
    )
    entry = json.loads(path.read_text(encoding="utf-8"))["credentialStatus"]
    assert read_status_entry(entry).index == 23


def test_dcc_status_list_below_minimum_is_reported_but_readable(shared: Path) -> None:
    path = shared / "standards/negative/dcc-vc-test-fixtures/statusLists/e5WK8CbZ1GjycuPombrj.json"
    encoded = _encoded_list(path)
    with pytest.raises(StatusListError) as caught:
        decode_bitstring(encoded)
    assert caught.value.code == "status_list_length"
    raw = decode_bitstring(encoded, min_entries=0)
    assert [get_bits(raw, i) for i in (2, 6, 7, 8)] == [1, 1, 0, 1]


@pytest.mark.parametrize(
    ("entry", "path"),
    [
        (
            {
                "type": "BitstringStatusListEntry",
                "statusPurpose": "revocation",
                "statusListIndex": "12a",
                "statusListCredential": "https://x/1",
            },
            "statusListIndex",
        ),
        (
            {
                "type": "BitstringStatusListEntry",
                "statusPurpose": "revocation",
                "statusListIndex": "1",
            },
            "statusListCredential",
        ),
        (
            {
                "type": "BitstringStatusListEntry",
                "statusListIndex": "1",
                "statusListCredential": "https://x/1",
            },
            "statusPurpose",
        ),
    ],
)
def test_incomplete_status_entry_is_malformed(entry: dict[str, str], path: str) -> None:
    with pytest.raises(StatusListError) as caught:
        read_status_entry(entry)
    assert caught.value.code == "status_list_malformed"
    assert caught.value.path == path


def test_revocation_list_names_revoked_ids_unless_marked_false() -> None:
    document = {
        "id": "https://issuer.example/revocations/1",
        "type": "1EdTechRevocationList",
        "revokedCredential": [
            {"id": "urn:uuid:a", "revoked": True},
            {"id": "urn:uuid:b"},
            {"id": "urn:uuid:c", "revoked": False},
            {"revoked": True},
            "junk",
        ],
    }
    assert revoked_ids(document) == {"urn:uuid:a", "urn:uuid:b"}
    assert revoked_ids({"type": "1EdTechRevocationList"}) == set()
    with pytest.raises(StatusListError):
        revoked_ids({"revokedCredential": "urn:uuid:a"})
    with pytest.raises(StatusListError):
        revoked_ids([])
