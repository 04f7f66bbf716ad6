"""Skills graph: merge, typed edges with provenance, acyclicity, queries."""

from __future__ import annotations

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from referentials.graph import HierarchyCycleError, SkillsGraph, build_graph
from referentials.model import (
    CrosswalkMethod,
    Item,
    ItemKind,
    NodeType,
    Referential,
    Relation,
    RelationType,
    Status,
)

BASE = "https://t.example"


def _item(code: str, kind: ItemKind = ItemKind.COMPETENCE, **kw: object) -> Item:
    return Item(code, kind, {"fr": f"libellé {code}", "en": f"label {code}"}, **kw)  # type: ignore[arg-type]


def _btp() -> Referential:
    items = (
        _item("CERT", ItemKind.CERTIFICATION),
        _item("B1", ItemKind.BLOCK),
        _item("B2", ItemKind.BLOCK),
        _item("M1", ItemKind.MODULE, mandatory=False),
        _item("AM", ItemKind.ADDITIONAL_MODULE),
        _item("C1"),
        _item("C2"),
        _item("C3"),
        _item("C4"),
        _item("C5"),
    )
    part = RelationType.IS_PART_OF
    rels = (
        Relation(part, "B1", "CERT", mandatory=True),
        Relation(part, "B2", "CERT", mandatory=True),
        Relation(part, "M1", "B1", mandatory=False),
        Relation(part, "AM", "CERT", mandatory=False),
        Relation(part, "C1", "B1", mandatory=True),
        Relation(part, "C2", "B1", mandatory=True),
        Relation(part, "C2", "B2", mandatory=True),  # shared competence, many-to-many
        Relation(part, "C3", "M1", mandatory=True),
        Relation(part, "C4", "AM", mandatory=True),
        Relation(RelationType.IS_CHILD_OF, "C5", "C1"),
        Relation(
            RelationType.EXACT_MATCH_OF,
            "C1",
            "urn:rome:ogr:300490",
            method=CrosswalkMethod.MANUAL,
            confidence=0.9,
        ),
    )
    return Referential("btp", "1.0", {"fr": "BTP"}, Status.PUBLISHED, items=items, relations=rels)


def test_edges_keep_source_referential_and_version() -> None:
    g = build_graph([_btp()], BASE)
    for _, _, attrs in g.graph.edges(data=True):
        assert attrs["referential"] == "btp"
        assert attrs["version"] == "1.0"


def test_nodes_are_keyed_by_public_url_and_typed() -> None:
    g = build_graph([_btp()], BASE)
    c1 = g.node_id("btp", "1.0", "C1")
    assert c1 == "https://t.example/referentials/btp/1.0/competences/C1"
    assert g.graph.nodes[c1]["type"] is NodeType.COMPETENCE
    am = g.node_id("btp", "1.0", "AM")
    assert am.endswith("/additional-modules/AM")
    assert g.graph.nodes[am]["type"] is NodeType.MODULE
    assert g.graph.nodes[am]["additional"] is True
    assert g.graph.nodes["urn:rome:ogr:300490"]["type"] is NodeType.EXTERNAL
    assert g.graph.nodes["https://t.example/referentials/btp/1.0"]["type"] is NodeType.FRAMEWORK


def test_block_closure_holds_mandatory_competences_only() -> None:
    g = build_graph([_btp()], BASE)
    nid = lambda c: g.node_id("btp", "1.0", c)  # noqa: E731
    assert g.block_closure(nid("B1")) == sorted([nid("C1"), nid("C2"), nid("C5")])
    assert g.block_closure(nid("CERT")) == sorted([nid("C1"), nid("C2"), nid("C5")])


def test_module_teaches_its_competences() -> None:
    g = build_graph([_btp()], BASE)
    nid = lambda c: g.node_id("btp", "1.0", c)  # noqa: E731
    assert g.module_teaches(nid("M1")) == [nid("C3")]
    assert g.module_teaches(nid("AM")) == [nid("C4")]
    assert g.containers(nid("C4"), NodeType.MODULE) == [nid("AM")]


def test_ancestors_and_descendants_follow_the_hierarchy() -> None:
    g = build_graph([_btp()], BASE)
    nid = lambda c: g.node_id("btp", "1.0", c)  # noqa: E731
    assert g.ancestors(nid("C5")) == {nid("C1"), nid("B1"), nid("CERT")}
    assert g.ancestors(nid("C5"), referential="other") == set()
    assert nid("C3") in g.descendants(nid("CERT"))
    assert nid("C3") not in g.descendants(nid("CERT"), mandatory_only=True)


