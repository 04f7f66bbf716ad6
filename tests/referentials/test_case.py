"""CASE packages: lenient 1.0 import, CASE 1.1 export validated by the official schema, round trips.

Vectors: ../shared/data/case (official CASE 1.1 CFPackage schema from 1EdTech/OpenCASE and real
CASE 1.0 packages from opensalt/opensalt; provenance in ../shared/data/SOURCES.md §4).
Expectations are computed from the package files.
"""

from __future__ import annotations

import copy
import importlib
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from referentials.formats import case
from referentials.graph import build_graph
from referentials.model import (
    Agreement,
    CompetenceType,
    Item,
    ItemKind,
    NodeType,
    Organisation,
    OrganisationRole,
    Referential,
    ReferentialFormatError,
    Relation,
    RelationType,
    RequirementType,
    Status,
)

OPENSALT = "opensalt-framework-20c5134f-423d-4097-a971-3dd5152bf507.json"


@pytest.fixture(scope="module")
def case_dir(shared: Path) -> Path:
    folder = shared / "data" / "case"
    if not folder.is_dir():
        pytest.skip("../shared/data/case is absent")
    return folder


@pytest.fixture(scope="module")
def schema(case_dir: Path) -> dict[str, Any]:
    path = case_dir / "1EdTech-OpenCASE" / "case-v1p1-cfpackage.json"
    return dict(json.loads(path.read_text(encoding="utf-8")))


def _packages(case_dir: Path) -> list[Path]:
    return sorted(
        p
        for p in (case_dir / "opensalt").glob("*.json")
        if "CFDocument" in json.loads(p.read_text(encoding="utf-8"))
    )


def _wire(package: dict[str, Any]) -> dict[str, Any]:
    """What a consumer receives: the package serialised to JSON and parsed back."""
    return dict(json.loads(json.dumps(package, ensure_ascii=False)))


# ------------------------------------------------------------------ CASE 1.0 import


def test_real_case_1_0_packages_fail_the_1_1_schema_but_import_leniently(
    case_dir: Path, schema: dict[str, Any]
) -> None:
    raw = json.loads((case_dir / "opensalt" / OPENSALT).read_text(encoding="utf-8"))
    assert case.schema_errors(raw, schema), "the 1.0-era sample is not valid CASE 1.1"
    (ref,), summary = case.load([case_dir / "opensalt" / OPENSALT])
    assert len(ref.items) == len(raw["CFItems"])
    joined = "\n".join(summary.warnings)
    for quirk in ("CFDocumentURI", "CFItemAssociationURI", "educationalLevel", "sequenceNumber"):
        assert quirk in joined


def test_nothing_is_dropped_external_ends_become_stub_nodes(case_dir: Path) -> None:
    raw = json.loads((case_dir / "opensalt" / OPENSALT).read_text(encoding="utf-8"))
    ids = {i["identifier"] for i in raw["CFItems"]}
    doc = raw["CFDocument"]["identifier"]
    to_document = [a for a in raw["CFAssociations"] if a["destinationNodeURI"]["identifier"] == doc]
    outside = {
        a[end]["uri"]
        for a in raw["CFAssociations"]
        for end in ("originNodeURI", "destinationNodeURI")
        if a[end]["identifier"] not in ids | {doc}
    }
    (ref,), summary = case.load([case_dir / "opensalt" / OPENSALT])
    # isChildOf → CFDocument marks a root; every other association is a relation.
    assert len(ref.relations) == len(raw["CFAssociations"]) - len(to_document)
    assert summary.nodes_by_type["external"] == len(outside)
    assert {r.type for r in ref.relations} == {a["associationType"] for a in raw["CFAssociations"]}
    sequences = [r.sequence for r in ref.relations if r.sequence is not None]
    assert all(isinstance(s, int) for s in sequences)


def test_every_package_keeps_its_items_and_hierarchy(case_dir: Path) -> None:
    for path in _packages(case_dir):
        raw = json.loads(path.read_text(encoding="utf-8"))
        (ref,), _ = case.load([path])
        assert {i.properties["case_identifier"] for i in ref.items} == {
            i["identifier"] for i in raw["CFItems"]
        }
        child_of = [a for a in raw["CFAssociations"] if a["associationType"] == "isChildOf"]
        roots = [
            a
            for a in child_of
            if a["destinationNodeURI"]["identifier"] == raw["CFDocument"]["identifier"]
        ]
        assert sum(r.type == "isChildOf" for r in ref.relations) == len(child_of) - len(roots)
        assert ref.problems() == []


