"""The bundled example referentials load, validate and say what they are."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import jsonschema
import pytest

from referentials.bundled import BUNDLED, bundled_paths, load_bundled
from referentials.graph import build_graph
from referentials.model import ItemKind, NodeType, RelationType, Status
from referentials.yaml_format import SCHEMA_PATH
from referentials.yaml_located import compose

ROME_COMPETENCES = "data/rome/v460/unix_referentiel_competence_v460_utf8.csv"
ESCO_TRANSVERSAL = "data/esco/v1.1.1/{lang}/transversalSkillsCollection_{lang}.csv"


def _by_slug() -> dict[str, object]:
    return {r.slug: r for r in load_bundled()}


def test_every_bundled_file_validates_against_the_json_schema() -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    for path in bundled_paths():
        # Dates stay text, as in editors' YAML 1.2 view of the file (the schema is for them too).
        data = compose(path.read_text("utf-8")).data
        jsonschema.Draft202012Validator(schema).validate(data)


def test_bundled_referentials_load_published_into_one_graph() -> None:
    refs = load_bundled()
    assert [r.slug for r in refs] == list(BUNDLED)
    assert all(r.status is Status.PUBLISHED for r in refs)
    graph = build_graph(refs)
    assert len(graph.nodes_of_type(NodeType.FRAMEWORK)) == 3


def test_bundled_files_say_they_are_examples_with_fictitious_organisations() -> None:
    for path in bundled_paths():
        assert path.read_text("utf-8").startswith("# EXEMPLE")
    for ref in load_bundled():
        assert "exemple" in ref.title["fr"].lower()
        assert ref.organisations
        assert all("exemple" in (o.note or "") for o in ref.organisations)
        roles = {o.role for o in ref.organisations}
        assert "employer" in roles
        [agreement] = ref.agreements
        assert agreement.version == ref.version
        assert set(agreement.organisations) == {o.name for o in ref.organisations}
        assert {"fr", "en"} <= set(ref.languages)


def test_attitude_pro_has_observable_criteria_and_three_ordered_levels() -> None:
    ref = load_bundled()[0]
    competences = [i for i in ref.items if i.kind is ItemKind.COMPETENCE]
    assert 8 <= len(competences) <= 12
    levels = sorted((i for i in ref.items if i.kind is ItemKind.LEVEL), key=lambda i: i.rank or 0)
    assert [lv.rank for lv in levels] == [1, 2, 3]
    for c in competences:
        assert c.competence_type == "savoir_etre"
        assert len(c.criteria["fr"]) >= 2
        assert len(c.criteria["en"]) == len(c.criteria["fr"])
        assert set(c.labels) == {"fr", "en"}
        has = [r.target for r in ref.relations if r.source == c.code and r.type == "hasSkillLevel"]
        assert has == ["N1", "N2", "N3"]


def _crosswalk_targets(prefix: str) -> dict[str, str]:
    ref = load_bundled()[0]
    uri_of = {i.code: i.uri for i in ref.items if i.uri}
    return {
        uri_of[r.target]: r.target
        for r in ref.relations
        if r.type in ("exactMatchOf", "crosswalk", "isRelatedTo")
        and r.target in uri_of
        and str(uri_of[r.target]).startswith(prefix)
    }


def test_attitude_pro_crosswalks_cover_the_16_rome_savoir_etre(shared: Path) -> None:
    with (shared / ROME_COMPETENCES).open(encoding="utf-8") as handle:
        sep = {
            f"urn:rome:ogr:{row['code_ogr']}": row["libelle_competence"]
            for row in csv.DictReader(handle)
            if row["nature"] == "Macro-compétence"
            and row["cat_comp"] == "Savoir-être professionnel"
        }
    assert len(sep) == 16
    assert set(_crosswalk_targets("urn:rome:")) == set(sep)
    ref = load_bundled()[0]
    for item in ref.items:
        if item.uri in sep:  # labels copied from the real file
            assert item.labels["fr"] == sep[item.uri]


def test_attitude_pro_esco_crosswalks_are_real_transversal_skills(shared: Path) -> None:
    labels: dict[str, dict[str, str]] = {}
    for lang in ("en", "fr"):
        with (shared / ESCO_TRANSVERSAL.format(lang=lang)).open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                labels.setdefault(row["conceptUri"], {})[lang] = row["preferredLabel"].strip()
    targets = _crosswalk_targets("http://data.europa.eu/esco/")
    assert len(targets) >= 10
    ref = load_bundled()[0]
    for item in ref.items:
        if item.uri in targets:
            assert item.uri in labels
            assert item.labels == labels[item.uri]


def test_crosswalks_carry_method_and_confidence() -> None:
    for ref in load_bundled():
        for rel in ref.relations:
            if rel.type in ("exactMatchOf", "crosswalk", "isRelatedTo"):
                assert rel.method == "manual"
                assert rel.confidence is not None
                assert 0 < rel.confidence <= 1


def test_btp_covers_six_filieres_with_mandatory_blocks_and_cross_trade_modules() -> None:
    ref = load_bundled()[1]
    graph = build_graph([ref])
    node = lambda code: graph.node_id(ref.slug, ref.version, code)  # noqa: E731
    filieres = [i for i in ref.items if i.kind is ItemKind.GROUP]
    assert len(filieres) == 6
    for filiere in filieres:
        [cert] = [
            r.source for r in ref.relations if r.type == "isChildOf" and r.target == filiere.code
        ]
        blocks = [
            r
            for r in ref.relations
            if r.type == "isPartOf"
            and r.target == cert
            and ref.item(r.source).kind is ItemKind.BLOCK
        ]
        assert len(blocks) >= 2
        assert all(b.mandatory for b in blocks)
    # the safety block belongs to the six certifications (many-to-many)
    assert len(graph.containers(node("SEC1"), NodeType.CERTIFICATION)) == 6
    # energy transition: heat loss, bio-based materials, renewables, taught by one module
    teaches = graph.module_teaches(node("MOD-TE"))
    labels = " ".join(graph.graph.nodes[n]["labels"]["fr"] for n in teaches)
    for word in ("déperditions thermiques", "biosourcés", "renouvelable"):
        assert word in labels
    # the module is optional for a bricklayer, mandatory for a plumber-heating installer
    assert node("TE1") not in graph.block_closure(node("CERT-MACON"))
    assert node("TE1") in graph.block_closure(node("CERT-SANI"))
    assert node("NUM1") in graph.block_closure(node("CERT-ELEC"))


@pytest.mark.parametrize(
    ("certification", "modules"),
    [
        ("CERT-CONDUITE", {"AM-TEILLAGE"}),
        ("CERT-CAP200V", {"AM-ENV-MARIN", "AM-MAINT-BORD", "AM-ANGLAIS"}),
        ("CERT-MPI", {"AM-NAVAL"}),
    ],
)
def test_additional_modules_are_optional_parts_of_existing_certifications(
    certification: str, modules: set[str]
) -> None:
    ref = load_bundled()[2]
    attached = {
        r.source: r.mandatory
        for r in ref.relations
        if r.type == RelationType.IS_PART_OF and r.target == certification
    }
    assert set(attached) == modules
    assert all(m is False for m in attached.values())
    graph = build_graph([ref])
    for module in modules:
        node = graph.node_id(ref.slug, ref.version, module)
        assert graph.graph.nodes[node]["additional"] is True
        assert graph.module_teaches(node)
    cert = graph.node_id(ref.slug, ref.version, certification)
    assert graph.block_closure(cert) == []


def test_case_export_of_bundled_referentials_validates(shared: Path) -> None:
    case = pytest.importorskip("referentials.formats.case")
    schema = json.loads(
        (shared / "data/case/1EdTech-OpenCASE/case-v1p1-cfpackage.json").read_text("utf-8")
    )
    for ref in load_bundled():
        assert case.schema_errors(case.dump(ref), schema) == []


def test_bundled_crosswalks_meet_the_imported_rome_and_esco_nodes(shared: Path) -> None:
    from referentials.importing import import_paths

    rome, _ = import_paths([shared / "data/rome/v460"], "rome")
    esco, _ = import_paths([shared / "data/esco/v1.1.1"], "esco")
    graph = build_graph([*load_bundled(), *rome, *esco])
    rigour = "urn:rome:ogr:300490"
    assert graph.graph.nodes[rigour]["type"] is NodeType.COMPETENCE
    ap = graph.node_id("attitude-pro-reunion", "1.0", "SE03")
    assert [(n.node, n.type) for n in graph.crosswalk_neighbours(ap)] == [
        ("http://data.europa.eu/esco/skill/83e6510b-ffeb-4aec-959c-4265fd0ff7b7", "exactMatchOf"),
        (rigour, "exactMatchOf"),
    ]
    detail = graph.graph.nodes[
        "http://data.europa.eu/esco/skill/83e6510b-ffeb-4aec-959c-4265fd0ff7b7"
    ]
    assert detail["type"] is NodeType.COMPETENCE
    assert detail["labels"] == {"en": "attend to detail", "fr": "veiller aux détails"}
