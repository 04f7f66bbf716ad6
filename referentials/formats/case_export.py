"""Write a referential as a CASE 1.1 CFPackage (1EdTech CASE v1.1, package JSON binding).

The output validates against the official package schema
(``case_v1p1_cfpackage-jsonschema1.json``, draft 2019-09, ``additionalProperties: false``):

* every object gets a deterministic UUID v5 ``identifier`` (or the identifier it was imported
  with) and a ``uri`` (the item's public URL or external URI), so exporting twice is identical;
* items with no parent in the package get ``isChildOf`` → CFDocument (the OpenSALT convention
  some consumers need to find the roots);
* relation types outside CASE are written ``ext:<type>`` (``ext:requires``, ``ext:broader``…);
* mandatory / optional membership travels twice, portably: a ``CFAssociationGroupingURI`` to
  the grouping « Obligatoire » or « Optionnel » (declared in ``CFDefinitions``) and
  ``extensions.mandatory``;
* levels (``hasSkillLevel``) are also written as one ``CFRubric`` whose criteria are the
  competences and whose criterion levels are the levels, for rubric-aware consumers;
* external stubs (crosswalk targets in ESCO, ROME…) are association ends, not CFItems;
* everything else atouts needs to rebuild the referential exactly sits in ``extensions.atouts``.

``CFItemTypes`` are not emitted: the official 1.1 schema requires a ``description`` property
on CFItemType that its own ``additionalProperties: false`` forbids, so no CFItemType object can
validate. Items carry ``CFItemType`` (text) and ``CFItemTypeURI`` instead.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from referentials.formats.case_common import (
    ADOPTION_STATUS,
    EXTENSION,
    GROUPING_TITLES,
    ITEM_TYPES,
    association_type,
    is_uuid,
    jsonable,
    stable_uuid,
)
from referentials.model import (
    DEFAULT_BASE_URL,
    Item,
    ItemKind,
    Referential,
    Relation,
    RelationType,
    RequirementType,
    is_uri,
    item_url,
)

__all__ = ["dump"]

_PARENT_TYPES = frozenset({RelationType.IS_CHILD_OF, RelationType.IS_PART_OF})


def _timestamp(referential: Referential, last_change: datetime | None) -> str:
    if last_change is None:
        stored = referential.properties.get("case_last_change")
        if isinstance(stored, str):
            try:
                last_change = datetime.fromisoformat(stored)
            except ValueError:
                last_change = None
            if last_change is not None and last_change.tzinfo is None:
                # CASE 1.0 exports often omit the offset; RFC 3339 needs one: read it as UTC.
                last_change = last_change.replace(tzinfo=UTC)
    if last_change is None:
        # Deterministic: the day the last version was agreed, else a fixed epoch.
        days = [a.agreed_on for a in referential.agreements]
        last_change = (
            datetime(max(days).year, max(days).month, max(days).day, tzinfo=UTC)
            if days
            else datetime(1970, 1, 1, tzinfo=UTC)
        )
    return last_change.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _link(title: str, identifier: str, uri: str) -> dict[str, str]:
    return {"title": title or uri, "identifier": identifier, "uri": uri}


class _Exporter:
    def __init__(self, referential: Referential, base: str, stamp: str, lang: str) -> None:
        self.ref = referential
        self.base = base
        self.stamp = stamp
        self.lang = lang
        self.doc_uri = str(referential.properties.get("case_uri") or referential.url(base))
        self.uris: dict[str, str] = {}
        self.ids: dict[str, str] = {}
        for item in referential.items:
            uri = item.node_id(base, referential.slug, referential.version)
            self.uris[item.code] = uri
            stored = item.properties.get("case_identifier")
            self.ids[item.code] = str(stored) if is_uuid(stored) else stable_uuid(uri)
        self.groupings: dict[bool, dict[str, str]] = {}

    def text(self, values: Any) -> str:
        if not values:
            return ""
        mapping = dict(values)
        return str(mapping.get(self.lang) or next(iter(mapping.values()), ""))

    def node(self, ref: str) -> dict[str, str]:
        item = self.ref.items_by_code.get(ref)
        if item is not None and item.kind is ItemKind.EXTERNAL:
            # Not a CFItem of this package: a plain link to the foreign node (ESCO, ROME…).
            return _link(item.label(self.lang), self.uris[ref], self.uris[ref])
        if item is not None:
            return _link(item.label(self.lang), self.ids[ref], self.uris[ref])
        return _link(ref.rstrip("/").rsplit("/", 1)[-1], ref, ref)

    def item(self, item: Item) -> dict[str, Any]:
        label = item.label(self.lang) or item.code
        kind_title = str(item.properties.get("CFItemType") or ITEM_TYPES[item.kind])
        out: dict[str, Any] = {
            "identifier": self.ids[item.code],
            "fullStatement": label,
            "uri": self.uris[item.code],
            "lastChangeDateTime": self.stamp,
            "CFItemType": kind_title,
            "CFItemTypeURI": _link(
                kind_title,
                stable_uuid("atouts:item-type", item.kind.value),
                f"{self.base.rstrip('/')}/referentials/item-types/{item.kind.value}",
            ),
            "language": self.lang,
        }
        # Items authored here always get a humanCode; foreign ones (own ``uri``) keep theirs.
        if human_code := item.human_code or (item.code if item.uri is None else None):
            out["humanCodingScheme"] = human_code
        notes = self.text(item.descriptions)
        if notes:
            out["notes"] = notes
        for key in ("abbreviatedStatement", "listEnumeration"):
            if isinstance(item.properties.get(key), str):
                out[key] = item.properties[key]
        levels = item.properties.get("educationLevel")
        if isinstance(levels, list) and all(isinstance(v, str) for v in levels):
            out["educationLevel"] = levels
        out["extensions"] = {EXTENSION: jsonable(item)}
        return out

    def grouping(self, mandatory: bool) -> dict[str, str]:
        if mandatory not in self.groupings:
            title = GROUPING_TITLES[mandatory]
            uri = f"{self.doc_uri}/association-groupings/{title.lower()}"
            self.groupings[mandatory] = _link(title, stable_uuid(uri), uri)
        return self.groupings[mandatory]

    def association(self, rel: Relation, index: int, extension: dict[str, Any]) -> dict[str, Any]:
        origin, destination = self.node(rel.source), self.node(rel.target)
        stored = rel.properties.get("case_identifier")
        identifier = (
            str(stored)
            if is_uuid(stored)
            else stable_uuid(self.doc_uri, rel.type, origin["uri"], destination["uri"], str(index))
        )
        for end, link in (("origin", origin), ("destination", destination)):
            title = rel.properties.get(f"case_{end}_title")
            if isinstance(title, str) and title:
                link["title"] = title
            target_type = rel.properties.get(f"case_{end}_target_type")
            if isinstance(target_type, str):
                link["targetType"] = target_type
        out: dict[str, Any] = {
            "identifier": identifier,
            "associationType": association_type(rel.type),
            "uri": f"{self.doc_uri}/associations/{identifier}",
            "originNodeURI": origin,
            "destinationNodeURI": destination,
            "lastChangeDateTime": self.stamp,
        }
        if rel.sequence is not None:
            out["sequenceNumber"] = rel.sequence
        extensions: dict[str, Any] = {}
        if rel.mandatory is not None:
            out["CFAssociationGroupingURI"] = self.grouping(rel.mandatory)
            extensions["mandatory"] = rel.mandatory
        elif rel.requirement is not None:
            # essential / optional requirements (ESCO, ROME coeur de métier) travel the same way.
            essential = rel.requirement == RequirementType.ESSENTIAL
            out["CFAssociationGroupingURI"] = self.grouping(essential)
            extensions["requirement"] = rel.requirement.value
        notes = rel.properties.get("notes")
        if isinstance(notes, str):
            out["notes"] = notes
        extensions[EXTENSION] = extension
        out["extensions"] = extensions
        return out

    def associations(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        has_parent: set[str] = set()
        for index, rel in enumerate(self.ref.relations):
            if rel.type in _PARENT_TYPES and rel.target in self.ref.items_by_code:
                has_parent.add(rel.source)
            out.append(self.association(rel, index, {"relation": jsonable(rel)}))
        root_kinds = {ItemKind.LEVEL, ItemKind.EXTERNAL}
        document = _link(self.text(self.ref.title), self.doc_identifier(), self.doc_uri)
        for item in self.ref.items:
            if item.code in has_parent or item.kind in root_kinds:
                continue
            uri = self.uris[item.code]
            identifier = stable_uuid(self.doc_uri, "root", uri)
            out.append(
                {
                    "identifier": identifier,
                    "associationType": "isChildOf",
                    "uri": f"{self.doc_uri}/associations/{identifier}",
                    "originNodeURI": self.node(item.code),
                    "destinationNodeURI": dict(document),
                    "lastChangeDateTime": self.stamp,
                    "extensions": {EXTENSION: {"structural": True}},
                }
            )
        for item in self.ref.items:
            for old in item.replaces:
                old_uri = (
                    old
                    if is_uri(old)
                    else item_url(
                        self.base, self.ref.slug, self.ref.replaces or "previous", item.kind, old
                    )
                )
                identifier = stable_uuid(self.doc_uri, "replacedBy", old_uri, self.uris[item.code])
                out.append(
                    {
                        "identifier": identifier,
                        "associationType": "replacedBy",
                        "uri": f"{self.doc_uri}/associations/{identifier}",
                        "originNodeURI": _link(old, old_uri, old_uri),
                        "destinationNodeURI": self.node(item.code),
                        "lastChangeDateTime": self.stamp,
                        "extensions": {EXTENSION: {"replaces": old}},
                    }
                )
        return out

    def doc_identifier(self) -> str:
        stored = self.ref.properties.get("case_identifier")
        return str(stored) if is_uuid(stored) else stable_uuid(self.ref.url(self.base))

    def rubric(self) -> dict[str, Any] | None:
        """One CFRubric: a criterion per competence that has levels, its levels in rank order."""
        levels_of: dict[str, list[Item]] = {}
        for rel in self.ref.relations:
            level = self.ref.items_by_code.get(rel.target)
            if (
                rel.type == RelationType.HAS_SKILL_LEVEL
                and rel.source in self.ref.items_by_code
                and level is not None
            ):
                levels_of.setdefault(rel.source, []).append(level)
        if not levels_of:
            return None
        uri = f"{self.doc_uri}/rubrics/niveaux"
        rubric_id = stable_uuid(uri)
        criteria = []
        for position, (code, levels) in enumerate(levels_of.items(), start=1):
            item = self.ref.items_by_code[code]
            criterion_uri = f"{uri}/criteria/{self.ids[code]}"
            criterion_id = stable_uuid(criterion_uri)
            criterion: dict[str, Any] = {
                "identifier": criterion_id,
                "uri": criterion_uri,
                "CFItemURI": _link(item.label(self.lang), self.ids[code], self.uris[code]),
                "position": position,
                "rubricId": rubric_id,
                "lastChangeDateTime": self.stamp,
                "CFRubricCriterionLevels": [],
            }
            observable = dict(item.criteria).get(self.lang)
            if observable:
                criterion["description"] = "\n".join(observable)
            ordered = sorted(levels, key=lambda lv: (lv.rank is None, lv.rank or 0, lv.code))
            for index, level in enumerate(ordered, start=1):
                level_uri = f"{criterion_uri}/levels/{self.ids[level.code]}"
                entry: dict[str, Any] = {
                    "identifier": stable_uuid(level_uri),
                    "uri": level_uri,
                    "quality": level.label(self.lang),
                    "position": level.rank if level.rank is not None else index,
                    "rubricCriterionId": criterion_id,
                    "lastChangeDateTime": self.stamp,
                }
                if level.rank is not None:
                    entry["score"] = level.rank
                description = self.text(level.descriptions)
                if description:
                    entry["description"] = description
                criterion["CFRubricCriterionLevels"].append(entry)
            criteria.append(criterion)
        return {
            "identifier": rubric_id,
            "uri": uri,
            "title": "Niveaux de maîtrise",
            "lastChangeDateTime": self.stamp,
            "CFRubricCriteria": criteria,
            # Derived from the level items and hasSkillLevel associations: the importer skips it.
            "extensions": {EXTENSION: {"derived": True}},
        }

    def package(self) -> dict[str, Any]:
        ref = self.ref
        document: dict[str, Any] = {
            "identifier": self.doc_identifier(),
            "uri": self.doc_uri,
            "creator": ref.publisher or ", ".join(o.name for o in ref.organisations) or "atouts",
            "title": self.text(ref.title) or ref.slug,
            "lastChangeDateTime": self.stamp,
            "caseVersion": "1.1",
            "language": self.lang,
            "version": ref.version,
            "adoptionStatus": ADOPTION_STATUS[ref.status.value],
        }
        if ref.publisher:
            document["publisher"] = ref.publisher
        # CASE document fields kept from an imported package, re-emitted when well typed.
        extra = ref.properties.get("case_extra")
        if isinstance(extra, dict):
            for key in ("officialSourceURL", "frameworkType", "notes"):
                if isinstance(extra.get(key), str):
                    document[key] = extra[key]
            subject = extra.get("subject")
            if isinstance(subject, list) and all(isinstance(v, str) for v in subject):
                document["subject"] = subject
        description = self.text(ref.description)
        if description:
            document["description"] = description
        definitions: dict[str, Any] = {}
        if ref.licence:
            licence_uri = f"{self.doc_uri}/licenses/{stable_uuid(ref.licence)}"
            link = _link(ref.licence, stable_uuid(licence_uri), licence_uri)
            document["licenseURI"] = link
            definitions["CFLicenses"] = [
                {**link, "licenseText": ref.licence, "lastChangeDateTime": self.stamp}
            ]
        extension = _document_extension(ref)
        externals = [
            {"position": position, "item": item}
            for position, item in enumerate(ref.items)
            if item.kind is ItemKind.EXTERNAL
        ]
        if externals:
            # External stubs (crosswalk targets) are not items of this framework: CASE
            # consumers see them as association ends only; atouts keeps their labels here.
            extension["externals"] = externals
        document["extensions"] = {EXTENSION: jsonable(extension)}
        associations = self.associations()
        if self.groupings:
            definitions["CFAssociationGroupings"] = [
                {**link, "lastChangeDateTime": self.stamp}
                for _, link in sorted(self.groupings.items(), reverse=True)
            ]
        package: dict[str, Any] = {
            "CFDocument": document,
            "CFItems": [self.item(i) for i in ref.items if i.kind is not ItemKind.EXTERNAL],
            "CFAssociations": associations,
        }
        if definitions:
            package["CFDefinitions"] = definitions
        rubric = self.rubric()
        if rubric is not None:
            package["CFRubrics"] = [rubric]
        return package


def _document_extension(ref: Referential) -> dict[str, Any]:
    return {
        "slug": ref.slug,
        "version": ref.version,
        "title": ref.title,
        "status": ref.status,
        "languages": ref.languages,
        "licence": ref.licence,
        "description": ref.description,
        "publisher": ref.publisher,
        "organisations": ref.organisations,
        "agreements": ref.agreements,
        "replaces": ref.replaces,
        "properties": ref.properties,
    }


def dump(
    referential: Referential,
    *,
    base: str = DEFAULT_BASE_URL,
    last_change: datetime | None = None,
    language: str | None = None,
) -> dict[str, Any]:
    """The CASE 1.1 CFPackage of ``referential`` (a JSON-ready dict).

    ``language`` picks the language of the CASE text fields (default: the referential's first);
    the other languages travel in ``extensions.atouts``. ``last_change`` defaults to a value
    derived from the referential, so the same referential always gives the same package.
    """
    lang = language or (referential.languages[0] if referential.languages else "fr")
    return _Exporter(referential, base, _timestamp(referential, last_change), lang).package()
