"""The trainer's pages (issue 8, « Trainer »): server-rendered, French first, phone-first, with
no JavaScript needed. Every form carries a CSRF token; every page has one ``h1``, a label on
each field and an error summary linking to each field in error (reliability-ux.md B1, B4).

- ``/formateur``: where to start;
- ``/formateur/realisations``: « Mes réalisations », achievements built from a published
  referential (pick competences, or a whole block = all its mandatory competences);
- ``/formateur/observer``: the two-minute tutor observation, then the signed badge
  (:mod:`api.trainer_observation`);
- ``/formateur/serie``: bulk issuance with template, dry run, progress and result file
  (:mod:`api.trainer_batch`);
- ``/formateur/badges``: what was issued, revoke / suspend / reinstate (:mod:`api.trainer_badges`),
  and ``/recommander``: an employer endorses an achievement or a referential.

Pages call :mod:`issuer` directly (as the JSON API in :mod:`api.issuer_routes` does), so both
faces share the same rules and errors.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import col, select

from api.auth import Principal
from api.i18n import current_language, gettext
from api.pages import render
from api.referential_catalogue import catalogue
from api.trainer_common import (
    ACT,
    ACTOR,
    ACTORS,
    READ,
    READER,
    FormErrors,
    ctx,
    organisations_of,
)
from issuer.context import IssuerError
from referentials.model import ItemKind, Referential
from storage.engine import session_scope
from storage.tables import Achievement

__all__ = ["install", "router"]

router = APIRouter(prefix="/formateur", include_in_schema=False)
_CONTAINERS = (ItemKind.CERTIFICATION, ItemKind.BLOCK, ItemKind.MODULE, ItemKind.ADDITIONAL_MODULE)


@router.get("", response_class=HTMLResponse, dependencies=READ)
def home(request: Request, principal: Annotated[Principal, Depends(READER)]) -> HTMLResponse:
    acting = principal.has(*ACTORS)
    orgs = organisations_of(request, principal, acting=False)
    return render(
        request, "formateur/accueil.html", {"active": "espace", "acting": acting, "orgs": orgs}
    )


def achievements_of(request: Request, organisation_ids: list[str]) -> list[Achievement]:
    if not organisation_ids:
        return []
    with session_scope(ctx(request).engine, write=False) as session:
        rows = session.exec(
            select(Achievement)
            .where(col(Achievement.organisation_id).in_(organisation_ids))
            .where(col(Achievement.archived_at).is_(None))
            .order_by(col(Achievement.name))
        ).all()
        return list(rows)


@router.get("/realisations", response_class=HTMLResponse, dependencies=READ)
def achievements_page(
    request: Request, principal: Annotated[Principal, Depends(READER)]
) -> HTMLResponse:
    orgs = organisations_of(request, principal, acting=False)
    names = {o.id: o.name for o in orgs}
    rows = achievements_of(request, list(names))
    created = request.query_params.get("cree")
    return render(
        request,
        "formateur/realisations.html",
        {
            "active": "espace",
            "rows": rows,
            "org_names": names,
            "acting": principal.has(*ACTORS),
            "created": next((r for r in rows if r.id == created), None),
        },
    )


def _published(request: Request) -> list[Referential]:
    entries = catalogue(ctx(request).engine)
    refs = [e.referential for e in entries.values() if e.referential.is_published]
    return sorted(refs, key=lambda r: (r.title.get("fr") or r.slug, r.version))


def _find_ref(request: Request, key: str) -> Referential | None:
    slug, _, version = key.partition("/")
    return next((r for r in _published(request) if r.slug == slug and r.version == version), None)


def _choices(ref: Referential) -> dict[str, list[dict[str, Any]]]:
    lang = current_language()
    containers, competences = [], []
    for item in ref.items:
        entry = {
            "code": item.code,
            "display": item.display_code,
            "label": item.label(lang),
            "kind": str(item.kind),
        }
        if item.kind in _CONTAINERS:
            containers.append(entry)
        elif item.kind == ItemKind.COMPETENCE:
            competences.append(entry)
    return {"containers": containers, "competences": competences}


def _new_form(
    request: Request,
    principal: Principal,
    *,
    ref: Referential | None,
    values: dict[str, Any] | None = None,
    errors: FormErrors | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    lang = current_language()
    return render(
        request,
        "formateur/realisation_nouvelle.html",
        {
            "active": "espace",
            "referentials": [
                {"key": f"{r.slug}/{r.version}", "title": r.title.get(lang) or r.slug, "v": r}
                for r in _published(request)
            ],
            "ref": ref,
            "ref_key": f"{ref.slug}/{ref.version}" if ref else "",
            "ref_title": (ref.title.get(lang) or ref.slug) if ref else "",
            "choices": _choices(ref) if ref else None,
            "orgs": organisations_of(request, principal),
            "values": values or {},
            "errors": errors or FormErrors(),
        },
        status_code=status_code,
    )


@router.get("/realisations/nouvelle", response_class=HTMLResponse, dependencies=[Depends(ACTOR)])
def new_achievement(
    request: Request, principal: Annotated[Principal, Depends(ACTOR)]
) -> HTMLResponse:
    key = request.query_params.get("referentiel", "")
    ref = _find_ref(request, key) if key else None
    return _new_form(request, principal, ref=ref)


@router.post("/realisations", dependencies=ACT)
async def create_achievement_form(
    request: Request, principal: Annotated[Principal, Depends(ACTOR)]
) -> Response:
    from issuer.achievements import create_achievement

    form = await request.form()
    ref = _find_ref(request, str(form.get("referentiel", "")))
    codes = [str(c) for c in form.getlist("elements")]
    name = str(form.get("nom", "")).strip()
    description = str(form.get("description", "")).strip()
    org_slug = str(form.get("organisme", ""))
    values: dict[str, Any] = {
        "elements": codes,
        "nom": name,
        "description": description,
        "organisme": org_slug,
    }
    errors = FormErrors()
    orgs = {o.slug: o for o in organisations_of(request, principal)}
    if ref is None:
        errors.add("referentiel", gettext("Choisissez un référentiel publié."))
        return _new_form(request, principal, ref=None, errors=errors, status_code=422)
    org = orgs.get(org_slug) or (next(iter(orgs.values())) if len(orgs) == 1 else None)
    if org is None:
        errors.add("organisme", gettext("Choisissez l'organisme qui délivre ce badge."))
    if not codes:
        errors.add(
            "elements-0", gettext("Cochez au moins une compétence ou un bloc de compétences.")
        )
    if not errors and org is not None:
        try:
            row = create_achievement(
                ctx(request),
                org.slug,
                ref,
                codes,
                name=name or None,
                description=description or None,
            )
        except IssuerError as exc:
            errors.add("elements-0" if exc.column == "items" else "nom", exc.message)
        else:
            return RedirectResponse(f"/formateur/realisations?cree={row.id}", status_code=303)
    return _new_form(request, principal, ref=ref, values=values, errors=errors, status_code=422)


def install(app: FastAPI) -> None:
    """Register every trainer page (and the employer's endorsement form)."""
    from api.trainer_badges import endorse_router
    from api.trainer_badges import router as badges_router
    from api.trainer_batch import router as batch_router
    from api.trainer_observation import router as observation_router

    app.include_router(router)
    app.include_router(observation_router)
    app.include_router(batch_router)
    app.include_router(badges_router)
    app.include_router(endorse_router)
