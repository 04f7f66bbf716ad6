"""Badges grouped by referential, with progress on certifications, blocks and modules.

Issue 6: "Plaquiste : bloc 1 acquis, bloc 2 en cours, module isolation à faire". A competence
counts as held when a badge of the wallet that is not "not valid" aligns to it (its
``targetUrl`` is the competence's node id in the skills graph, DESIGN.md §3.1). A block or
certification is *acquired* when every one of its mandatory competences is held
(``SkillsGraph.block_closure``), *in progress* when some are, *to do* otherwise; a module the same
way over the competences it teaches. Only certifications the holder has started are shown: six
trades of "à faire" would drown what they did.

Badges whose alignments the graph does not know are grouped by the framework name they carry.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from referentials.graph import SkillsGraph
from referentials.model import NodeType, RelationType
from storage.tables import WalletItem
from verifier.report import Verdict

__all__ = ["PartProgress", "ProgressState", "ReferentialGroup", "group_by_referential"]

_CONTAINMENT = (RelationType.IS_PART_OF, RelationType.IS_CHILD_OF)


class ProgressState(StrEnum):
    ACQUIRED = "acquired"
    IN_PROGRESS = "in_progress"
    TO_DO = "to_do"


STATE_WORDS = {
    "fr": {
        ProgressState.ACQUIRED: "acquis",
        ProgressState.IN_PROGRESS: "en cours",
        ProgressState.TO_DO: "à faire",
    },
    "en": {
        ProgressState.ACQUIRED: "acquired",
        ProgressState.IN_PROGRESS: "in progress",
        ProgressState.TO_DO: "to do",
    },
}


@dataclass(slots=True)
class PartProgress:
    node: str
    label: str
    kind: str  # certification | block | module
    state: ProgressState
    held: int
    total: int
    mandatory: bool | None = None
    parts: list[PartProgress] = field(default_factory=list)

    def sentence(self, lang: str = "fr") -> str:
        words = STATE_WORDS.get(lang, STATE_WORDS["fr"])
        head = f"{self.label} : {words[self.state]}"
        if not self.parts:
            return head
        return head + " — " + ", ".join(f"{p.label} {words[p.state]}" for p in self.parts)


@dataclass(slots=True)
class ReferentialGroup:
    key: str
    title: str
    item_ids: list[str] = field(default_factory=list)
    progress: list[PartProgress] = field(default_factory=list)


def _label(graph: SkillsGraph, node: str, lang: str) -> str:
    labels: dict[str, str] = graph.graph.nodes[node].get("labels", {})
    return labels.get(lang) or labels.get("fr") or next(iter(labels.values()), node)


def _state(held: int, total: int) -> ProgressState:
    if total and held >= total:
        return ProgressState.ACQUIRED
    return ProgressState.IN_PROGRESS if held else ProgressState.TO_DO


def _part(
    graph: SkillsGraph, node: str, held: set[str], lang: str, kind: str, **extra: Any
) -> PartProgress:
    needed = set(graph.module_teaches(node)) if kind == "module" else set(graph.block_closure(node))
    count = len(needed & held)
    return PartProgress(
        node,
        _label(graph, node, lang),
        kind,
        _state(count, len(needed)),
        count,
        len(needed),
        **extra,
    )


def _direct_parts(graph: SkillsGraph, container: str) -> list[tuple[str, bool | None]]:
    parts: list[tuple[str, bool | None]] = []
    for other, keyed in graph.graph.pred[container].items():
        for attrs in keyed.values():
            if attrs["type"] in _CONTAINMENT:
                node_type = graph.graph.nodes[other].get("type")
                if node_type in (NodeType.BLOCK, NodeType.MODULE):
                    parts.append((other, attrs.get("mandatory")))
                break
    return sorted(
        parts, key=lambda p: (graph.graph.nodes[p[0]].get("type") != NodeType.BLOCK, p[0])
    )


def _competences(item: WalletItem) -> list[dict[str, Any]]:
    return [c for c in item.summary.get("competences", []) if isinstance(c, dict)]


def group_by_referential(
    items: Iterable[WalletItem], graph: SkillsGraph | None, lang: str = "fr"
) -> list[ReferentialGroup]:
    groups: dict[str, ReferentialGroup] = {}
    held_by_ref: dict[str, set[str]] = {}
    for item in items:
        keys: list[tuple[str, str]] = []
        for competence in _competences(item):
            node = competence.get("node") or competence.get("url")
            attrs = graph.graph.nodes.get(node) if graph is not None and node else None
            if attrs and attrs.get("referential"):
                key = f"{attrs['referential']}@{attrs.get('version', '')}"
                framework = attrs.get("framework")
                title = (
                    _label(graph, framework, lang) if graph and framework in graph.graph else key
                )  # type: ignore[union-attr]
                keys.append((key, title))
                if item.verdict != Verdict.NOT_VERIFIED:
                    held_by_ref.setdefault(key, set()).add(str(node))
            else:
                name = str(competence.get("framework") or "").strip()
                if name:
                    keys.append((f"framework:{name}", name))
        if not keys:
            other = "Autres badges" if lang == "fr" else "Other badges"
            keys.append(("other", other))
        for key, title in dict.fromkeys(keys):
            group = groups.setdefault(key, ReferentialGroup(key, title))
            if item.id not in group.item_ids:
                group.item_ids.append(item.id)
    if graph is not None:
        for key, held in held_by_ref.items():
            groups[key].progress = _progress(graph, key, held, lang)
    return sorted(groups.values(), key=lambda g: (g.key == "other", g.title))


def _progress(graph: SkillsGraph, key: str, held: set[str], lang: str) -> list[PartProgress]:
    slug, _, version = key.partition("@")
    if (slug, version) not in graph.referentials:
        return []
    started: list[PartProgress] = []
    covered: set[str] = set()
    closures = graph.closures(slug, version)
    for node in sorted(closures):
        if graph.graph.nodes[node].get("type") is not NodeType.CERTIFICATION:
            continue
        cert = _part(graph, node, held, lang, "certification")
        cert.parts = [
            _part(
                graph,
                part,
                held,
                lang,
                "module" if graph.graph.nodes[part].get("type") is NodeType.MODULE else "block",
                mandatory=mandatory,
            )
            for part, mandatory in _direct_parts(graph, node)
        ]
        if cert.held or any(p.held for p in cert.parts):
            started.append(cert)
            covered.update(p.node for p in cert.parts)
    # Closest to completion first: a shared block (safety) starts every trade at once, and the
    # page must lead with the trade the person is actually working towards.
    started.sort(key=lambda p: (-(p.held / p.total if p.total else 0), -p.held, p.label))
    for node in sorted(closures):
        if node in covered or graph.graph.nodes[node].get("type") is not NodeType.BLOCK:
            continue
        block = _part(graph, node, held, lang, "block")
        if block.held:
            started.append(block)
    return started
