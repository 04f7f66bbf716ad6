"""JCS through the C encoder: the same bytes and errors as ``rfc8785`` on any JSON value."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from badges.jsonld.fast_jcs import _plain, canonical_json

# Any character, lone surrogates and astral planes included: the edges of the two encoders.
characters = st.characters(min_codepoint=0, max_codepoint=0x10FFFF)
text = st.text(characters, max_size=8)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**60), max_value=2**60),
    st.floats(allow_nan=True, allow_infinity=True),
    text,
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(text, inner, max_size=4)),
    max_leaves=20,
)


def outcome(function: Any, value: Any) -> tuple[str, Any]:
    try:
        return ("bytes", function(value))
    except Exception as error:  # the same error type is part of the contract
        return ("error", type(error))


@settings(max_examples=300, deadline=None)
@given(values)
def test_canonical_json_equals_rfc8785_on_any_value(value: Any) -> None:
    assert outcome(canonical_json, value) == outcome(rfc8785.dumps, value)


@pytest.mark.parametrize(
    "value",
    [
        {"é": 1, "z": 2, "\ue000": 3, "𝄞": 4},  # astral key: UTF-16 order differs
        {"n": 2**53},  # beyond the safe integers
        {"x": 1.5},  # ECMAScript float formatting
        {"s": "\ud800"},  # lone surrogate
        {"ctl": '\x00\x1f\x7f\b\f\n\r\t"\\/'},
    ],
)
def test_edge_values_match_rfc8785(value: dict[str, Any]) -> None:
    assert outcome(canonical_json, value) == outcome(rfc8785.dumps, value)


def test_the_benchmark_badge_takes_the_c_encoder(shared: Path) -> None:
    badge = json.loads((shared / "bench/ob3-badge.json").read_text())
    assert _plain(badge)
    assert canonical_json(badge) == rfc8785.dumps(badge)


def test_jcs_vectors_give_the_published_bytes(shared: Path) -> None:
    folder = shared / "standards/vc-di-eddsa/TestVectors"
    document = json.loads((folder / "unsigned.json").read_text())
    config = json.loads((folder / "eddsa-jcs-2022/proofConfigJCS.json").read_text())
    expected_document = (folder / "eddsa-jcs-2022/canonDocJCS.txt").read_text().strip()
    expected_config = (folder / "eddsa-jcs-2022/proofCanonJCS.txt").read_text().strip()
    assert canonical_json(document).decode() == expected_document
    assert canonical_json(config).decode() == expected_config
