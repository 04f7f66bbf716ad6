"""Write a referential in the atouts YAML format (see ``referentials.yaml_format``).

Each relation is written where an author would look for it when that reads back identically
(a block lists its competences, an additional module says what it is attached to, a competence
lists its levels and correspondences); every other relation goes to the ``relations`` list, so
nothing is lost: ``loads(dumps(r)) == canonical(r)``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from referentials.model import (
    Item,
    ItemKind,
    Referential,
    Relation,
    RelationType,
    is_uri,
)
from referentials.yaml_vocab import (
    CROSSWALK_SUGAR,
    METHOD_FR,
    REQ_FR,
    ROLE_FR,
    SECTIONS,
    STATUS_FR,
    canonical,
)

__all__ = ["dump", "dumps", "to_data"]

_MEMBER_KEY = {
    ItemKind.BLOCK: "blocs",
    ItemKind.MODULE: "modules",
    ItemKind.ADDITIONAL_MODULE: "modules",
    ItemKind.COMPETENCE: "competences",
}
_ITEM_KEYS = (
    "contient",
    "blocs",
    "modules",
    "competences",
    "rattache_a",
    "parents",
    "niveaux",
    "correspondances",
)
HEADER = (
    "# Référentiel de compétences au format atouts\n"
    "# (schéma : referentials/schema/atouts-referential.schema.json)\n"
)


# libyaml emits much faster (ESCO-sized referentials); representers stay in Python either way.
_Base: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _Dumper(_Base):  # type: ignore[valid-type,misc]
    """Safe dumper that double-quotes text holding characters YAML reads as line breaks
    (NEL, LS, PS, CR) or other control characters, so they come back unchanged."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if any(ch in _RISKY or (ord(ch) < 0x20 and ch not in "\n") for ch in value):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"')
    return dumper.represent_str(value)


_RISKY = frozenset("\x85\u2028\u2029\r\ufeff")
_Dumper.add_representer(str, _str)


def dumps(referential: Referential) -> str:
    return HEADER + yaml.dump(
        to_data(referential), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100
    )


def dump(referential: Referential, path: Path) -> None:
    path.write_text(dumps(referential), encoding="utf-8")


def to_data(referential: Referential) -> dict[str, Any]:
    """The plain data of the YAML document (what the JSON Schema describes)."""
    ref = canonical(referential)
    data: dict[str, Any] = {
        "referentiel": ref.slug,
        "version": ref.version,
        "statut": STATUS_FR[ref.status],
        "titre": dict(ref.title),
        "langues": list(ref.languages),
    }
    _put(data, "description", dict(ref.description))
    _put(data, "licence", ref.licence)
    _put(data, "editeur", ref.publisher)
    _put(data, "remplace", ref.replaces)
    _put(data, "proprietes", dict(ref.properties))
    if ref.organisations:
        data["organisations"] = [
            _clean({"nom": o.name, "role": ROLE_FR[o.role], "url": o.url, "note": o.note})
            for o in ref.organisations
        ]
    if ref.agreements:
        data["accords"] = [
            _clean(
                {
                    "version": a.version,
                    "date": a.agreed_on.isoformat(),
                    "organisations": list(a.organisations) or None,
                    "note": a.note,
                }
            )
            for a in ref.agreements
        ]
    entries = {item.code: _item(item) for item in ref.items}
    generic: list[dict[str, Any]] = []
    for rel in ref.relations:
        if not _sugar(rel, ref.items_by_code, entries):
            generic.append(_generic(rel))
    for section, kind in SECTIONS.items():
        listed = [_ordered(entries[i.code]) for i in ref.items if i.kind is kind]
        if listed:
            data[section] = listed
    if generic:
        data["relations"] = generic
    return data


def _put(data: dict[str, Any], key: str, value: Any) -> None:
    if value not in (None, {}, [], ()):
        data[key] = value


def _clean(entry: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in entry.items() if v is not None}


