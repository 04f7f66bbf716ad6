"""The import summary of bulk formats, counted at C speed.

:meth:`referentials.model.ImportSummary.of` walks every relation end in Python; for an
ESCO-sized import (125,000 relations) that costs as much as parsing. :func:`summarise` returns
the same summary (``tests/referentials/test_esco.py`` checks they agree on the real files) with
set and counter operations over attribute getters.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from operator import attrgetter

from referentials.model import (
    DEFAULT_BASE_URL,
    ImportSummary,
    NodeType,
    Referential,
    RelationType,
)

__all__ = ["summarise"]

_KIND = attrgetter("kind")
_TYPE = attrgetter("type")
_SOURCE = attrgetter("source")
_TARGET = attrgetter("target")


def summarise(referentials: Iterable[Referential], warnings: Iterable[str] = ()) -> ImportSummary:
    """Nodes and edges by type as the graph will hold them, as :meth:`ImportSummary.of`."""
    refs = list(referentials)
    nodes: Counter[str] = Counter()
    edges: Counter[str] = Counter()
    known: set[str] = set()
    for ref in refs:
        nodes[NodeType.FRAMEWORK] += 1
        for kind, count in Counter(map(_KIND, ref.items)).items():
            nodes[kind.node_type] += count
        known.update(i.node_id(DEFAULT_BASE_URL, ref.slug, ref.version) for i in ref.items)
    stubs: set[str] = set()
    for ref in refs:
        edges.update(map(_TYPE, ref.relations))
        ends = set(map(_SOURCE, ref.relations))
        ends.update(map(_TARGET, ref.relations))
        ends.difference_update(ref.items_by_code, known)
        stubs.update(end for end in ends if ":" in end)
        edges[RelationType.REPLACED_BY] += sum(len(i.replaces) for i in ref.items if i.replaces)
    if stubs:
        nodes[NodeType.EXTERNAL] += len(stubs)
    return ImportSummary(
        nodes_by_type={str(k): v for k, v in sorted(nodes.items()) if v},
        edges_by_type={str(k): v for k, v in sorted(edges.items()) if v},
        warnings=tuple(warnings),
    )
