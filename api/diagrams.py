"""The structure of a referential drawn as an accessible SVG, rendered on the server.

Certifications, blocks, modules (mandatory or optional) and competences are laid out as an
indented tree: one row per item, indented by depth, so it reads top to bottom on a phone as on
a desktop and needs no JavaScript nor chart library. Accessibility (WCAG 1.1.1, 1.4.1, 1.4.11):

- ``role="img"`` with ``<title>`` and ``<desc>`` (counts per kind) named by ``aria-labelledby``;
- mandatory and optional are told apart by the words « obligatoire » / « facultatif » written in
  the box and by a solid or dashed border, never by colour alone; borders have ≥ 3:1 contrast;
- the same tree is given as nested lists (:func:`structure_tree`) right after the picture: the
  text alternative that screen readers and people who prefer reading use.

An item under several parents (a shared safety block) appears under each; past ``MAX_ROWS`` rows
the picture stops and says how many were left out (the text version stays complete).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from html import escape

from markupsafe import Markup

from api.i18n import gettext as _
from api.i18n import ngettext
from referentials.model import ItemKind, Referential, RelationType

__all__ = ["Node", "structure_svg", "structure_tree"]

MAX_ROWS = 80
ROW_HEIGHT = 34
INDENT = 22
WIDTH = 640
_PARENT_RELATIONS = frozenset({RelationType.IS_PART_OF, RelationType.IS_CHILD_OF})
_SHOWN = frozenset(
    {
        ItemKind.CERTIFICATION,
        ItemKind.BLOCK,
        ItemKind.MODULE,
        ItemKind.ADDITIONAL_MODULE,
        ItemKind.COMPETENCE,
        ItemKind.GROUP,
    }
)
_FILL = {  # light fills, all with dark ink (#1d1d1f) at >= 12:1
    ItemKind.GROUP: "#f2f2f4",
    ItemKind.CERTIFICATION: "#e6eef8",
    ItemKind.BLOCK: "#eaf5ec",
    ItemKind.MODULE: "#fff4da",
    ItemKind.ADDITIONAL_MODULE: "#fdeaf3",
    ItemKind.COMPETENCE: "#ffffff",
}


def kind_name(kind: ItemKind) -> str:
    return {
        ItemKind.CERTIFICATION: _("Certification"),
        ItemKind.BLOCK: _("Bloc de compétences"),
        ItemKind.MODULE: _("Module"),
        ItemKind.ADDITIONAL_MODULE: _("Module additionnel"),
        ItemKind.COMPETENCE: _("Compétence"),
        ItemKind.GROUP: _("Famille de métiers"),
        ItemKind.LEVEL: _("Niveau"),
        ItemKind.OCCUPATION: _("Métier"),
        ItemKind.EXTERNAL: _("Élément externe"),
    }[kind]


@dataclass
class Node:
    code: str
    label: str
    kind: ItemKind
    mandatory: bool | None
    url: str
    children: list[Node] = field(default_factory=list)


def structure_tree(ref: Referential, base: str, lang: str = "fr") -> list[Node]:
    """The containment tree (roots first, in the file's order)."""
    items = {i.code: i for i in ref.items if i.kind in _SHOWN}
    children: dict[str, list[tuple[str, bool | None]]] = {}
    has_parent: set[str] = set()
    for rel in ref.relations:
        if rel.type in _PARENT_RELATIONS and rel.source in items and rel.target in items:
            children.setdefault(rel.target, []).append((rel.source, rel.mandatory))
            has_parent.add(rel.source)
    order = {code: n for n, code in enumerate(items)}

    def build(code: str, mandatory: bool | None, seen: frozenset[str]) -> Node:
        item = items[code]
        node = Node(
            code,
            item.label(lang),
            item.kind,
            mandatory if mandatory is not None else item.mandatory,
            item.url(base, ref.slug, ref.version),
        )
        for child, child_mandatory in sorted(children.get(code, []), key=lambda c: order[c[0]]):
            if child not in seen:  # hierarchies are acyclic, but never loop on bad data
                node.children.append(build(child, child_mandatory, seen | {child}))
        return node

    return [build(code, None, frozenset({code})) for code in items if code not in has_parent]


def _rows(nodes: list[Node], depth: int = 0) -> list[tuple[int, Node]]:
    rows: list[tuple[int, Node]] = []
    for node in nodes:
        rows.append((depth, node))
        rows.extend(_rows(node.children, depth + 1))
    return rows


def _status(node: Node) -> str:
    if node.mandatory is True:
        return _("obligatoire")
    if node.mandatory is False:
        return _("facultatif")
    return ""


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def structure_svg(ref: Referential, tree: list[Node], lang: str = "fr") -> Markup:
    rows = _rows(tree)
    shown = rows[:MAX_ROWS]
    counts = Counter(node.kind for _, node in rows)
    summary = ", ".join(
        f"{n} × {kind_name(kind).lower()}"
        for kind, n in sorted(counts.items(), key=lambda kv: kv[0])
    )
    title = _("Structure du référentiel « %(title)s »") % {
        "title": ref.title.get(lang) or ref.title.get("fr") or ref.slug
    }
    height = ROW_HEIGHT * (len(shown) + (1 if len(rows) > len(shown) else 0)) + 8
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="diagram" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" aria-labelledby="schema-titre schema-desc">',
        f'<title id="schema-titre">{escape(title)}</title>',
        f'<desc id="schema-desc">{escape(summary)}. '
        f"{escape(_('La version texte du schéma suit.'))}</desc>",
    ]
    for row, (depth, node) in enumerate(shown):
        x = 4 + depth * INDENT
        y = 4 + row * ROW_HEIGHT
        if depth:
            parts.append(
                f'<path d="M{x - INDENT + 8} {y - 8} V{y + 13} H{x}" fill="none" '
                'stroke="#6e6e78" stroke-width="1.5"/>'
            )
        dashed = ' stroke-dasharray="6 4"' if node.mandatory is False else ""
        weight = "2.5" if node.mandatory is True else "1.5"
        parts.append(
            f'<rect x="{x}" y="{y}" width="{WIDTH - x - 4}" height="{ROW_HEIGHT - 8}" rx="4" '
            f'fill="{_FILL.get(node.kind, "#ffffff")}" stroke="#4a4a52" stroke-width="{weight}"'
            f"{dashed}/>"
        )
        status = _status(node)
        label = f"{kind_name(node.kind)} · {node.label}"
        limit = max(12, (WIDTH - x - 24) // 7 - (len(status) + 3 if status else 0))
        text = escape(_clip(label, limit))
        if status:
            text += f' <tspan font-weight="700">({escape(status)})</tspan>'
        parts.append(
            f'<text x="{x + 8}" y="{y + 18}" font-size="13" fill="#1d1d1f" '
            f'font-family="system-ui, sans-serif">{text}</text>'
        )
    if len(rows) > len(shown):
        left = len(rows) - len(shown)
        more = ngettext(
            "%(n)d élément de plus : voir la version texte.",
            "%(n)d éléments de plus : voir la version texte.",
            left,
        ) % {"n": left}
        y = 4 + len(shown) * ROW_HEIGHT + 18
        parts.append(f'<text x="8" y="{y}" font-size="13" fill="#1d1d1f">{escape(more)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text above went through escape()
