"""Achievements built from a published referential (DESIGN.md §3.2; OB 3.0 §B Achievement).

Each chosen competence, block or module becomes an ``Alignment`` (``targetType`` CFItem,
``targetUrl`` = the item's public URL ``{base}/referentials/{slug}/{version}/{kind}/{code}``,
``targetCode``, ``targetFramework``). A block, module or certification also brings every one
of its mandatory competences (``SkillsGraph.block_closure``): "a whole block = all its mandatory
competences". The criteria narrative lists the observable criteria of those competences; the
referential's levels become one ``ResultDescription`` of type ``RubricCriterionLevel``.
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlmodel import Session, select

from issuer.context import IssuerContext, IssuerError
from referentials.graph import build_graph
from referentials.model import Item, ItemKind, Referential
from referentials.yaml_dump import dumps
from storage.engine import session_scope
from storage.tables import Achievement, DocumentFormat, Organisation, ReferentialStatus
from storage.tables import Referential as ReferentialRow

__all__ = ["create_achievement", "get_achievement", "level_ids"]

_CONTAINERS = (ItemKind.BLOCK, ItemKind.MODULE, ItemKind.ADDITIONAL_MODULE, ItemKind.CERTIFICATION)
_ALIGNABLE = (ItemKind.COMPETENCE, *_CONTAINERS)


def _ensure_referential_row(session: Session, ref: Referential) -> None:
    """The achievements table cites ``(slug, version)`` of a stored published referential."""
    found = session.exec(
        select(ReferentialRow)
        .where(ReferentialRow.slug == ref.slug)
        .where(ReferentialRow.version == ref.version)
    ).first()
    if found is not None:
        return
    text = dumps(ref)
    session.add(
        ReferentialRow(
            slug=ref.slug,
            version=ref.version,
            title=(ref.title.get("fr") or next(iter(ref.title.values()), ref.slug))[:200],
            status=ReferentialStatus.PUBLISHED,
            document_format=DocumentFormat.YAML,
            document=text,
            document_sha256=hashlib.sha256(text.encode()).hexdigest(),
        )
    )
    session.flush()


def _alignment(item: Item, ref: Referential, base: str) -> dict[str, Any]:
    alignment: dict[str, Any] = {
        "type": ["Alignment"],
        "targetType": "CFItem",
        "targetName": item.label("fr"),
        "targetUrl": item.url(base, ref.slug, ref.version),
        "targetCode": item.human_code or item.code,
        "targetFramework": ref.title.get("fr") or ref.slug,
    }
    description = item.descriptions.get("fr")
    if description:
        alignment["targetDescription"] = description
    return alignment


def _selected_items(ref: Referential, codes: list[str], base: str) -> tuple[list[Item], list[Item]]:
    """(items aligned, competences whose criteria make the narrative), in a stable order."""
    by_code = ref.items_by_code
    graph = None
    aligned: list[Item] = []
    competences: list[Item] = []
    for code in codes:
        item = by_code.get(code)
        if item is None:
            raise IssuerError(
                f"« {code} » n'existe pas dans le référentiel {ref.slug} {ref.version}",
                code="unknown_item",
                column="items",
            )
        if item.kind not in _ALIGNABLE:
            raise IssuerError(
                f"« {code} » est un élément de type {item.kind} : choisissez une compétence, "
                "un bloc ou un module",
                code="item_not_alignable",
                column="items",
            )
        if item not in aligned:
            aligned.append(item)
        if item.kind == ItemKind.COMPETENCE:
            if item not in competences:
                competences.append(item)
            continue
        if graph is None:
            graph = build_graph([ref], base)
        by_node = {i.node_id(base, ref.slug, ref.version): i for i in ref.items}
        for node in graph.block_closure(item.node_id(base, ref.slug, ref.version)):
            member = by_node.get(node)
            if member is not None and member not in competences:
                competences.append(member)
                if member not in aligned:
                    aligned.append(member)
    return aligned, competences


def _narrative(competences: list[Item]) -> str:
    lines: list[str] = []
    for item in competences:
        lines.append(f"**{item.label('fr')}**")
        criteria = item.criteria.get("fr", ())
        lines.extend(f"- {criterion}" for criterion in criteria)
        if not criteria and item.descriptions.get("fr"):
            lines.append(f"- {item.descriptions['fr']}")
    return "\n".join(lines) or "Compétences observées en situation de travail."


def _levels(ref: Referential, competences: list[Item]) -> list[Item]:
    codes = {c.code for c in competences}
    wanted = {r.target for r in ref.relations if r.type == "hasSkillLevel" and r.source in codes}
    levels = [i for i in ref.items if i.kind == ItemKind.LEVEL and i.code in wanted]
    return sorted(levels, key=lambda i: (i.rank or 0, i.code))


def create_achievement(
    ctx: IssuerContext,
    org_slug: str,
    ref: Referential,
    codes: list[str],
    *,
    name: str | None = None,
    description: str | None = None,
    image: str | None = None,
) -> Achievement:
    """Build and store an achievement of ``org_slug`` from items of a published referential."""
    if not ref.is_published:
        raise IssuerError(
            f"le référentiel {ref.slug} {ref.version} n'est pas publié : publiez-le d'abord",
            code="referential_not_published",
            status=409,
        )
    if not codes:
        raise IssuerError("choisissez au moins un élément", code="no_items", column="items")
    base = ctx.urls.base
    aligned, competences = _selected_items(ref, codes, base)
    with session_scope(ctx.engine) as session:
        org = session.exec(select(Organisation).where(Organisation.slug == org_slug)).first()
        if org is None:
            raise IssuerError(
                f"organisation « {org_slug} » inconnue", code="organisation_not_found", status=404
            )
        _ensure_referential_row(session, ref)
        row = Achievement(
            organisation_id=org.id,
            name="",
            referential_slug=ref.slug,
            referential_version=ref.version,
            items=list(codes),
            created_at=ctx.now(),
        )
        url = ctx.urls.achievement(row.id)
        first = aligned[0]
        title = name or (
            first.label("fr") if len(codes) == 1 else f"{first.label('fr')} et autres compétences"
        )
        document: dict[str, Any] = {
            "id": url,
            "type": ["Achievement"],
            "achievementType": "Competency",
            "name": title,
            "description": description
            or first.descriptions.get("fr")
            or f"Compétences du référentiel « {ref.title.get('fr') or ref.slug} ».",
            "criteria": {"narrative": _narrative(competences)},
            "image": {"id": image or ctx.urls.achievement_image(row.id), "type": "Image"},
            "creator": {k: org.profile[k] for k in ("id", "type", "name") if k in org.profile},
            "alignment": [_alignment(item, ref, base) for item in aligned],
            "inLanguage": "fr",
        }
        levels = _levels(ref, competences)
        if levels:
            document["resultDescription"] = [
                {
                    "id": f"{url}#niveaux",
                    "type": ["ResultDescription"],
                    "name": "Niveau atteint",
                    "resultType": "RubricCriterionLevel",
                    "rubricCriterionLevel": [
                        {
                            "id": f"{url}#niveau-{level.code}",
                            "type": ["RubricCriterionLevel"],
                            "name": level.label("fr"),
                            "level": level.code,
                            **(
                                {"description": level.descriptions["fr"]}
                                if level.descriptions.get("fr")
                                else {}
                            ),
                        }
                        for level in levels
                    ],
                }
            ]
        row.name = title[:200]
        row.achievement = document
        session.add(row)
        return row


def get_achievement(ctx: IssuerContext, achievement_id: str) -> Achievement:
    with session_scope(ctx.engine, write=False) as session:
        row = session.get(Achievement, achievement_id)
        if row is None:
            row = session.exec(
                select(Achievement).where(Achievement.name == achievement_id)
            ).first()
        if row is None:
            raise IssuerError(
                f"badge type « {achievement_id} » inconnu", code="achievement_not_found", status=404
            )
        return row


def level_ids(achievement: dict[str, Any]) -> dict[str, str]:
    """Level code (and name, lower-cased) → RubricCriterionLevel id, for ``--level``."""
    found: dict[str, str] = {}
    for description in achievement.get("resultDescription", []):
        for level in description.get("rubricCriterionLevel", []):
            found[str(level.get("level", ""))] = str(level["id"])
            found[str(level.get("name", "")).lower()] = str(level["id"])
    return found
