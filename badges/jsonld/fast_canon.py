"""RDFC-1.0 (URDNA2015) over integer blank nodes, fast when first-degree hashes decide.

RDF Dataset Canonicalization (W3C REC 2024) §4.4: every blank node gets a first-degree
hash (§4.6: SHA-256 of the sorted N-Quads that mention it, itself written ``_:a`` and every
other blank node ``_:z``). Blank nodes whose hash is unique get ``c14n0``, ``c14n1``, … in
hash order (step 5). In a credential — a tree whose blank nodes differ by content — that is
every blank node, and the N-degree step (§4.8, the expensive and potentially exponential
part) has nothing to do.

When some hashes are shared (identical sibling alignments, an issuer profile embedded twice,
list nodes with the same item), the remaining nodes go through Hash N-Degree Quads (§4.8)
exactly as pyld 3.3.0's ``URDNA2015`` runs it, on integers instead of dictionaries, with a
work budget (calls + permutations, as ``badges.jsonld.canon`` counts them): past the budget
:class:`WorkLimit` is raised and the caller hands the document to the reference path, which
raises ``canonicalization_limit_exceeded`` itself.

N-Quads text follows pyld 3.3.0's ``serialize_nquad``.
"""

from __future__ import annotations

from hashlib import sha256
from itertools import permutations

from badges.jsonld.fast_rdf import Quad


class WorkLimit(Exception):
    """The N-degree step needed more work than the budget allows."""


class DuplicateTriple(Exception):
    """The same quad was produced twice from values the reference would keep apart."""


def canonical_nquads(
    quads: list[Quad], blank_nodes: int, *, merge_duplicates: bool = True, max_work: int = 20_000
) -> str:
    """RDFC-1.0 canonical N-Quads of ``quads`` (blank nodes are ints ``0..blank_nodes-1``).

    Identical quads are merged first, as the reference's node map does, when
    ``merge_duplicates``; otherwise a duplicate raises :class:`DuplicateTriple`.
    """
    unique = list(dict.fromkeys(quads))
    if len(unique) != len(quads):
        if not merge_duplicates:
            raise DuplicateTriple
        quads = unique
    if blank_nodes == 0:
        return _sorted_lines([f"{s} {p} {o} .\n" for s, p, o, _g in quads])

    # §4.4 step 2: the quads of each blank node, once per position it occupies (as pyld).
    mentions: list[list[int]] = [[] for _ in range(blank_nodes)]
    for index, (s, _p, o, g) in enumerate(quads):
        if type(s) is int:
            mentions[s].append(index)
        if type(o) is int:
            mentions[o].append(index)
        if g is not None:
            mentions[g].append(index)
    hashes = [_first_degree(quads, node, mentions[node]) for node in range(blank_nodes)]

    # §4.4 step 5: unique hashes get canonical identifiers in hash order.
    groups: dict[str, list[int]] = {}
    for node, digest in enumerate(hashes):
        groups.setdefault(digest, []).append(node)
    canonical: dict[int, str] = {}
    shared: list[list[int]] = []
    for digest in sorted(groups):
        nodes = groups[digest]
        if len(nodes) == 1:
            canonical[nodes[0]] = f"_:c14n{len(canonical)}"
        else:
            shared.append(nodes)

    # §4.4 step 6: the rest through Hash N-Degree Quads.
    if shared:
        _NDegree(quads, mentions, hashes, canonical, max_work).issue(shared)

    # §4.4 step 7: relabel, serialize, sort.
    lines = []
    for s, p, o, g in quads:
        s_text = s if type(s) is str else canonical[s]  # type: ignore[index]
        o_text = o if type(o) is str else canonical[o]  # type: ignore[index]
        if g is None:
            lines.append(f"{s_text} {p} {o_text} .\n")
        else:
            lines.append(f"{s_text} {p} {o_text} {canonical[g]} .\n")
    return _sorted_lines(lines)


def _first_degree(quads: list[Quad], node: int, indices: list[int]) -> str:
    """§4.6 Hash First Degree Quads."""
    lines = []
    for index in indices:
        s, p, o, g = quads[index]
        s_text = s if type(s) is str else ("_:a" if s == node else "_:z")
        o_text = o if type(o) is str else ("_:a" if o == node else "_:z")
        if g is None:
            lines.append(f"{s_text} {p} {o_text} .\n")
        else:
            lines.append(f"{s_text} {p} {o_text} {'_:a' if g == node else '_:z'} .\n")
    lines.sort()
    return sha256("".join(lines).encode("utf-8")).hexdigest()


