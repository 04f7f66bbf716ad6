"""The skills graph: every loaded referential merged into one networkx ``MultiDiGraph``.

Nodes (shared/research/referentials.md §8) are keyed by the item public URL, or by the external
URI the item already has (ESCO ``conceptUri``, ``urn:rome:…``); node attribute ``type`` is a
:class:`~referentials.model.NodeType`. Edges keep the relation name as ``type`` and always carry
``referential`` (slug) and ``version`` — the referential version that asserted them — plus the
relation qualifiers (``mandatory``, ``requirement``, ``rank``, ``method``, ``confidence``,
``sequence``). Edge keys are ``"{type}@{slug}/{version}"`` so loading the same referential twice
yields the same graph (import idempotence).

Hierarchies (``isChildOf``, ``isPartOf``, ``broader``; child -> parent) must stay acyclic: a
referential that would close a cycle is refused with :class:`HierarchyCycleError`, which names
the items, and the graph is left as it was.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import networkx as nx

from referentials.graph_build import graph_elements
from referentials.model import (
    CROSSWALK_RELATIONS,
    DEFAULT_BASE_URL,
    HIERARCHY_RELATIONS,
    NodeType,
    Referential,
    ReferentialError,
    RelationType,
    version_key,
)
from referentials.queries import AncestorTables, LcaResult

__all__ = ["CrosswalkNeighbour", "HierarchyCycleError", "SkillsGraph", "build_graph"]


class HierarchyCycleError(ReferentialError):
    """The hierarchy would contain a cycle; ``items`` names the nodes on it, in order."""

    code = "referential_hierarchy_cycle"

    def __init__(self, referential: str, items: list[str], labels: list[str]) -> None:
        path = " → ".join([*labels, labels[0]])
        super().__init__(
            f"le référentiel « {referential} » contient un cycle dans sa hiérarchie : {path} "
            "(un élément ne peut pas être son propre parent, même indirectement)"
        )
        self.items = items
        self.labels = labels


@dataclass(frozen=True, slots=True)
class CrosswalkNeighbour:
    """An item related to another by ``exactMatchOf``, ``isRelatedTo``, ``isPeerOf`` or
    ``crosswalk``; ``outgoing`` says whether the edge starts at the queried node."""

    node: str
    type: str
    outgoing: bool
    attributes: dict[str, Any]


_CONTAINMENT = frozenset({RelationType.IS_CHILD_OF, RelationType.IS_PART_OF})


class SkillsGraph:
    """Many referentials merged into one graph, with the queries issuing and matching need."""

    def __init__(self, base: str = DEFAULT_BASE_URL) -> None:
        self.base = base.rstrip("/")
        self.graph: nx.MultiDiGraph[str] = nx.MultiDiGraph()
        # Child -> parent edges of every hierarchy relation, merged: cycle checks and LCA.
        self.hierarchy: nx.DiGraph[str] = nx.DiGraph()
        self.referentials: dict[tuple[str, str], Referential] = {}
        self._edges_of: dict[tuple[str, str], list[tuple[str, str, str]]] = {}
        self._nodes_of: dict[tuple[str, str], list[str]] = {}
        self._definers: dict[str, set[tuple[str, str]]] = {}
        # Node -> each referential's own attributes, only for nodes two referentials define.
        self._definitions: dict[str, dict[tuple[str, str], dict[str, Any]]] = {}
        self._closures: dict[tuple[str, str], dict[str, tuple[str, ...]]] = {}
        self._tables = AncestorTables(self._parents)

    def _parents(self, node: str) -> Iterable[str]:
        parents: Iterable[str] = self.hierarchy.succ.get(node, ())
        return parents

    # ----------------------------------------------------------------- building

    def node_id(self, slug: str, version: str, code: str) -> str:
        """The node id of item ``code`` of a loaded referential version."""
        ref = self.referentials[(slug, version)]
        return ref.item(code).node_id(self.base, slug, version)

    def add(self, referential: Referential) -> None:
        """Merge one referential version; re-adding the same version replaces it."""
        key = referential.key
        if key in self.referentials:
            if self.referentials[key] == referential:
                return  # the same version again: nothing to do (import idempotence)
            self.remove(*key)
        nodes, edges, hierarchy_edges = graph_elements(referential, self.base)
        # Adds the hierarchy edges to ``self.hierarchy`` (or raises and leaves it as it was).
        self._check_acyclic(referential, hierarchy_edges, dict(nodes))

        graph = self.graph
        node_attrs = graph._node  # plain dicts: this loop runs once per item (ESCO: 17,000)
        definers_of = self._definers
        merged: list[tuple[str, dict[str, Any]]] = []
        for node, attrs in nodes:
            existing = node_attrs.get(node)
            if existing is None:
                continue
            others = definers_of.get(node)
            if not others:  # a bare stub some relation named: the definition replaces it
                continue
            # The same node defined by two referentials (ESCO EN + FR files, an ``externes``
            # entry naming a ROME item): keep each definition and merge them by a fixed rule,
            # so the result does not depend on the order referentials are loaded.
            definitions = self._definitions.setdefault(node, {})
            if not definitions:
                [only] = others
                definitions[only] = dict(existing)
            definitions[key] = dict(attrs)
            merged.append((node, _merge(definitions)))
        graph.add_nodes_from(nodes)
        for node, attrs in merged:
            node_attrs[node].clear()
            node_attrs[node].update(attrs)
        node_map = graph._node  # plain dict membership: this loop runs once per relation end
        stubs = {end for u, v, _, _ in edges for end in (u, v) if end not in node_map}
        graph.add_nodes_from((n, {"type": NodeType.EXTERNAL, "labels": {}}) for n in sorted(stubs))
        graph.add_edges_from(edges)
        self.referentials[key] = referential
        self._edges_of[key] = [(u, v, k) for u, v, k, _ in edges]
        self._nodes_of[key] = [n for n, _ in nodes]
        for node, _ in nodes:
            self._definers.setdefault(node, set()).add(key)
        self._tables.clear()
        self._closures.clear()

    def remove(self, slug: str, version: str) -> None:
        """Unload a referential version; nodes still referenced elsewhere become stubs."""
        key = (slug, version)
        if key not in self.referentials:
            return
        for u, v, k in self._edges_of.pop(key):
            if self.graph.has_edge(u, v, k):
                self.graph.remove_edge(u, v, k)
        for node in self._nodes_of.pop(key):
            definers = self._definers.get(node, set())
            definers.discard(key)
            definitions = self._definitions.get(node)
            if definitions is not None:
                definitions.pop(key, None)
                if len(definitions) <= 1:
                    del self._definitions[node]
            if definers:
                # Another loaded referential still defines this node: its definition now.
                if definitions:
                    self.graph.nodes[node].clear()
                    self.graph.nodes[node].update(_merge(definitions))
                continue
            self._definers.pop(node, None)
            if node not in self.graph:
                continue
            if self.graph.degree(node) == 0:
                self.graph.remove_node(node)
            else:
                self.graph.nodes[node]["type"] = NodeType.EXTERNAL
        del self.referentials[key]
        self._rebuild_hierarchy()

    def _rebuild_hierarchy(self) -> None:
        self.hierarchy.clear()
        self.hierarchy.add_edges_from(
            (u, v) for u, v, t in self.graph.edges(data="type") if t in HIERARCHY_RELATIONS
        )
        self._tables.clear()
        self._closures.clear()

    def _check_acyclic(
        self, referential: Referential, new_edges: list[tuple[str, str]], new_nodes: dict[str, Any]
    ) -> None:
        """Add ``new_edges`` to the merged hierarchy; if they close a cycle, take them back out
        and raise :class:`HierarchyCycleError` naming the items on it."""
        hierarchy = self.hierarchy
        added = [(u, v) for u, v in new_edges if not hierarchy.has_edge(u, v)]
        had = set(hierarchy) if added else set()
        hierarchy.add_edges_from(added)
        cycle = next(iter(_cycles_from(hierarchy, {u for u, _ in added})), None)
        if cycle is None:
            return
        hierarchy.remove_edges_from(added)
        hierarchy.remove_nodes_from({x for e in added for x in e} - had)
        labels = [self._display(n, new_nodes) for n in cycle]
        raise HierarchyCycleError(f"{referential.slug} {referential.version}", cycle, labels)

    def _display(self, node: str, new_nodes: dict[str, Any]) -> str:
        attrs = new_nodes.get(node) or self.graph.nodes.get(node) or {}
        code = attrs.get("human_code") or attrs.get("code")
        return str(code) if code else node

    # ------------------------------------------------------------------ queries

    def ancestors(
        self,
        node: str,
        *,
        referential: str | None = None,
        types: Iterable[str] = HIERARCHY_RELATIONS,
    ) -> set[str]:
        """Every item above ``node`` (following child -> parent edges of ``types``), only
        through edges asserted by ``referential`` (a slug) when given."""
        return set(self._walk(node, set(types), referential, upwards=True))

    def descendants(
        self,
        node: str,
        *,
        referential: str | None = None,
        types: Iterable[str] = HIERARCHY_RELATIONS,
        mandatory_only: bool = False,
    ) -> set[str]:
        """Every item below ``node``; with ``mandatory_only`` an ``isPartOf`` edge marked
        ``mandatory: false`` (an optional module, an additional module) is not followed."""
        return set(
            self._walk(node, set(types), referential, upwards=False, mandatory_only=mandatory_only)
        )

    def _walk(
        self,
        start: str,
        types: set[str],
        referential: str | None,
        *,
        upwards: bool,
        mandatory_only: bool = False,
    ) -> Iterator[str]:
        adjacency = self.graph.succ if upwards else self.graph.pred
        seen = {start}
        queue = deque([start])
        while queue:
            current = queue.popleft()
            for other, keyed in adjacency[current].items():
                if other in seen:
                    continue
                for attrs in keyed.values():
                    if attrs["type"] not in types:
                        continue
                    if referential is not None and attrs["referential"] != referential:
                        continue
                    if mandatory_only and attrs.get("mandatory") is False:
                        continue
                    seen.add(other)
                    queue.append(other)
                    yield other
                    break

    def block_closure(self, block: str) -> list[str]:
        """All the mandatory competences of a block (or certification): competences below it
        through ``isPartOf``/``isChildOf``, not through optional members. Sorted."""
        below = self.descendants(block, types=_CONTAINMENT, mandatory_only=True)
        return sorted(n for n in below if self.graph.nodes[n].get("type") is NodeType.COMPETENCE)

    def closures(self, slug: str, version: str) -> dict[str, tuple[str, ...]]:
        """The mandatory competences of every certification and block of one referential
        version, computed once and memoised: matching ranks many wallets against the same
        blocks without walking the graph each time (DESIGN §6)."""
        key = (slug, version)
        cached = self._closures.get(key)
        if cached is None:
            ref = self.referentials[key]
            containers = (
                item.node_id(self.base, slug, version)
                for item in ref.items
                if item.kind.node_type in (NodeType.CERTIFICATION, NodeType.BLOCK)
            )
            cached = {node: tuple(self.block_closure(node)) for node in containers}
            self._closures[key] = cached
        return cached

    def module_teaches(self, module: str) -> list[str]:
        """The competences a module teaches (every competence below it). Sorted."""
        below = self.descendants(module, types=_CONTAINMENT)
        return sorted(n for n in below if self.graph.nodes[n].get("type") is NodeType.COMPETENCE)

    def containers(self, node: str, node_type: NodeType) -> list[str]:
        """The blocks / modules / certifications (``node_type``) that contain ``node``, e.g.
        the modules that teach a missing competence. Sorted."""
        above = self.ancestors(node, types=_CONTAINMENT)
        return sorted(n for n in above if self.graph.nodes[n].get("type") is node_type)

    def lca(self, a: str, b: str, *, max_distance: int | None = None) -> LcaResult | None:
        """Directed lowest common ancestor of two items in the merged hierarchy (§3.2)."""
        if a not in self.graph or b not in self.graph:
            return None
        return self._tables.lca(a, b, max_distance)

    def lca_distance(self, a: str, b: str, *, max_distance: int | None = None) -> int | None:
        result = self.lca(a, b, max_distance=max_distance)
        return None if result is None else result.distance

    def warm_lca(self, nodes: Iterable[str] | None = None) -> None:
        """Precompute the ancestor tables (all hierarchy nodes by default)."""
        self._tables.warm(self.hierarchy.nodes if nodes is None else nodes)

    def crosswalk_neighbours(self, node: str) -> list[CrosswalkNeighbour]:
        """Items linked to ``node`` by an equivalence or weak relation, in either direction."""
        found: list[CrosswalkNeighbour] = []
        for _, other, attrs in self.graph.out_edges(node, data=True):
            if attrs["type"] in CROSSWALK_RELATIONS:
                found.append(CrosswalkNeighbour(other, attrs["type"], True, dict(attrs)))
        for other, _, attrs in self.graph.in_edges(node, data=True):
            if attrs["type"] in CROSSWALK_RELATIONS:
                found.append(CrosswalkNeighbour(other, attrs["type"], False, dict(attrs)))
        found.sort(key=lambda n: (n.node, n.type, not n.outgoing))
        return found

    def nodes_of_type(self, node_type: NodeType) -> list[str]:
        return sorted(n for n, t in self.graph.nodes(data="type") if t is node_type)


def _merge(definitions: dict[tuple[str, str], dict[str, Any]]) -> dict[str, Any]:
    """One node's attributes from the definitions of several referentials, whatever the order
    they were loaded in: a full definition wins over an ``external`` one, then the smaller
    slug, then the later version of the same slug; labels are merged language by language
    with the same preference."""
    ordered = sorted(definitions.items(), key=lambda kv: version_key(kv[0][1]), reverse=True)
    ordered.sort(key=lambda kv: (kv[1].get("type") is NodeType.EXTERNAL, kv[0][0]))
    labels: dict[str, str] = {}
    for _, attrs in reversed(ordered):
        labels.update(attrs.get("labels") or {})
    winner = dict(ordered[0][1])
    winner["labels"] = labels
    return winner


def _cycles_from(hierarchy: nx.DiGraph[str], sources: set[str]) -> Iterator[list[str]]:
    """Yield one cycle reachable from ``sources`` (new edges can only close cycles there)."""
    if not sources or nx.is_directed_acyclic_graph(hierarchy):
        # The topological check is cheap; the DFS that names the cycle runs only when needed.
        return
    try:
        edges = nx.find_cycle(hierarchy, source=sorted(s for s in sources if s in hierarchy))
    except nx.NetworkXNoCycle:
        return
    yield [u for u, _ in edges]


def build_graph(referentials: Iterable[Referential], base: str = DEFAULT_BASE_URL) -> SkillsGraph:
    """One graph from many referentials (order does not matter for the result)."""
    graph = SkillsGraph(base)
    for referential in referentials:
        graph.add(referential)
    return graph
