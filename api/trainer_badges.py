"""« Badges délivrés »: what an organisation issued, searchable, with revoke / suspend (a private
reason and an explicit confirmation) and reinstate; and the employer's endorsement form.

A state is always words and an icon, never colour alone (WCAG 1.4.1). Revocation is final
(:func:`issuer.status.change_status`); suspension is only possible for a badge issued
« suspendable » (one ``credentialStatus`` per credential, ADR 0003), so the page only offers
what the badge allows. The reason stays private: it is never published in the status list.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import col, select

from api.auth import Principal, Role, require_roles
from api.i18n import gettext
from api.issued_query import IssuedFilter, issued_rows
from api.pages import render
from api.problems import ApiProblem
from api.referential_catalogue import catalogue
from api.security import require_csrf
from api.trainer_common import (
    ACT,
    ACTOR,
    READER,
    FormErrors,
    credential_row,
    ctx,
    organisations_of,
    recipient_of,
    status_view,
)
from api.trainer_pages import achievements_of
from issuer.context import IssuerError
from storage.engine import session_scope
from storage.tables import (
    Achievement,
    Claim,
    CredentialRecipient,
    Organisation,
    StatusAllocation,
    StatusList,
    StatusPurpose,
)

__all__ = ["endorse_router", "router"]

router = APIRouter(prefix="/formateur/badges", include_in_schema=False)
endorse_router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
_EMPLOYER = require_roles(Role.EMPLOYER)


def _who(recipient: CredentialRecipient | None) -> str:
    if recipient is None:
        return gettext("personne effacée")
    if recipient.display_name:
        return recipient.display_name
    if recipient.contact:
        return recipient.contact
    return gettext("code de réception")


@router.get("", response_class=HTMLResponse, dependencies=[Depends(READER)])
def issued_list(request: Request, principal: Annotated[Principal, Depends(READER)]) -> HTMLResponse:
    params = request.query_params
    query = params.get("q", "").strip()[:100]
    state = params.get("etat", "")
    achievement = params.get("realisation", "")
    try:
        page = max(1, int(params.get("page", "1")))
    except ValueError:
        page = 1
    orgs = organisations_of(request, principal, acting=False)
    ids = [o.id for o in orgs]
    found = issued_rows(
        ctx(request).engine,
        ids,
        IssuedFilter(query=query, state=state, achievement_id=achievement),
        offset=(page - 1) * PAGE_SIZE,
        limit=PAGE_SIZE + 1,
    )
    now = ctx(request).now()
    rows = [
        {
            "id": credential.id,
            "name": achievement_row.name,
            "who": _who(recipient),
            "issued": credential.issued_at,
            "status": status_view(
                str(credential.state), valid_until=credential.valid_until, now=now
            ),
        }
        for credential, achievement_row, recipient in found[:PAGE_SIZE]
    ]
    return render(
        request,
        "formateur/badges.html",
        {
            "active": "espace",
            "rows": rows,
            "q": query,
            "etat": state,
            "realisation": achievement,
            "achievements": achievements_of(request, ids),
            "page": page,
            "more": len(found) > PAGE_SIZE,
        },
    )


def _suspendable(request: Request, row_id: str) -> bool:
    with session_scope(ctx(request).engine, write=False) as session:
        found = session.exec(
            select(StatusAllocation.id)
            .join(StatusList, col(StatusList.id) == col(StatusAllocation.status_list_id))
            .where(StatusAllocation.credential_id == row_id)
            .where(StatusList.purpose == StatusPurpose.SUSPENSION)
        ).first()
    return found is not None


def _detail(
    request: Request,
    principal: Principal,
    row_id: str,
    *,
    errors: FormErrors | None = None,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    row = credential_row(request, principal, row_id)
    with session_scope(ctx(request).engine, write=False) as session:
        achievement = session.get(Achievement, row.achievement_id)
        claim = session.exec(select(Claim).where(Claim.credential_id == row.id)).first()
    urls = ctx(request).urls
    credential_url = row.credential_id.split("?", 1)[0]
    done = request.query_params.get("fait", "")
    return render(
        request,
        "formateur/badge.html",
        {
            "active": "espace",
            "row": row,
            "name": achievement.name if achievement else "Badge",
            "who": _who(recipient_of(request, row.id)),
            "status": status_view(
                str(row.state), valid_until=row.valid_until, now=ctx(request).now()
            ),
            "state": str(row.state),
            "verification_url": urls.verification_page(credential_url),
            "suspendable": _suspendable(request, row.id),
            "acting": principal.in_organisation(row.organisation_id, Role.ISSUER, Role.ORG_ADMIN),
            "errors": errors or FormErrors(),
            "values": values or {},
            "done": done if done in ("revoke", "suspend", "reinstate") else "",
            "claim": claim,
        },
        status_code=status_code,
    )


@router.get("/{row_id}", response_class=HTMLResponse, dependencies=[Depends(READER)])
def badge_page(
    row_id: str, request: Request, principal: Annotated[Principal, Depends(READER)]
) -> HTMLResponse:
    return _detail(request, principal, row_id)


@router.post("/{row_id}/statut", response_class=HTMLResponse, dependencies=ACT)
async def change_state(
    row_id: str, request: Request, principal: Annotated[Principal, Depends(ACTOR)]
) -> Response:
    from issuer.status import change_status

    row = credential_row(request, principal, row_id)
    if not principal.in_organisation(row.organisation_id, Role.ISSUER, Role.ORG_ADMIN):
        raise ApiProblem(403, "forbidden", gettext("Votre compte permet de consulter seulement."))
    form = await request.form()
    action = str(form.get("action", ""))
    reason = str(form.get("raison", "")).strip()
    confirmed = bool(form.get("confirmation"))
    errors = FormErrors()
    values = {"action": action, "raison": reason}
    if action not in ("revoke", "suspend", "reinstate"):
        raise ApiProblem(422, "unknown_action", gettext("Action inconnue."))
    if action != "reinstate":
        if not reason:
            errors.add(f"raison-{action}", gettext("Écrivez la raison (elle reste privée)."))
        if not confirmed:
            errors.add(f"confirmation-{action}", gettext("Cochez la case pour confirmer."))
    if not errors:
        try:
            change_status(ctx(request), row.id, action=action, reason=reason or None)
        except IssuerError as exc:
            errors.add(f"raison-{action}" if action != "reinstate" else "reactiver", exc.message)
        else:
            return RedirectResponse(f"/formateur/badges/{row.id}?fait={action}", status_code=303)
    return _detail(request, principal, row_id, errors=errors, values=values, status_code=422)


@router.get("/{row_id}/telecharger/{kind}", dependencies=[Depends(READER)])
def download(
    row_id: str, kind: str, request: Request, principal: Annotated[Principal, Depends(READER)]
) -> Response:
    from issuer.exports import export_credential

    if kind not in ("json", "jwt", "png", "svg"):
        raise ApiProblem(404, "not_found", gettext("Ce format n'existe pas."))
    credential_row(request, principal, row_id)
    try:
        exported = export_credential(ctx(request), row_id, kind)
    except IssuerError as exc:
        raise ApiProblem(exc.status, exc.code, exc.message) from exc
    return Response(
        exported.data,
        media_type=exported.media_type,
        headers={"Content-Disposition": f'attachment; filename="{exported.filename}"'},
    )


# -- endorsement by an employer ------------------------------------------------------------------


def _employer_orgs(request: Request, principal: Principal) -> list[Organisation]:
    ids = sorted(principal.organisations.get(Role.EMPLOYER, frozenset()))
    with session_scope(ctx(request).engine, write=False) as session:
        return list(session.exec(select(Organisation).where(col(Organisation.id).in_(ids))).all())


def _endorse_page(
    request: Request,
    principal: Principal,
    *,
    errors: FormErrors | None = None,
    values: dict[str, str] | None = None,
    done: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    with session_scope(ctx(request).engine, write=False) as session:
        achievements = list(session.exec(select(Achievement).order_by(col(Achievement.name))).all())
    refs = sorted(
        (e.referential for e in catalogue(ctx(request).engine).values()),
        key=lambda r: (r.title.get("fr") or r.slug, r.version),
    )
    values = values or {}
    return render(
        request,
        "formateur/recommander.html",
        {
            "active": "espace",
            "achievements": achievements,
            "referentials": [r for r in refs if r.is_published],
            "orgs": _employer_orgs(request, principal),
            "errors": errors or FormErrors(),
            "values": values,
            "done": done,
        },
        status_code=status_code,
    )


@endorse_router.get("/recommander", response_class=HTMLResponse, dependencies=[Depends(_EMPLOYER)])
def endorse_form(
    request: Request, principal: Annotated[Principal, Depends(_EMPLOYER)]
) -> HTMLResponse:
    chosen = request.query_params.get("sujet", "")
    return _endorse_page(request, principal, values={"sujet": chosen})


@endorse_router.post(
    "/recommander",
    response_class=HTMLResponse,
    dependencies=[Depends(require_csrf), Depends(_EMPLOYER)],
)
async def endorse_submit(
    request: Request, principal: Annotated[Principal, Depends(_EMPLOYER)]
) -> HTMLResponse:
    from issuer.endorsements import endorse

    form = await request.form()
    values = {k: str(form.get(k, "")).strip() for k in ("sujet", "commentaire", "organisme")}
    errors = FormErrors()
    orgs = {o.slug: o for o in _employer_orgs(request, principal)}
    org = orgs.get(values["organisme"]) or (next(iter(orgs.values())) if len(orgs) == 1 else None)
    kind, _, subject = values["sujet"].partition(":")
    if kind not in ("realisation", "referentiel") or not subject:
        errors.add("sujet", gettext("Choisissez le badge ou le référentiel que vous recommandez."))
    if not values["commentaire"]:
        errors.add("commentaire", gettext("Écrivez pourquoi vous recommandez ce badge."))
    if org is None:
        errors.add("organisme", gettext("Choisissez votre entreprise."))
    if not errors and org is not None:
        try:
            if kind == "realisation":
                signed = endorse(
                    ctx(request), org.slug, comment=values["commentaire"], achievement_id=subject
                )
            else:
                slug, _, version = subject.partition("/")
                signed = endorse(
                    ctx(request),
                    org.slug,
                    comment=values["commentaire"],
                    referential=(slug, version or "1.0"),
                )
        except IssuerError as exc:
            message = exc.message
            if exc.code == "no_signing_key":
                message = gettext(
                    "Votre entreprise n'a pas encore de clé pour signer : demandez à "
                    "l'administrateur d'atouts de la créer."
                )
            errors.add("sujet", message)
        else:
            return _endorse_page(request, principal, done=signed, status_code=201)
    return _endorse_page(request, principal, errors=errors, values=values, status_code=422)
