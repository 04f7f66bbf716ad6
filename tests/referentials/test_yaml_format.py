"""The atouts YAML format: loading, French errors with line numbers, lossless round trip."""

from __future__ import annotations

import datetime as dt
import json

import jsonschema
import networkx as nx
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from referentials.model import (
    HIERARCHY_RELATIONS,
    Agreement,
    CompetenceType,
    CrosswalkMethod,
    Item,
    ItemKind,
    Organisation,
    OrganisationRole,
    Referential,
    ReferentialFormatError,
    Relation,
    RelationType,
    RequirementType,
    Status,
)
from referentials.yaml_dump import to_data
from referentials.yaml_format import SCHEMA_PATH, canonical, dumps, loads

EXAMPLE = """\
referentiel: btp-exemple
version: 1.10
statut: publie
titre: {fr: Maçon, en: Bricklayer}
organisations:
  - {nom: Entreprise Exemple, role: employeur}
accords:
  - {version: "1.10", date: 2025-03-14, organisations: [Entreprise Exemple]}
certifications:
  - code: TP-MACON
    libelle: Titre professionnel Maçon
    blocs: [B1, {ref: B2, obligatoire: true}]
    modules: [M1]
blocs:
  - code: B1
    libelle: Construire des ouvrages en maçonnerie
    competences: [C1, C2]
  - code: B2
    libelle: Autre
modules:
  - code: M1
    libelle: Option
    obligatoire: false
    competences: [C2]
competences:
  - code: C1
    libelle: {fr: Monter des murs, en: Build walls}
    type: savoir_faire
    correspondances:
      - {cible: "urn:rome:ogr:300490", methode: manuelle, confiance: 0.9}
  - code: C2
    libelle: deux
"""


def _errors(text: str) -> list[tuple[int | None, str]]:
    with pytest.raises(ReferentialFormatError) as err:
        loads(text)
    return err.value.errors


def test_example_loads_with_versions_as_written() -> None:
    ref = loads(EXAMPLE)
    assert ref.version == "1.10"
    assert ref.status is Status.PUBLISHED
    assert ref.organisations == (Organisation("Entreprise Exemple", OrganisationRole.EMPLOYER),)
    assert ref.agreements == (Agreement("1.10", dt.date(2025, 3, 14), ("Entreprise Exemple",)),)
    assert ref.item("C1").labels == {"fr": "Monter des murs", "en": "Build walls"}
    assert ref.item("C2").labels == {"fr": "deux"}


def test_memberships_become_ispartof_with_mandatory_flags() -> None:
    rels = {(r.type, r.source, r.target): r for r in loads(EXAMPLE).relations}
    assert rels[("isPartOf", "B2", "TP-MACON")].mandatory is True
    assert rels[("isPartOf", "B1", "TP-MACON")].mandatory is None
    # an optional module is optional in its certification without repeating it
    assert rels[("isPartOf", "M1", "TP-MACON")].mandatory is False
    match = rels[("exactMatchOf", "C1", "urn:rome:ogr:300490")]
    assert (match.method, match.confidence) == (CrosswalkMethod.MANUAL, 0.9)


def test_undefined_competence_is_reported_with_its_line_in_french() -> None:
    errors = _errors(EXAMPLE.replace("competences: [C1, C2]", "competences: [C1, C3]"))
    assert errors == [
        (17, "la compétence « C3 » est citée dans le bloc « B1 » mais n'est pas définie")
    ]


def test_every_problem_is_listed_with_its_line() -> None:
    text = EXAMPLE.replace("  - code: C2\n", "  - code: C1\n").replace(
        "organisations: [Entreprise Exemple]", "organisations: [Inconnue]"
    )
    lines = [line for line, _ in _errors(text)]
    assert lines == [8, 17, 24, 31]


def test_unknown_key_and_bad_value_are_schema_errors_with_lines() -> None:
    text = EXAMPLE.replace("role: employeur", "role: patron").replace(
        "    type: savoir_faire", "    typ: savoir_faire"
    )
    errors = _errors(text)
    assert errors[0][0] == 6
    assert "« patron » n'est pas permis" in errors[0][1]
    assert errors[1][0] == 26
    assert "clé inconnue « typ »" in errors[1][1]


def test_missing_required_key_is_named() -> None:
    errors = _errors("referentiel: x\nversion: '1'\n")
    assert errors == [(1, "le document : la clé « titre » est obligatoire")]


def test_invalid_yaml_syntax_gives_the_line() -> None:
    errors = _errors("referentiel: x\ntitre: [a\nversion: 1\n")
    assert errors[0][0] == 3
    assert "YAML" in errors[0][1]


def test_duplicate_key_is_an_error() -> None:
    errors = _errors("referentiel: x\nversion: '1'\ntitre: a\ntitre: b\n")
    assert errors == [(4, "la clé « titre » est écrite deux fois")]


def test_level_reference_must_name_a_level() -> None:
    text = EXAMPLE.replace(
        "    type: savoir_faire\n", "    type: savoir_faire\n    niveaux: [C2]\n"
    )
    assert _errors(text)[0][1] == "« C2 » est cité comme niveau mais n'est pas un niveau"


def test_a_hierarchy_cycle_is_reported_at_its_line() -> None:
    text = EXAMPLE.replace("    libelle: deux\n", "    libelle: deux\n    parents: [C1]\n").replace(
        "    type: savoir_faire\n", "    type: savoir_faire\n    parents: [C2]\n"
    )
    [(line, message)] = _errors(text)
    assert line == 29
    assert message.startswith("la hiérarchie forme un cycle : C")
    assert "C1 → C2" in message or "C2 → C1" in message


