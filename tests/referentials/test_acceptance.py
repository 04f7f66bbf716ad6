"""Issue 3 end to end: the bullets that span several modules, checked as a user meets them.

Versions that replace items, additional modules on another referential's block, public URLs
and humanCodes, the merged graph's node and edge types, and every import format from the
``atouts referential`` command (counts compared with the library, which the per-format tests
compare with the files themselves).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cli.main import main
from referentials.bundled import load_bundled
from referentials.graph import build_graph
from referentials.importing import import_paths
from referentials.model import (
    ItemKind,
    NodeType,
    PublishedReferentialError,
    Referential,
    RelationType,
    item_url,
)
from referentials.store import FilesystemReferentialStore
from referentials.yaml_format import loads

BASE = "https://atouts.test"

V1 = """\
referentiel: maconnerie-exemple
version: "1.0"
statut: publie
titre: Maçonnerie (exemple)
organisations:
  - {nom: Entreprise Exemple, role: employeur}
  - {nom: Fédération Exemple, role: federation_professionnelle}
  - {nom: Centre Exemple, role: organisme_de_formation}
accords:
  - {version: "1.0", date: 2024-06-01, organisations: [Entreprise Exemple, Centre Exemple]}
certifications:
  - {code: CERT, libelle: Maçon, blocs: [B1]}
blocs:
  - {code: B1, libelle: Gros œuvre, competences: [C1, C2]}
competences:
  - {code: C1, libelle: Monter un mur en parpaings}
  - {code: C2, libelle: Couler une dalle}
"""

V2 = """\
referentiel: maconnerie-exemple
version: "2.0"
statut: brouillon
remplace: "1.0"
titre: Maçonnerie (exemple)
organisations:
  - {nom: Entreprise Exemple, role: employeur}
  - {nom: Centre Exemple, role: organisme_de_formation}
  - {nom: Agence Exemple, role: service_public_de_l_emploi}
accords:
  - {version: "2.0", date: 2026-01-15, organisations: [Entreprise Exemple, Agence Exemple]}
certifications:
  - {code: CERT, libelle: Maçon, blocs: [B1]}
blocs:
  - {code: B1, libelle: Gros œuvre, competences: [C1-BIS, C2]}
competences:
  - {code: C1-BIS, libelle: Monter un mur en blocs isolants, remplace: [C1]}
  - {code: C2, libelle: Couler une dalle}
"""

ADDITIONS = f"""\
referentiel: module-isolation-exemple
version: "1.0"
titre: Module additionnel sur un bloc existant (exemple)
modules_additionnels:
  - code: AM-ISO
    libelle: Isolation par l'extérieur
    rattache_a: ["{BASE}/referentials/maconnerie-exemple/1.0/blocks/B1"]
    competences: [ISO1]
competences:
  - {{code: ISO1, libelle: Poser un isolant biosourcé}}
