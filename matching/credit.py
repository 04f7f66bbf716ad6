"""Which held items give credit to a required item, and how much (DESIGN §6, research §7.2).

:class:`CreditTables` answers, for a required node ``t``, every node ``h`` whose holding
credits ``t`` — ``sources(t) -> {h: Source}`` — by these rules, best credit kept:

* ``exact`` (1): ``h`` is ``t``; ``equivalent`` (1): ``h`` and ``t`` are linked by a chain of
  ``exactMatchOf`` edges (either direction);
* ``container`` (1): ``h`` is a certification or block whose *mandatory* competences include
  ``t``, a module that teaches ``t``, or an occupation that requires ``t`` as essential — a
  badge for a block asserts the block;
* ``specialisation`` (1): ``h`` is below ``t`` in a hierarchy (``isChildOf``, ``broader``,
  ``isPartOf``): a more specific item;
* ``transfer`` (λ^d): ``h`` and ``t`` meet at a directed lowest common ancestor ``a`` with
  ``d`` = hops(h→a) + hops(t→a) ≤ ``transfer_max_hops``; ``h``, ``t`` and ``a`` belong to the
  same referential and ``a`` is not a hierarchy root (a pillar such as ESCO "skills" or a
  ROME domain): no credit across pillars or unrelated referentials;
* ``related`` (``related_credit`` × confidence): ``h`` is an ``isRelatedTo`` / ``isPeerOf`` /
  ``crosswalk`` / ESCO ``needs`` neighbour of ``t``, of an equivalent of ``t`` or of a
  container of ``t``.

Tables are memoised per required node; the graph must not change while they are in use (build
new tables for a new referential version). Ranking reads them, never the graph, per wallet.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from matching.model import CreditKind
from matching.params import MatchParameters
from referentials.graph import SkillsGraph
from referentials.model import NodeType, RelationType, RequirementType

__all__ = ["CONTAINER_TYPES", "CreditTables", "Source"]

CONTAINER_TYPES = frozenset({NodeType.CERTIFICATION, NodeType.BLOCK, NodeType.MODULE})
_CONTAINMENT = frozenset({RelationType.IS_PART_OF, RelationType.IS_CHILD_OF})
_HIERARCHY = frozenset({RelationType.IS_PART_OF, RelationType.IS_CHILD_OF, RelationType.BROADER})
_WEAK = frozenset(
    {
        RelationType.IS_RELATED_TO,
        RelationType.IS_PEER_OF,
        RelationType.CROSSWALK,
        RelationType.NEEDS,
    }
)
_KIND_ORDER = {kind: i for i, kind in enumerate(CreditKind)}


@dataclass(frozen=True, slots=True)
class Source:
    """Holding the source node gives ``credit`` to the required node; ``path`` goes from the
    held node to the required one through the graph edges that justify it."""

    credit: float
    kind: CreditKind
    path: tuple[str, ...]

    def better_than(self, other: Source) -> bool:
        return (-self.credit, _KIND_ORDER[self.kind], len(self.path), self.path) < (
            -other.credit,
            _KIND_ORDER[other.kind],
            len(other.path),
            other.path,
        )


class CreditTables:
    """Memoised credit sources over one :class:`SkillsGraph` and one set of parameters."""

    def __init__(self, graph: SkillsGraph, params: MatchParameters) -> None:
        self.graph = graph
        self.params = params
        # networkx's plain dicts behind its views: these loops run per credit source.
        self._nodes: dict[str, dict[str, Any]] = graph.graph._node
        self._succ: dict[str, dict[str, dict[str, dict[str, Any]]]] = graph.graph._succ
        self._pred: dict[str, dict[str, dict[str, dict[str, Any]]]] = graph.graph._pred
        self._containers: dict[str, dict[str, tuple[str, ...]]] = {}
        self._teachers: dict[str, tuple[str, ...]] = {}
        self._sources: dict[str, dict[str, Source]] = {}
        self._teaches: dict[str, tuple[str, ...]] = {}
        self._equivalents: dict[str, tuple[str, ...]] = {}

    # ------------------------------------------------------------------ node facts

    def __contains__(self, node: object) -> bool:
        return node in self._nodes

    def attrs(self, node: str) -> Mapping[str, Any]:
        found: Mapping[str, Any] = self._nodes.get(node) or {}
        return found

    def node_type(self, node: str) -> NodeType | None:
        value = self.attrs(node).get("type")
        return value if isinstance(value, NodeType) else None

    def label(self, node: str, lang: str = "fr") -> str:
        attrs = self.attrs(node)
        labels: Mapping[str, str] = attrs.get("labels") or {}
        text = labels.get(lang) or labels.get("fr") or next(iter(labels.values()), "")
        return text or str(attrs.get("human_code") or attrs.get("code") or node)

    def referential(self, node: str) -> str | None:
        value = self.attrs(node).get("referential")
        return str(value) if value is not None else None

    def _edges(
        self, node: str, types: frozenset[str], *, out: bool
    ) -> Iterable[tuple[str, dict[str, Any]]]:
        adjacency = self._succ if out else self._pred
        for other, keyed in adjacency.get(node, {}).items():
            for attrs in keyed.values():
                if attrs["type"] in types:
                    yield other, attrs

    def equivalents(self, node: str) -> tuple[str, ...]:
        """Every node linked to ``node`` by ``exactMatchOf`` chains (either direction)."""
        cached = self._equivalents.get(node)
        if cached is not None:
            return cached
        exact = frozenset({RelationType.EXACT_MATCH_OF})
        seen = {node}
        queue = deque([node])
        while queue:
            current = queue.popleft()
            for out in (True, False):
                for other, _ in self._edges(current, exact, out=out):
                    if other not in seen:
                        seen.add(other)
                        queue.append(other)
        found = tuple(sorted(seen - {node}))
        for member in seen:
            self._equivalents[member] = tuple(sorted(seen - {member}))
        return found

    def teaches(self, node: str) -> tuple[str, ...]:
        """What holding ``node`` asserts below it: the mandatory competences of a certification
        or block, every competence of a module, the essential requirements of an occupation."""
        cached = self._teaches.get(node)
        if cached is not None:
            return cached
        node_type = self.node_type(node)
        found: tuple[str, ...] = ()
        if node_type in (NodeType.CERTIFICATION, NodeType.BLOCK):
            found = tuple(self.graph.block_closure(node))
        elif node_type is NodeType.MODULE:
            found = tuple(self.graph.module_teaches(node))
        elif node_type is NodeType.OCCUPATION:
            found = tuple(
                t
                for t, req in self.occupation_requirements(node)
                if req is RequirementType.ESSENTIAL
            )
        self._teaches[node] = found
        return found

    def teachers(self, node: str) -> tuple[str, ...]:
        """The modules and blocks that contain ``node`` (what to take when it is missing)."""
        cached = self._teachers.get(node)
        if cached is None and node not in self._nodes:
            return ()  # an item no loaded referential knows: nothing is known to teach it
        if cached is None:
            found = self.graph.containers(node, NodeType.MODULE)
            found += self.graph.containers(node, NodeType.BLOCK)
            cached = self._teachers[node] = tuple(sorted(set(found)))
        return cached

    def occupation_requirements(self, node: str) -> list[tuple[str, RequirementType]]:
        """What an occupation requires (an ESCO occupation's skills, a ROME fiche's
        competences), sorted; a ROME appellation without its own links uses its fiche's."""
        found: dict[str, RequirementType] = {}
        for other, attrs in self._edges(node, frozenset({RelationType.REQUIRES}), out=True):
            req = attrs.get("requirement")
            kind = (
                RequirementType.OPTIONAL
                if req == RequirementType.OPTIONAL
                else RequirementType.ESSENTIAL
            )
            if found.get(other) is not RequirementType.ESSENTIAL:
                found[other] = kind
        if not found:
            for parent, _ in self._edges(node, frozenset({RelationType.IS_PART_OF}), out=True):
                if self.node_type(parent) is NodeType.OCCUPATION:
                    return self.occupation_requirements(parent)
        return sorted(found.items())

    def containers_of(self, node: str) -> dict[str, tuple[str, ...]]:
        """Containers whose holding asserts ``node``, each with the path container → node."""
        cached = self._containers.get(node)
        if cached is None:
            cached = self._containers[node] = self._containers_of(node)
        return cached

    def _containers_of(self, node: str) -> dict[str, tuple[str, ...]]:
        found: dict[str, tuple[str, ...]] = {}
        paths: dict[str, tuple[str, ...]] = {node: (node,)}
        queue = deque([node])
        while queue:
            current = queue.popleft()
            for parent, _ in self._edges(current, _CONTAINMENT, out=True):
                if parent in paths:
                    continue
                paths[parent] = (parent, *paths[current])
                queue.append(parent)
                if self.node_type(parent) in CONTAINER_TYPES and node in self.teaches(parent):
                    found[parent] = paths[parent]
        requires = frozenset({RelationType.REQUIRES})
        for occupation, attrs in self._edges(node, requires, out=False):
            if attrs.get("requirement") != RequirementType.OPTIONAL:
                found.setdefault(occupation, (occupation, node))
        return found

    # ------------------------------------------------------------------ sources

    def sources(self, node: str) -> Mapping[str, Source]:
        """``{held node: Source}`` for required ``node`` (memoised)."""
        cached = self._sources.get(node)
        if cached is None:
            cached = self._compute(node)
            self._sources[node] = cached
        return cached

    def _compute(self, t: str) -> dict[str, Source]:
        found: dict[str, Source] = {}

        def offer(held: str, source: Source) -> None:
            current = found.get(held)
            if current is None or source.better_than(current):
                found[held] = source

        offer(t, Source(1.0, CreditKind.EXACT, (t,)))
        if t not in self._nodes:
            return found
        equivalents = self.equivalents(t)
        for other in equivalents:
            offer(other, Source(1.0, CreditKind.EQUIVALENT, (other, t)))
        containers = self.containers_of(t)
        for container, path in containers.items():
            offer(container, Source(1.0, CreditKind.CONTAINER, path))
        for below, path in self._descendants(t).items():
            offer(below, Source(1.0, CreditKind.SPECIALISATION, path))
        self._transfer(t, offer)
        weight = self.params.related_credit
        if weight > 0:
            for anchor, tail in [
                ((t,), ()),
                *[((e,), (t,)) for e in equivalents],
                *[(p, p[1:]) for p in containers.values()],
            ]:
                for out in (True, False):
                    for other, attrs in self._edges(anchor[0], _WEAK, out=out):
                        confidence = attrs.get("confidence")
                        credit = weight * (float(confidence) if confidence is not None else 1.0)
                        if credit > 0:
                            offer(
                                other, Source(credit, CreditKind.RELATED, (other, anchor[0], *tail))
                            )
        # A block, certification or module asserts its competences: holding it gives the
        # same partial credit as holding the competence it asserts.
        partial = [(h, src) for h, src in found.items() if not src.kind.is_match]
        for held, source in sorted(partial, key=lambda e: e[0]):
            for container, path in self.containers_of(held).items():
                offer(container, Source(source.credit, source.kind, (*path, *source.path[1:])))
        return found

    def _descendants(self, t: str) -> dict[str, tuple[str, ...]]:
        paths: dict[str, tuple[str, ...]] = {t: (t,)}
        queue = deque([t])
        while queue:
            current = queue.popleft()
            for child, _ in self._edges(current, _HIERARCHY, out=False):
                if child not in paths:
                    paths[child] = (child, *paths[current])
                    queue.append(child)
        del paths[t]
        return paths

    def _transfer(self, t: str, offer: Any) -> None:
        cap = self.params.transfer_max_hops
        decay = self.params.transfer_decay
        referential = self.referential(t)
        if cap <= 0 or decay <= 0 or referential is None:
            return
        parents = self.graph.hierarchy.succ
        children = self.graph.hierarchy.pred
        # Upwards from t: the nearest hop count to each ancestor, with the chain t → a.
        up: dict[str, tuple[str, ...]] = {t: (t,)}
        frontier = [t]
        for _ in range(cap):
            nxt: list[str] = []
            for current in frontier:
                for parent in parents.get(current, {}):
                    if parent not in up:
                        up[parent] = (*up[current], parent)
                        nxt.append(parent)
            frontier = nxt
        for ancestor, chain_up in up.items():
            k = len(chain_up) - 1
            if k == 0 or not parents.get(ancestor):
                continue  # t itself (specialisations) or a pillar: no transfer through roots
            if self.referential(ancestor) != referential:
                continue
            # Downwards from the ancestor, within the remaining hops.
            down: dict[str, tuple[str, ...]] = {ancestor: (ancestor,)}
            level = [ancestor]
            for j in range(cap - k + 1):
                for held in level:
                    if held != t and self.referential(held) == referential:
                        path = (*reversed(down[held]), *reversed(chain_up[:-1]))
                        offer(held, Source(decay ** (k + j), CreditKind.TRANSFER, path))
                if j == cap - k:
                    break
                nxt = []
                for current in level:
                    for child in children.get(current, {}):
                        if child not in down:
                            down[child] = (*down[current], child)
                            nxt.append(child)
                level = nxt

    # ------------------------------------------------------------------ levels

    def level_rank(self, value: str | int | None) -> int | None:
        """A level as a rank (1 = lowest): a number, a level node id, code or label."""
        if value is None:
            return None
        if isinstance(value, int):
            return value
        text = value.strip()
        if text.isdigit():
            return int(text)
        attrs = self.attrs(text)
        if attrs.get("type") is NodeType.LEVEL and isinstance(attrs.get("rank"), int):
            return int(attrs["rank"])
        folded = text.casefold()
        for node in self.graph.nodes_of_type(NodeType.LEVEL):
            a = self.attrs(node)
            names = {str(a.get("code", "")), str(a.get("human_code", ""))}
            names |= set(a.get("labels", {}).values())
            if folded in {n.casefold() for n in names if n} and isinstance(a.get("rank"), int):
                return int(a["rank"])
        return None
