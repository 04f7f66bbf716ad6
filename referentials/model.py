"""The referential model: versioned competence frameworks co-defined by employers and trainers.

A :class:`Referential` is one version of a framework (slug + version) with its provenance of
co-definition, its :class:`Item` s (certifications, blocks, modules, additional modules,
competences, levels, occupations, groups, external stubs) and its typed :class:`Relation` s.
Every relation belongs to exactly one referential version, which is how graph edges keep their
source referential and version (see ``referentials.graph``).

Identity (shared/research/referentials.md §8):

* an item of a referential authored here has the public URL
  ``{base}/referentials/{slug}/{version}/{kind-plural}/{code}`` (see :func:`item_url`);
* an item that already has an identity elsewhere (ESCO ``conceptUri``, ROME
  ``urn:rome:ogr:<code_ogr>`` / ``urn:rome:fiche:<code_rome>``, a foreign CASE ``uri``) carries it
  in :attr:`Item.uri`, and that URI is its node id in the graph.

Relation ends (:attr:`Relation.source` / :attr:`Relation.target`) are either the ``code`` of an
item of the same referential or an absolute URI (anything with a ``:``); an absolute URI that
no loaded referential defines becomes an ``external`` stub node, never a dropped edge.

Objects are frozen: a published version cannot be changed in place, and :meth:`Referential.evolve`
refuses to change one (:class:`PublishedReferentialError`); make a new version instead
(:meth:`Referential.new_version`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any

from referentials.kinds import (
    CROSSWALK_RELATIONS,
    DEFAULT_BASE_URL,
    HIERARCHY_RELATIONS,
    CompetenceType,
    CrosswalkMethod,
    ItemKind,
    NodeType,
    OrganisationRole,
    RelationType,
    RequirementType,
    Status,
    is_uri,
    item_url,
    referential_url,
    version_key,
)

__all__ = [
    "CROSSWALK_RELATIONS",
    "DEFAULT_BASE_URL",
    "HIERARCHY_RELATIONS",
    "Agreement",
    "CompetenceType",
    "CrosswalkMethod",
    "ImportSummary",
    "Item",
    "ItemKind",
    "NodeType",
    "Organisation",
    "OrganisationRole",
    "PublishedReferentialError",
    "Referential",
    "ReferentialError",
    "ReferentialFormatError",
    "Relation",
    "RelationType",
    "RequirementType",
    "Status",
    "is_uri",
    "item_url",
    "referential_url",
    "version_key",
]

LangMap = Mapping[str, str]
"""Text per language tag (``{"fr": "...", "en": "..."}``); French first."""


class ReferentialError(Exception):
    """Base of every referential error; ``code`` is a stable snake_case identifier."""

    code = "referential_invalid"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class PublishedReferentialError(ReferentialError):
    """A published version was about to change; publish a new version instead."""

    code = "referential_published_immutable"


class ReferentialFormatError(ReferentialError):
    """A file could not be read as a referential. ``errors`` holds ``(line, message)`` pairs
    (1-based line, or ``None`` when no line applies); the message lists them all, in French:
    « ligne 14 : la compétence « C3 » est citée dans le bloc « B1 » mais n'est pas définie »."""

    code = "referential_format_invalid"

    def __init__(self, errors: Iterable[tuple[int | None, str]], *, source: str | None = None):
        self.errors = sorted(errors, key=lambda e: (e[0] is None, e[0] or 0))
        self.source = source
        where = f"{source} : " if source else ""
        lines = [f"ligne {n} : {m}" if n is not None else m for n, m in self.errors]
        super().__init__(where + "\n".join(lines))


