"""Read back what atouts writes under ``extensions.atouts`` of a CASE package.

The CASE exporter (:mod:`referentials.formats.case_export`) serialises each item, relation and
the referential itself with :func:`referentials.formats.case_common.jsonable`; these functions
rebuild the model objects exactly, so export → import is lossless.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from referentials.formats.case_common import EXTENSION
from referentials.model import (
    Agreement,
    CompetenceType,
    CrosswalkMethod,
    Item,
    ItemKind,
    Organisation,
    OrganisationRole,
    Referential,
    Relation,
    RequirementType,
    Status,
)

__all__ = [
    "atouts_extension",
    "identifier_of",
    "item_from_extension",
    "referential_from_extension",
    "relation_from_extension",
]


def atouts_extension(obj: Mapping[str, Any]) -> dict[str, Any] | None:
    extensions = obj.get("extensions")
    if isinstance(extensions, Mapping) and isinstance(extensions.get(EXTENSION), Mapping):
        return dict(extensions[EXTENSION])
    return None


def identifier_of(obj: Mapping[str, Any]) -> str:
    return str(obj.get("identifier") or obj.get("sourcedId") or "")


def _tuples(mapping: Any) -> dict[str, tuple[str, ...]]:
    return {str(k): tuple(v) for k, v in dict(mapping or {}).items()}


def item_from_extension(ext: dict[str, Any]) -> Item:
    return Item(
        code=ext["code"],
        kind=ItemKind(ext["kind"]),
        labels=dict(ext.get("labels") or {}),
        human_code=ext.get("human_code"),
        alt_labels=_tuples(ext.get("alt_labels")),
        descriptions=dict(ext.get("descriptions") or {}),
        competence_type=CompetenceType(ext["competence_type"])
        if ext.get("competence_type")
        else None,
        mandatory=ext.get("mandatory"),
        rank=ext.get("rank"),
        criteria=_tuples(ext.get("criteria")),
        uri=ext.get("uri"),
        replaces=tuple(ext.get("replaces") or ()),
        properties=dict(ext.get("properties") or {}),
    )


def relation_from_extension(ext: dict[str, Any]) -> Relation:
    return Relation(
        type=ext["type"],
        source=ext["source"],
        target=ext["target"],
        mandatory=ext.get("mandatory"),
        requirement=RequirementType(ext["requirement"]) if ext.get("requirement") else None,
        rank=ext.get("rank"),
        method=CrosswalkMethod(ext["method"]) if ext.get("method") else None,
        confidence=ext.get("confidence"),
        sequence=ext.get("sequence"),
        properties=dict(ext.get("properties") or {}),
    )


def referential_from_extension(
    ext: dict[str, Any], items: list[Item], relations: list[Relation]
) -> Referential:
    items = list(items)
    for entry in sorted(ext.get("externals") or (), key=lambda e: int(e["position"])):
        items.insert(int(entry["position"]), item_from_extension(dict(entry["item"])))
    return Referential(
        slug=ext["slug"],
        version=ext["version"],
        title=dict(ext.get("title") or {}),
        status=Status(ext.get("status") or "draft"),
        languages=tuple(ext.get("languages") or ("fr",)),
        licence=ext.get("licence"),
        description=dict(ext.get("description") or {}),
        publisher=ext.get("publisher"),
        organisations=tuple(
            Organisation(
                name=o["name"],
                role=OrganisationRole(o["role"]),
                url=o.get("url"),
                note=o.get("note"),
            )
            for o in ext.get("organisations") or ()
        ),
        agreements=tuple(
            Agreement(
                version=a["version"],
                agreed_on=date.fromisoformat(a["agreed_on"]),
                organisations=tuple(a.get("organisations") or ()),
                note=a.get("note"),
            )
            for a in ext.get("agreements") or ()
        ),
        replaces=ext.get("replaces"),
        items=tuple(items),
        relations=tuple(relations),
        properties=dict(ext.get("properties") or {}),
    )
