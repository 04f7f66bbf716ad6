"""The fast canonicalization path: same bytes as the reference on every vector, same safety."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from badges.contexts.registry import VC_EXAMPLES_V2
from badges.jsonld import fast
from badges.jsonld.canon import (
    CanonicalizationLimitError,
    CanonLimits,
    DataLossError,
    JsonLdProcessingError,
    canonical_nquads,
    reference_canonical_nquads,
)
from badges.jsonld.fast import STATS, fast_canonical_nquads
from badges.jsonld.fast_context import clear_caches
from badges.jsonld.loader import ContextNotAllowedError, OfflineDocumentLoader, default_loader
from badges.keys import Ed25519KeyPair
from badges.proofs.data_integrity import create_proof, hash_data

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
VECTORS = "standards/vc-di-eddsa/TestVectors"
OB_VECTORS = "standards/openbadges-3.0/test-vectors"


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
                "alignment": [
                    {"type": ["Alignment"], "targetName": "A", "targetUrl": "https://c.example/a"},
                    {"type": ["Alignment"], "targetName": "B", "targetUrl": "https://c.example/b"},
                ],
            },
        },
    }


def examples_loader(shared: Path) -> OfflineDocumentLoader:
    examples = (
        shared / "standards/vc-data-model-2.0/contexts/credentials/examples/v2"
    ).read_bytes()
    return OfflineDocumentLoader({VC_EXAMPLES_V2: examples})


def handled(document: dict[str, Any], loader: OfflineDocumentLoader | None = None) -> str:
    """The fast path's answer, which must exist (not a fallback)."""
    result = fast_canonical_nquads(document, loader=loader)
    assert result is not None, STATS.snapshot()
    return result


# -- same bytes -------------------------------------------------------------------------------


def test_benchmark_badge_is_handled_and_identical(shared: Path) -> None:
    doc = json.loads((shared / "bench/ob3-badge.json").read_text())
    assert handled(doc) == reference_canonical_nquads(doc)


def test_w3c_vector_document_and_proof_config_give_the_published_nquads(shared: Path) -> None:
    folder = shared / VECTORS
    loader = examples_loader(shared)
    doc = json.loads((folder / "unsigned.json").read_text())
    config = json.loads((folder / "eddsa-rdfc-2022/proofConfigDataInt.json").read_text())
    assert handled(doc, loader) == (folder / "eddsa-rdfc-2022/canonDocDataInt.txt").read_text()
    expected_proof = (folder / "eddsa-rdfc-2022/proofCanonDataInt.txt").read_text()
    assert handled(config, loader) == expected_proof


@pytest.mark.parametrize("name", ["obv3p0", "clrv2p0"])
def test_ob_and_clr_vectors_give_the_published_nquads(shared: Path, name: str) -> None:
    folder = shared / OB_VECTORS / name
    doc = json.loads((folder / "unsigned-credential.json").read_text())
    config = {
        "@context": doc["@context"],
        **json.loads((folder / "proof-options.json").read_text()),
    }
    assert handled(doc) == (folder / "document-canon.txt").read_text()
    assert handled(config) == (folder / "proof-canon.txt").read_text()


