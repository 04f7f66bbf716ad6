"""The offline loader serves only pinned contexts and never touches the network."""

from __future__ import annotations

import pytest

from badges.contexts.registry import VC_EXAMPLES_V2, VC_V2
from badges.jsonld.loader import (
    ContextNotAllowedError,
    OfflineDocumentLoader,
    context_urls,
    context_warnings,
)


def test_allowed_context_is_served_from_package_data() -> None:
    doc = OfflineDocumentLoader()(VC_V2, {})
    assert doc["documentUrl"] == VC_V2
    assert "@context" in doc["document"]


def test_unknown_context_is_refused_with_code() -> None:
    with pytest.raises(ContextNotAllowedError) as info:
        OfflineDocumentLoader()("https://attacker.example/ctx.jsonld", {})
    assert info.value.code == "context_not_allowed"


def test_pinned_but_unshipped_context_is_refused_until_supplied() -> None:
    loader = OfflineDocumentLoader()
    assert not loader.allows(VC_EXAMPLES_V2)
    with pytest.raises(ContextNotAllowedError):
        loader(VC_EXAMPLES_V2, {})


def test_supplied_bytes_must_match_the_pin() -> None:
    with pytest.raises(ContextNotAllowedError):
        OfflineDocumentLoader({VC_EXAMPLES_V2: b'{"@context": {"@vocab": "https://evil/#"}}'})
    with pytest.raises(ContextNotAllowedError):
        OfflineDocumentLoader({"https://attacker.example/x": b"{}"})


def test_context_urls_are_found_at_any_depth() -> None:
    doc = {"@context": [VC_V2, {"x": "y"}], "a": {"@context": "https://b.example/"}}
    assert context_urls(doc) == [VC_V2, "https://b.example/"]


def test_examples_context_gets_a_warning() -> None:
    problems = context_warnings({"@context": [VC_V2, VC_EXAMPLES_V2]})
    assert [p.code for p in problems] == ["context_examples_vocab"]
    assert str(problems[0].severity) == "warning"
    assert context_warnings({"@context": [VC_V2]}) == []


def test_resolved_context_cache_stays_bounded() -> None:
    from badges.jsonld.canon import canonical_nquads

    loader = OfflineDocumentLoader()
    for i in range(600):
        doc = {
            "@context": [VC_V2, {f"t{i}": f"https://terms.example/{i}"}],
            "type": ["VerifiableCredential"],
            f"t{i}": "x",
        }
        canonical_nquads(doc, loader=loader)
    assert len(loader._resolved_cache) <= 512
