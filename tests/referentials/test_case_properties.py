"""Property tests: any referential exports to valid CASE 1.1, imports back equal, re-exports equal.

The official CASE 1.1 package schema is read from ../shared/data/case (1EdTech/OpenCASE).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from referentials.formats import case
from referentials.model import (
    Agreement,
    CompetenceType,
    CrosswalkMethod,
    Item,
    ItemKind,
    Organisation,
    OrganisationRole,
    Referential,
    Relation,
    RelationType,
    RequirementType,
    Status,
)

_HIERARCHY = {RelationType.IS_CHILD_OF, RelationType.IS_PART_OF, RelationType.BROADER}
_text = st.text(
    alphabet=st.characters(categories=["L", "N", "P", "Zs"]), min_size=1, max_size=24
).filter(lambda s: s.strip() != "")
_langs = st.sampled_from([("fr",), ("fr", "en"), ("en",)])
_props = st.dictionaries(
    st.sampled_from(["p_source", "p_flag", "p_count"]),
    st.one_of(_text, st.integers(-5, 5), st.booleans()),
    max_size=2,
)


@st.composite
def referentials(draw: st.DrawFn) -> Referential:
    languages = draw(_langs)
    count = draw(st.integers(1, 10))
    items = []
    for index in range(count):
        kind = draw(st.sampled_from(list(ItemKind)))
        labels = {lang: draw(_text) for lang in languages}
        items.append(
            Item(
                code=f"i{index}",
                kind=kind,
                labels=labels,
                human_code=draw(st.none() | _text),
                alt_labels=draw(
                    st.dictionaries(st.sampled_from(languages), st.tuples(_text), max_size=1)
                ),
                descriptions=draw(st.dictionaries(st.sampled_from(languages), _text, max_size=1)),
                competence_type=draw(st.none() | st.sampled_from(list(CompetenceType))),
                mandatory=draw(st.none() | st.booleans()),
                rank=draw(st.none() | st.integers(1, 5)),
                criteria=draw(
                    st.dictionaries(st.sampled_from(languages), st.tuples(_text, _text), max_size=1)
                ),
                uri=draw(st.none() | st.just(f"https://example.org/ext/{index}")),
                properties=draw(_props),
            )
        )
    relations = []
    for _ in range(draw(st.integers(0, 12))):
        rel_type = draw(st.sampled_from([*RelationType, "ext:isOptionalPartOf"]))
        source = draw(st.integers(0, count - 1))
        target: str
        if draw(st.booleans()) or count == 1:
            target = draw(st.sampled_from(["urn:rome:ogr:300490", "http://data.europa.eu/x"]))
        else:
            other = draw(st.integers(0, count - 1))
            if rel_type in _HIERARCHY and other >= source:
                continue  # keep hierarchies acyclic: parents have smaller indexes
            target = f"i{other}"
        relations.append(
            Relation(
                type=rel_type,
                source=f"i{source}",
                target=target,
                mandatory=draw(st.none() | st.booleans()),
                requirement=draw(st.none() | st.sampled_from(list(RequirementType))),
                rank=draw(st.none() | st.integers(1, 10)),
                method=draw(st.none() | st.sampled_from(list(CrosswalkMethod))),
                confidence=draw(st.none() | st.floats(0, 1)),
                sequence=draw(st.none() | st.integers(0, 50)),
                properties=draw(_props),
            )
        )
    return Referential(
        slug=draw(st.from_regex(r"[a-z][a-z0-9-]{0,12}", fullmatch=True)),
        version=draw(st.from_regex(r"[0-9]{1,2}(\.[0-9]{1,2})?", fullmatch=True)),
        title={lang: draw(_text) for lang in languages},
        status=draw(st.sampled_from(list(Status))),
        languages=languages,
        licence=draw(st.none() | _text),
        publisher=draw(st.none() | _text),
        organisations=tuple(
            Organisation(draw(_text), draw(st.sampled_from(list(OrganisationRole))))
            for _ in range(draw(st.integers(0, 2)))
        ),
        agreements=tuple(
            Agreement("1", draw(st.dates(date(2020, 1, 1), date(2030, 1, 1))))
            for _ in range(draw(st.integers(0, 1)))
        ),
        items=tuple(items),
        relations=tuple(relations),
        properties=draw(_props),
    )


@pytest.fixture(scope="module")
def schema(shared: Path) -> dict[str, Any]:
    path = shared / "data" / "case" / "1EdTech-OpenCASE" / "case-v1p1-cfpackage.json"
    if not path.is_file():
        pytest.skip("the official CASE 1.1 schema is absent from ../shared/data/case")
    return dict(json.loads(path.read_text(encoding="utf-8")))


def _wire(package: dict[str, Any]) -> dict[str, Any]:
    return dict(json.loads(json.dumps(package, ensure_ascii=False)))


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(referentials())
def test_any_referential_round_trips_through_valid_case(
    schema: dict[str, Any], referential: Referential
) -> None:
    package = _wire(case.dump(referential))
    assert case.schema_errors(package, schema) == []
    again, _ = case.from_package(package)
    assert again == referential
    assert _wire(case.dump(again)) == package
