"""One entry point for every referential format, and the summary of what an import did.

Each format lives in a module exposing ``load(paths: list[Path]) -> tuple[list[Referential],
ImportSummary]`` (issue 3): the atouts YAML (``referentials.yaml_format``) and the formats of
``referentials.formats`` (CASE, ESCO, ROME, certification blocks CSV). Modules are imported
lazily by name, so a format's dependencies load only when that format is used.

:func:`import_paths` also merges the result into a :class:`~referentials.graph.SkillsGraph`,
which refuses incoherent referentials and hierarchy cycles before anything is stored, and
reports node and edge counts *as the graph holds them*, with the format's warnings.
"""

from __future__ import annotations

import importlib
import json
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from referentials.graph import SkillsGraph, build_graph
from referentials.model import DEFAULT_BASE_URL, ImportSummary, Referential, ReferentialError
from referentials.store import ReferentialStore, SaveOutcome

__all__ = [
    "EXPORT_FORMATS",
    "FORMATS",
    "export_referential",
    "graph_from_store",
    "guess_format",
    "import_and_store",
    "import_paths",
    "summarise",
]

FORMATS: dict[str, str] = {
    "yaml": "referentials.yaml_format",
    "case": "referentials.formats.case",
    "esco": "referentials.formats.esco",
    "rome": "referentials.formats.rome",
    "blocks-csv": "referentials.formats.blocks_csv",
}
EXPORT_FORMATS = ("yaml", "case")


def _module(fmt: str) -> Any:
    if fmt not in FORMATS:
        raise ReferentialError(
            f"format inconnu « {fmt} » (formats possibles : {', '.join(FORMATS)})",
            code="referential_format_unknown",
        )
    try:
        return importlib.import_module(FORMATS[fmt])
    except ModuleNotFoundError as exc:
        if exc.name != FORMATS[fmt]:
            raise
        raise ReferentialError(
            f"le format « {fmt} » n'est pas disponible dans cette version",
            code="referential_format_unavailable",
        ) from None


def guess_format(paths: Iterable[Path]) -> str | None:
    """``yaml`` or ``case`` when every file's extension says so; otherwise ``None`` (CSV
    releases — ESCO, ROME, blocks — look alike: the caller must say which)."""
    suffixes = {p.suffix.lower() for p in paths}
    if suffixes and suffixes <= {".yaml", ".yml"}:
        return "yaml"
    if suffixes == {".json"}:
        return "case"
    return None


def graph_from_store(
    store: ReferentialStore, *, base: str = DEFAULT_BASE_URL, published_only: bool = False
) -> SkillsGraph:
    """One graph of every stored referential version (only published ones if asked)."""
    graph = SkillsGraph(base)
    for entry in store.list():
        if published_only and entry.status != "published":
            continue
        graph.add(store.get(entry.slug, entry.version))
    return graph


def summarise(graph: SkillsGraph, warnings: Iterable[str] = ()) -> ImportSummary:
    """Node and edge counts by type as ``graph`` holds them."""
    nodes = Counter(str(t) for _, t in graph.graph.nodes(data="type"))
    edges = Counter(str(t) for _, _, t in graph.graph.edges(data="type"))
    return ImportSummary(dict(sorted(nodes.items())), dict(sorted(edges.items())), tuple(warnings))


def import_paths(
    paths: Iterable[Path], fmt: str, *, base: str = DEFAULT_BASE_URL
) -> tuple[list[Referential], ImportSummary]:
    """Read ``paths`` in format ``fmt``; raise a :class:`ReferentialError` (French message) if
    the files are unreadable, incoherent or close a hierarchy cycle."""
    loaded: tuple[list[Referential], ImportSummary] = _module(fmt).load(list(paths))
    referentials, summary = loaded
    graph = build_graph(referentials, base)
    return referentials, summarise(graph, summary.warnings)


def import_and_store(
    paths: Iterable[Path], fmt: str, store: ReferentialStore, *, base: str = DEFAULT_BASE_URL
) -> tuple[list[Referential], ImportSummary, list[SaveOutcome]]:
    """Import then save every referential; nothing is saved unless all of them import."""
    referentials, summary = import_paths(paths, fmt, base=base)
    outcomes = [store.save(ref) for ref in referentials]
    return referentials, summary, outcomes


def export_referential(referential: Referential, fmt: str, *, base: str = DEFAULT_BASE_URL) -> str:
    """The text of ``referential`` in ``fmt`` (``yaml`` or ``case``, a CASE 1.1 package)."""
    if fmt == "yaml":
        from referentials.yaml_format import dumps

        return dumps(referential)
    if fmt == "case":
        package = _module("case").dump(referential, base=base)
        return json.dumps(package, ensure_ascii=False, indent=2) + "\n"
    raise ReferentialError(
        f"export impossible au format « {fmt} » (formats possibles : {', '.join(EXPORT_FORMATS)})",
        code="referential_format_unknown",
    )
