"""The nodes and edges one referential version contributes to the skills graph.

Split from :mod:`referentials.graph` (which merges them and answers queries). Node ids are the
item public URL or the external URI the item already has; every edge carries the ``referential``
(slug) and ``version`` that asserted it, and the relation qualifiers; edge keys are
``"{type}@{slug}/{version}"`` so loading a version twice gives the same graph.
"""

from __future__ import annotations

from typing import Any

from referentials.model import (
    HIERARCHY_RELATIONS,
    NodeType,
    Referential,
    ReferentialError,
    RelationType,
    is_uri,
    item_url,
)

__all__ = ["ITEM_ATTRS", "Edge", "Node", "graph_elements"]

#: Item fields copied onto graph nodes when they are set.
ITEM_ATTRS = ("code", "human_code", "competence_type", "mandatory", "rank")

Node = tuple[str, dict[str, Any]]
Edge = tuple[str, str, str, dict[str, Any]]


def graph_elements(
    referential: Referential, base: str
) -> tuple[list[Node], list[Edge], list[tuple[str, str]]]:
    """``(nodes, edges, hierarchy_edges)`` of ``referential``: the framework node and one node
    per item, one edge per relation and per replaced item (``replacedBy``), and the child ->
    parent pairs of the hierarchy relations. Raises :class:`ReferentialError` (French) when a
    code is defined twice or a relation names an undefined code."""
    slug, version = referential.key
    framework = referential.url(base)
    nodes: list[Node] = [
        (
            framework,
            {
                "type": NodeType.FRAMEWORK,
                "referential": slug,
                "version": version,
                "labels": dict(referential.title),
                "status": referential.status,
            },
        )
    ]
    ids: dict[str, str] = {}
    for item in referential.items:
        node = item.node_id(base, slug, version)
        ids[item.code] = node
        kind = item.kind
        node_type = kind.node_type
        attrs: dict[str, Any] = {
            "type": node_type,
            "kind": kind,
            "referential": slug,
            "version": version,
            "labels": dict(item.labels),
            "framework": framework,
        }
        for name in ITEM_ATTRS:
            value = getattr(item, name)
            if value is not None:
                attrs[name] = value
        if node_type is NodeType.MODULE:
            attrs["additional"] = kind != "module"
        nodes.append((node, attrs))

    edges: list[Edge] = []
    hierarchy_edges: list[tuple[str, str]] = []
    suffix = f"@{slug}/{version}"
    coherent = len(ids) == len(referential.items)  # else a code is defined twice
    ids_get = ids.get
    # One pass per relation (ESCO: 125,000 of them): qualifiers are read one by one
    # rather than through getattr over a name list, and hierarchy edges are collected here.
    for rel in referential.relations:
        u = ids_get(rel.source)
        if u is None:
            u = rel.source
            coherent = coherent and is_uri(u)
        v = ids_get(rel.target)
        if v is None:
            v = rel.target
            coherent = coherent and is_uri(v)
        rtype = rel.type
        attrs = {"type": rtype, "referential": slug, "version": version}
        if rel.mandatory is not None:
            attrs["mandatory"] = rel.mandatory
        if rel.requirement is not None:
            attrs["requirement"] = rel.requirement
        if rel.rank is not None:
            attrs["rank"] = rel.rank
        if rel.method is not None:
            attrs["method"] = rel.method
        if rel.confidence is not None:
            attrs["confidence"] = rel.confidence
        if rel.sequence is not None:
            attrs["sequence"] = rel.sequence
        if rel.properties:
            attrs["properties"] = dict(rel.properties)
        edges.append((u, v, rtype + suffix, attrs))
        if rtype in HIERARCHY_RELATIONS:
            hierarchy_edges.append((u, v))
    if not coherent:
        raise ReferentialError(
            f"le référentiel « {slug} » version {version} est incohérent : "
            + " ; ".join(referential.problems())
        )
    if referential.replaces:
        for item in referential.items:
            for old in item.replaces:
                u = (
                    old
                    if is_uri(old)
                    else item_url(base, slug, referential.replaces, item.kind, old)
                )
                attrs = {
                    "type": RelationType.REPLACED_BY,
                    "referential": slug,
                    "version": version,
                }
                edges.append((u, ids[item.code], RelationType.REPLACED_BY + suffix, attrs))
    return nodes, edges, hierarchy_edges
