"""ESCO CSV import: counts agree with the real v1.1.1 extract, v1.2 headers, languages merged.

Expectations are computed from the files with the csv module, never hard-coded.
Vectors: ../shared/data/esco/v1.1.1 (provenance in ../shared/data/SOURCES.md §1–2).
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from referentials.formats import blocks_csv, case, esco, rome
from referentials.formats.summary import summarise
from referentials.graph import build_graph
from referentials.model import (
    CompetenceType,
    ImportSummary,
    ItemKind,
    Referential,
    RelationType,
)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def esco_dir(shared: Path) -> Path:
    folder = shared / "data" / "esco" / "v1.1.1"
    if not folder.is_dir():
        pytest.skip("../shared/data/esco/v1.1.1 is absent")
    return folder


@pytest.fixture(scope="module")
def imported(esco_dir: Path) -> Referential:
    referentials, _ = esco.load([esco_dir])
    assert len(referentials) == 1
    return referentials[0]


def _items(ref: Referential, kind: ItemKind) -> dict[str, object]:
    return {item.uri: item for item in ref.items if item.kind is kind}


def test_every_occupation_of_the_files_becomes_one_occupation_item(
    esco_dir: Path, imported: Referential
) -> None:
    expected = {r["conceptUri"] for r in _rows(esco_dir / "en" / "occupations_en.csv")}
    expected |= {r["conceptUri"] for r in _rows(esco_dir / "fr" / "occupations_fr.csv")}
    assert set(_items(imported, ItemKind.OCCUPATION)) == expected


def test_skills_and_knowledge_counts_agree_with_the_skills_file(
    esco_dir: Path, imported: Referential
) -> None:
    rows = _rows(esco_dir / "en" / "skills_en.csv")
    competences = [i for i in imported.items if i.kind is ItemKind.COMPETENCE]
    assert {i.uri for i in competences} >= {r["conceptUri"] for r in rows}
    knowledge = {r["conceptUri"] for r in rows if r["skillType"] == "knowledge"}
    assert {i.uri for i in competences if i.competence_type is CompetenceType.SAVOIR} == knowledge


def test_occupation_skill_relations_keep_essential_and_optional(
    esco_dir: Path, imported: Referential
) -> None:
    rows = _rows(esco_dir / "en" / "occupationSkillRelations.csv")
    expected = Counter((r["occupationUri"], r["skillUri"], r["relationType"]) for r in rows)
    found = Counter(
        (rel.source, rel.target, rel.requirement.value if rel.requirement else "")
        for rel in imported.relations
        if rel.type == RelationType.REQUIRES
    )
    assert found == expected


def test_skill_hierarchy_keeps_every_broader_row(esco_dir: Path, imported: Referential) -> None:
    rows = _rows(esco_dir / "en" / "broaderRelationsSkillPillar.csv")
    broader = {(r.source, r.target) for r in imported.relations if r.type == RelationType.BROADER}
    assert {(r["conceptUri"], r["broaderUri"]) for r in rows} <= broader
    needs = [r for r in imported.relations if r.type == RelationType.NEEDS]
    assert len(needs) == len(_rows(esco_dir / "en" / "skillSkillRelations.csv"))


def test_transversal_pillar_is_marked_on_every_skill_of_the_collection(
    esco_dir: Path, imported: Referential
) -> None:
    rows = _rows(esco_dir / "en" / "transversalSkillsCollection_en.csv")
    marked = {i.uri for i in imported.items if "transversal" in i.properties.get("collections", ())}
    assert marked == {r["conceptUri"] for r in rows}


def test_english_and_french_labels_are_merged_on_the_same_uri(
    esco_dir: Path, imported: Referential
) -> None:
    fr = {
        r["conceptUri"]: r["preferredLabel"] for r in _rows(esco_dir / "fr" / "occupations_fr.csv")
    }
    en = {
        r["conceptUri"]: r["preferredLabel"] for r in _rows(esco_dir / "en" / "occupations_en.csv")
    }
    occupations = _items(imported, ItemKind.OCCUPATION)
    for uri, label in fr.items():
        item = occupations[uri]
        assert item.labels == {"en": en[uri], "fr": label}  # type: ignore[attr-defined]
    transversal_fr = _rows(esco_dir / "fr" / "transversalSkillsCollection_fr.csv")
    by_uri = {i.uri: i for i in imported.items}
    assert all(by_uri[r["conceptUri"]].labels["fr"] == r["preferredLabel"] for r in transversal_fr)
    assert imported.languages[0] == "fr"


def test_alt_labels_are_split_on_newlines(esco_dir: Path, imported: Referential) -> None:
    by_uri = {i.uri: i for i in imported.items}
    multi = [r for r in _rows(esco_dir / "en" / "occupations_en.csv") if "\n" in r["altLabels"]]
    assert multi, "the extract has multi-valued altLabels cells"
    for row in multi:
        expected = list(
            dict.fromkeys(v.strip() for v in row["altLabels"].splitlines() if v.strip())
        )
        assert list(by_uri[row["conceptUri"]].alt_labels["en"]) == expected


def test_import_is_idempotent(esco_dir: Path, imported: Referential) -> None:
    again, _ = esco.load([esco_dir])
    assert again[0] == imported
    assert again[0].digest() == imported.digest()


def test_summary_counts_nodes_and_edges_by_type(esco_dir: Path, imported: Referential) -> None:
    _, summary = esco.load([esco_dir])
    assert summary.nodes_by_type["occupation"] == len(_items(imported, ItemKind.OCCUPATION))
    assert summary.edges_by_type["requires"] == len(
        _rows(esco_dir / "en" / "occupationSkillRelations.csv")
    )
    assert imported.version == "v1.1.1"


# ----------------------------------------------------------------- synthetic v1.2 files


def _write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)


OCC = "http://data.europa.eu/esco/occupation/o1"
SKILL = "http://data.europa.eu/esco/skill/s1"
KNOW = "http://data.europa.eu/esco/skill/k1"


def _v12_release(folder: Path) -> None:
    # v1.2 reorders columns, adds some and suffixes relation files with the language.
    _write(
        folder / "occupations_en.csv",
        [
            "conceptType",
            "conceptUri",
            "code",
            "preferredLabel",
            "altLabels",
            "iscoGroup",
            "naceCode",
            "status",
            "description",
        ],
        [
            [
                "Occupation",
                OCC,
                "7112.1",
                "bricklayer",
                "brick mason\r\nbricky\n\nbrick mason",
                "7112",
                "F43",
                "released",
                "Lays bricks.\nAnd blocks.",
            ]
        ],
    )
    _write(
        folder / "occupations_fr.csv",
        ["conceptUri", "preferredLabel", "altLabels"],
        [[OCC, "maçon/maçonne", "briqueteur"]],
    )
    _write(
        folder / "skills_en.csv",
        ["conceptUri", "preferredLabel", "reuseLevel", "skillType", "altLabels", "definition"],
        [
            [SKILL, "lay bricks", "occupation-specific", "skill/competence", "", ""],
            [KNOW, "mortar", "sector-specific", "knowledge", "", ""],
        ],
    )
    _write(
        folder / "occupationSkillRelations_en.csv",
        ["occupationUri", "occupationLabel", "relationType", "skillType", "skillUri", "skillLabel"],
        [
            [OCC, "bricklayer", "essential", "skill/competence", SKILL, "lay bricks"],
            [OCC, "bricklayer", "optional", "knowledge", KNOW, "mortar"],
            [
                OCC,
                "bricklayer",
                "optional",
                "knowledge",
                "http://data.europa.eu/esco/skill/missing",
                "x",
            ],
        ],
    )


def test_v12_headers_crlf_and_multiline_cells_are_read_by_name(tmp_path: Path) -> None:
    _v12_release(tmp_path)
    (ref,), summary = esco.load([tmp_path])
    occupation = next(i for i in ref.items if i.uri == OCC)
    assert occupation.labels == {"en": "bricklayer", "fr": "maçon/maçonne"}
    assert occupation.alt_labels == {"en": ("brick mason", "bricky"), "fr": ("briqueteur",)}
    assert occupation.human_code == "7112.1"
    assert occupation.descriptions["en"] == "Lays bricks.\nAnd blocks."
    requires = {(r.target, r.requirement) for r in ref.relations if r.type == "requires"}
    assert {(t, q.value if q else None) for t, q in requires} == {
        (SKILL, "essential"),
        (KNOW, "optional"),
        ("http://data.europa.eu/esco/skill/missing", "optional"),
    }
    assert summary.nodes_by_type["external"] == 1
    assert any("externes" in w for w in summary.warnings)
    assert ref.version == "unknown"


def test_a_missing_required_column_is_a_clear_error(tmp_path: Path) -> None:
    _write(tmp_path / "occupationSkillRelations.csv", ["occupationUri", "skillUri"], [])
    with pytest.raises(ValueError, match="relationType"):
        esco.load([tmp_path / "occupationSkillRelations.csv"])


def test_unrecognised_files_are_reported_not_guessed(tmp_path: Path) -> None:
    _write(tmp_path / "notes.csv", ["a"], [["b"]])
    _, summary = esco.load([tmp_path])
    assert any("notes.csv" in w for w in summary.warnings)


def test_the_import_builds_an_acyclic_skills_graph_with_directed_lca(
    esco_dir: Path, imported: Referential
) -> None:

    graph = build_graph([imported])
    rows = _rows(esco_dir / "en" / "broaderRelationsSkillPillar.csv")
    children: dict[str, list[str]] = {}
    for r in rows:
        if r["conceptType"] == "KnowledgeSkillCompetence" and r["broaderType"] == "SkillGroup":
            children.setdefault(r["broaderUri"], []).append(r["conceptUri"])
    _, (a, b, *_) = next((g, c) for g, c in children.items() if len(c) >= 2)
    result = graph.lca(a, b)
    assert result is not None
    assert result.distance <= 2
    assert graph.graph.nodes[a]["labels"]["en"]


def test_the_fast_summary_agrees_with_the_model_summary(shared: Path) -> None:
    data = shared / "data"
    for module, path in (
        (esco, data / "esco" / "v1.1.1"),
        (rome, data / "rome" / "v460"),
        (blocks_csv, data / "legifrance-titres-pro"),
        (case, data / "case" / "opensalt"),
    ):
        if not path.exists():
            continue
        referentials, _ = module.load([path])
        assert summarise(referentials, ["w"]) == ImportSummary.of(referentials, ["w"])


def test_every_transversal_skill_sits_under_the_transversal_pillar(
    esco_dir: Path, imported: Referential
) -> None:
    graph = build_graph([imported])
    pillar = {
        r["Level 0 URI"]
        for r in _rows(esco_dir / "en" / "skillsHierarchy_en.csv")
        if r["Level 0 code"] == "T"
    }
    assert len(pillar) == 1
    for row in _rows(esco_dir / "en" / "transversalSkillsCollection_en.csv"):
        assert pillar <= graph.ancestors(row["conceptUri"])
