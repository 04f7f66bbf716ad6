"""Precomputed hierarchy queries: ancestor tables for directed lowest-common-ancestor distance.

Matching (shared/research/referentials.md §3.2 and §7.2) measures how transferable a held
competence is to a required one by the *directed* lowest-common-ancestor distance: walk up the
hierarchy (child -> parent edges only) from both items and take the common ancestor with the
fewest hops in total. Undirected shortest paths wander through narrower skills and are not a
similarity.

Hierarchies are DAGs with several parents per node (ESCO broader, RNCP shared competences), so
an Euler tour over a tree does not apply; instead each node gets an *ancestor table*
``{ancestor: hops}`` (BFS upwards, nearest hop count). Tables are built lazily per node and
memoised, so after warm-up an LCA query is one loop over the smaller table with dict lookups in
the other — a handful of dictionary operations for real referentials, whose depth is below ten.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

__all__ = ["AncestorTables", "LcaResult"]


@dataclass(frozen=True, slots=True)
class LcaResult:
    """The lowest common ancestor of ``a`` and ``b`` and the hops from each to it."""

    ancestor: str
    hops_a: int
    hops_b: int

    @property
    def distance(self) -> int:
        return self.hops_a + self.hops_b


class AncestorTables:
    """Memoised ``{ancestor: hops}`` per node over a parent function.

    ``parents(node)`` returns the direct parents of ``node`` (child -> parent edges). The owner
    must call :meth:`clear` whenever the hierarchy changes.
    """

    def __init__(self, parents: Callable[[str], Iterable[str]]) -> None:
        self._parents = parents
        self._tables: dict[str, dict[str, int]] = {}

    def clear(self) -> None:
        self._tables.clear()

    def table(self, node: str) -> Mapping[str, int]:
        """``{node: 0, parent: 1, grandparent: 2, …}`` with the nearest hop count."""
        table = self._tables.get(node)
        if table is None:
            table = self._build(node)
        return table

    def warm(self, nodes: Iterable[str]) -> None:
        for node in nodes:
            self.table(node)

    def _build(self, node: str) -> dict[str, int]:
        # Reuse the parents' memoised tables: a DAG makes this a dynamic programme, so warming
        # a whole referential costs O(sum of table sizes) rather than one BFS per node.
        stack: list[tuple[str, bool]] = [(node, False)]
        building: set[str] = set()
        while stack:
            current, expanded = stack.pop()
            if current in self._tables:
                continue
            parents = list(self._parents(current))
            if not expanded:
                building.add(current)
                stack.append((current, True))
                stack.extend(
                    (p, False) for p in parents if p not in self._tables and p not in building
                )
                continue
            merged: dict[str, int] = {current: 0}
            for parent in parents:
                parent_table = self._tables.get(parent)
                if parent_table is None:  # a cycle: the graph refuses them, stay total anyway
                    continue
                for ancestor, hops in parent_table.items():
                    if hops + 1 < merged.get(ancestor, 1 << 30):
                        merged[ancestor] = hops + 1
            self._tables[current] = merged
            building.discard(current)
        return self._tables[node]

    def lca(self, a: str, b: str, max_distance: int | None = None) -> LcaResult | None:
        """The common ancestor with the fewest total hops; ties broken by the more balanced
        pair, then by node id, so the answer is deterministic."""
        ta = self.table(a)
        tb = self.table(b)
        if len(tb) < len(ta):
            small, large, swapped = tb, ta, True
        else:
            small, large, swapped = ta, tb, False
        best: tuple[int, int, str] | None = None
        best_hops = (0, 0)
        for ancestor, h_small in small.items():
            h_large = large.get(ancestor)
            if h_large is None:
                continue
            total = h_small + h_large
            candidate = (total, max(h_small, h_large), ancestor)
            if best is None or candidate < best:
                best = candidate
                best_hops = (h_small, h_large)
        if best is None or (max_distance is not None and best[0] > max_distance):
            return None
        h_a, h_b = (best_hops[1], best_hops[0]) if swapped else best_hops
        return LcaResult(best[2], h_a, h_b)