"""


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ATOUTS_HOME", str(tmp_path))
    monkeypatch.setenv("ATOUTS_BASE_URL", BASE)
    return tmp_path


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_co_definition_provenance_says_who_took_part_in_which_role_and_when() -> None:
    ref = loads(V2)
    roles = {o.name: str(o.role) for o in ref.organisations}
    assert roles == {
        "Entreprise Exemple": "employer",
        "Centre Exemple": "training_body",
        "Agence Exemple": "public_employment_service",
    }
    [agreement] = ref.agreements
    assert (agreement.version, agreement.agreed_on.isoformat()) == ("2.0", "2026-01-15")
    assert agreement.organisations == ("Entreprise Exemple", "Agence Exemple")


def test_a_new_version_says_which_items_it_replaces() -> None:
    v1, v2 = loads(V1), loads(V2)
    assert v2.replaces == "1.0"
    graph = build_graph([v1, v2], BASE)
    old = graph.node_id("maconnerie-exemple", "1.0", "C1")
    new = graph.node_id("maconnerie-exemple", "2.0", "C1-BIS")
    [(_, target, attrs)] = [
        e for e in graph.graph.out_edges(old, data=True) if e[2]["type"] == "replacedBy"
    ]
    assert target == new
    # the edge belongs to the version that said it
    assert (attrs["referential"], attrs["version"]) == ("maconnerie-exemple", "2.0")
    # both versions stay in the graph, each with its own public URLs
    assert old.endswith("/referentials/maconnerie-exemple/1.0/competences/C1")


def test_a_published_version_is_immutable_from_the_command_line(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    v1 = _write(home, "v1.yaml", V1)
    assert main(["referential", "import", str(v1), "--format", "yaml"]) == 0
    changed = _write(home, "v1-changed.yaml", V1.replace("Couler une dalle", "Couler un radier"))
    capsys.readouterr()
    assert main(["referential", "import", str(changed), "--format", "yaml"]) == 1
    assert "est publié" in capsys.readouterr().err
    store = FilesystemReferentialStore(home / "referentials")
    assert store.get("maconnerie-exemple", "1.0") == loads(V1)
    with pytest.raises(PublishedReferentialError):
        loads(V1).evolve(title={"fr": "autre"})
    # a new version is the way to change it; without --version, show gives the published one
    v2 = _write(home, "v2.yaml", V2)
    assert main(["referential", "import", str(v2), "--format", "yaml"]) == 0
    capsys.readouterr()
    assert main(["referential", "show", "maconnerie-exemple", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["version"] == "1.0"
    assert main(["referential", "show", "maconnerie-exemple", "--version", "2.0", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert (shown["version"], shown["status"], shown["replaces"]) == ("2.0", "draft", "1.0")
    assert main(["referential", "show", "maconnerie-exemple", "--version", "2.0"]) == 0
    text = capsys.readouterr().out
    assert "remplace la version 1.0" in text
    assert "Agence Exemple (service public de l'emploi)" in text
    assert shown["agreements"] == [
        {
            "version": "2.0",
            "agreed_on": "2026-01-15",
            "organisations": ["Entreprise Exemple", "Agence Exemple"],
        }
    ]


def test_an_additional_module_attaches_to_a_block_of_another_referential() -> None:
    base, additions = loads(V1), loads(ADDITIONS)
    graph = build_graph([base, additions], BASE)
    block = graph.node_id("maconnerie-exemple", "1.0", "B1")
    module = graph.node_id("module-isolation-exemple", "1.0", "AM-ISO")
    iso = graph.node_id("module-isolation-exemple", "1.0", "ISO1")
    assert graph.graph.nodes[block]["type"] is NodeType.BLOCK  # not demoted to a stub
    assert graph.graph.nodes[module]["additional"] is True
    assert graph.containers(iso, NodeType.BLOCK) == [block]
    assert graph.module_teaches(module) == [iso]
    # optional: the block (and its certification) still require only their own competences
    assert iso not in graph.block_closure(block)
    cert = graph.node_id("maconnerie-exemple", "1.0", "CERT")
    assert graph.block_closure(cert) == sorted(
        graph.node_id("maconnerie-exemple", "1.0", c) for c in ("C1", "C2")
    )
    # within one referential, the block has only its own members
    below = graph.descendants(block, referential="maconnerie-exemple")
    assert module not in below


def test_every_item_has_a_stable_public_url_and_a_human_code(shared: Path) -> None:
    case = pytest.importorskip("referentials.formats.case")
    schema = json.loads(
        (shared / "data/case/1EdTech-OpenCASE/case-v1p1-cfpackage.json").read_text("utf-8")
    )
    for ref in load_bundled():
        urls = {
            i.code: item_url(BASE, ref.slug, ref.version, i.kind, i.code)
            for i in ref.items
            if i.uri is None
        }
        graph = build_graph([ref], BASE)
        for code, url in urls.items():
            assert graph.node_id(ref.slug, ref.version, code) == url
        package = case.dump(ref, base=BASE)
        assert case.schema_errors(package, schema) == []
        exported = {i["uri"]: i for i in package["CFItems"]}
        for item in ref.items:
            if item.uri is None:
                assert exported[urls[item.code]]["humanCodingScheme"] == item.display_code
        # the same content exports the same identifiers every time
        assert case.dump(ref, base=BASE) == package


def _real_referentials(shared: Path) -> list[Referential]:
    data = shared / "data"
    sources = [
        ([data / "esco/v1.1.1"], "esco"),
        ([data / "rome/v460"], "rome"),
        ([data / "legifrance-titres-pro/titres_pro_ccp_derived.csv"], "blocks-csv"),
        (
            sorted(p for p in (data / "case/opensalt").glob("*.json") if "schema" not in p.name),
            "case",
        ),
    ]
    found: list[Referential] = []
    for paths, fmt in sources:
        refs, _ = import_paths(paths, fmt)
        found += refs
    return found


def test_the_merged_graph_has_every_node_and_edge_type_with_its_source(shared: Path) -> None:
    refs = [*load_bundled(), *_real_referentials(shared), loads(V1), loads(V2)]
    graph = build_graph(refs, BASE)
    node_types = {t for _, t in graph.graph.nodes(data="type")}
    assert node_types == set(NodeType)
    loaded = set(graph.referentials)
    by_type: dict[str, list[dict[str, object]]] = {}
    for _, _, attrs in graph.graph.edges(data=True):
        assert (attrs["referential"], attrs["version"]) in loaded
        by_type.setdefault(str(attrs["type"]), []).append(attrs)
    listed = {
        "isChildOf",
        "isPartOf",
        "precedes",
        "exactMatchOf",
        "isRelatedTo",
        "replacedBy",
        "hasSkillLevel",
        "requires",
        "broader",
        "mobility_to",
        "crosswalk",
    }
    assert listed <= set(by_type)
    assert {a.get("mandatory") for a in by_type["isPartOf"]} >= {True, False}
    assert {a["requirement"] for a in by_type["requires"]} == {"essential", "optional"}
    assert all(isinstance(a["rank"], int) for a in by_type["mobility_to"])
    assert all("method" in a and "confidence" in a for a in by_type["crosswalk"])
    # crosswalks are data authored in YAML (bundled) and in CASE (a foreign package)
    sources = {a["referential"] for a in by_type["exactMatchOf"]}
    assert {"attitude-pro-reunion", "what-standards-could-be"} <= sources


@pytest.mark.parametrize(
    ("fmt", "paths"),
    [
        ("esco", ["data/esco/v1.1.1"]),
        ("rome", ["data/rome/v460"]),
        ("blocks-csv", ["data/legifrance-titres-pro/titres_pro_ccp_derived.csv"]),
        (
            "case",
            [
                "data/case/opensalt/Ordering.json",
                "data/case/opensalt/opensalt-framework-20c5134f-423d-4097-a971-3dd5152bf507.json",
            ],
        ),
    ],
)
def test_each_format_imports_from_the_command_line(
    fmt: str, paths: list[str], shared: Path, home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = [shared / p for p in paths]
    expected_refs, expected = import_paths(files, fmt, base=BASE)
    args = ["referential", "import", *map(str, files), "--format", fmt, "--json"]
    assert main(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["nodes_by_type"] == expected.nodes_by_type
    assert out["edges_by_type"] == expected.edges_by_type
    assert out["warnings"] == list(expected.warnings)
    assert [s["outcome"] for s in out["stored"]] == ["created"] * len(expected_refs)
    assert main(args) == 0  # same files again: nothing changes
    assert {s["outcome"] for s in json.loads(capsys.readouterr().out)["stored"]} == {"unchanged"}
    assert main(["referential", "list", "--json"]) == 0
    listed = {(r["slug"], r["version"]): r for r in json.loads(capsys.readouterr().out)}
    for ref in expected_refs:
        assert listed[(ref.slug, ref.version)]["items"] == len(ref.items)
        assert listed[(ref.slug, ref.version)]["title"]  # never blank, whatever the language


def test_blocks_export_to_a_valid_case_file_and_yaml_from_the_command_line(
    shared: Path, home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case = pytest.importorskip("referentials.formats.case")
    source = shared / "data/legifrance-titres-pro/titres_pro_ccp_derived.csv"
    assert main(["referential", "import", str(source), "--format", "blocks-csv"]) == 0
    [(slug, version)] = [(r.slug, r.version) for r in import_paths([source], "blocks-csv")[0]]
    out = home / "blocs.json"
    assert main(["referential", "export", slug, "--format", "case", "-o", str(out)]) == 0
    package = json.loads(out.read_text("utf-8"))
    schema = json.loads(
        (shared / "data/case/1EdTech-OpenCASE/case-v1p1-cfpackage.json").read_text("utf-8")
    )
    assert case.schema_errors(package, schema) == []
    types = {i["CFItemType"] for i in package["CFItems"]}
    assert len(types) >= 3  # certifications, blocks, competences, the optional module
    yaml_out = home / "blocs.yaml"
    assert main(["referential", "export", slug, "--format", "yaml", "-o", str(yaml_out)]) == 0
    store = FilesystemReferentialStore(home / "referentials")
    assert loads(yaml_out.read_text("utf-8")) == store.get(slug, version)
    kinds = {i.kind for i in store.get(slug, version).items}
    assert {ItemKind.CERTIFICATION, ItemKind.BLOCK, ItemKind.MODULE} <= kinds
    assert RelationType.IS_PART_OF in {r.type for r in store.get(slug, version).relations}


def _snapshot(
    refs: list[Referential],
) -> tuple[dict[str, dict[str, Any]], list[tuple[str, str, str]]]:
    graph = build_graph(refs, BASE)
    nodes = {n: dict(a) for n, a in graph.graph.nodes(data=True)}
    return nodes, sorted(graph.graph.edges(keys=True))


@given(st.permutations(range(6)))
@settings(max_examples=15, deadline=None)
def test_the_graph_does_not_depend_on_the_order_referentials_are_loaded(
    order: list[int],
) -> None:
    refs = [*load_bundled(), loads(V1), loads(V2), loads(ADDITIONS)]
    assert len(refs) == 6
    assert _snapshot([refs[i] for i in order]) == _snapshot(refs)


def test_bundled_and_real_referentials_merge_the_same_whatever_the_order(shared: Path) -> None:
    refs = [*load_bundled(), *_real_referentials(shared)]
    expected = _snapshot(refs)
    assert _snapshot(refs[::-1]) == expected
    # the definitions (ROME, ESCO) after, then before, the referentials that cite them
    middle = len(refs) // 2
    assert _snapshot(refs[middle:] + refs[:middle]) == expected
