"""Co-editing referentials: a draft new version, its co-defining organisations, its items, and
publishing it (issue 8; pages and JSON API share the same functions).

Trainers (organisation admins, issuers) and employers start a **draft** as a new version of an
existing one, list the organisations that co-define it, add competences (or blocks, modules)
under an existing container, and publish it. Publishing needs at least one co-defining
organisation and a structurally sound referential, and records an ``Agreement`` (today, the
organisations); afterwards the version is immutable (the model and ``storage.guards`` refuse
changes). Every change is audited.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from api.audit import audit_request
from api.auth import Principal, Role, Scope, require_roles, require_scope
from api.database import engine_of
from api.problems import ApiProblem, problem_responses
from api.referential_catalogue import catalogue, publish_to_store, save_draft
from api.referential_routes import ReferentialSummary, _base, _entry, _now, _summary
from api.security import require_csrf
from referentials.model import (
    Agreement,
    Item,
    ItemKind,
    Organisation,
    OrganisationRole,
    Referential,
    ReferentialError,
    Relation,
    RelationType,
    Status,
)

__all__ = ["EDITORS", "router"]

router = APIRouter()
EDITORS = (Role.ORG_ADMIN, Role.ISSUER, Role.EMPLOYER)
_EDITOR = require_roles(*EDITORS)
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
ADDABLE = (ItemKind.COMPETENCE, ItemKind.BLOCK, ItemKind.MODULE, ItemKind.ADDITIONAL_MODULE)


# -- co-editing (shared by the pages and the API) ---------------------------------------------


def _new_draft(
    request: Request, principal: Principal, slug: str, version: str, new_version: str
) -> Referential:
    entries = catalogue(engine_of(request))
    source = entries.get((slug, version))
    if source is None:
        raise ApiProblem(
            404, "referential_not_found", "Ce référentiel ou cette version n'existe pas."
        )
    new_version = new_version.strip()
    if not new_version or len(new_version) > 50 or "/" in new_version:
        raise ApiProblem(
            422, "referential_version_invalid", "Donnez un numéro de version, par exemple 1.1."
        )
    if (slug, new_version) in entries:
        raise ApiProblem(409, "referential_version_exists", "Cette version existe déjà.")
    try:
        draft = source.referential.new_version(new_version)
    except ReferentialError as error:
        raise ApiProblem(422, "referential_version_invalid", str(error)) from error
    save_draft(
        engine_of(request),
        draft,
        now=_now(request),
        organisation_id=principal.organisation_for(*EDITORS),
    )
    audit_request(request, "referential.draft_created", "referential", f"{slug}/{new_version}")
    return draft


def _draft(request: Request, slug: str, version: str) -> Referential:
    entry = _entry(request, slug, version)
    if entry.source != "database" or entry.referential.status != Status.DRAFT:
        raise ApiProblem(
            409,
            "referential_published",
            "Cette version est publiée : elle ne change plus. Créez une nouvelle version.",
        )
    return entry.referential


def _add_organisation(
    request: Request, slug: str, version: str, name: str, role: str
) -> Referential:
    ref = _draft(request, slug, version)
    name = name.strip()
    if not name or len(name) > 200:
        raise ApiProblem(422, "organisation_name_missing", "Écrivez le nom de l'organisation.")
    try:
        kind = OrganisationRole(role)
    except ValueError as error:
        raise ApiProblem(
            422, "organisation_role_invalid", "Choisissez le rôle de l'organisation."
        ) from error
    if any(o.name == name for o in ref.organisations):
        return ref
    updated = ref.evolve(organisations=(*ref.organisations, Organisation(name=name, role=kind)))
    save_draft(engine_of(request), updated, now=_now(request), organisation_id=None)
    audit_request(request, "referential.organisation_added", "referential", f"{slug}/{version}")
    return updated


def _publish(request: Request, slug: str, version: str) -> Referential:
    ref = _draft(request, slug, version)
    if not ref.organisations:
        raise ApiProblem(
            422,
            "referential_needs_organisations",
            "Ajoutez au moins une organisation qui a défini ce référentiel avant de le publier.",
        )
    problems = ref.problems()
    if problems:
        raise ApiProblem(422, "referential_invalid", "; ".join(problems))
    agreement = Agreement(
        version=ref.version,
        agreed_on=_now(request).date(),
        organisations=tuple(o.name for o in ref.organisations),
    )
    published = ref.evolve(agreements=(*ref.agreements, agreement), status=Status.PUBLISHED)
    try:
        # The store first: issuer and matching read it, and it refuses to overwrite a
        # different published content, before the database row says "published".
        publish_to_store(engine_of(request), published)
    except ReferentialError as error:
        raise ApiProblem(409, "referential_version_exists", str(error)) from error
    save_draft(engine_of(request), published, now=_now(request), organisation_id=None)
    audit_request(request, "referential.published", "referential", f"{slug}/{version}")
    return published


def _back(slug: str, version: str) -> RedirectResponse:
    return RedirectResponse(f"/referentials/{slug}/{version}", status_code=303)


@router.post(
    "/referentials/{slug}/{version}/brouillon",
    include_in_schema=False,
    dependencies=[Depends(require_csrf)],
)
def draft_form(
    request: Request,
    slug: str,
    version: str,
    principal: Annotated[Principal, Depends(_EDITOR)],
    new_version: Annotated[str, Form()] = "",
) -> Response:
    draft = _new_draft(request, principal, slug, version, new_version)
    return _back(slug, draft.version)


@router.post(
    "/referentials/{slug}/{version}/organisations",
    include_in_schema=False,
    dependencies=[Depends(require_csrf), Depends(_EDITOR)],
)
def organisation_form(
    request: Request,
    slug: str,
    version: str,
    name: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "employer",
) -> Response:
    _add_organisation(request, slug, version, name, role)
    return _back(slug, version)


@router.post(
    "/referentials/{slug}/{version}/publication",
    include_in_schema=False,
    dependencies=[Depends(require_csrf), Depends(_EDITOR)],
)
def publish_form(request: Request, slug: str, version: str) -> Response:
    _publish(request, slug, version)
    return _back(slug, version)


def _add_item(
    request: Request,
    slug: str,
    version: str,
    *,
    code: str,
    label: str,
    kind: str = "competence",
    parent: str = "",
    mandatory: bool | None = None,
    description: str = "",
) -> Referential:
    ref = _draft(request, slug, version)
    code, label, parent = code.strip(), label.strip(), parent.strip()
    if not _CODE.match(code):
        raise ApiProblem(
            422,
            "item_code_invalid",
            "Le code : lettres, chiffres, points, tirets, 64 signes au plus.",
        )
    if code in ref.items_by_code:
        raise ApiProblem(409, "item_code_exists", "Ce code existe déjà dans ce référentiel.")
    if not label or len(label) > 300:
        raise ApiProblem(422, "item_label_missing", "Écrivez l'intitulé en français.")
    try:
        item_kind = ItemKind(kind)
    except ValueError as error:
        raise ApiProblem(422, "item_kind_invalid", "Choisissez le type d'élément.") from error
    if item_kind not in ADDABLE:
        raise ApiProblem(422, "item_kind_invalid", "Choisissez le type d'élément.")
    relations = list(ref.relations)
    if parent:
        if parent not in ref.items_by_code:
            raise ApiProblem(422, "item_parent_unknown", "Cet élément parent n'existe pas.")
        relations.append(
            Relation(type=RelationType.IS_PART_OF, source=code, target=parent, mandatory=mandatory)
        )
    item = Item(
        code=code,
        kind=item_kind,
        labels={"fr": label},
        descriptions={"fr": description.strip()} if description.strip() else {},
    )
    updated = ref.evolve(items=(*ref.items, item), relations=tuple(relations))
    problems = updated.problems()
    if problems:
        raise ApiProblem(422, "referential_invalid", "; ".join(problems))
    save_draft(engine_of(request), updated, now=_now(request), organisation_id=None)
    audit_request(request, "referential.item_added", "referential", f"{slug}/{version}")
    return updated


@router.post(
    "/referentials/{slug}/{version}/elements",
    include_in_schema=False,
    dependencies=[Depends(require_csrf), Depends(_EDITOR)],
)
def item_form(
    request: Request,
    slug: str,
    version: str,
    code: Annotated[str, Form()] = "",
    label: Annotated[str, Form()] = "",
    kind: Annotated[str, Form()] = "competence",
    parent: Annotated[str, Form()] = "",
    optional: Annotated[str, Form()] = "",
) -> Response:
    _add_item(
        request,
        slug,
        version,
        code=code,
        label=label,
        kind=kind,
        parent=parent,
        mandatory=(not optional) if parent else None,
    )
    return _back(slug, version)


# -- JSON API ---------------------------------------------------------------------------------

_TAGS: list[str | Any] = ["référentiels"]


class DraftRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: str = Field(min_length=1, max_length=50, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


class OrganisationRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    role: OrganisationRole = OrganisationRole.EMPLOYER


_WRITE = [Depends(require_scope(Scope.REFERENTIALS_WRITE))]


@router.post(
    "/api/referentials/{slug}/{version}/drafts",
    status_code=201,
    tags=_TAGS,
    response_model=ReferentialSummary,
    dependencies=_WRITE,
    summary="Créer un brouillon (nouvelle version) à partir d'une version",
    responses=problem_responses(401, 403, 404, 409, 422),
)
def draft_api(
    request: Request,
    slug: str,
    version: str,
    body: DraftRequest,
    principal: Annotated[Principal, Depends(_EDITOR)],
) -> ReferentialSummary:
    draft = _new_draft(request, principal, slug, version, body.version)
    return _summary(_entry(request, slug, draft.version), _base(request))


@router.post(
    "/api/referentials/{slug}/{version}/organisations",
    tags=_TAGS,
    response_model=ReferentialSummary,
    dependencies=[*_WRITE, Depends(_EDITOR)],
    summary="Ajouter une organisation qui co-définit le brouillon",
    responses=problem_responses(401, 403, 404, 409, 422),
)
def organisation_api(
    request: Request, slug: str, version: str, body: OrganisationRequest
) -> ReferentialSummary:
    _add_organisation(request, slug, version, body.name, str(body.role))
    return _summary(_entry(request, slug, version), _base(request))


@router.post(
    "/api/referentials/{slug}/{version}/publish",
    tags=_TAGS,
    response_model=ReferentialSummary,
    dependencies=[*_WRITE, Depends(_EDITOR)],
    summary="Publier le brouillon (il ne changera plus)",
    responses=problem_responses(401, 403, 404, 409, 422),
)
def publish_api(request: Request, slug: str, version: str) -> ReferentialSummary:
    _publish(request, slug, version)
    return _summary(_entry(request, slug, version), _base(request))


class ItemRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=1, max_length=64)
    label: str = Field(min_length=1, max_length=300, description="intitulé en français")
    kind: ItemKind = ItemKind.COMPETENCE
    parent: str | None = Field(default=None, description="code d'un bloc ou module du brouillon")
    mandatory: bool | None = None
    description: str | None = Field(default=None, max_length=2000)


@router.post(
    "/api/referentials/{slug}/{version}/items",
    tags=_TAGS,
    status_code=201,
    response_model=ReferentialSummary,
    dependencies=[*_WRITE, Depends(_EDITOR)],
    summary="Ajouter un élément (compétence, bloc, module) au brouillon",
    responses=problem_responses(401, 403, 404, 409, 422),
)
def item_api(request: Request, slug: str, version: str, body: ItemRequest) -> ReferentialSummary:
    _add_item(
        request,
        slug,
        version,
        code=body.code,
        label=body.label,
        kind=str(body.kind),
        parent=body.parent or "",
        mandatory=body.mandatory,
        description=body.description or "",
    )
    return _summary(_entry(request, slug, version), _base(request))
