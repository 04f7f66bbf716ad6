"""The words of the atouts YAML format (French keys and values) and its canonical order.

Shared by the reader (``referentials.yaml_format``) and the writer (``referentials.yaml_dump``).
"""

from __future__ import annotations

import dataclasses
import json

from referentials.model import (
    CrosswalkMethod,
    ItemKind,
    OrganisationRole,
    Referential,
    Relation,
    RequirementType,
    Status,
)

#: Section name -> item kind, in the order sections are written.
SECTIONS: dict[str, ItemKind] = {
    "certifications": ItemKind.CERTIFICATION,
    "blocs": ItemKind.BLOCK,
    "modules": ItemKind.MODULE,
    "modules_additionnels": ItemKind.ADDITIONAL_MODULE,
    "competences": ItemKind.COMPETENCE,
    "niveaux": ItemKind.LEVEL,
    "metiers": ItemKind.OCCUPATION,
    "groupes": ItemKind.GROUP,
    "externes": ItemKind.EXTERNAL,
}
KIND_SECTION = {kind: name for name, kind in SECTIONS.items()}

#: How to name an item of each kind in a sentence: (article + noun, feminine?).
NOUNS: dict[ItemKind, tuple[str, bool]] = {
    ItemKind.CERTIFICATION: ("la certification", True),
    ItemKind.BLOCK: ("le bloc", False),
    ItemKind.MODULE: ("le module", False),
    ItemKind.ADDITIONAL_MODULE: ("le module additionnel", False),
    ItemKind.COMPETENCE: ("la compétence", True),
    ItemKind.LEVEL: ("le niveau", False),
    ItemKind.OCCUPATION: ("le métier", False),
    ItemKind.GROUP: ("le groupe", False),
    ItemKind.EXTERNAL: ("l'élément externe", False),
}
#: Membership keys; the member kind they suggest (for error messages).
MEMBER_KEYS: dict[str, ItemKind | None] = {
    "contient": None,
    "blocs": ItemKind.BLOCK,
    "modules": ItemKind.MODULE,
    "competences": ItemKind.COMPETENCE,
}

STATUS = {
    "brouillon": Status.DRAFT,
    "publie": Status.PUBLISHED,
    "publié": Status.PUBLISHED,
    "retire": Status.RETIRED,
    "retiré": Status.RETIRED,
} | {s.value: s for s in Status}
STATUS_FR = {Status.DRAFT: "brouillon", Status.PUBLISHED: "publie", Status.RETIRED: "retire"}
ROLE_FR = {
    OrganisationRole.EMPLOYER: "employeur",
    OrganisationRole.TRADE_FEDERATION: "federation_professionnelle",
    OrganisationRole.TRAINING_BODY: "organisme_de_formation",
    OrganisationRole.PUBLIC_EMPLOYMENT_SERVICE: "service_public_de_l_emploi",
    OrganisationRole.OTHER: "autre",
}
ROLE = {fr: role for role, fr in ROLE_FR.items()} | {r.value: r for r in OrganisationRole}
METHOD_FR = {
    CrosswalkMethod.OFFICIAL: "officielle",
    CrosswalkMethod.MANUAL: "manuelle",
    CrosswalkMethod.EMBEDDING: "plongement",
}
METHOD = {fr: m for m, fr in METHOD_FR.items()} | {m.value: m for m in CrosswalkMethod}
REQ_FR = {RequirementType.ESSENTIAL: "essentielle", RequirementType.OPTIONAL: "optionnelle"}
REQ = {fr: r for r, fr in REQ_FR.items()} | {r.value: r for r in RequirementType}
CROSSWALK_SUGAR = frozenset({"exactMatchOf", "isRelatedTo", "isPeerOf", "crosswalk"})


# ------------------------------------------------------------------------------ canonical


def _relation_key(rel: Relation) -> str:
    return json.dumps(
        [
            rel.type,
            rel.source,
            rel.target,
            rel.mandatory,
            rel.requirement,
            rel.rank,
            rel.method,
            rel.confidence,
            rel.sequence,
            rel.properties,
        ],
        sort_keys=True,
        default=str,
        ensure_ascii=False,
    )


def canonical(referential: Referential) -> Referential:
    """Items grouped by section (file order kept inside a section), relations sorted: the form
    :func:`loads` returns, so a round trip compares equal."""
    order = list(SECTIONS.values())
    items = sorted(referential.items, key=lambda it: order.index(it.kind))
    relations = sorted(referential.relations, key=_relation_key)
    if tuple(items) == referential.items and tuple(relations) == referential.relations:
        return referential
    # Not evolve(): putting a published referential in canonical order changes nothing in it.
    return dataclasses.replace(referential, items=tuple(items), relations=tuple(relations))
