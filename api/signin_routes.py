"""Sign-in pages and account API: magic links, personal links with a code, API tokens.

- ``GET/POST /connexion``: ask for a magic link by e-mail. The answer is the same whether the
  address is known or not (no account enumeration); the link goes through the outbox. In demo
  mode the page also shows the link, since no e-mail leaves the machine.
- ``GET /connexion/lien/{token}`` shows a button; ``POST`` opens the session. Link checkers in
  mail systems follow GET links: a GET alone must not spend a single-use link.
- ``GET/POST /connexion/code/{token}``: personal link + 6-digit code (people without e-mail).
- ``POST /deconnexion``; ``GET /mon-espace`` (entry points per role).
- ``GET /api/me``; ``GET/POST /api/tokens``, ``DELETE /api/tokens/{id}`` (organisation admins).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import col, select

from api.audit import audit_request
from api.auth import (
    Principal,
    Role,
    Scope,
    create_api_token,
    current_principal,
    issue_login,
    open_login_link,
    open_personal_link,
    pepper,
    personal_link_exists,
    require_roles,
    require_scope,
    revoke_session,
    session_cookie_name,
)
from api.database import engine_of
from api.i18n import gettext as _
from api.i18n import safe_next
from api.mail_texts import mail_language, remember_language, sign_in_message
from api.pages import render
from api.problems import ApiProblem, problem_responses
from api.security import require_csrf
from storage.engine import session_scope
from storage.tables import ApiToken, OutboxChannel, OutboxMessage, User

router = APIRouter()
SIGNED_IN = require_roles()
ANY_CALLER = require_roles(tokens_allowed=True)
ORG_ADMIN = require_roles(Role.ORG_ADMIN)


def _now(request: Request) -> datetime:
    return request.app.state.clock()  # type: ignore[no-any-return]


@router.get("/connexion", response_class=HTMLResponse, include_in_schema=False)
def sign_in_page(
    request: Request, suivant: Annotated[str, Query()] = "/mon-espace"
) -> HTMLResponse:
    return render(request, "connexion.html", {"active": "connexion", "next": safe_next(suivant)})


@router.post(
    "/connexion",
    response_class=HTMLResponse,
    include_in_schema=False,
    dependencies=[Depends(require_csrf)],
)
def ask_magic_link(
    request: Request,
    email: Annotated[str, Form()] = "",
    suivant: Annotated[str, Form()] = "/mon-espace",
) -> HTMLResponse:
    address = email.strip().lower()
    target = safe_next(suivant)
    if "@" not in address or len(address) > 320:
        return render(
            request,
            "connexion.html",
            {
                "active": "connexion",
                "error": _("Écrivez une adresse e-mail, par exemple nom@exemple.fr."),
                "email": email,
                "next": target,
            },
            status_code=422,
        )
    engine = engine_of(request)
    now = _now(request)
    with session_scope(engine, write=False) as session:
        user = session.exec(select(User).where(User.email == address)).first()
    demo_link = None
    if user is not None:
        issued = issue_login(engine, user.id, now=now)
        link = f"{request.app.state.settings.base_url}/connexion/lien/{issued.token}"
        if target != "/mon-espace":
            link += "?" + urlencode({"suivant": target})
        language = mail_language(request, user.locale)
        subject, body = sign_in_message(language, link)
        with session_scope(engine) as session:
            session.add(
                OutboxMessage(
                    channel=OutboxChannel.EMAIL,
                    recipient=address,
                    subject=subject,
                    body=body,
                    payload={"kind": "magic_link", "language": language},
                    available_at=now,
                )
            )
        if request.app.state.settings.demo:
            demo_link = link
    audit_request(
        request,
        "sign_in.link_requested",
        "login",
        None,
        actor=f"user:{user.id}" if user else "anonymous",
        outcome="success" if user else "failure",
    )
    return render(
        request, "connexion_envoyee.html", {"active": "connexion", "demo_link": demo_link}
    )


@router.get("/connexion/lien/{token}", response_class=HTMLResponse, include_in_schema=False)
def magic_link_page(
    request: Request, token: str, suivant: Annotated[str, Query()] = "/mon-espace"
) -> HTMLResponse:
    return render(
        request,
        "connexion_lien.html",
        {"active": "connexion", "token": token, "next": safe_next(suivant)},
    )


def _signed_in(
    request: Request, session_value: str, user_id: str, via: str, target: str = "/mon-espace"
) -> Response:
    audit_request(
        request, "sign_in", "session", None, actor=f"user:{user_id}", details={"via": via}
    )
    remember_language(request, engine_of(request), user_id)
    response = RedirectResponse(safe_next(target), status_code=303)
    policy = request.app.state.cookie_policy
    response.set_cookie(
        session_cookie_name(request), session_value, max_age=12 * 3600, **policy.params()
    )
    return response


@router.post(
    "/connexion/lien/{token}", include_in_schema=False, dependencies=[Depends(require_csrf)]
)
def open_magic_link(
    request: Request, token: str, suivant: Annotated[str, Form()] = "/mon-espace"
) -> Response:
    opened = open_login_link(engine_of(request), token, now=_now(request))
    if opened is None:
        audit_request(
            request, "sign_in", "session", None, outcome="failure", details={"via": "magic_link"}
        )
        raise ApiProblem(
            400,
            "login_link_invalid",
            "Ce lien de connexion ne marche plus : il a déjà servi ou il est trop ancien. "
            "Demandez un nouveau lien.",
            title="Lien expiré",
        )
    return _signed_in(request, opened[0], opened[1], "magic_link", suivant)


@router.get("/connexion/code/{token}", response_class=HTMLResponse, include_in_schema=False)
def personal_link_page(request: Request, token: str) -> HTMLResponse:
    if not personal_link_exists(engine_of(request), token, now=_now(request)):
        raise ApiProblem(
            404,
            "login_link_invalid",
            "Ce lien personnel ne marche plus. Demandez un nouveau lien à votre conseiller.",
            title="Lien expiré",
        )
    return render(request, "connexion_code.html", {"active": "connexion", "token": token})


@router.post(
    "/connexion/code/{token}", include_in_schema=False, dependencies=[Depends(require_csrf)]
)
def open_personal(request: Request, token: str, code: Annotated[str, Form()] = "") -> Response:
    settings = request.app.state.settings
    opened = open_personal_link(
        engine_of(request), token, code, now=_now(request), pepper_key=pepper(settings.home)
    )
    if opened is None:
        audit_request(
            request, "sign_in", "session", None, outcome="failure", details={"via": "personal_code"}
        )
        return render(
            request,
            "connexion_code.html",
            {
                "active": "connexion",
                "token": token,
                "error": _("Ce code ne marche pas. Vérifiez les 6 chiffres et réessayez."),
            },
            status_code=400,
        )
    return _signed_in(request, opened[0], opened[1], "personal_code")


@router.post("/deconnexion", include_in_schema=False, dependencies=[Depends(require_csrf)])
def sign_out(
    request: Request, principal: Annotated[Principal | None, Depends(current_principal)]
) -> Response:
    if principal is not None and principal.session_id:
        revoke_session(engine_of(request), principal.session_id, now=_now(request))
        audit_request(request, "sign_out", "session", principal.session_id)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(session_cookie_name(request), path="/")
    return response


@router.get("/mon-espace", response_class=HTMLResponse, include_in_schema=False)
def my_space(request: Request, principal: Annotated[Principal, Depends(SIGNED_IN)]) -> Response:
    if principal.roles == {Role.BENEFICIARY}:
        # The hub would hold one link, "Vos badges": a tap for nothing, on a phone, for people
        # who read little. People with other roles keep the hub (it lists each of their sides).
        return RedirectResponse("/portefeuille", status_code=303)
    with session_scope(engine_of(request), write=False) as session:
        user = session.get(User, principal.user_id) if principal.user_id else None
    return render(
        request,
        "mon_espace.html",
        {"active": "espace", "user": user, "roles": sorted(principal.roles)},
    )


# -- JSON API ---------------------------------------------------------------------------------


class Me(BaseModel):
    user_id: str | None
    roles: list[Role]
    organisations: dict[str, list[str]]
    scopes: list[str] | None


@router.get(
    "/api/me",
    response_model=Me,
    tags=["comptes"],
    summary="Qui suis-je ?",
    responses=problem_responses(401),
)
def me(principal: Annotated[Principal, Depends(ANY_CALLER)]) -> Me:
    return Me(
        user_id=principal.user_id,
        roles=sorted(principal.roles),
        organisations={str(r): sorted(ids) for r, ids in principal.organisations.items()},
        scopes=sorted(principal.scopes) if principal.scopes is not None else None,
    )


class TokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    scopes: list[Scope] = Field(min_length=1)
    expires_in_days: int | None = Field(default=90, ge=1, le=730)


class TokenOut(BaseModel):
    id: str
    name: str
    scopes: list[str]
    organisation_id: str | None
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None = None
    token: str | None = Field(default=None, description="Montré une seule fois, à la création")


def _out(row: ApiToken, token: str | None = None) -> TokenOut:
    return TokenOut(
        id=row.id,
        name=row.name,
        scopes=list(row.scopes),
        organisation_id=row.organisation_id,
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
        token=token,
    )


_ADMIN = [Depends(require_scope(Scope.ORGANISATION_ADMIN))]


@router.post(
    "/api/tokens",
    response_model=TokenOut,
    status_code=201,
    tags=["comptes"],
    summary="Créer un jeton d'accès pour un programme",
    dependencies=_ADMIN,
    responses=problem_responses(401, 403, 422),
)
def create_token(
    request: Request, body: TokenRequest, principal: Annotated[Principal, Depends(ORG_ADMIN)]
) -> TokenOut:
    now = _now(request)
    organisation = principal.organisation_for(Role.ORG_ADMIN)
    expires = now + timedelta(days=body.expires_in_days) if body.expires_in_days else None
    raw, row = create_api_token(
        engine_of(request),
        name=body.name,
        scopes=[str(s) for s in body.scopes],
        user_id=principal.user_id,
        organisation_id=organisation,
        now=now,
        expires_at=expires,
    )
    audit_request(
        request, "api_token.created", "api_token", row.id, details={"organisation_id": organisation}
    )
    return _out(row, raw)


@router.get(
    "/api/tokens",
    response_model=list[TokenOut],
    tags=["comptes"],
    summary="Jetons de mon organisation",
    dependencies=_ADMIN,
    responses=problem_responses(401, 403),
)
def list_tokens(
    request: Request, principal: Annotated[Principal, Depends(ORG_ADMIN)]
) -> list[TokenOut]:
    orgs = principal.organisations.get(Role.ORG_ADMIN, frozenset())
    with session_scope(engine_of(request), write=False) as session:
        rows = session.exec(
            select(ApiToken)
            .where(col(ApiToken.organisation_id).in_(orgs))
            .order_by(col(ApiToken.created_at))
        ).all()
    return [_out(row) for row in rows]


@router.delete(
    "/api/tokens/{token_id}",
    status_code=204,
    tags=["comptes"],
    summary="Retirer un jeton",
    dependencies=_ADMIN,
    responses=problem_responses(401, 403, 404),
)
def revoke_token(
    request: Request, token_id: str, principal: Annotated[Principal, Depends(ORG_ADMIN)]
) -> Response:
    orgs = principal.organisations.get(Role.ORG_ADMIN, frozenset())
    with session_scope(engine_of(request)) as session:
        row = session.get(ApiToken, token_id)
        if row is None or row.organisation_id not in orgs:
            raise ApiProblem(404, "not_found", "Ce jeton n'existe pas.")  # no BOLA hint
        if row.revoked_at is None:
            row.revoked_at = _now(request)
            session.add(row)
    audit_request(request, "api_token.revoked", "api_token", token_id)
    return Response(status_code=204)
