"""The vocabulary of referentials: statuses, roles, item kinds, node and relation types, and the
public address of an item (``{base}/referentials/{slug}/{version}/{kind-plural}/{code}``).

Everything here is re-exported by :mod:`referentials.model`; import it from there.
"""

from __future__ import annotations

import re
from enum import StrEnum

__all__ = [
    "CROSSWALK_RELATIONS",
    "DEFAULT_BASE_URL",
    "HIERARCHY_RELATIONS",
    "CompetenceType",
    "CrosswalkMethod",
    "ItemKind",
    "NodeType",
    "OrganisationRole",
    "RelationType",
    "RequirementType",
    "Status",
    "is_uri",
    "item_url",
    "referential_url",
    "version_key",
]

#: Base used when no deployment base URL is given (tests, CLI without settings).
DEFAULT_BASE_URL = "https://atouts.example"


class Status(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    RETIRED = "retired"


class OrganisationRole(StrEnum):
    EMPLOYER = "employer"
    TRADE_FEDERATION = "trade_federation"
    TRAINING_BODY = "training_body"
    PUBLIC_EMPLOYMENT_SERVICE = "public_employment_service"
    OTHER = "other"


class NodeType(StrEnum):
    """Node types of the skills graph (issue 3)."""

    FRAMEWORK = "framework"
    CERTIFICATION = "certification"
    BLOCK = "block"
    MODULE = "module"
    COMPETENCE = "competence"
    LEVEL = "level"
    OCCUPATION = "occupation"
    GROUP = "group"
    EXTERNAL = "external"


class ItemKind(StrEnum):
    """What an item is. ``additional_module`` is a module employers add to an existing
    certification or block; in the graph it is a ``module`` node with ``additional=True``."""

    CERTIFICATION = "certification"
    BLOCK = "block"
    MODULE = "module"
    ADDITIONAL_MODULE = "additional_module"
    COMPETENCE = "competence"
    LEVEL = "level"
    OCCUPATION = "occupation"
    GROUP = "group"
    EXTERNAL = "external"

    @property
    def node_type(self) -> NodeType:
        # A table lookup: this runs once per item of ESCO-sized imports.
        return _NODE_TYPE_OF_KIND[self]

    @property
    def plural(self) -> str:
        """The URL path segment: ``competences``, ``additional-modules``…"""
        return self.value.replace("_", "-") + "s"


_NODE_TYPE_OF_KIND: dict[str, NodeType] = {
    kind.value: NodeType.MODULE if kind is ItemKind.ADDITIONAL_MODULE else NodeType(kind.value)
    for kind in ItemKind
}


class CompetenceType(StrEnum):
    SAVOIR_FAIRE = "savoir_faire"
    SAVOIR_ETRE = "savoir_etre"
    SAVOIR = "savoir"


class RelationType(StrEnum):
    """Typed edges. Direction: ``source -> target`` reads "source <type> target"
    (``child isChildOf parent``, ``competence isPartOf block``, ``old replacedBy new``,
    ``occupation requires skill``, ``competence hasSkillLevel level``, ``skill broader group``).

    CASE 1.1 association types are kept as is; ``ext:<name>`` strings are accepted too."""

    IS_CHILD_OF = "isChildOf"
    IS_PART_OF = "isPartOf"
    PRECEDES = "precedes"
    EXACT_MATCH_OF = "exactMatchOf"
    IS_RELATED_TO = "isRelatedTo"
    IS_PEER_OF = "isPeerOf"
    REPLACED_BY = "replacedBy"
    HAS_SKILL_LEVEL = "hasSkillLevel"
    EXEMPLAR = "exemplar"
    IS_TRANSLATION_OF = "isTranslationOf"
    REQUIRES = "requires"
    NEEDS = "needs"
    BROADER = "broader"
    MOBILITY_TO = "mobility_to"
    CROSSWALK = "crosswalk"


#: Relations that form hierarchies (child -> parent); they must stay acyclic.
HIERARCHY_RELATIONS: frozenset[str] = frozenset(
    {RelationType.IS_CHILD_OF, RelationType.IS_PART_OF, RelationType.BROADER}
)
#: Relations that relate items across referentials (equivalence and weak links).
CROSSWALK_RELATIONS: frozenset[str] = frozenset(
    {
        RelationType.EXACT_MATCH_OF,
        RelationType.IS_RELATED_TO,
        RelationType.CROSSWALK,
        RelationType.IS_PEER_OF,
    }
)


class RequirementType(StrEnum):
    ESSENTIAL = "essential"
    OPTIONAL = "optional"


class CrosswalkMethod(StrEnum):
    OFFICIAL = "official"
    MANUAL = "manual"
    EMBEDDING = "embedding"


def is_uri(ref: str) -> bool:
    """An absolute reference (URL or URN) rather than a local item code."""
    return ":" in ref


def referential_url(base: str, slug: str, version: str) -> str:
    return f"{base.rstrip('/')}/referentials/{slug}/{version}"


def item_url(base: str, slug: str, version: str, kind: ItemKind, code: str) -> str:
    """``{base}/referentials/{slug}/{version}/{kind-plural}/{code}`` (DESIGN §3.1)."""
    return f"{referential_url(base, slug, version)}/{kind.plural}/{code}"


def version_key(version: str) -> tuple[tuple[int, int | str], ...]:
    """Natural order of versions: ``1.2`` < ``1.10``; numbers sort before words."""
    parts = re.findall(r"\d+|[A-Za-z]+", version)
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in parts)