def test_items_come_in_tree_order_with_natural_sort_of_codes(case_dir: Path) -> None:
    raw = json.loads((case_dir / "opensalt" / "Ordering.json").read_text(encoding="utf-8"))
    codes = [i["humanCodingScheme"] for i in raw["CFItems"]]
    nine = next(c for c in codes if c.endswith(".L1.9"))
    ten = nine[:-1] + "10"
    assert ten in codes
    (ref,), _ = case.load([case_dir / "opensalt" / "Ordering.json"])
    order = [i.human_code for i in ref.items]
    assert order.index(nine) < order.index(ten)
    parents = {r.source: r.target for r in ref.relations if r.type == "isChildOf"}
    seen: set[str] = set()
    for item in ref.items:  # every parent comes before its children
        if item.code in parents:
            assert parents[item.code] in seen
        seen.add(item.code)


def test_import_is_idempotent(case_dir: Path) -> None:
    first, _ = case.load([case_dir / "opensalt"])
    second, _ = case.load([case_dir / "opensalt"])
    assert first == second
    assert [r.digest() for r in first] == [r.digest() for r in second]


def test_external_association_ends_are_stub_nodes_of_the_graph(case_dir: Path) -> None:

    (ref,), summary = case.load([case_dir / "opensalt" / OPENSALT])
    graph = build_graph([ref])
    assert len(graph.nodes_of_type(NodeType.EXTERNAL)) == summary.nodes_by_type["external"]


def test_item_types_come_from_cfitemtype_or_the_definitions(case_dir: Path) -> None:
    raw = json.loads((case_dir / "opensalt" / OPENSALT).read_text(encoding="utf-8"))
    (ref,), _ = case.load([case_dir / "opensalt" / OPENSALT])
    types = {i.properties["case_identifier"]: i.properties["CFItemType"] for i in ref.items}
    assert types == {i["identifier"]: i["CFItemType"] for i in raw["CFItems"]}
    package = {
        "CFDocument": {
            "identifier": "d",
            "uri": "urn:d",
            "title": "T",
            "creator": "c",
            "lastChangeDateTime": "2020-01-01T00:00:00Z",
        },
        "CFItems": [
            {
                "identifier": "i",
                "uri": "urn:i",
                "fullStatement": "Bloc A",
                "lastChangeDateTime": "2020-01-01T00:00:00Z",
                "CFItemTypeURI": {"identifier": "t", "uri": "urn:t", "title": ""},
            }
        ],
        "CFDefinitions": {
            "CFItemTypes": [{"identifier": "t", "uri": "urn:t", "title": "Bloc de compétences"}]
        },
    }
    only, _ = case.from_package(package)
    assert only.items[0].kind is ItemKind.BLOCK


def test_sourced_id_is_accepted_for_identifier() -> None:
    package = {
        "CFDocument": {
            "sourcedId": "d1",
            "uri": "urn:doc",
            "title": "Doc",
            "creator": "x",
            "lastChangeDateTime": "2020-01-01T00:00:00Z",
        },
        "CFItems": [
            {
                "sourcedId": "i1",
                "uri": "urn:i1",
                "fullStatement": "Un",
                "lastChangeDateTime": "2020-01-01T00:00:00Z",
            }
        ],
    }
    ref, warnings = case.from_package(package)
    assert ref.items[0].code == "i1"
    assert any("sourcedId" in w for w in warnings)


