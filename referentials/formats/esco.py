"""Import the ESCO classification (CSV, v1.1 and v1.2) as one referential.

Mapping (``shared/research/referentials.md`` §3.2):

* occupations → ``occupation`` items; skills and knowledge → ``competence`` items (savoir-faire
  or savoir); skill groups and ISCO groups → ``group`` items. Every item keeps its ESCO
  ``conceptUri`` as :attr:`Item.uri` (the graph node id) and the last URI segment as its code.
* ``occupationSkillRelations`` → ``requires`` (occupation → skill) with ``essential``/``optional``;
  ``skillSkillRelations`` → ``needs``; ``broaderRelations*Pillar`` and the skills hierarchy →
  ``broader`` (narrower → broader).
* membership of the transversal (and green, digital…) collections is kept in
  ``properties["collections"]``; ``properties["reuse_level"]`` keeps ``transversal`` etc.
* English and French labels are merged on the same URI; a relation end that no file defines
  becomes an external stub (a warning says how many), never a dropped relation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from itertools import repeat
from operator import attrgetter
from pathlib import Path

from referentials.formats.csvutil import gc_paused
from referentials.formats.esco_csv import (
    ISCO_GROUP,
    KNOWLEDGE,
    OCCUPATION,
    SKILL,
    EscoConcept,
    EscoData,
    parse_esco,
)
from referentials.formats.summary import summarise
from referentials.model import (
    CompetenceType,
    ImportSummary,
    Item,
    ItemKind,
    Referential,
    Relation,
    RelationType,
    RequirementType,
    Status,
)

__all__ = ["ATTRIBUTION", "load"]

#: Attribution required by Commission Decision 2011/833/EU.
ATTRIBUTION = "This service uses the ESCO classification of the European Commission."

_VERSION = re.compile(r"(?:^|[\s_-])v?(\d+(?:\.\d+)+)(?:$|[\s_-])", re.IGNORECASE)

_KINDS = {
    OCCUPATION: ItemKind.OCCUPATION,
    SKILL: ItemKind.COMPETENCE,
    KNOWLEDGE: ItemKind.COMPETENCE,
}


def _version(paths: Iterable[Path]) -> str:
    """The release, read from a ``v1.1.1``-like folder name or zip name on the path
    (``ESCO dataset - v1.2.0 - classification - en - csv.zip``): ESCO files do not carry it.
    ``unknown`` when nothing says."""
    for path in paths:
        for part in reversed(path.resolve().parts):
            match = _VERSION.search(part)
            if match:
                return "v" + match.group(1)
    return "unknown"


def _code(uri: str, used: set[str]) -> str:
    # The last URI segment (a UUID, an ISCO code "C7112", an ISCED-F code "0732") is unique in
    # practice; a prefix keeps it unique when two schemes happen to share a segment.
    tail = uri.rstrip("/").rsplit("/", 1)[-1]
    if tail in used:
        scheme = uri.rstrip("/").rsplit("/", 2)[-2]
        tail = f"{scheme}-{tail}"
    used.add(tail)
    return tail


def _item(concept: EscoConcept, code: str) -> Item:
    props: dict[str, object] = {}
    if concept.skill_type:
        props["skill_type"] = concept.skill_type
    if concept.reuse_level:
        props["reuse_level"] = concept.reuse_level
    if concept.status:
        props["status"] = concept.status
    if concept.collections:
        props["collections"] = sorted(concept.collections)
    if concept.kind == ISCO_GROUP:
        props["scheme"] = "isco"
    competence_type = None
    if concept.kind == SKILL:
        competence_type = CompetenceType.SAVOIR_FAIRE
    elif concept.kind == KNOWLEDGE:
        competence_type = CompetenceType.SAVOIR
    return Item(
        code=code,
        kind=_KINDS.get(concept.kind, ItemKind.GROUP),
        labels=dict(sorted(concept.labels.items())) or {"en": concept.uri},
        human_code=concept.code or None,
        alt_labels={lang: tuple(v) for lang, v in sorted(concept.alt_labels.items())},
        descriptions=dict(sorted(concept.descriptions.items())),
        competence_type=competence_type,
        uri=concept.uri,
        properties=props,
    )


_REQUIREMENTS = {
    "essential": RequirementType.ESSENTIAL,
    "optional": RequirementType.OPTIONAL,
    "": RequirementType.OPTIONAL,
}


def _typed(
    relation_type: RelationType, rows: list[tuple[str, ...]], unknown: set[str]
) -> Iterator[Relation]:
    """Relations from raw ``(source, relationType, target)`` rows.

    An ESCO release has 125,000 of them: the common case builds them without a Python-level
    loop (``starmap`` over columns); values that need trimming or are unknown take a slow path.
    """
    if not rows:
        return iter(())
    sources, kinds, targets = zip(*rows, strict=True)
    odd = set(kinds).difference(_REQUIREMENTS)
    if odd:
        cleaned = {k: k.strip() for k in odd}
        unknown.update(v for v in cleaned.values() if v not in _REQUIREMENTS)
        kinds = tuple(cleaned.get(k, k) for k in kinds)
    requirements = map(_REQUIREMENTS.get, kinds)
    return map(Relation, repeat(relation_type), sources, targets, repeat(None), requirements)


def to_referential(data: EscoData, version: str) -> tuple[Referential, list[str]]:
    """Map parsed ESCO records onto one :class:`Referential` (slug ``esco``)."""
    warnings = list(data.warnings)
    used: set[str] = set()
    items = [_item(c, _code(c.uri, used)) for c in data.concepts.values()]
    relations: list[Relation] = []
    unknown_types: set[str] = set()
    relations.extend(_typed(RelationType.REQUIRES, data.requires, unknown_types))
    relations.extend(_typed(RelationType.NEEDS, data.needs, unknown_types))
    relations.extend(Relation(RelationType.BROADER, a, b) for a, b in data.broader)
    if unknown_types:
        warnings.append(
            "type de relation ESCO inconnu (ni essential ni optional) : "
            + ", ".join(sorted(unknown_types))
        )
    ends = set(map(attrgetter("source"), relations))
    ends.update(map(attrgetter("target"), relations))
    dangling = ends.difference(data.concepts)
    if dangling:
        warnings.append(
            f"{len(dangling)} concept(s) ESCO cité(s) par une relation mais absent(s) des "
            "fichiers : gardés comme nœuds externes"
        )
    languages = tuple(sorted(data.languages, key=lambda lang: (lang != "fr", lang))) or ("en",)
    referential = Referential(
        slug="esco",
        version=version,
        title={
            "fr": "ESCO — Classification européenne des aptitudes, compétences, certifications "
            "et professions",
            "en": "ESCO — European Skills, Competences, Qualifications and Occupations",
        },
        status=Status.PUBLISHED,
        languages=languages,
        licence="Commission Decision 2011/833/EU",
        publisher="European Commission",
        description={"en": ATTRIBUTION},
        items=tuple(items),
        relations=tuple(relations),
        properties={"source_format": "esco", "files": sorted(data.files)},
    )
    return referential, warnings


def load(paths: list[Path]) -> tuple[list[Referential], ImportSummary]:
    """Import ESCO CSV files (or folders of them) as one referential.

    The version comes from a ``v1.1.1``-like folder name on the path.
    """
    with gc_paused():
        data = parse_esco(paths)
        referential, warnings = to_referential(data, _version(paths))
        return [referential], summarise([referential], warnings)
