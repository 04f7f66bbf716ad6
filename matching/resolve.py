"""Names people and badges use for graph nodes, resolved to node ids.

Accepted: a node id itself (a referential item URL, an ESCO ``conceptUri``, a ``urn:rome:…``);
a ROME fiche code (``F1703`` → ``urn:rome:fiche:F1703``) or OGR code (digits →
``urn:rome:ogr:<code>``); an item ``code`` or ``human_code`` when exactly one node has it.
"""

from __future__ import annotations

import re

from referentials.graph import SkillsGraph

__all__ = ["NodeResolver"]

_ROME_FICHE = re.compile(r"^[A-N]\d{4}$")


class NodeResolver:
    def __init__(self, graph: SkillsGraph) -> None:
        self.graph = graph
        self._codes: dict[str, set[str]] | None = None

    def _code_index(self) -> dict[str, set[str]]:
        if self._codes is None:
            codes: dict[str, set[str]] = {}
            for node, attrs in self.graph.graph.nodes(data=True):
                for name in ("code", "human_code"):
                    value = attrs.get(name)
                    if value:
                        codes.setdefault(str(value).casefold(), set()).add(node)
            self._codes = codes
        return self._codes

    def resolve(self, reference: str | None) -> str | None:
        """The node ``reference`` names, or ``None`` (unknown or ambiguous)."""
        if not reference:
            return None
        text = reference.strip()
        nodes = self.graph.graph
        if text in nodes:
            return text
        if _ROME_FICHE.match(text.upper()) and f"urn:rome:fiche:{text.upper()}" in nodes:
            return f"urn:rome:fiche:{text.upper()}"
        if text.isdigit() and f"urn:rome:ogr:{text}" in nodes:
            return f"urn:rome:ogr:{text}"
        found = self._code_index().get(text.casefold(), set())
        return next(iter(found)) if len(found) == 1 else None