def test_lca_distance_is_directed() -> None:
    g = build_graph([_btp()], BASE)
    nid = lambda c: g.node_id("btp", "1.0", c)  # noqa: E731
    assert g.lca_distance(nid("C1"), nid("C1")) == 0
    assert g.lca_distance(nid("C5"), nid("C1")) == 1
    result = g.lca(nid("C5"), nid("C2"))
    assert result is not None
    assert (result.ancestor, result.hops_a, result.hops_b) == (nid("B1"), 2, 1)
    assert g.lca_distance(nid("C5"), nid("C2"), max_distance=2) is None
    assert g.lca_distance(nid("C1"), "urn:rome:ogr:300490") is None


def test_crosswalk_neighbours_in_both_directions() -> None:
    g = build_graph([_btp()], BASE)
    c1 = g.node_id("btp", "1.0", "C1")
    [n] = g.crosswalk_neighbours(c1)
    assert (n.node, n.type, n.outgoing) == ("urn:rome:ogr:300490", "exactMatchOf", True)
    assert n.attributes["confidence"] == 0.9
    [back] = g.crosswalk_neighbours("urn:rome:ogr:300490")
    assert (back.node, back.outgoing) == (c1, False)


def test_a_cycle_is_refused_and_names_the_items() -> None:
    ref = Referential(
        "cyc",
        "1",
        {"fr": "cycle"},
        items=(_item("A", human_code="HA"), _item("B", human_code="HB"), _item("C")),
        relations=(
            Relation(RelationType.IS_CHILD_OF, "A", "B"),
            Relation(RelationType.IS_PART_OF, "B", "C"),
            Relation(RelationType.BROADER, "C", "A"),
        ),
    )
    g = SkillsGraph(BASE)
    with pytest.raises(HierarchyCycleError) as err:
        g.add(ref)
    assert {"HA", "HB", "C"} == set(err.value.labels)
    assert "HA" in str(err.value)
    assert "HB" in str(err.value)
    assert err.value.code == "referential_hierarchy_cycle"
    assert g.graph.number_of_nodes() == 0
    assert g.hierarchy.number_of_edges() == 0


def test_a_cycle_across_two_referentials_is_refused_and_the_first_stays() -> None:
    a = Referential(
        "a",
        "1",
        {"fr": "a"},
        items=(_item("X"),),
        relations=(Relation("isChildOf", "X", "https://t.example/referentials/b/1/competences/Y"),),
    )
    b = Referential(
        "b",
        "1",
        {"fr": "b"},
        items=(_item("Y"),),
        relations=(Relation("isChildOf", "Y", "https://t.example/referentials/a/1/competences/X"),),
    )
    g = build_graph([a], BASE)
    before = nx.to_dict_of_dicts(g.graph)
    with pytest.raises(HierarchyCycleError):
        g.add(b)
    assert nx.to_dict_of_dicts(g.graph) == before


def test_adding_the_same_referential_twice_gives_the_same_graph() -> None:
    once = build_graph([_btp()], BASE)
    twice = build_graph([_btp(), _btp()], BASE)
    assert nx.utils.graphs_equal(once.graph, twice.graph)


def test_same_uri_in_two_referentials_merges_labels() -> None:
    uri = "http://data.europa.eu/esco/skill/x"
    en = Referential(
        "esco-en",
        "1",
        {"fr": "e"},
        items=(Item("x", ItemKind.COMPETENCE, {"en": "work"}, uri=uri),),
    )
    fr = Referential(
        "esco-fr",
        "1",
        {"fr": "e"},
        items=(Item("x", ItemKind.COMPETENCE, {"fr": "travailler"}, uri=uri),),
    )
    g = build_graph([en, fr], BASE)
    assert g.graph.nodes[uri]["labels"] == {"en": "work", "fr": "travailler"}


@st.composite
def _random_forest(draw: st.DrawFn) -> list[tuple[int, int]]:
    n = draw(st.integers(2, 25))
    edges = []
    for child in range(1, n):
        parents = draw(st.sets(st.integers(0, child - 1), max_size=3))
        edges += [(child, p) for p in parents]
    return edges