def _item(item: Item) -> dict[str, Any]:
    entry: dict[str, Any] = {"code": item.code, "libelle": dict(item.labels)}
    _put(entry, "code_affiche", item.human_code)
    _put(entry, "autres_libelles", {k: list(v) for k, v in item.alt_labels.items()})
    _put(entry, "description", dict(item.descriptions))
    _put(entry, "type", item.competence_type.value if item.competence_type else None)
    if item.mandatory is not None:
        entry["obligatoire"] = item.mandatory
    _put(entry, "rang", item.rank)
    _put(entry, "criteres", {k: list(v) for k, v in item.criteria.items()})
    _put(entry, "uri", item.uri)
    _put(entry, "remplace", list(item.replaces))
    _put(entry, "proprietes", dict(item.properties))
    return entry


def _ordered(entry: dict[str, Any]) -> dict[str, Any]:
    """Item fields first, then the relation lists, in a stable order."""
    head = {k: v for k, v in entry.items() if k not in _ITEM_KEYS}
    return head | {k: entry[k] for k in _ITEM_KEYS if k in entry}


def _member(ref: str, rel: Relation, default: bool | None) -> Any:
    opts: dict[str, Any] = {}
    if rel.mandatory != default:
        opts["obligatoire"] = rel.mandatory
    if rel.sequence is not None:
        opts["ordre"] = rel.sequence
    if rel.properties:
        opts["proprietes"] = dict(rel.properties)
    return {"ref": ref, **opts} if opts else ref


def _sugar(rel: Relation, items: dict[str, Item], entries: dict[str, dict[str, Any]]) -> bool:
    """Write ``rel`` inside an item entry if it reads back identically; say whether it did."""
    plain = rel.requirement is None and rel.rank is None
    source = items.get(rel.source)
    target = items.get(rel.target)
    if (
        rel.type == RelationType.IS_PART_OF
        and plain
        and rel.method is None
        and rel.confidence is None
    ):
        if target is not None and (source is not None or is_uri(rel.source)):
            key = _MEMBER_KEY.get(source.kind, "contient") if source else "contient"
            default = source.mandatory if source else None
            entries[target.code].setdefault(key, []).append(_member(rel.source, rel, default))
            return True
        if source is not None and is_uri(rel.target):
            entries[source.code].setdefault("rattache_a", []).append(
                _member(rel.target, rel, False)
            )
            return True
        return False
    if source is None:
        return False
    if (
        rel.type == RelationType.IS_CHILD_OF
        and plain
        and rel.method is None
        and rel.confidence is None
        and (target is not None or is_uri(rel.target))
    ):
        entries[source.code].setdefault("parents", []).append(_member(rel.target, rel, None))
        return True
    if (
        rel.type == RelationType.HAS_SKILL_LEVEL
        and plain
        and rel.mandatory is None
        and rel.method is None
        and rel.confidence is None
        and rel.sequence is None
        and not rel.properties
        and (is_uri(rel.target) or (target is not None and target.kind is ItemKind.LEVEL))
    ):
        entries[source.code].setdefault("niveaux", []).append(rel.target)
        return True
    if (
        rel.type in CROSSWALK_SUGAR
        and plain
        and rel.mandatory is None
        and rel.sequence is None
        and (target is not None or is_uri(rel.target))
    ):
        entry: dict[str, Any] = {"cible": rel.target}
        if rel.type != RelationType.EXACT_MATCH_OF:
            entry["relation"] = str(rel.type)
        if rel.method is not None:
            entry["methode"] = METHOD_FR[rel.method]
        if rel.confidence is not None:
            entry["confiance"] = rel.confidence
        if rel.properties:
            entry["proprietes"] = dict(rel.properties)
        entries[source.code].setdefault("correspondances", []).append(entry)
        return True
    return False


def _generic(rel: Relation) -> dict[str, Any]:
    return _clean(
        {
            "type": str(rel.type),
            "source": rel.source,
            "cible": rel.target,
            "obligatoire": rel.mandatory,
            "exigence": REQ_FR[rel.requirement] if rel.requirement else None,
            "rang": rel.rank,
            "methode": METHOD_FR[rel.method] if rel.method else None,
            "confiance": rel.confidence,
            "ordre": rel.sequence,
            "proprietes": dict(rel.properties) or None,
        }
    )
