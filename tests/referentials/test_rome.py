"""ROME 4.0 CSV import: counts agree with the real v460 extract (computed from the files).

Vectors: ../shared/data/rome/v460 (provenance in ../shared/data/SOURCES.md §3).
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from referentials.formats import rome
from referentials.graph import build_graph
from referentials.model import CompetenceType, ItemKind, Referential, RelationType


def _rows(folder: Path, name: str) -> list[dict[str, str]]:
    with (folder / f"unix_{name}_v460_utf8.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def rome_dir(shared: Path) -> Path:
    folder = shared / "data" / "rome" / "v460"
    if not folder.is_dir():
        pytest.skip("../shared/data/rome/v460 is absent")
    return folder


@pytest.fixture(scope="module")
def imported(rome_dir: Path) -> Referential:
    (referential,), _ = rome.load([rome_dir])
    return referential


def _typed(ref: Referential, rome_type: str) -> list[object]:
    return [i for i in ref.items if i.properties.get("rome_type") == rome_type]


def test_fiches_and_appellations_agree_with_the_files(
    rome_dir: Path, imported: Referential
) -> None:
    fiches = _rows(rome_dir, "referentiel_code_rome")
    appellations = _rows(rome_dir, "referentiel_appellation")
    assert len(_typed(imported, "fiche")) == len({r["code_rome"] for r in fiches})
    assert len(_typed(imported, "appellation")) == len({r["code_ogr"] for r in appellations})
    part_of = {
        (r.source, r.target) for r in imported.relations if r.type == RelationType.IS_PART_OF
    }
    assert part_of == {
        (f"urn:rome:ogr:{r['code_ogr']}", f"urn:rome:fiche:{r['code_rome']}") for r in appellations
    }
    assert imported.version == "v460"


def test_competences_macro_competences_and_savoir_etre(
    rome_dir: Path, imported: Referential
) -> None:
    rows = _rows(rome_dir, "referentiel_competence")
    natures = Counter(r["nature"] for r in rows)
    assert len(_typed(imported, "competence")) == natures["Compétence"]
    assert len(_typed(imported, "macro_competence")) == natures["Macro-compétence"]
    savoir_etre = {r["code_ogr"] for r in rows if r["cat_comp"] == "Savoir-être professionnel"}
    assert {
        i.code for i in imported.items if i.competence_type is CompetenceType.SAVOIR_ETRE
    } == savoir_etre
    savoirs = _rows(rome_dir, "referentiel_savoir")
    assert len(_typed(imported, "savoir")) == len(savoirs)


def test_each_competence_is_child_of_its_macro_competence(
    rome_dir: Path, imported: Referential
) -> None:
    expected = {
        (f"urn:rome:ogr:{r['code_ogr']}", f"urn:rome:ogr:{r['code_ogr_macro_comp']}")
        for r in _rows(rome_dir, "referentiel_competence")
        if r["code_ogr_macro_comp"]
    }
    child_of = {(r.source, r.target) for r in imported.relations if r.type == "isChildOf"}
    assert expected <= child_of


def test_macro_competences_hang_under_the_tree_their_code_encodes(imported: Referential) -> None:
    # 6D110 "Faire preuve de rigueur et de précision" → objectif 6D1 → enjeu 6D → domaine 6.
    parents = {r.source: r.target for r in imported.relations if r.type == "isChildOf"}
    macro = next(i for i in imported.items if i.human_code == "6D110")
    chain = [parents[macro.uri or ""]]
    while chain[-1] in parents:
        chain.append(parents[chain[-1]])
    assert chain == [
        "urn:rome:arborescence:6D1",
        "urn:rome:arborescence:6D",
        "urn:rome:arborescence:6",
    ]


def test_fiche_requirements_follow_the_links_with_coeur_metier(
    rome_dir: Path, imported: Referential
) -> None:
    links = [r for r in _rows(rome_dir, "liens_rome_referentiels") if r["code_compo_bloc"] == "5"]
    coeur = {
        (r["code_rome"], r["code_ogr"]): r["coeur_metier"]
        for r in _rows(rome_dir, "coherence_item")
    }
    requires = [r for r in imported.relations if r.type == RelationType.REQUIRES]
    assert len(requires) == len(links)
    essential = sum(coeur.get((r["code_rome"], r["code_ogr"])) == "Principale" for r in links)
    assert (
        sum(r.requirement is not None and r.requirement.value == "essential" for r in requires)
        == essential
    )
    emergent = sum(coeur.get((r["code_rome"], r["code_ogr"])) == "Émergente" for r in links)
    assert sum(r.properties.get("coeur_metier") == "Émergente" for r in requires) == emergent


def test_links_pointing_directly_at_a_macro_competence_are_kept(
    rome_dir: Path, imported: Referential
) -> None:
    macros = {
        r["code_ogr"]
        for r in _rows(rome_dir, "referentiel_competence")
        if r["nature"] == "Macro-compétence"
    }
    direct = {
        (f"urn:rome:fiche:{r['code_rome']}", f"urn:rome:ogr:{r['code_ogr']}")
        for r in _rows(rome_dir, "liens_rome_referentiels")
        if r["code_compo_bloc"] == "5" and r["code_ogr"] in macros
    }
    assert direct, "the extract links some fiches straight to macro-compétences"
    requires = {(r.source, r.target) for r in imported.relations if r.type == "requires"}
    assert direct <= requires
    assert ("urn:rome:fiche:F1604", "urn:rome:ogr:300021") in requires


def test_mobility_links_keep_their_rank(rome_dir: Path, imported: Referential) -> None:
    rows = _rows(rome_dir, "rubrique_mobilite")
    expected = {
        (
            f"urn:rome:fiche:{r['code_rome']}",
            f"urn:rome:fiche:{r['code_rome_cible']}",
            int(r["numero_ordre"]),
        )
        for r in rows
    }
    found = {(r.source, r.target, r.rank) for r in imported.relations if r.type == "mobility_to"}
    assert found == expected


def test_every_relation_end_is_defined_so_nothing_becomes_a_stub(imported: Referential) -> None:
    uris = {i.uri for i in imported.items}
    assert all(r.source in uris and r.target in uris for r in imported.relations)
    assert imported.problems() == []
    assert all(i.kind is not ItemKind.EXTERNAL for i in imported.items)


def test_import_is_idempotent(rome_dir: Path, imported: Referential) -> None:
    (again,), summary = rome.load([rome_dir])
    assert again == imported
    assert summary.edges_by_type["mobility_to"] == len(_rows(rome_dir, "rubrique_mobilite"))


def test_all_quoted_fields_with_doubled_quotes_are_unquoted(tmp_path: Path) -> None:
    (tmp_path / "unix_referentiel_code_rome_v999_utf8.csv").write_text(
        '"code_rome","code_fiche_metier","code_ogr","libelle_rome"\n'
        '"Z9999","1","42","Métier ""test"", avec virgule"\n',
        encoding="utf-8",
    )
    (ref,), _ = rome.load([tmp_path])
    assert ref.items[0].labels == {"fr": 'Métier "test", avec virgule'}
    assert ref.version == "v999"


def test_the_import_builds_a_graph_where_sibling_competences_meet_at_their_macro(
    rome_dir: Path, imported: Referential
) -> None:

    graph = build_graph([imported])
    by_macro: dict[str, list[str]] = {}
    for r in _rows(rome_dir, "referentiel_competence"):
        if r["code_ogr_macro_comp"]:
            by_macro.setdefault(r["code_ogr_macro_comp"], []).append(r["code_ogr"])
    macro, (a, b, *_) = next((m, c) for m, c in by_macro.items() if len(c) >= 2)
    result = graph.lca(f"urn:rome:ogr:{a}", f"urn:rome:ogr:{b}")
    assert result is not None
    assert (result.ancestor, result.distance) == (f"urn:rome:ogr:{macro}", 2)