def test_a_file_without_cfdocument_is_a_format_error(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text('{"CFItems": []}', encoding="utf-8")
    with pytest.raises(ReferentialFormatError, match="CFDocument"):
        case.load([path])


# ------------------------------------------------------------------ CASE 1.1 export


def test_export_of_every_imported_package_validates_and_is_stable(
    case_dir: Path, schema: dict[str, Any]
) -> None:
    for ref in case.load([case_dir / "opensalt"])[0]:
        package = _wire(case.dump(ref))
        assert case.schema_errors(package, schema) == []
        again, _ = case.from_package(package)
        assert again == ref
        assert _wire(case.dump(again)) == package


@pytest.mark.parametrize(
    ("module", "relative"),
    [
        ("esco", "esco/v1.1.1"),
        ("rome", "rome/v460"),
        ("blocks_csv", "legifrance-titres-pro/titres_pro_ccp_derived.csv"),
    ],
)
def test_imported_open_data_exports_to_valid_case_and_back(
    shared: Path, schema: dict[str, Any], module: str, relative: str
) -> None:

    path = shared / "data" / relative
    if not path.exists():
        pytest.skip(f"../shared/data/{relative} is absent")
    (ref,), _ = importlib.import_module(f"referentials.formats.{module}").load([path])
    package = _wire(case.dump(ref))
    assert case.schema_errors(package, schema) == []
    again, _ = case.from_package(package)
    assert again == ref


def _blocks_referential() -> Referential:
    items = (
        Item("titre", ItemKind.CERTIFICATION, {"fr": "TP Plaquiste"}, human_code="TP"),
        Item(
            "ccp1", ItemKind.BLOCK, {"fr": "Technicité courante"}, human_code="CCP1", mandatory=True
        ),
        Item("ccs", ItemKind.MODULE, {"fr": "Isolation"}, human_code="CCS", mandatory=False),
        Item(
            "joints",
            ItemKind.COMPETENCE,
            {"fr": "Traiter les joints", "en": "Joints"},
            competence_type=CompetenceType.SAVOIR_FAIRE,
            criteria={"fr": ("joints lisses", "pas de fissure")},
        ),
        Item("n1", ItemKind.LEVEL, {"fr": "Débutant"}, rank=1),
        Item(
            "n2", ItemKind.LEVEL, {"fr": "Confirmé"}, rank=2, descriptions={"fr": "Travaille seul"}
        ),
    )
    relations = (
        Relation(RelationType.IS_PART_OF, "ccp1", "titre", mandatory=True, sequence=1),
        Relation(RelationType.IS_PART_OF, "ccs", "titre", mandatory=False, sequence=2),
        Relation(RelationType.IS_PART_OF, "joints", "ccp1", mandatory=True),
        Relation(RelationType.IS_PART_OF, "joints", "ccs", mandatory=True),
        Relation(RelationType.HAS_SKILL_LEVEL, "joints", "n1"),
        Relation(RelationType.HAS_SKILL_LEVEL, "joints", "n2"),
        Relation(RelationType.EXACT_MATCH_OF, "joints", "urn:rome:ogr:123456"),
        Relation(RelationType.REQUIRES, "titre", "joints", requirement=RequirementType.ESSENTIAL),
    )
    return Referential(
        slug="plaquiste",
        version="2",
        title={"fr": "Plaquiste", "en": "Drywall"},
        status=Status.PUBLISHED,
        languages=("fr", "en"),
        licence="CC-BY-4.0",
        organisations=(Organisation("FFB", OrganisationRole.TRADE_FEDERATION),),
        agreements=(Agreement("2", date(2025, 3, 1), ("FFB",)),),
        replaces="1",
        items=items,
        relations=relations,
    )


def test_export_validates_against_the_official_schema(schema: dict[str, Any]) -> None:
    package = _wire(case.dump(_blocks_referential()))
    assert case.schema_errors(package, schema) == []
    assert package["CFDocument"]["caseVersion"] == "1.1"
    types = {a["associationType"] for a in package["CFAssociations"]}
    assert "ext:requires" in types
    assert package["CFDocument"]["lastChangeDateTime"] == "2025-03-01T00:00:00Z"


def test_levels_are_exported_as_a_rubric_and_not_duplicated_on_import() -> None:
    ref = _blocks_referential()
    package = _wire(case.dump(ref))
    (rubric,) = package["CFRubrics"]
    (criterion,) = rubric["CFRubricCriteria"]
    assert [lv["quality"] for lv in criterion["CFRubricCriterionLevels"]] == [
        "Débutant",
        "Confirmé",
    ]
    assert criterion["description"] == "joints lisses\npas de fissure"
    again, _ = case.from_package(package)
    assert again == ref


def test_a_foreign_rubric_becomes_ordered_levels_of_its_competence() -> None:
    package = _wire(case.dump(_blocks_referential()))
    del package["CFRubrics"][0]["extensions"]  # as if another tool had written it
    package["CFItems"] = [i for i in package["CFItems"] if i["CFItemType"] != "Niveau"]
    for item in package["CFItems"]:
        del item["extensions"]
    package["CFAssociations"] = [
        a for a in package["CFAssociations"] if a["associationType"] != "hasSkillLevel"
    ]
    for association in package["CFAssociations"]:
        del association["extensions"]
    del package["CFDocument"]["extensions"]
    ref, _ = case.from_package(package)
    levels = sorted((i.rank, i.labels["fr"]) for i in ref.items if i.kind is ItemKind.LEVEL)
    assert levels == [(1, "Débutant"), (2, "Confirmé")]
    joints = next(
        i for i in ref.items if i.kind is ItemKind.COMPETENCE and i.labels["fr"].startswith("Tr")
    )
    assert {r.target for r in ref.relations if r.type == "hasSkillLevel"} == {
        i.code for i in ref.items if i.kind is ItemKind.LEVEL
    }
    assert joints.criteria == {"fr": ("joints lisses\npas de fissure",)}


def _strip(package: dict[str, Any], *, keep_mandatory: bool) -> dict[str, Any]:
    """Remove what only atouts understands, as a foreign tool would."""
    out = copy.deepcopy(package)
    for obj in [out["CFDocument"], *out["CFItems"], *out["CFAssociations"]]:
        extensions = obj.pop("extensions", {})
        if keep_mandatory and "mandatory" in extensions:
            obj["extensions"] = {"mandatory": extensions["mandatory"]}
    return out


@pytest.mark.parametrize("keep_extension", [True, False], ids=["extension", "grouping-only"])
def test_mandatory_and_optional_travel_without_atouts_extensions(keep_extension: bool) -> None:
    package = _strip(_wire(case.dump(_blocks_referential())), keep_mandatory=keep_extension)
    ref, _ = case.from_package(package)
    by_label = {i.code: i.labels.get("fr") for i in ref.items}
    memberships = {
        (by_label[r.source], by_label[r.target]): r.mandatory
        for r in ref.relations
        if r.type == "isPartOf" and by_label.get(r.target) == "TP Plaquiste"
    }
    assert memberships == {
        ("Technicité courante", "TP Plaquiste"): True,
        ("Isolation", "TP Plaquiste"): False,
    }
    kinds = {i.labels["fr"]: i.kind for i in ref.items}
    assert kinds["Isolation"] is ItemKind.MODULE
    assert kinds["Technicité courante"] is ItemKind.BLOCK


def test_essential_and_optional_requirements_travel_without_atouts_extensions() -> None:
    package = _strip(_wire(case.dump(_blocks_referential())), keep_mandatory=False)
    ref, _ = case.from_package(package)
    requires = [r for r in ref.relations if r.type == "requires"]
    assert [(r.requirement, r.mandatory) for r in requires] == [(RequirementType.ESSENTIAL, None)]


def test_replaced_items_travel_as_replaced_by_associations(schema: dict[str, Any]) -> None:
    ref = _blocks_referential()
    items = tuple(
        Item(i.code, i.kind, i.labels, replaces=("ancien",)) if i.code == "ccs" else i
        for i in ref.items
    )
    ref = Referential(
        **{
            **{
                k: getattr(ref, k)
                for k in (
                    "slug",
                    "version",
                    "title",
                    "status",
                    "languages",
                    "licence",
                    "organisations",
                    "agreements",
                    "replaces",
                    "relations",
                )
            },
            "items": items,
        }
    )
    package = _wire(case.dump(ref))
    assert case.schema_errors(package, schema) == []
    assert any(a["associationType"] == "replacedBy" for a in package["CFAssociations"])
    assert case.from_package(package)[0] == ref


def test_bundled_referentials_export_to_valid_case_and_back(
    schema: dict[str, Any], shared: Path
) -> None:
    bundled = Path(__file__).resolve().parents[2] / "referentials" / "bundled"
    files = sorted([*bundled.glob("*.yaml"), *bundled.glob("*.yml")]) if bundled.is_dir() else []
    if not files:
        pytest.skip("no bundled referential yet (referentials/bundled/*.yaml)")
    from referentials import yaml_format

    for path in files:
        ref = yaml_format.load_file(path)
        package = _wire(case.dump(ref))
        assert case.schema_errors(package, schema) == [], path.name
        again, _ = case.from_package(package)
        assert _wire(case.dump(again)) == package, path.name
        assert again == ref, path.name
