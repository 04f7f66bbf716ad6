"""Multibase codecs: round trips, leading zeros, refusal of foreign prefixes and characters."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from badges.multibase import (
    MultibaseError,
    base58btc_decode,
    base58btc_encode,
    base64url_decode,
    base64url_encode,
    multibase_decode,
    multibase_encode_base58btc,
    multibase_encode_base64url,
)


@given(st.binary(max_size=80))
def test_base58btc_round_trips_any_bytes(data: bytes) -> None:
    assert base58btc_decode(base58btc_encode(data)) == data


@given(st.binary(max_size=80))
def test_multibase_round_trips_both_bases(data: bytes) -> None:
    assert multibase_decode(multibase_encode_base58btc(data)) == data
    assert multibase_decode(multibase_encode_base64url(data)) == data


def test_base58btc_keeps_leading_zero_bytes_as_ones() -> None:
    assert base58btc_encode(b"\0\0\x01") == "112"
    assert base58btc_decode("112") == b"\0\0\x01"


def test_base58btc_matches_known_value() -> None:
    # "Hello World!" from the base58 IETF draft §5.
    assert base58btc_encode(b"Hello World!") == "2NEpo7TZRRrLZSi2U"


def test_base64url_has_no_padding_and_accepts_padded_input() -> None:
    assert base64url_encode(b"\xfb\xff") == "-_8"
    assert base64url_decode("-_8=") == b"\xfb\xff"


def test_base64url_refuses_standard_alphabet() -> None:
    with pytest.raises(MultibaseError):
        base64url_decode("+/8")


@pytest.mark.parametrize("value", ["", "m8J+YgA", "z0OIl"])
def test_multibase_refuses_unknown_prefix_or_characters(value: str) -> None:
    with pytest.raises(MultibaseError):
        multibase_decode(value)