class _Issuer:
    """§4.5 Issue Identifier algorithm state (a temporary issuer, prefix ``_:b``)."""

    __slots__ = ("existing", "order")

    def __init__(self) -> None:
        self.existing: dict[int, str] = {}
        self.order: list[int] = []

    def get(self, node: int) -> str:
        label = self.existing.get(node)
        if label is None:
            label = f"_:b{len(self.order)}"
            self.existing[node] = label
            self.order.append(node)
        return label

    def copy(self) -> _Issuer:
        new = _Issuer()
        new.existing = dict(self.existing)
        new.order = list(self.order)
        return new


class _NDegree:
    """§4.8 Hash N-Degree Quads and §4.4 step 6, mirroring pyld 3.3.0 ``URDNA2015``."""

    def __init__(
        self,
        quads: list[Quad],
        mentions: list[list[int]],
        hashes: list[str],
        canonical: dict[int, str],
        max_work: int,
    ) -> None:
        self.quads = quads
        self.mentions = mentions
        self.hashes = hashes
        self.canonical = canonical
        self.budget = max_work

    def _tick(self) -> None:
        self.budget -= 1
        if self.budget < 0:
            raise WorkLimit

    def issue(self, shared: list[list[int]]) -> None:
        for nodes in shared:  # already in hash order
            results: list[tuple[str, _Issuer]] = []
            for node in nodes:
                if node in self.canonical:
                    continue
                issuer = _Issuer()
                issuer.get(node)
                results.append(self._hash(node, issuer))
            for _digest, issuer in sorted(results, key=lambda r: r[0]):
                for existing in issuer.order:
                    if existing not in self.canonical:
                        self.canonical[existing] = f"_:c14n{len(self.canonical)}"

    def _related_hash(self, related: int, predicate: str, issuer: _Issuer, position: str) -> str:
        """§4.7 Hash Related Blank Node."""
        label = self.canonical.get(related) or issuer.existing.get(related)
        if label is None:
            label = self.hashes[related]
        data = position + (predicate if position != "g" else "") + label
        return sha256(data.encode("utf-8")).hexdigest()

    def _hash(self, node: int, issuer: _Issuer) -> tuple[str, _Issuer]:
        """§4.8 Hash N-Degree Quads."""
        self._tick()
        related_by_hash: dict[str, list[int]] = {}
        for index in self.mentions[node]:
            s, p, o, g = self.quads[index]
            for component, position in ((s, "s"), (o, "o"), (g, "g")):
                if type(component) is int and component != node:
                    digest = self._related_hash(component, p, issuer, position)
                    related_by_hash.setdefault(digest, []).append(component)
        data = sha256()
        for digest in sorted(related_by_hash):
            data.update(digest.encode("utf-8"))
            chosen_path = ""
            chosen_issuer: _Issuer | None = None
            for permutation in permutations(related_by_hash[digest]):
                self._tick()
                issuer_copy = issuer.copy()
                path = ""
                recursion: list[int] = []
                skip = False
                for related in permutation:
                    label = self.canonical.get(related)
                    if label is not None:
                        path += label
                    else:
                        if related not in issuer_copy.existing:
                            recursion.append(related)
                        path += issuer_copy.get(related)
                    if chosen_path and len(path) >= len(chosen_path) and path > chosen_path:
                        skip = True
                        break
                if skip:
                    continue
                for related in recursion:
                    result_hash, issuer_copy = self._hash(related, issuer_copy)
                    path += issuer_copy.get(related) + "<" + result_hash + ">"
                    if chosen_path and len(path) >= len(chosen_path) and path > chosen_path:
                        skip = True
                        break
                if skip:
                    continue
                if not chosen_path or path < chosen_path:
                    chosen_path = path
                    chosen_issuer = issuer_copy
            data.update(chosen_path.encode("utf-8"))
            assert chosen_issuer is not None
            issuer = chosen_issuer
        return data.hexdigest(), issuer


def _sorted_lines(lines: list[str]) -> str:
    lines.sort()
    return "".join(lines)
