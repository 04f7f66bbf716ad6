"""Parse the ESCO CSV release (v1.1 and v1.2) into plain records, before any mapping to the model.

Field-by-field description of the files: ``shared/research/referentials.md`` §3.1. What this
parser relies on:

* files are recognised by their name without the language suffix (``skills_fr.csv`` → ``skills``,
  language ``fr``; v1.2 adds ``_en`` to the relation files, which carry no language data);
* columns are read by header name (v1.2 reorders and adds columns; collections differ in order);
* multi-valued cells are newline separated in the main files and ``" | "`` separated in the
  collections (:func:`referentials.formats.csvutil.split_multi` handles both);
* labels of the same concept URI coming from files of several languages are merged.

Nothing in this module knows about the graph: it returns :class:`EscoData`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from referentials.formats.csvutil import CsvTable, csv_files, open_table, split_multi

__all__ = ["EscoConcept", "EscoData", "parse_esco"]

# Kinds of ESCO concepts kept apart in the model.
OCCUPATION = "occupation"
SKILL = "skill"
KNOWLEDGE = "knowledge"
SKILL_GROUP = "skill_group"
ISCO_GROUP = "isco_group"

_NAME = re.compile(r"^(?P<base>.+?)(?:_(?P<lang>[a-z]{2}(?:-[a-z]{2})?))?$", re.IGNORECASE)

# File base name (casefolded) → role.
_ROLES = {
    "occupations": "occupations",
    "skills": "skills",
    "skillgroups": "skill_groups",
    "iscogroups": "isco_groups",
    "occupationskillrelations": "occupation_skill",
    "skillskillrelations": "skill_skill",
    "broaderrelationsskillpillar": "broader",
    "broaderrelationsoccpillar": "broader",
    "skillshierarchy": "hierarchy",
    "transversalskillscollection": "collection:transversal",
    "greenskillscollection": "collection:green",
    "digitalskillscollection": "collection:digital",
    "digcompskillscollection": "collection:digcomp",
    "languageskillscollection": "collection:language",
    "researchskillscollection": "collection:research",
}


@dataclass(slots=True)
class EscoConcept:
    """One ESCO concept (occupation, skill, knowledge, skill group or ISCO group)."""

    uri: str
    kind: str
    labels: dict[str, str] = field(default_factory=dict)
    alt_labels: dict[str, list[str]] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)
    code: str = ""
    skill_type: str = ""
    reuse_level: str = ""
    status: str = ""
    collections: set[str] = field(default_factory=set)


@dataclass(slots=True)
class EscoData:
    """Everything read from a set of ESCO files."""

    concepts: dict[str, EscoConcept] = field(default_factory=dict)
    # (occupation uri, relationType as found: "essential" | "optional", skill uri)
    requires: list[tuple[str, ...]] = field(default_factory=list)
    # (skill uri, relationType as found, needed skill uri)
    needs: list[tuple[str, ...]] = field(default_factory=list)
    # (narrower uri, broader uri); a dict keeps insertion order and removes duplicates.
    broader: dict[tuple[str, ...], None] = field(default_factory=dict)
    languages: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)


def classify(path: Path) -> tuple[str | None, str]:
    """Role of an ESCO file from its name, and its language (``""`` when language-neutral)."""
    match = _NAME.match(path.stem)
    assert match is not None
    base, lang = match.group("base"), (match.group("lang") or "")
    role = _ROLES.get(base.casefold())
    if role is None:
        # "skills_en" is matched lazily as base "skills"; a name like "skill_groups" is not ESCO.
        role = _ROLES.get(path.stem.casefold())
        lang = "" if role else lang
    return role, lang.lower()


def _concept(data: EscoData, uri: str, kind: str) -> EscoConcept:
    # The first file that names a concept sets its kind; the skills file is read before the
    # collections and the hierarchy, so it is the authority on skill versus knowledge.
    concept = data.concepts.get(uri)
    if concept is None:
        concept = EscoConcept(uri=uri, kind=kind)
        data.concepts[uri] = concept
    return concept


def _label(concept: EscoConcept, lang: str, label: str, alt: str, description: str) -> None:
    if label.strip():
        concept.labels[lang] = label.strip()
    alts = split_multi(alt)
    if alts:
        concept.alt_labels[lang] = alts
    if description.strip() and lang not in concept.descriptions:
        concept.descriptions[lang] = description.strip()


def _kind_of_skill(skill_type: str) -> str:
    return KNOWLEDGE if skill_type.strip() == "knowledge" else SKILL


def _read_concepts(data: EscoData, table: CsvTable, role: str, lang: str) -> None:
    optional = ("altLabels", "description", "code", "status", "skillType", "reuseLevel")
    for uri, label, alt, desc, code, status, skill_type, reuse in table.rows(
        ("conceptUri", "preferredLabel"), optional
    ):
        if role == "occupations":
            kind = OCCUPATION
        elif role == "skills":
            kind = _kind_of_skill(skill_type)
        elif role == "skill_groups":
            kind = SKILL_GROUP
        else:
            kind = ISCO_GROUP
        concept = _concept(data, uri, kind)
        if role == "skills":
            concept.kind = kind
            concept.skill_type = skill_type.strip()
            concept.reuse_level = reuse.strip()
        _label(concept, lang, label, alt, desc)
        concept.code = concept.code or code.strip()
        concept.status = concept.status or status.strip()


def _read_collection(data: EscoData, table: CsvTable, name: str, lang: str) -> None:
    for uri, label, alt, desc, skill_type, reuse, broader in table.rows(
        ("conceptUri", "preferredLabel"),
        ("altLabels", "description", "skillType", "reuseLevel", "broaderConceptUri"),
    ):
        concept = _concept(data, uri, _kind_of_skill(skill_type))
        concept.collections.add(name)
        concept.skill_type = concept.skill_type or skill_type.strip()
        concept.reuse_level = concept.reuse_level or reuse.strip()
        _label(concept, lang, label, alt, desc)
        for parent in split_multi(broader):
            # Collections repeat the pillar's broader link; keep it only if it names a concept
            # the pillar files did not already give (the dict removes exact duplicates).
            data.broader.setdefault((uri, parent), None)


def _read_hierarchy(data: EscoData, table: CsvTable, lang: str) -> None:
    levels = [(f"Level {i} URI", f"Level {i} preferred term", f"Level {i} code") for i in range(4)]
    flat = [name for triple in levels for name in triple]
    for row in table.rows((), flat):
        parent = ""
        for i in range(4):
            uri, label, code = row[3 * i], row[3 * i + 1], row[3 * i + 2]
            if not uri:
                break
            concept = _concept(data, uri, SKILL_GROUP)
            if label.strip() and lang not in concept.labels:
                concept.labels[lang] = label.strip()
            concept.code = concept.code or code.strip()
            if parent:
                data.broader.setdefault((uri, parent), None)
            parent = uri


def parse_esco(paths: list[Path]) -> EscoData:
    """Read every ESCO CSV file in ``paths`` (files, folders searched recursively, zips)."""
    with csv_files(paths) as files:
        return _parse_files(files)


def _parse_files(files: list[Path]) -> EscoData:
    data = EscoData()
    # Concepts first, then collections, then relations: kinds and labels are settled before
    # relations refer to them, whatever order the caller gave.
    order = {"occupations": 0, "skills": 0, "skill_groups": 0, "isco_groups": 0, "hierarchy": 1}
    classified = [(path, *classify(path)) for path in files]
    classified.sort(key=lambda item: order.get(item[1] or "", 2 if item[1] else 3))
    languages: dict[str, None] = {}
    for path, role, lang in classified:
        if role is None:
            data.warnings.append(f"{path.name} : fichier non reconnu comme ESCO, ignoré")
            continue
        data.files.append(path.name)
        label_lang = lang or "en"
        table = open_table(path)
        if role in ("occupations", "skills", "skill_groups", "isco_groups"):
            languages.setdefault(label_lang, None)
            _read_concepts(data, table, role, label_lang)
        elif role.startswith("collection:"):
            languages.setdefault(label_lang, None)
            _read_collection(data, table, role.split(":", 1)[1], label_lang)
        elif role == "hierarchy":
            _read_hierarchy(data, table, label_lang)
        elif role == "occupation_skill":
            data.requires.extend(table.rows(("occupationUri", "relationType", "skillUri")))
        elif role == "skill_skill":
            data.needs.extend(table.rows(("originalSkillUri", "relationType", "relatedSkillUri")))
        elif role == "broader":
            data.broader.update(dict.fromkeys(table.rows(("conceptUri", "broaderUri"))))
    data.languages = list(languages)
    return data