@given(_random_forest(), st.randoms(use_true_random=False))
@settings(max_examples=60, deadline=None)
def test_hierarchies_stay_acyclic_and_lca_agrees_with_bfs(
    edges: list[tuple[int, int]], rnd
) -> None:  # type: ignore[no-untyped-def]
    codes = sorted({str(x) for e in edges for x in e} | {"0", "1"})
    rels = tuple(Relation("isChildOf", str(c), str(p)) for c, p in edges)
    ref = Referential("r", "1", {"fr": "r"}, items=tuple(_item(c) for c in codes), relations=rels)
    g = build_graph([ref], BASE)
    assert nx.is_directed_acyclic_graph(g.hierarchy)
    # A back edge from an ancestor to a descendant always closes a cycle: it must be refused.
    if edges:
        child, parent = rnd.choice(edges)
        bad = Referential(
            "r",
            "1",
            {"fr": "r"},
            items=ref.items,
            relations=(*rels, Relation("broader", str(parent), str(child))),
        )
        with pytest.raises(HierarchyCycleError):
            build_graph([bad], BASE)
    # LCA distance equals the brute force over ancestor BFS distances.
    h = g.hierarchy
    a, b = rnd.choice(codes), rnd.choice(codes)
    na, nb = g.node_id("r", "1", a), g.node_id("r", "1", b)
    da = nx.single_source_shortest_path_length(h, na) if na in h else {na: 0}
    db = nx.single_source_shortest_path_length(h, nb) if nb in h else {nb: 0}
    common = [da[x] + db[x] for x in da if x in db]
    assert g.lca_distance(na, nb) == (min(common) if common else None)


def test_reloading_a_referential_that_names_another_ones_items_changes_nothing() -> None:
    uri = "urn:rome:ogr:300490"
    rome = Referential(
        "rome",
        "v460",
        {"fr": "ROME"},
        items=(Item("300490", ItemKind.COMPETENCE, {"fr": "Rigueur"}, uri=uri),),
    )
    ap = Referential(
        "ap",
        "1",
        {"fr": "AP"},
        items=(_item("SE03"), Item("R", ItemKind.EXTERNAL, {"fr": "Rigueur (ROME)"}, uri=uri)),
        relations=(Relation("exactMatchOf", "SE03", "R"),),
    )
    g = build_graph([rome, ap], BASE)
    before = dict(g.graph.nodes[uri])
    assert before["type"] is NodeType.COMPETENCE
    changed = Referential(
        ap.slug, ap.version, {"fr": "AP 2"}, items=ap.items, relations=ap.relations
    )
    g.add(changed)
    g.add(ap)
    assert g.graph.nodes[uri]["type"] is NodeType.COMPETENCE
    g.remove("ap", "1")
    assert g.graph.nodes[uri]["type"] is NodeType.COMPETENCE
    assert g.crosswalk_neighbours(uri) == []


def test_closures_of_a_version_are_precomputed_per_container() -> None:
    g = build_graph([_btp()], BASE)
    nid = lambda c: g.node_id("btp", "1.0", c)  # noqa: E731
    closures = g.closures("btp", "1.0")
    assert set(closures) == {nid("CERT"), nid("B1"), nid("B2")}
    assert closures[nid("B2")] == (nid("C2"),)
    assert closures[nid("CERT")] == tuple(g.block_closure(nid("CERT")))
    assert g.closures("btp", "1.0") is closures


def _defines(slug: str, version: str, label: str, kind: ItemKind, **kw: object) -> Referential:
    uri = "http://data.europa.eu/esco/skill/x"
    item = Item("x", kind, {"fr": label}, uri=uri, **kw)  # type: ignore[arg-type]
    return Referential(slug, version, {"fr": slug}, items=(item,))


def test_two_definitions_of_one_node_merge_the_same_whatever_the_order() -> None:
    uri = "http://data.europa.eu/esco/skill/x"
    full = _defines("esco", "v1.1.1", "travailler en équipe", ItemKind.COMPETENCE)
    newer = _defines("esco", "v1.2.0", "travailler en équipe (v1.2)", ItemKind.COMPETENCE)
    cited = _defines("ap", "1", "Équipe (ESCO)", ItemKind.EXTERNAL, human_code="X")
    orders = [[full, newer, cited], [cited, newer, full], [newer, cited, full]]
    results = [dict(build_graph(order, BASE).graph.nodes[uri]) for order in orders]
    assert results[0] == results[1] == results[2]
    # a full definition wins over a mere citation; of two versions, the later one
    assert results[0]["type"] is NodeType.COMPETENCE
    assert (results[0]["version"], results[0]["labels"]) == (
        "v1.2.0",
        {"fr": "travailler en équipe (v1.2)"},
    )
    assert "human_code" not in results[0]  # nothing leaks from the losing definition


def test_unloading_the_preferred_definition_falls_back_to_the_other() -> None:
    uri = "http://data.europa.eu/esco/skill/x"
    full = _defines("esco", "v1.1.1", "travailler en équipe", ItemKind.COMPETENCE)
    newer = _defines("esco", "v1.2.0", "travailler en équipe (v1.2)", ItemKind.COMPETENCE)
    g = build_graph([full, newer], BASE)
    g.remove("esco", "v1.2.0")
    assert dict(g.graph.nodes[uri]) == dict(build_graph([full], BASE).graph.nodes[uri])
