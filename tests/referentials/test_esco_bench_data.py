"""The benchmark's generated ESCO release has the announced shape (no timing asserted here)."""

from __future__ import annotations

from pathlib import Path

from bench.referentials_graph import generate, pretuples
from referentials.formats import esco
from referentials.graph import build_graph
from referentials.model import ItemKind


def test_generated_release_has_the_requested_sizes_and_an_acyclic_hierarchy(
    tmp_path: Path,
) -> None:
    generate(tmp_path, skills=300, occupations=40, relations=900, seed=3)
    (ref,), summary = esco.load([tmp_path])
    kinds = [i.kind for i in ref.items]
    assert kinds.count(ItemKind.OCCUPATION) == 40
    assert kinds.count(ItemKind.COMPETENCE) == 300
    assert summary.edges_by_type["requires"] == 900
    assert summary.warnings == ()
    graph = build_graph([ref])  # refuses hierarchy cycles
    nodes, edges = pretuples(graph.graph)
    assert len(nodes) == graph.graph.number_of_nodes()
    assert len(edges) == graph.graph.number_of_edges()