def _standard_documents(shared: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    root = shared / "standards"
    for path in sorted(root.rglob("*.json")):
        relative = path.relative_to(root).as_posix()
        if "/context" in relative or "schema" in relative:
            continue
        try:
            doc = json.loads(path.read_text())
        except (UnicodeDecodeError, json.JSONDecodeError):
            continue
        if isinstance(doc, dict) and "@context" in doc:
            yield relative, doc
            if "proof" in doc:
                yield relative + " (without proof)", {k: v for k, v in doc.items() if k != "proof"}


def test_every_standard_document_gives_the_reference_bytes_or_falls_back(shared: Path) -> None:
    """Credentials, endorsements, CLRs, fixtures, negative cases: never a different answer, and
    never an answer where the reference refuses (data loss, disallowed context, bad JSON-LD)."""
    loader = examples_loader(shared)
    compared = 0
    for name, doc in _standard_documents(shared):
        try:
            expected: str | None = reference_canonical_nquads(doc, loader=loader)
        except Exception:
            expected = None
        result = fast_canonical_nquads(doc, loader=loader)
        if expected is None:
            assert result is None, f"{name}: fast path answered where the reference refuses"
        elif result is not None:
            assert result == expected, name
            compared += 1
    assert compared >= 100  # the fast path really answers for the vectors, not just falls back


def test_identical_blank_nodes_are_labelled_as_rdfc_does() -> None:
    """Ties at first degree (the same alignment twice, a profile embedded twice) need the
    N-degree step; the fast path runs it and still matches byte for byte."""
    doc = badge()
    achievement = doc["credentialSubject"]["achievement"]
    achievement["alignment"] = [copy.deepcopy(achievement["alignment"][0]) for _ in range(3)]
    profile = {
        "id": "https://issuer.example/",
        "type": ["Profile"],
        "otherIdentifier": [
            {"type": "IdentifierEntry", "identifier": "1", "identifierType": "sourcedId"}
        ],
    }
    doc["issuer"] = profile
    achievement["creator"] = copy.deepcopy(profile)
    assert handled(doc) == reference_canonical_nquads(doc)


def test_lists_and_named_graphs_match_the_reference() -> None:
    doc = badge()
    doc["credentialSubject"]["achievement"]["resultDescription"] = [
        {
            "id": "urn:uuid:7d1c3c7e-0000-4000-8000-000000000001",
            "type": ["ResultDescription"],
            "name": "Grade",
            "resultType": "LetterGrade",
            "allowedValue": ["A", "B", "A"],
        }
    ]
    doc["endorsement"] = [
        {
            "type": ["VerifiableCredential", "EndorsementCredential"],
            "issuer": "did:example:endorser",
            "validFrom": "2026-01-01T00:00:00Z",
            "credentialSubject": {"id": "https://issuer.example/", "type": ["EndorsementSubject"]},
            "proof": {
                "type": "DataIntegrityProof",
                "cryptosuite": "eddsa-rdfc-2022",
                "created": "2026-01-01T00:00:00Z",
                "verificationMethod": "did:example:endorser#key-1",
                "proofPurpose": "assertionMethod",
                "proofValue": "z3FXQjecWufY46yg5abdVZsXqLhxhueuSoZgNSARiKBk",
            },
        }
    ]
    assert handled(doc) == reference_canonical_nquads(doc)


def test_language_tags_typed_values_and_escapes_match_the_reference() -> None:
    doc = badge()
    doc["@context"] = [
        *doc["@context"],
        {
            "ext": "https://example.org/ext#",
            "level": {"@id": "ext:level", "@type": "http://www.w3.org/2001/XMLSchema#integer"},
            "score": {"@id": "ext:score", "@type": "http://www.w3.org/2001/XMLSchema#double"},
            "noteFr": {"@id": "ext:note", "@language": "fr"},
        },
    ]
    doc["name"] = [{"@value": "Punctuality", "@language": "en-GB"}, {"@value": 'Ponc"tu\\alité'}]
    doc["level"] = 3
    doc["score"] = "88"
    doc["noteFr"] = "ligne 1\nligne 2\ttab\r"
    doc["credentialSubject"]["creditsEarned"] = 2.5
    doc["credentialSubject"]["ext:flag"] = True
    assert handled(doc) == reference_canonical_nquads(doc)


def test_input_is_not_mutated() -> None:
    doc = badge()
    before = copy.deepcopy(doc)
    handled(doc)
    assert doc == before


# -- same safety, through the dispatcher --------------------------------------------------------


def test_undefined_term_falls_back_and_is_data_loss() -> None:
    doc = badge()
    doc["credentialSubject"]["grade"] = "A+"
    assert fast_canonical_nquads(doc) is None
    with pytest.raises(DataLossError):
        canonical_nquads(doc)


@pytest.mark.parametrize(
    ("where", "value"),
    [("id", "credentials/42"), ("issuer", "issuers/1")],
)
def test_relative_iri_falls_back_and_is_data_loss(where: str, value: str) -> None:
    doc = badge()
    doc[where] = value
    assert fast_canonical_nquads(doc) is None
    with pytest.raises(DataLossError):
        canonical_nquads(doc)


def test_relative_type_falls_back_and_is_data_loss() -> None:
    doc = badge()
    doc["type"].append("MyBadge")
    assert fast_canonical_nquads(doc) is None
    with pytest.raises(DataLossError):
        canonical_nquads(doc)


def test_disallowed_context_is_refused_on_the_fast_path_too() -> None:
    doc = badge()
    doc["@context"].append("https://attacker.example/ctx.jsonld")
    assert fast_canonical_nquads(doc) is None
    with pytest.raises(ContextNotAllowedError):
        canonical_nquads(doc)


def test_protected_term_redefinition_is_refused_on_the_fast_path_too() -> None:
    doc = badge()
    doc["@context"].append({"name": "https://evil.example/name"})
    assert fast_canonical_nquads(doc) is None
    with pytest.raises(JsonLdProcessingError):
        canonical_nquads(doc)


def test_a_context_allowed_by_one_loader_is_not_served_to_another(shared: Path) -> None:
    """The memo of processed contexts belongs to a loader: the examples context accepted by a
    loader given its pinned bytes must not leak into the default loader's answers."""
    doc = json.loads((shared / VECTORS / "unsigned.json").read_text())
    handled(doc, examples_loader(shared))
    assert fast_canonical_nquads(doc, loader=default_loader()) is None
    with pytest.raises(ContextNotAllowedError):
        canonical_nquads(doc)


def test_limits_apply_on_the_fast_path() -> None:
    doc = badge()
    with pytest.raises(CanonicalizationLimitError):
        canonical_nquads(doc, limits=CanonLimits(max_blank_nodes=1))
    with pytest.raises(CanonicalizationLimitError):
        canonical_nquads(doc, limits=CanonLimits(max_quads=5))


def test_tied_groups_of_identical_children_end_in_a_limit_error_not_a_hang() -> None:
    """Two identical blank nodes with k identical children each make RDFC-1.0 (§4.8) try k!
    orderings; the work budget stops the fast path and then the reference path."""
    member = {"https://example.org/v": "x"}
    group = {"https://example.org/member": [member] * 7}
    doc = badge()
    doc["https://example.org/groups"] = [group, copy.deepcopy(group)]
    with pytest.raises(CanonicalizationLimitError):
        canonical_nquads(doc, limits=CanonLimits(max_work=2_000))
    STATS.reset()
    assert fast_canonical_nquads(doc, limits=CanonLimits(max_work=2_000)) is None
    assert STATS.snapshot()["fallbacks"] == {"n_degree_work_limit": 1}


# -- accounting ---------------------------------------------------------------------------------


def test_fallbacks_are_counted_with_their_reason() -> None:
    STATS.reset()
    handled(badge())
    doc = badge()
    doc["credentialSubject"]["grade"] = "A+"
    fast_canonical_nquads(doc)
    snapshot = STATS.snapshot()
    assert snapshot["handled"] == 1
    assert snapshot["fallbacks"] == {"dropped_term": 1}
    assert snapshot["fallback_rate"] == 0.5


def test_disabling_the_fast_path_leaves_the_reference_answer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(fast, "ENABLED", False)
    assert fast_canonical_nquads(badge()) is None
    assert canonical_nquads(badge()) == reference_canonical_nquads(badge())


def test_clearing_the_context_memo_changes_nothing() -> None:
    first = handled(badge())
    clear_caches()
    assert handled(badge()) == first


def test_iri_with_whitespace_is_data_loss() -> None:
    doc = badge()
    doc["issuer"]["id"] = "https://issuer.example/a b"
    assert fast_canonical_nquads(doc) is None  # the fast path refuses it already
    with pytest.raises(DataLossError):
        canonical_nquads(doc)


@pytest.mark.parametrize("name", ["obv3p0", "clrv2p0"])
def test_vector_hashes_and_proof_value_are_reproduced_on_the_fast_path(
    shared: Path, name: str
) -> None:
    folder = shared / OB_VECTORS / name
    unsigned = json.loads((folder / "unsigned-credential.json").read_text())
    options = json.loads((folder / "proof-options.json").read_text())
    expected = json.loads((folder / "hashes.json").read_text())
    key = Ed25519KeyPair.from_key_file(json.loads((folder / "keypair.json").read_text()))
    STATS.reset()
    config = {**options, "@context": unsigned["@context"]}
    data = hash_data(unsigned, config, "eddsa-rdfc-2022")
    signed = create_proof(unsigned, key, proof_options=options)
    proof = signed["proof"][0] if isinstance(signed["proof"], list) else signed["proof"]
    assert data.hex() == expected["dataToSignHex"]
    assert proof["proofValue"] == expected["proofValue"]
    assert STATS.snapshot() == {"handled": 4, "fallbacks": {}, "fallback_rate": 0.0}


@pytest.mark.parametrize(
    "value",
    [
        "ex:a",
        "exnp:a",
        "ex://host/a",
        "https://x.example/y",
        "urn:uuid:0f4a3b7e-7a52-4c09-8f0a-1d6f1b0a2c11",
        "did:key:z6MkmkLjaKWRBrAN9Lz9x1bh2AjEY9WxreRRDER4P59nRU5h",
        "xsd:string",
        "cred:x",
        "_:b0",
        "rel/path",
        "@id",
        "@unknown",
        "a b:c",
        "https://x.example/a b",
        ":nothing",
    ],
)
def test_id_expansion_agrees_with_pyld(value: str) -> None:
    """The fast ``@id`` expansion is pyld's (null base), refusing what RDF would not keep."""
    from badges.jsonld.fast_context import ABSOLUTE_IRI, cache_for
    from badges.jsonld.fast_terms import Unsupported, expand_id

    cache = cache_for(default_loader())
    assert cache is not None
    inline = {
        "ex": "https://example.org/ns#",
        "exnp": {"@id": "https://e.org/np#", "@prefix": False},
    }
    ctx = cache.initial.derive_embedded([VC_V2, OB, inline])
    expected = cache.processor._expand_iri(ctx.raw, value, base=None)
    keeps = isinstance(expected, str) and bool(ABSOLUTE_IRI.match(expected))
    if keeps and not expected.startswith("_:"):
        assert expand_id(ctx, value) == expected
    else:
        with pytest.raises(Unsupported):
            expand_id(ctx, value)
