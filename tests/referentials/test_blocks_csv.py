"""Certification blocks (RNCP / titres professionnels) CSV import.

Vectors: ../shared/data/legifrance-titres-pro/titres_pro_ccp_derived.csv (derived from the JO
annexes; provenance in ../shared/data/SOURCES.md §6). Expectations come from the file.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from referentials.formats import blocks_csv
from referentials.formats.blocks_csv import normalise_statement
from referentials.model import ItemKind, Referential, RelationType


@pytest.fixture(scope="module")
def derived_csv(shared: Path) -> Path:
    path = shared / "data" / "legifrance-titres-pro" / "titres_pro_ccp_derived.csv"
    if not path.is_file():
        pytest.skip("../shared/data/legifrance-titres-pro is absent")
    return path


@pytest.fixture(scope="module")
def rows(derived_csv: Path) -> list[dict[str, str]]:
    with derived_csv.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def imported(derived_csv: Path) -> Referential:
    (referential,), _ = blocks_csv.load([derived_csv])
    return referential


def _of(ref: Referential, kind: ItemKind) -> list[object]:
    return [i for i in ref.items if i.kind is kind]


def test_certifications_units_and_competences_agree_with_the_file(
    rows: list[dict[str, str]], imported: Referential
) -> None:
    assert len(_of(imported, ItemKind.CERTIFICATION)) == len({r["titre"] for r in rows})
    units = {(r["titre"], r["unit_code"]) for r in rows}
    assert len(_of(imported, ItemKind.BLOCK)) + len(_of(imported, ItemKind.MODULE)) == len(units)
    statements = {normalise_statement(r["competence_label"]) for r in rows}
    assert len(_of(imported, ItemKind.COMPETENCE)) == len(statements)


def test_ccp_units_are_mandatory_blocks_and_the_ccs_is_an_optional_module(
    rows: list[dict[str, str]], imported: Referential
) -> None:
    optional_units = {r["unit_label"] for r in rows if "optionnel" in r["unit_kind"]}
    modules = _of(imported, ItemKind.MODULE)
    assert {m.labels["fr"] for m in modules} == optional_units  # type: ignore[attr-defined]
    memberships = {
        r.source: r.mandatory
        for r in imported.relations
        if r.type == RelationType.IS_PART_OF
        and imported.items_by_code[r.target].kind is ItemKind.CERTIFICATION
    }
    for item in imported.items:
        if item.kind is ItemKind.MODULE:
            assert memberships[item.code] is False
            assert item.mandatory is False
        elif item.kind is ItemKind.BLOCK:
            assert memberships[item.code] is True


def test_a_competence_shared_by_two_units_is_one_item_with_two_memberships(
    rows: list[dict[str, str]], imported: Referential
) -> None:
    units_of: dict[str, set[tuple[str, str]]] = {}
    for r in rows:
        units_of.setdefault(normalise_statement(r["competence_label"]), set()).add(
            (r["titre"], r["unit_code"])
        )
    shared = {k: v for k, v in units_of.items() if len(v) > 1}
    assert shared, "the derived CSV has competences shared by two CCP"
    by_statement = {
        normalise_statement(i.labels["fr"]): i.code
        for i in imported.items
        if i.kind is ItemKind.COMPETENCE
    }
    for statement, units in shared.items():
        containers = [
            r.target
            for r in imported.relations
            if r.type == RelationType.IS_PART_OF and r.source == by_statement[statement]
        ]
        assert len(containers) == len(units)
    edges = sum(len(v) for v in units_of.values())
    competence_edges = [
        r
        for r in imported.relations
        if imported.items_by_code[r.source].kind is ItemKind.COMPETENCE
    ]
    assert len(competence_edges) == edges


def test_import_is_idempotent(derived_csv: Path, imported: Referential) -> None:
    (again,), _ = blocks_csv.load([derived_csv])
    assert again == imported
    assert again.digest() == imported.digest()


def test_rncp_export_shape_with_semicolons_and_a_bloc_facultatif(tmp_path: Path) -> None:
    path = tmp_path / "Blocs_De_Compétences.csv"
    path.write_text(
        "\ufeffNumero_Fiche;Intitule;Bloc_Competences_Code;Bloc_Competences_Libelle\r\n"
        "RNCP34670;Bac pro;RNCP34670BC01;Réaliser une étude\r\n"
        "RNCP34670;Bac pro;RNCP34670BC08;Arts appliqués et cultures artistiques (bloc facultatif)"
        "\r\n",
        encoding="utf-8",
    )
    (ref,), summary = blocks_csv.load([path])
    kinds = {i.human_code: i.kind for i in ref.items}
    assert kinds == {
        "RNCP34670": ItemKind.CERTIFICATION,
        "RNCP34670BC01": ItemKind.BLOCK,
        "RNCP34670BC08": ItemKind.MODULE,
    }
    assert summary.edges_by_type == {"isPartOf": 2}


def test_rows_without_a_unit_are_reported(tmp_path: Path) -> None:
    path = tmp_path / "blocs.csv"
    path.write_text("titre,unit_code,competence_label\nTP X,,Faire\n", encoding="utf-8")
    _, summary = blocks_csv.load([path])
    assert any("blocs.csv:2" in w for w in summary.warnings)