@dataclass(frozen=True, slots=True)
class Organisation:
    """An organisation that took part in co-defining a referential."""

    name: str
    role: OrganisationRole
    url: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Agreement:
    """When a version was agreed, and by whom (organisation names)."""

    version: str
    agreed_on: date
    organisations: tuple[str, ...] = ()
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Item:
    """One node of a referential.

    ``code`` is unique within the referential and is the last segment of the public URL;
    ``human_code`` is what people read (``CCP1``, ``RNCP35309BC01``); ``uri`` is an identity
    that exists elsewhere (ESCO, ROME, foreign CASE) and then names the graph node.
    ``mandatory`` is the default for a module; the membership edge (``isPartOf``) says it per
    container. ``rank`` orders levels (1 = lowest). ``criteria`` are observable criteria per
    language. ``replaces`` lists codes/URIs of items of the previous version (``replacedBy``).
    ``properties`` keeps format-specific data (CASE identifier, ESCO reuseLevel, ROME flags…).
    """

    code: str
    kind: ItemKind
    labels: LangMap
    human_code: str | None = None
    alt_labels: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    descriptions: LangMap = field(default_factory=dict)
    competence_type: CompetenceType | None = None
    mandatory: bool | None = None
    rank: int | None = None
    criteria: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    uri: str | None = None
    replaces: tuple[str, ...] = ()
    properties: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Accept the enum values as plain strings (JSON, CSV) and hold the enum members.
        if not isinstance(self.kind, ItemKind):
            object.__setattr__(self, "kind", ItemKind(self.kind))
        if self.competence_type is not None and not isinstance(
            self.competence_type, CompetenceType
        ):
            object.__setattr__(self, "competence_type", CompetenceType(self.competence_type))

    @property
    def display_code(self) -> str:
        """The ``humanCode`` people read: ``human_code`` when the author gave one, else the
        item's code (in atouts YAML the code is already written for people: ``B1``, ``SE03``)."""
        return self.human_code or self.code

    def label(self, lang: str = "fr") -> str:
        """The label in ``lang``, else French, else any."""
        return (
            self.labels.get(lang) or self.labels.get("fr") or next(iter(self.labels.values()), "")
        )

    def url(self, base: str, slug: str, version: str) -> str:
        return item_url(base, slug, version, self.kind, self.code)

    def node_id(self, base: str, slug: str, version: str) -> str:
        """The graph node id: the external URI if the item has one, else its public URL."""
        return self.uri or self.url(base, slug, version)


@dataclass(frozen=True, slots=True)
class Relation:
    """A typed edge ``source -> target`` (item codes of the same referential or absolute URIs).

    ``mandatory`` qualifies ``isPartOf``; ``requirement`` qualifies ``requires``/``needs``;
    ``rank`` qualifies ``mobility_to`` (1 = first target); ``method`` and ``confidence`` qualify
    crosswalks; ``sequence`` orders siblings (CASE ``sequenceNumber``).
    """

    type: str
    source: str
    target: str
    mandatory: bool | None = None
    requirement: RequirementType | None = None
    rank: int | None = None
    method: CrosswalkMethod | None = None
    confidence: float | None = None
    sequence: int | None = None
    properties: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Known relation names become RelationType members whoever built the relation, so
        # the graph holds one representation; ``ext:<name>`` strings stay as they are.
        if not isinstance(self.type, RelationType) and self.type in _RELATION_TYPES:
            object.__setattr__(self, "type", RelationType(self.type))
        if self.requirement is not None and not isinstance(self.requirement, RequirementType):
            object.__setattr__(self, "requirement", RequirementType(self.requirement))
        if self.method is not None and not isinstance(self.method, CrosswalkMethod):
            object.__setattr__(self, "method", CrosswalkMethod(self.method))


_RELATION_TYPES = frozenset(t.value for t in RelationType)


