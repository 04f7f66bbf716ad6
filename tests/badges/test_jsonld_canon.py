"""Canonical N-Quads: the reference bytes, safe mode (data loss) and bounded work."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from badges.contexts.registry import VC_EXAMPLES_V2
from badges.jsonld.canon import (
    CanonicalizationLimitError,
    CanonLimits,
    DataLossError,
    JsonLdProcessingError,
    canonical_nquads,
    canonicalize_nquads,
    reference_canonical_nquads,
)
from badges.jsonld.loader import ContextNotAllowedError, OfflineDocumentLoader
from badges.problems import BadgeError

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"


def badge() -> dict[str, Any]:
    return {
        "@context": [VC_V2, OB],
        "id": "urn:uuid:0f4a3b7e-7a52-4c09-8f0a-1d6f1b0a2c11",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": "https://issuer.example/", "type": ["Profile"], "name": "Org"},
        "validFrom": "2026-01-01T00:00:00Z",
        "name": "Savoir-être",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://issuer.example/a/1",
                "type": ["Achievement"],
                "name": "Ponctualité",
                "criteria": {"narrative": "Observé en situation"},
            },
        },
    }


def test_clean_badge_canonicalizes_identically_on_both_paths() -> None:
    out = canonical_nquads(badge())
    assert out == reference_canonical_nquads(badge())
    assert "<https://purl.imsglobal.org/spec/vc/ob/vocab.html#Achievement>" in out


def test_undefined_term_is_data_loss() -> None:
    doc = badge()
    doc["credentialSubject"]["grade"] = "A+"
    with pytest.raises(DataLossError) as info:
        canonical_nquads(doc)
    assert info.value.code == "data_loss"
    assert "grade" in str(info.value)


def test_undefined_top_level_term_is_data_loss() -> None:
    doc = badge()
    doc["unsignedClaim"] = {"anything": True}
    with pytest.raises(DataLossError):
        canonical_nquads(doc)


def test_relative_iri_is_data_loss() -> None:
    doc = badge()
    doc["id"] = "credentials/42"
    with pytest.raises(DataLossError) as info:
        canonical_nquads(doc)
    assert "credentials/42" in str(info.value)


def test_relative_type_is_data_loss() -> None:
    doc = badge()
    doc["type"].append("MyBadge")
    with pytest.raises(DataLossError):
        canonical_nquads(doc)


def test_term_nulled_by_inline_context_is_data_loss() -> None:
    doc = badge()
    doc["@context"].append({"note": None})
    doc["note"] = "hidden"
    with pytest.raises(DataLossError):
        canonical_nquads(doc)


def test_remote_context_is_refused_without_fetching() -> None:
    doc = badge()
    doc["@context"].append("https://attacker.example/ctx.jsonld")
    with pytest.raises(ContextNotAllowedError) as info:
        canonical_nquads(doc)
    assert info.value.code == "context_not_allowed"


def test_protected_term_redefinition_is_refused() -> None:
    doc = badge()
    doc["@context"].append({"name": "https://evil.example/name"})
    with pytest.raises(JsonLdProcessingError) as info:
        canonical_nquads(doc)
    assert info.value.code == "context_term_redefinition"


@pytest.mark.parametrize("name", ["credential-redef-type-fail", "credential-redef-type2-fail"])
def test_w3c_redefinition_fixtures_are_refused(shared: Path, name: str) -> None:
    path = shared / "standards/negative/w3c-vcdm2-test-suite" / f"{name}.json"
    with pytest.raises(JsonLdProcessingError):
        canonical_nquads(json.loads(path.read_text()))


def test_input_is_not_mutated() -> None:
    doc = badge()
    before = copy.deepcopy(doc)
    canonical_nquads(doc)
    assert doc == before


def test_deeply_nested_input_is_an_error_not_a_crash() -> None:
    doc = badge()
    node: dict[str, Any] = doc["credentialSubject"]
    for _ in range(5000):
        node["achievement"] = {"type": ["Achievement"]}
        node = node["achievement"]
    with pytest.raises((CanonicalizationLimitError, JsonLdProcessingError)):
        canonical_nquads(doc)


def test_blank_node_limit_applies() -> None:
    doc = badge()
    doc["credentialSubject"]["achievement"]["alignment"] = [
        {"type": ["Alignment"], "targetName": f"t{i}", "targetUrl": f"https://x.example/{i}"}
        for i in range(20)
    ]
    with pytest.raises(CanonicalizationLimitError):
        canonical_nquads(doc, limits=CanonLimits(max_blank_nodes=5))


RDF_CANON = "standards/negative/w3c-rdf-canon"


def test_poison_graph_074_ends_in_limit_error(shared: Path) -> None:
    nquads = (shared / RDF_CANON / "test074-in.nq").read_text()
    with pytest.raises(CanonicalizationLimitError) as info:
        canonicalize_nquads(nquads)
    assert info.value.code == "canonicalization_limit_exceeded"


@pytest.mark.parametrize("number", ["044", "045", "046"])
def test_evil_but_computable_graphs_give_the_expected_output(shared: Path, number: str) -> None:
    given = (shared / RDF_CANON / f"test{number}-in.nq").read_text()
    expected = (shared / RDF_CANON / f"test{number}-rdfc10.nq").read_text()
    assert canonicalize_nquads(given) == expected


def test_w3c_vector_document_canonicalizes_to_the_published_nquads(shared: Path) -> None:
    vectors = shared / "standards/vc-di-eddsa/TestVectors"
    examples = (
        shared / "standards/vc-data-model-2.0/contexts/credentials/examples/v2"
    ).read_bytes()
    loader = OfflineDocumentLoader({VC_EXAMPLES_V2: examples})
    doc = json.loads((vectors / "unsigned.json").read_text())
    expected = (vectors / "eddsa-rdfc-2022/canonDocDataInt.txt").read_text()
    assert canonical_nquads(doc, loader=loader) == expected
    assert reference_canonical_nquads(doc, loader=loader) == expected


@pytest.mark.parametrize("name", ["obv3p0", "clrv2p0"])
def test_ob_and_clr_vectors_canonicalize_to_the_published_nquads(shared: Path, name: str) -> None:
    folder = shared / "standards/openbadges-3.0/test-vectors" / name
    doc = json.loads((folder / "unsigned-credential.json").read_text())
    expected = (folder / "document-canon.txt").read_text()
    assert canonical_nquads(doc) == expected
    assert reference_canonical_nquads(doc) == expected


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-1000, 1000) | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(["id", "type", "name", "@id", "@type", "@value", "x", "@list"]),
            children,
            max_size=3,
        )
    ),
    max_leaves=10,
)


@settings(max_examples=80, deadline=None)
@given(
    key=st.sampled_from(["name", "issuer", "credentialSubject", "id", "type", "@context", "zz"]),
    value=json_values,
)
def test_canonicalization_fails_only_with_coded_errors(key: str, value: Any) -> None:
    doc = badge()
    doc[key] = value
    outcome: object
    try:
        outcome = canonical_nquads(doc)
    except BadgeError as exc:
        outcome = exc.code
    assert isinstance(outcome, str)
    assert outcome
