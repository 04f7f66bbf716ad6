"""Read CASE 1.0 and 1.1 CFPackages (1EdTech CASE v1.1 §package binding; CASE 1.0 leniently).

Real 1.0-era packages do not pass the 1.1 schema (``shared/research/referentials.md`` §2.2,
§2.4): ``CFPackageURI`` / ``CFDocumentURI`` (string or LinkURI) / ``CFItemAssociationURI``,
``educationalLevel`` instead of ``educationLevel``, ``sequenceNumber`` as a string, association
ends outside the package, ``sourcedId`` for ``identifier``. The importer accepts all of them,
says so in warnings and drops nothing:

* unknown fields are kept in ``properties["case_extra"]`` of the item, relation or referential
  (with the ``CFDefinitions`` of the package);
* an association end that is neither an item nor the document stays a URI in the relation (the
  graph makes it an ``external`` stub node), with its title and ``targetType`` kept;
* ``isChildOf`` → CFDocument marks a root and needs no relation (roots are recomputed on export).

Packages written by atouts carry ``extensions.atouts``; they are read back exactly.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from referentials.formats.case_atouts import (
    atouts_extension,
    identifier_of,
    item_from_extension,
    referential_from_extension,
    relation_from_extension,
)
from referentials.formats.case_common import (
    kind_of_item_type,
    mandatory_of_grouping,
    tree_order,
)
from referentials.formats.case_document import foreign_referential
from referentials.model import (
    Item,
    ItemKind,
    Referential,
    ReferentialFormatError,
    Relation,
    RelationType,
    RequirementType,
)

__all__ = ["CaseFormatError", "from_package"]

_ITEM_FIELDS = frozenset(
    {
        "identifier",
        "sourcedId",
        "fullStatement",
        "uri",
        "lastChangeDateTime",
        "humanCodingScheme",
        "CFItemType",
        "CFItemTypeURI",
        "language",
        "notes",
        "abbreviatedStatement",
        "listEnumeration",
        "educationLevel",
        "educationalLevel",
        "extensions",
        "alternativeLabel",
    }
)
_ASSOCIATION_FIELDS = frozenset(
    {
        "identifier",
        "sourcedId",
        "associationType",
        "uri",
        "originNodeURI",
        "destinationNodeURI",
        "lastChangeDateTime",
        "sequenceNumber",
        "CFAssociationGroupingURI",
        "notes",
        "extensions",
    }
)
_ATOUTS_TYPES = {t.value for t in RelationType}


class CaseFormatError(ReferentialFormatError, ValueError):
    """A JSON document that is not a CASE package at all (not JSON, no CFDocument)."""

    code = "case_package_invalid"

    def __init__(self, message: str, *, source: str | None = None) -> None:
        super().__init__([(None, message)], source=source)


class _Reader:
    def __init__(self, package: Mapping[str, Any], name: str) -> None:
        document = package.get("CFDocument")
        if not isinstance(document, Mapping):
            raise CaseFormatError("pas de CFDocument : ce n'est pas un paquet CASE", source=name)
        self.package = package
        self.name = name
        self.document = document
        self.doc_id = identifier_of(document)
        self.doc_uri = str(document.get("uri") or "")
        self.lang = str(document.get("language") or "en")
        self.warnings: list[str] = []
        self.quirks: dict[str, int] = {}
        self.root_sequence: dict[str, int] = {}
        raw_items: list[Mapping[str, Any]] = []
        seen: set[str] = set()
        for raw in package.get("CFItems") or ():
            if not isinstance(raw, Mapping):
                self.quirk("CFItem qui n'est pas un objet (ignoré)")
            elif identifier_of(raw) in seen:
                self.quirk("CFItem en double (même identifier, le premier est gardé)")
            else:
                seen.add(identifier_of(raw))
                raw_items.append(raw)
        self.raw_items = raw_items
        # Ends are resolved by identifier first, then by URI.
        self.code_of: dict[str, str] = {}
        self.codes: set[str] = set()
        for raw in raw_items:
            ext = atouts_extension(raw)
            code = str(ext["code"]) if ext and "code" in ext else identifier_of(raw)
            self.code_of[identifier_of(raw)] = code
            self.codes.add(code)
            if raw.get("uri"):
                self.code_of[str(raw["uri"])] = code
        definitions = package.get("CFDefinitions") or {}
        self.grouping_titles = self._titles(definitions.get("CFAssociationGroupings"))
        self.item_type_titles = self._titles(definitions.get("CFItemTypes"))

    @staticmethod
    def _titles(definitions: Any) -> dict[str, str]:
        """Title of each CFDefinitions entry, by identifier and by URI."""
        return {
            key: str(d.get("title") or "")
            for d in definitions or ()
            if isinstance(d, Mapping)
            for key in (identifier_of(d), str(d.get("uri") or ""))
            if key
        }

    def quirk(self, what: str) -> None:
        self.quirks[what] = self.quirks.get(what, 0) + 1

    def end(self, link: Any) -> tuple[str | None, Mapping[str, Any]]:
        """(item code or URI, the link) — ``None`` when the end is the document itself."""
        if isinstance(link, str):
            link = {"uri": link, "identifier": link}
        if not isinstance(link, Mapping):
            return "", {}
        identifier, uri = str(link.get("identifier") or ""), str(link.get("uri") or "")
        if identifier in self.code_of:
            return self.code_of[identifier], link
        if uri in self.code_of:
            return self.code_of[uri], link
        if (identifier and identifier == self.doc_id) or (uri and uri == self.doc_uri):
            return None, link
        return uri or f"urn:uuid:{identifier}", link

    def item(self, raw: Mapping[str, Any], criteria: dict[str, list[str]]) -> Item:
        ext = atouts_extension(raw)
        if ext and "code" in ext and "kind" in ext:
            return item_from_extension(ext)
        identifier = identifier_of(raw)
        if "sourcedId" in raw and "identifier" not in raw:
            self.quirk("sourcedId au lieu de identifier")
        lang = str(raw.get("language") or self.lang)
        item_type = str(raw.get("CFItemType") or "")
        type_link = raw.get("CFItemTypeURI")
        if not item_type and isinstance(type_link, Mapping):
            # Only the link: its title, else the CFItemTypes definition it points to.
            item_type = str(type_link.get("title") or "") or self.item_type_titles.get(
                identifier_of(type_link), ""
            )
        props: dict[str, Any] = {"case_identifier": identifier}
        if item_type:
            props["CFItemType"] = item_type
        for key in ("abbreviatedStatement", "listEnumeration"):
            if raw.get(key):
                props[key] = raw[key]
        level = raw.get("educationLevel", raw.get("educationalLevel"))
        if "educationalLevel" in raw:
            self.quirk("educationalLevel (orthographe CASE 1.0)")
        if level:
            props["educationLevel"] = (
                [str(v) for v in level] if isinstance(level, list) else [str(level)]
            )
        extra = {k: v for k, v in raw.items() if k not in _ITEM_FIELDS}
        for key in extra:
            self.quirk(f"champ {key} hors CASE 1.1")
        if extra:
            props["case_extra"] = extra
        alt = raw.get("alternativeLabel") or raw.get("abbreviatedStatement")
        code = self.code_of[identifier]
        return Item(
            code=code,
            kind=kind_of_item_type(item_type) if item_type else ItemKind.COMPETENCE,
            labels={lang: str(raw.get("fullStatement") or raw.get("humanCodingScheme") or code)},
            human_code=str(raw["humanCodingScheme"]) if raw.get("humanCodingScheme") else None,
            alt_labels={lang: (str(alt),)} if alt else {},
            descriptions={lang: str(raw["notes"])} if raw.get("notes") else {},
            criteria={lang: tuple(criteria[code])} if criteria.get(code) else {},
            uri=str(raw.get("uri") or "") or None,
            properties=props,
        )

    def sequence(self, value: Any) -> int | None:
        if value is None or value == "":
            return None
        if isinstance(value, str):
            self.quirk("sequenceNumber en texte")
            return int(value) if value.strip().lstrip("-").isdigit() else None
        return int(value)

    def mandatory(self, raw: Mapping[str, Any]) -> bool | None:
        extensions = raw.get("extensions")
        if isinstance(extensions, Mapping) and isinstance(extensions.get("mandatory"), bool):
            return bool(extensions["mandatory"])
        grouping = raw.get("CFAssociationGroupingURI")
        if isinstance(grouping, Mapping):
            title = str(grouping.get("title") or "") or self.grouping_titles.get(
                identifier_of(grouping), ""
            )
            return mandatory_of_grouping(title)
        return None

    def requirement(self, raw: Mapping[str, Any], essential: bool | None) -> RequirementType | None:
        extensions = raw.get("extensions")
        if isinstance(extensions, Mapping) and extensions.get("requirement") in (
            "essential",
            "optional",
        ):
            return RequirementType(extensions["requirement"])
        if essential is None:
            return None
        return RequirementType.ESSENTIAL if essential else RequirementType.OPTIONAL

    def relations(self, replaces: dict[str, list[str]]) -> list[Relation]:
        out: list[Relation] = []
        external: set[str] = set()
        for raw in self.package.get("CFAssociations") or ():
            if not isinstance(raw, Mapping):
                continue
            ext = atouts_extension(raw)
            if ext and isinstance(ext.get("relation"), Mapping):
                out.append(relation_from_extension(dict(ext["relation"])))
                continue
            source, origin = self.end(raw.get("originNodeURI"))
            target, destination = self.end(raw.get("destinationNodeURI"))
            kind = str(raw.get("associationType") or "")
            if ext and ext.get("replaces") and target is not None:
                replaces.setdefault(target, []).append(str(ext["replaces"]))
                continue
            sequence = self.sequence(raw.get("sequenceNumber"))
            if target is None and kind in (RelationType.IS_CHILD_OF, RelationType.IS_PART_OF):
                # A root: its parent is the framework node itself; only its rank is kept.
                if source is not None and sequence is not None:
                    self.root_sequence[source] = sequence
                continue
            if kind.startswith("ext:") and kind[4:] in _ATOUTS_TYPES:
                kind = kind[4:]
            props: dict[str, Any] = {}
            if identifier_of(raw):
                props["case_identifier"] = identifier_of(raw)
            if raw.get("notes"):
                props["notes"] = raw["notes"]
            extra = {k: v for k, v in raw.items() if k not in _ASSOCIATION_FIELDS}
            if extra:
                props["case_extra"] = extra
            mandatory, requirement = self.mandatory(raw), None
            if kind in (RelationType.REQUIRES, RelationType.NEEDS):
                # On requirements the grouping says essential / optional, not mandatory.
                requirement = self.requirement(raw, mandatory)
                mandatory = None
            ends = ((source, origin, "origin"), (target, destination, "destination"))
            for end, link, side in ends:
                if end is None:
                    end = self.doc_uri
                if end not in self.codes:
                    external.add(end)
                    if link.get("title"):
                        props[f"case_{side}_title"] = link["title"]
                    if link.get("targetType"):
                        props[f"case_{side}_target_type"] = link["targetType"]
            out.append(
                Relation(
                    type=kind,
                    source=source if source is not None else self.doc_uri,
                    target=target if target is not None else self.doc_uri,
                    mandatory=mandatory,
                    requirement=requirement,
                    sequence=sequence,
                    properties=props,
                )
            )
        if external:
            self.warnings.append(
                f"{self.name} : {len(external)} extrémité(s) d'association hors du paquet, "
                "gardées comme nœuds externes"
            )
        return out

    def rubrics(self) -> tuple[list[Item], list[Relation], dict[str, list[str]]]:
        """Foreign CFRubrics: each criterion level becomes a level item of its competence."""
        items: list[Item] = []
        relations: list[Relation] = []
        criteria: dict[str, list[str]] = {}
        for rubric in self.package.get("CFRubrics") or ():
            if not isinstance(rubric, Mapping) or (atouts_extension(rubric) or {}).get("derived"):
                continue
            for criterion in rubric.get("CFRubricCriteria") or ():
                competence, _ = self.end(criterion.get("CFItemURI"))
                if not competence:
                    self.quirk("critère de grille sans CFItemURI")
                    continue
                if criterion.get("description"):
                    criteria.setdefault(competence, []).append(str(criterion["description"]))
                levels = criterion.get("CFRubricCriterionLevels") or ()
                for index, level in enumerate(levels, start=1):
                    position = level.get("position")
                    rank = int(position) if isinstance(position, int | float) else index
                    label = str(level.get("quality") or level.get("description") or rank)
                    props = {k: level[k] for k in ("score", "feedback") if k in level}
                    props["case_identifier"] = identifier_of(level)
                    items.append(
                        Item(
                            code=identifier_of(level) or f"{competence}-level-{index}",
                            kind=ItemKind.LEVEL,
                            labels={self.lang: label},
                            descriptions={self.lang: str(level["description"])}
                            if level.get("description")
                            else {},
                            rank=rank,
                            uri=str(level.get("uri") or "") or None,
                            properties=props,
                        )
                    )
                    relations.append(
                        Relation(RelationType.HAS_SKILL_LEVEL, competence, items[-1].code)
                    )
        return items, relations, criteria


def from_package(
    package: Mapping[str, Any], name: str = "paquet CASE"
) -> tuple[Referential, list[str]]:
    """One referential from one CFPackage, and the warnings (French) about 1.0-era quirks."""
    reader = _Reader(package, name)
    level_items, level_relations, criteria = reader.rubrics()
    items = [reader.item(raw, criteria) for raw in reader.raw_items]
    replaces: dict[str, list[str]] = {}
    relations = reader.relations(replaces)
    if replaces:
        items = [
            Item(
                **{
                    **{f: getattr(i, f) for f in Item.__dataclass_fields__},
                    "replaces": i.replaces + tuple(replaces[i.code]),
                }
            )
            if i.code in replaces and not i.replaces
            else i
            for i in items
        ]
    items += level_items
    relations += level_relations
    document = reader.document
    for key in ("CFPackageURI", "CFDocumentURI", "CFItemAssociationURI"):
        if key in document:
            reader.quirk(f"champ {key} hors CASE 1.1")
    warnings = reader.warnings + [
        f"{name} : {what} ({count} fois) — lu avec tolérance (usage de l'ère CASE 1.0)"
        for what, count in sorted(reader.quirks.items())
    ]
    ext = atouts_extension(document)
    if ext and "slug" in ext and "version" in ext:
        return referential_from_extension(ext, items, relations), warnings
    items = tree_order(items, relations, reader.root_sequence)
    referential = foreign_referential(
        document,
        reader.package.get("CFDefinitions"),
        ids=(reader.doc_id, reader.doc_uri),
        lang=reader.lang,
        items=items,
        relations=relations,
    )
    return referential, warnings