@dataclass(frozen=True)
class Referential:
    """One version of a competence framework, with its co-definition provenance."""

    slug: str
    version: str
    title: LangMap
    status: Status = Status.DRAFT
    languages: tuple[str, ...] = ("fr",)
    licence: str | None = None
    description: LangMap = field(default_factory=dict)
    publisher: str | None = None
    organisations: tuple[Organisation, ...] = ()
    agreements: tuple[Agreement, ...] = ()
    replaces: str | None = None
    items: tuple[Item, ...] = ()
    relations: tuple[Relation, ...] = ()
    properties: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.status, Status):
            object.__setattr__(self, "status", Status(self.status))

    @property
    def key(self) -> tuple[str, str]:
        return (self.slug, self.version)

    @property
    def is_published(self) -> bool:
        return self.status is Status.PUBLISHED

    @cached_property
    def items_by_code(self) -> dict[str, Item]:
        return {item.code: item for item in self.items}

    def item(self, code: str) -> Item:
        try:
            return self.items_by_code[code]
        except KeyError:
            raise ReferentialError(
                f"l'élément « {code} » n'existe pas dans le référentiel « {self.slug} » "
                f"version {self.version}",
                code="referential_item_unknown",
            ) from None

    def url(self, base: str = DEFAULT_BASE_URL) -> str:
        return referential_url(base, self.slug, self.version)

    def resolve(self, ref: str, base: str = DEFAULT_BASE_URL) -> str | None:
        """The node id a relation end names, or ``None`` if it is an undefined local code."""
        item = self.items_by_code.get(ref)
        if item is not None:
            return item.node_id(base, self.slug, self.version)
        return ref if is_uri(ref) else None

    def problems(self) -> list[str]:
        """Structural problems in French (duplicate codes, undefined relation ends)."""
        found: list[str] = []
        counts = Counter(item.code for item in self.items)
        found += [f"le code « {c} » est défini {n} fois" for c, n in counts.items() if n > 1]
        for rel in self.relations:
            for end in (rel.source, rel.target):
                if end not in self.items_by_code and not is_uri(end):
                    found.append(
                        f"la relation {rel.type} {rel.source} → {rel.target} cite « {end} », "
                        "qui n'est pas défini"
                    )
        return found

    def evolve(self, **changes: Any) -> Referential:
        """A changed copy. Refused on a published version, except retiring it."""
        if self.is_published and set(changes) - {"status"}:
            raise PublishedReferentialError(
                f"le référentiel « {self.slug} » version {self.version} est publié : il ne peut "
                "plus être modifié ; créez une nouvelle version"
            )
        if self.is_published and changes.get("status", Status.RETIRED) is Status.DRAFT:
            raise PublishedReferentialError(
                f"le référentiel « {self.slug} » version {self.version} est publié : il ne peut "
                "pas redevenir un brouillon"
            )
        return dataclasses.replace(self, **changes)

    def new_version(self, version: str) -> Referential:
        """A draft copy of this version, numbered ``version``, that replaces it."""
        if version == self.version:
            raise ReferentialError(f"la nouvelle version doit différer de {self.version}")
        return dataclasses.replace(
            self, version=version, status=Status.DRAFT, replaces=self.version
        )

    def digest(self) -> str:
        """SHA-256 of the canonical content: two imports of the same file give the same digest."""
        payload = json.dumps(
            _plain(self), sort_keys=True, ensure_ascii=False, separators=(",", ":")
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _plain(value: Any) -> Any:
    """A JSON-able view of model objects (for digests and summaries)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


@dataclass(frozen=True)
class ImportSummary:
    """What an import did: node and edge counts by type, and warnings (in French)."""

    nodes_by_type: Mapping[str, int] = field(default_factory=dict)
    edges_by_type: Mapping[str, int] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    @classmethod
    def of(cls, referentials: Iterable[Referential], warnings: Iterable[str] = ()) -> ImportSummary:
        """Counts computed from the referentials as the graph will hold them: one framework
        node per referential, one node per item, one external stub per distinct unknown URI."""
        refs = list(referentials)
        nodes: Counter[str] = Counter()
        edges: Counter[str] = Counter()
        known: set[str] = set()
        for ref in refs:
            nodes[NodeType.FRAMEWORK] += 1
            for item in ref.items:
                nodes[item.kind.node_type] += 1
                known.add(item.node_id(DEFAULT_BASE_URL, ref.slug, ref.version))
        stubs: set[str] = set()
        for ref in refs:
            for rel in ref.relations:
                edges[rel.type] += 1
                for end in (rel.source, rel.target):
                    if end not in ref.items_by_code and is_uri(end) and end not in known:
                        stubs.add(end)
            edges[RelationType.REPLACED_BY] += sum(len(i.replaces) for i in ref.items)
        if stubs:
            nodes[NodeType.EXTERNAL] += len(stubs)
        return cls(
            nodes_by_type={str(k): v for k, v in sorted(nodes.items()) if v},
            edges_by_type={str(k): v for k, v in sorted(edges.items()) if v},
            warnings=tuple(warnings),
        )

    def merge(self, other: ImportSummary) -> ImportSummary:
        nodes = Counter(self.nodes_by_type) + Counter(other.nodes_by_type)
        edges = Counter(self.edges_by_type) + Counter(other.edges_by_type)
        return ImportSummary(
            dict(sorted(nodes.items())), dict(sorted(edges.items())), self.warnings + other.warnings
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "nodes_by_type": dict(self.nodes_by_type),
            "edges_by_type": dict(self.edges_by_type),
            "warnings": list(self.warnings),
        }
