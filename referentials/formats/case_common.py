"""Vocabulary shared by the CASE importer and exporter (1EdTech CASE 1.1, package binding).

``shared/research/referentials.md`` §2: the CFPackage JSON Schema, association types and the
recommendation for mandatory/optional (an association grouping « Obligatoire » / « Optionnel »
plus ``extensions.mandatory``). Everything atouts needs to rebuild a referential exactly lives
under ``extensions["atouts"]`` of the document, items and associations: a CASE consumer ignores
it, atouts reads it back, so export → import is lossless.
"""

from __future__ import annotations

import dataclasses
import re
import uuid
from collections.abc import Mapping
from datetime import date, datetime
from enum import Enum
from typing import Any

from referentials.model import Item, ItemKind, Relation, RelationType

#: Extension key carrying atouts data in CFDocument / CFItem / CFAssociation / CFRubric.
EXTENSION = "atouts"

#: Association types defined by CASE 1.1 (CFPckgAssociation.associationType enum).
CASE_ASSOCIATION_TYPES = frozenset(
    {
        "isChildOf",
        "isPeerOf",
        "isPartOf",
        "exactMatchOf",
        "precedes",
        "isRelatedTo",
        "replacedBy",
        "exemplar",
        "hasSkillLevel",
        "isTranslationOf",
    }
)

_EXT_NAME = re.compile(r"^ext:[A-Za-z0-9|.\-_]+$")

#: Titles of the association groupings that carry mandatory / optional membership.
GROUPING_TITLES = {True: "Obligatoire", False: "Optionnel"}
_MANDATORY_WORDS = re.compile(r"obligatoire|mandatory|required|requis", re.IGNORECASE)
_OPTIONAL_WORDS = re.compile(r"optionnel|optional|facultati|compl[ée]mentaire", re.IGNORECASE)

#: CFItemType written for each item kind (French first: these are shown to people).
ITEM_TYPES: dict[ItemKind, str] = {
    ItemKind.CERTIFICATION: "Certification",
    ItemKind.BLOCK: "Bloc de compétences",
    ItemKind.MODULE: "Module",
    ItemKind.ADDITIONAL_MODULE: "Module additionnel",
    ItemKind.COMPETENCE: "Compétence",
    ItemKind.LEVEL: "Niveau",
    ItemKind.OCCUPATION: "Métier",
    ItemKind.GROUP: "Groupe",
    ItemKind.EXTERNAL: "Élément externe",
}

# How a foreign CFItemType maps onto a kind: the first pattern that matches wins.
_KIND_PATTERNS: tuple[tuple[re.Pattern[str], ItemKind], ...] = (
    (re.compile(r"additionnel|additional|compl[ée]mentaire", re.I), ItemKind.ADDITIONAL_MODULE),
    (re.compile(r"module", re.I), ItemKind.MODULE),
    (re.compile(r"\bbloc|\bblock", re.I), ItemKind.BLOCK),
    (re.compile(r"certif|titre|dipl[ôo]me|qualification|credential", re.I), ItemKind.CERTIFICATION),
    (re.compile(r"niveau|level", re.I), ItemKind.LEVEL),
    (re.compile(r"m[ée]tier|occupation|emploi", re.I), ItemKind.OCCUPATION),
    (re.compile(r"externe|external", re.I), ItemKind.EXTERNAL),
    (re.compile(r"groupe|group|cluster|domaine|domain|cat[ée]gor", re.I), ItemKind.GROUP),
)

ADOPTION_STATUS = {"draft": "Draft", "published": "Adopted", "retired": "Deprecated"}


def kind_of_item_type(item_type: str) -> ItemKind:
    """The kind of a foreign item from its ``CFItemType`` text (default: competence)."""
    for pattern, kind in _KIND_PATTERNS:
        if pattern.search(item_type):
            return kind
    return ItemKind.COMPETENCE


def mandatory_of_grouping(title: str) -> bool | None:
    """Mandatory (True), optional (False) or unknown (None) from an association grouping title."""
    if _OPTIONAL_WORDS.search(title):
        return False
    if _MANDATORY_WORDS.search(title):
        return True
    return None


def association_type(relation_type: str) -> str:
    """The CASE associationType for a relation type: CASE names as is, others as ``ext:``."""
    if relation_type in CASE_ASSOCIATION_TYPES or _EXT_NAME.match(relation_type):
        return str(relation_type)
    return "ext:" + re.sub(r"[^A-Za-z0-9.\-_]", "_", relation_type)


def stable_uuid(*parts: str) -> str:
    """A deterministic UUID (v5) so that exporting twice gives the same identifiers."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "\x1f".join(parts)))


def is_uuid(value: object) -> bool:
    if not isinstance(value, str) or len(value) != 36:
        return False
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return value == value.lower()


def jsonable(value: Any) -> Any:
    """A JSON-compatible copy of model data (enums as values, tuples as lists, dates as ISO)."""
    if isinstance(value, Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [jsonable(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


_CHUNKS = re.compile(r"(\d+)")


def natural_key(text: str) -> tuple[tuple[int, int, str], ...]:
    """Sort key that puts ``L1.9`` before ``L1.10`` (digits compare as numbers)."""
    return tuple(
        (0, int(part), "") if part.isdigit() else (1, 0, part.casefold())
        for part in _CHUNKS.split(text)
        if part
    )


def tree_order(
    items: list[Item], relations: list[Relation], root_sequence: Mapping[str, int]
) -> list[Item]:
    """Items in reading order: depth first from the roots, siblings ordered by
    ``sequenceNumber``, else ``listEnumeration``, else the natural order of
    ``humanCodingScheme``, else file order (``shared/research/referentials.md`` §2.4)."""
    position = {item.code: index for index, item in enumerate(items)}
    by_code = {item.code: item for item in items}
    children: dict[str, list[tuple[str, int | None]]] = {}
    has_parent: set[str] = set()
    for rel in relations:
        if rel.type == RelationType.IS_CHILD_OF and rel.source in by_code and rel.target in by_code:
            children.setdefault(rel.target, []).append((rel.source, rel.sequence))
            has_parent.add(rel.source)

    def key(code: str, sequence: int | None) -> tuple[Any, ...]:
        item = by_code[code]
        enumeration = str(item.properties.get("listEnumeration") or "")
        return (
            sequence is None,
            sequence or 0,
            enumeration == "",
            natural_key(enumeration),
            item.human_code is None,
            natural_key(item.human_code or ""),
            position[code],
        )

    roots = sorted(
        (c for c in by_code if c not in has_parent),
        key=lambda c: key(c, root_sequence.get(c)),
    )
    ordered: list[Item] = []
    seen: set[str] = set()
    stack = list(reversed(roots))
    while stack:
        code = stack.pop()
        if code in seen:
            continue
        seen.add(code)
        ordered.append(by_code[code])
        below = sorted(children.get(code, ()), key=lambda c: key(*c))
        stack.extend(c for c, _ in reversed(below) if c not in seen)
    # Items only reachable through a cycle keep their file order (the graph reports the cycle).
    ordered += [item for item in items if item.code not in seen]
    return ordered