def test_round_trip_of_the_example_is_stable() -> None:
    ref = loads(EXAMPLE)
    assert loads(dumps(ref)) == ref
    assert dumps(loads(dumps(ref))) == dumps(ref)


# ------------------------------------------------------------------------- property test

_codes = st.from_regex(r"[A-Z][A-Z0-9_.-]{0,5}", fullmatch=True)
_text = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=12)
_langmap = st.dictionaries(st.sampled_from(["fr", "en", "rcf"]), _text, min_size=1, max_size=2)
_textlist = st.dictionaries(
    st.sampled_from(["fr", "en"]), st.lists(_text, max_size=2).map(tuple), max_size=2
)
_props = st.dictionaries(
    st.from_regex(r"[a-z_]{1,6}", fullmatch=True),
    st.one_of(st.none(), st.booleans(), st.integers(-5, 5), _text),
    max_size=2,
)
_opt_bool = st.none() | st.booleans()


@st.composite
def referentials(draw: st.DrawFn) -> Referential:
    codes = draw(st.lists(_codes, min_size=1, max_size=8, unique=True))
    items = tuple(
        Item(
            code=c,
            kind=draw(st.sampled_from(list(ItemKind))),
            labels=draw(_langmap),
            human_code=draw(st.none() | _codes),
            alt_labels=draw(_textlist),
            descriptions=draw(st.dictionaries(st.sampled_from(["fr", "en"]), _text, max_size=1)),
            competence_type=draw(st.none() | st.sampled_from(list(CompetenceType))),
            mandatory=draw(_opt_bool),
            rank=draw(st.none() | st.integers(1, 5)),
            criteria=draw(_textlist),
            uri=draw(st.none() | st.from_regex(r"urn:x:[a-z0-9]{1,4}", fullmatch=True)),
            replaces=tuple(draw(st.lists(_codes, max_size=2))),
            properties=draw(_props),
        )
        for c in codes
    )
    ends = st.sampled_from(codes) | st.from_regex(r"https://e\.example/[a-z]{1,3}", fullmatch=True)
    relations = tuple(
        draw(
            st.lists(
                st.builds(
                    Relation,
                    type=st.sampled_from(list(RelationType)),
                    source=ends,
                    target=ends,
                    mandatory=_opt_bool,
                    requirement=st.none() | st.sampled_from(list(RequirementType)),
                    rank=st.none() | st.integers(0, 20),
                    method=st.none() | st.sampled_from(list(CrosswalkMethod)),
                    confidence=st.none() | st.floats(0, 1),
                    sequence=st.none() | st.integers(0, 20),
                    properties=_props,
                ),
                max_size=12,
            )
        )
    )
    names = draw(st.lists(_text, max_size=2, unique=True))
    return Referential(
        slug=draw(st.from_regex(r"[a-z0-9][a-z0-9-]{0,8}", fullmatch=True)),
        version=draw(st.from_regex(r"[0-9]{1,2}(\.[0-9]{1,2}){0,2}", fullmatch=True)),
        title=draw(_langmap),
        status=draw(st.sampled_from(list(Status))),
        languages=tuple(draw(st.lists(st.sampled_from(["fr", "en"]), min_size=1, max_size=2))),
        licence=draw(st.none() | _text),
        description=draw(st.dictionaries(st.sampled_from(["fr", "en"]), _text, max_size=1)),
        publisher=draw(st.none() | _text),
        organisations=tuple(
            Organisation(n, draw(st.sampled_from(list(OrganisationRole))), draw(st.none() | _text))
            for n in names
        ),
        agreements=tuple(
            draw(
                st.lists(
                    st.builds(
                        Agreement,
                        version=st.just("1.0"),
                        agreed_on=st.dates(dt.date(2000, 1, 1), dt.date(2030, 1, 1)),
                        organisations=st.lists(st.sampled_from(names), max_size=2).map(tuple)
                        if names
                        else st.just(()),
                        note=st.none() | _text,
                    ),
                    max_size=2,
                )
            )
        ),
        replaces=draw(st.none() | st.just("0.9")),
        items=items,
        relations=relations,
        properties=draw(_props),
    )


@given(referentials())
@settings(max_examples=100, deadline=None)
def test_yaml_round_trip_is_lossless(ref: Referential) -> None:
    hierarchy = nx.DiGraph(
        [(r.source, r.target) for r in ref.relations if r.type in HIERARCHY_RELATIONS]
    )
    assume(nx.is_directed_acyclic_graph(hierarchy))  # a cycle is refused, with its line
    text = dumps(ref)
    assert loads(text) == canonical(ref)
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(to_data(ref))


@pytest.mark.parametrize(
    ("before", "after", "line", "message"),
    [
        (
            "{ref: B2, obligatoire: true}",
            "{ref: B2, obligatoir: true}",
            12,
            "clé inconnue « obligatoir »",
        ),
        (
            "{ref: B2, obligatoire: true}",
            "{ref: B2, obligatoire: oui}",
            12,
            "doit être true ou false",
        ),
        ("{fr: Maçon, en: Bricklayer}", "{fr: Maçon, en: 3}", 4, "titre/en : doit être du texte"),
    ],
)
def test_a_mistake_inside_an_alternative_form_is_named_precisely(
    before: str, after: str, line: int, message: str
) -> None:
    [(found_line, found)] = _errors(EXAMPLE.replace(before, after))
    assert found_line == line
    assert message in found
