"""Differential test: the fast path gives the reference bytes on varied OB 3.0 credentials.

Hypothesis generates Open Badges 3.0 credentials (OB 3.0 §B: AchievementCredential, Profile,
Achievement, Alignment, Result, ResultDescription, Evidence, EndorsementCredential) on the
VC 2.0 context, with optional members present or absent, arrays of every size, language-tagged
value objects, endorsements carrying a Data Integrity proof (a ``@graph`` container),
``allowedValue`` lists, extension terms (an inline context with a type-scoped context, terms
left to the VC 2.0 ``@vocab``), typed numbers and booleans, strings that N-Quads must escape,
and deliberately repeated blank-node subtrees (ties in RDFC-1.0 first-degree hashes).

For each one: when the reference path refuses it, the fast path must not answer; otherwise the
fast path either falls back (None) or returns exactly the reference bytes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from badges.jsonld.canon import reference_canonical_nquads
from badges.jsonld.fast import fast_canonical_nquads
from badges.jsonld.loader import OfflineDocumentLoader

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB_EXT = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"

EXTENSION_CONTEXT: dict[str, Any] = {
    "ext": "https://example.org/ext#",
    "extLevel": {"@id": "ext:level", "@type": "http://www.w3.org/2001/XMLSchema#integer"},
    "extScore": {"@id": "ext:score", "@type": "http://www.w3.org/2001/XMLSchema#double"},
    "extFlag": "ext:flag",
    "extHomepage": {"@id": "ext:homepage", "@type": "@id"},
    "extNote": {"@id": "ext:note", "@language": "fr"},
    "extPortfolio": "ext:portfolio",
    "ExtPortfolio": {
        "@id": "ext:Portfolio",
        "@context": {"entries": "ext:entries", "curator": {"@id": "ext:curator", "@type": "@id"}},
    },
}

# Strings with everything N-Quads must escape, plus non-ASCII text.
text = st.one_of(
    st.sampled_from(
        [
            "Certified Data Steward",
            'Say "bonjour"',
            "back\\slash",
            "line\nbreak\ttab\rreturn",
            "Éducation — compétences",
            "日本語のバッジ",
            "",
            " padded ",
        ]
    ),
    st.text(
        alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=0, max_size=12
    ),
)
slug = st.from_regex(r"[a-z0-9]{1,8}", fullmatch=True)
https_iri = slug.map(lambda s: f"https://badges.example.org/{s}")
urn = st.uuids().map(lambda u: f"urn:uuid:{u}")
node_iri = st.one_of(https_iri, urn, slug.map(lambda s: f"did:example:{s}"))
date_time = st.sampled_from(
    ["2025-03-14T09:30:00Z", "2030-01-01T00:00:00Z", "2024-02-29T23:59:59+01:00"]
)
language = st.sampled_from(["fr", "en", "en-GB", "FR-ca", "de"])


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


def localized(value: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    """A plain string, a VC 2.0 language value object, or several of them."""
    value_object = st.builds(lambda v, lang: {"@value": v, "@language": lang}, value, language)
    return st.one_of(value, value_object, st.lists(value_object, min_size=1, max_size=3))


@st.composite
def objects(draw: st.DrawFn, required: dict[str, Any], optional: dict[str, Any]) -> dict[str, Any]:
    out = {key: draw(strategy) for key, strategy in required.items()}
    for key, strategy in optional.items():
        value = draw(maybe(strategy))
        if value is not None:
            out[key] = value
    return out


image = st.one_of(
    https_iri,
    objects({"id": https_iri, "type": st.just("Image")}, {"caption": text}),
)
alignment_pool = [
    {"type": ["Alignment"], "targetName": "Shared alignment", "targetUrl": "https://c.example/a"},
    {"type": ["Alignment"], "targetName": "Other", "targetUrl": "https://c.example/b"},
]
alignment = st.one_of(
    st.sampled_from(alignment_pool),  # repeats on purpose: identical blank nodes tie
    objects(
        {"type": st.just(["Alignment"]), "targetName": text, "targetUrl": https_iri},
        {
            "targetDescription": text,
            "targetFramework": text,
            "targetCode": slug,
            "targetType": st.sampled_from(["ceasn:Competency", "CFItem", "ext:Custom"]),
        },
    ),
)
result_description = objects(
    {"id": urn, "type": st.just(["ResultDescription"]), "name": text},
    {
        "resultType": st.sampled_from(["Percent", "GradePointAverage", "LetterGrade"]),
        "valueMin": st.just("0"),
        "valueMax": st.just("100"),
        "requiredValue": st.just("70"),
        "allowedValue": st.lists(st.sampled_from(["A", "B", "C"]), min_size=1, max_size=3),
    },
)
result = objects(
    {"type": st.just(["Result"])},
    {
        "resultDescription": urn,
        "value": st.sampled_from(["88", "A"]),
        "status": st.just("Completed"),
    },
)
evidence = objects(
    {"type": st.just(["Evidence"])},
    {"id": https_iri, "name": text, "narrative": text, "genre": text, "audience": text},
)
profile = objects(
    {"id": node_iri, "type": st.just(["Profile"])},
    {
        "name": localized(text),
        "url": https_iri,
        "email": st.just("badges@example.org"),
        "description": text,
        "image": image,
        "otherIdentifier": st.lists(
            objects(
                {
                    "type": st.just("IdentifierEntry"),
                    "identifier": slug,
                    "identifierType": st.just("sourcedId"),
                },
                {},
            ),
            min_size=1,
            max_size=2,
        ),
    },
)
issuer = st.one_of(node_iri, profile)
proof = objects(
    {
        "type": st.just("DataIntegrityProof"),
        "cryptosuite": st.just("eddsa-rdfc-2022"),
        "created": date_time,
        "verificationMethod": https_iri.map(lambda s: s + "#key-1"),
        "proofPurpose": st.just("assertionMethod"),
        "proofValue": st.just("z3FXQjecWufY46yg5abdVZsXqLhxhueuSoZgNSARiKBk"),
    },
    {},
)
endorsement = objects(
    {
        "type": st.just(["VerifiableCredential", "EndorsementCredential"]),
        "issuer": issuer,
        "validFrom": date_time,
        "credentialSubject": objects(
            {"id": https_iri, "type": st.just(["EndorsementSubject"])},
            {"endorsementComment": text},
        ),
    },
    {"id": urn, "name": text, "proof": proof},
)
extension_members = objects(
    {},
    {
        "extLevel": st.integers(min_value=-(10**6), max_value=10**6),
        "extScore": st.one_of(
            st.floats(allow_nan=False, allow_infinity=False, width=64), st.just("88")
        ),
        "extFlag": st.booleans(),
        "extHomepage": https_iri,
        "extNote": text,
        "extPortfolio": objects(
            {"type": st.just("ExtPortfolio")},
            {"entries": st.lists(text, min_size=1, max_size=3), "curator": node_iri},
        ),
    },
)


@st.composite
def achievement(draw: st.DrawFn) -> dict[str, Any]:
    out = draw(
        objects(
            {
                "id": https_iri,
                "type": st.just(["Achievement"]),
                "name": localized(text),
                "criteria": objects({}, {"id": https_iri, "narrative": text}),
            },
            {
                "description": localized(text),
                "achievementType": st.sampled_from(["Certificate", "Badge", "ext:Other"]),
                "humanCode": slug,
                "fieldOfStudy": text,
                "image": image,
                "alignment": st.lists(alignment, min_size=1, max_size=5),
                "resultDescription": st.lists(result_description, min_size=1, max_size=2),
                "tag": st.lists(text, min_size=1, max_size=3),
                "creator": profile,
            },
        )
    )
    if not out["criteria"]:
        out["criteria"] = {"narrative": "Complete the course."}
    return out


@st.composite
def credentials(draw: st.DrawFn) -> dict[str, Any]:
    """An OB 3.0 credential without proof, of varied shape."""
    with_extension = draw(st.booleans())
    context: list[Any] = [VC_V2, OB_V3]
    if draw(st.booleans()):
        context.append(OB_EXT)
    if with_extension:
        context.append(EXTENSION_CONTEXT)
    subject = draw(
        objects(
            {"type": st.just(["AchievementSubject"]), "achievement": achievement()},
            {
                "id": st.one_of(node_iri, st.just("did:example:learner")),
                "result": st.lists(result, min_size=1, max_size=3),
                "creditsEarned": st.floats(min_value=0, max_value=300, allow_nan=False),
                "activityEndDate": date_time,
            },
        )
    )
    document: dict[str, Any] = {
        "@context": context,
        "type": [
            "VerifiableCredential",
            draw(st.sampled_from(["OpenBadgeCredential", "AchievementCredential"])),
        ],
        "issuer": draw(issuer),
        "validFrom": draw(date_time),
        "credentialSubject": subject,
    }
    optional = draw(
        objects(
            {},
            {
                "id": urn,
                "name": localized(text),
                "description": text,
                "validUntil": date_time,
                "evidence": st.lists(evidence, min_size=1, max_size=3),
                "endorsement": st.lists(endorsement, min_size=1, max_size=2),
            },
        )
    )
    document.update(optional)
    if with_extension:
        document.update(draw(extension_members))
    if draw(st.sampled_from([False] * 9 + [True])):  # rarely
        document["undefinedTerm"] = "dropped by JSON-LD: data loss"  # the reference refuses
    return document


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(credentials())
def test_fast_path_gives_the_reference_bytes_or_falls_back(document: dict[str, Any]) -> None:
    try:
        expected: str | None = reference_canonical_nquads(document)
    except Exception:
        expected = None
    result = fast_canonical_nquads(document)
    if expected is None:
        assert result is None
    elif result is not None:
        assert result == expected


VC_EXAMPLES_V2 = "https://www.w3.org/ns/credentials/examples/v2"
free_terms = st.dictionaries(
    st.from_regex(r"[a-z][A-Za-z]{0,8}", fullmatch=True).filter(lambda k: k not in ("id", "type")),
    st.one_of(text, st.integers(-1000, 1000), st.booleans(), https_iri),
    min_size=1,
    max_size=4,
)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(credentials(), free_terms, free_terms)
def test_terms_of_an_extra_allow_listed_context_give_the_reference_bytes(
    shared: Path, document: dict[str, Any], top: dict[str, Any], nested: dict[str, Any]
) -> None:
    """The W3C examples context (pinned, supplied to the loader) maps every other term with
    ``@vocab``: arbitrary extension members are then defined, not data loss."""
    examples = shared / "standards/vc-data-model-2.0/contexts/credentials/examples/v2"
    loader = OfflineDocumentLoader({VC_EXAMPLES_V2: examples.read_bytes()})
    document = {**document, "@context": [*document["@context"], VC_EXAMPLES_V2]}
    for key, value in top.items():
        document.setdefault(key, value)
    subject = document["credentialSubject"]
    for key, value in nested.items():
        subject.setdefault(key, value)
    try:
        expected: str | None = reference_canonical_nquads(document, loader=loader)
    except Exception:
        expected = None
    result = fast_canonical_nquads(document, loader=loader)
    if expected is None:
        assert result is None
    elif result is not None:
        assert result == expected
