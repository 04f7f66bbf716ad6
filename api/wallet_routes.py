"""The wallet's JSON API (issue 6): claim, sign in without a password, import, list, share,
withdraw, access log, presentations, credential offers (OpenID4VCI), export, erasure.

Authentication: a wallet session, from the ``atouts_portefeuille`` cookie (pages) or an
``Authorization: Bearer <session>`` header (programs); sessions come from a claim, a magic link
or a personal link + code. A counsellor acting for a beneficiary (custody with recorded consent)
names the wallet with ``?wallet=<id>``. Another holder's badge or share answers 404, never 403:
the existence of someone else's data is not revealed.

Errors are RFC 9457 problem details with our stable ``code`` (``WalletError``). The HTML pages
are in :mod:`api.wallet_pages`; :func:`install` registers both.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from api.auth import Principal, Role, RoleRequirement, current_principal
from api.mail_texts import wallet_link_composer
from api.problems import ApiProblem
from api.wallet_i18n import error_text
from storage.engine import session_scope
from storage.tables import Wallet
from verifier.summary import verdict_text
from wallet.access import (
    redeem_magic_link,
    redeem_personal_link,
    request_magic_link,
    session_user,
)
from wallet.claims import redeem_claim
from wallet.context import WalletContext, WalletError, system_clock
from wallet.holders import (
    active_custody,
    counsellor_may_manage,
    wallet_for_user,
)
from wallet.items import get_item, import_badge, list_items
from wallet.progress import group_by_referential
from wallet.shares import (
    ShareGoneError,
    access_log,
    create_share,
    list_shares,
    open_share,
    parse_duration,
    share_items,
    withdraw_share,
)

__all__ = [
    "COOKIE",
    "COUNSELLOR",
    "ERRORS",
    "HOLDER",
    "MEMBER",
    "WalletRoleRequirement",
    "current_user_id",
    "current_wallet_id",
    "install",
    "wallet_ctx",
    "wallet_problem",
]

# The same session cookie as the rest of the web application (``api.auth``): one sign-in opens
# the wallet and the other pages alike; sessions are ``web_sessions`` rows hashed with SHA-256.
COOKIE = "atouts_session"
SECURE_COOKIE = "__Host-atouts_session"
router = APIRouter(tags=["portefeuille"])
public = APIRouter(tags=["partage"])

PROBLEM = {"content": {"application/problem+json": {"schema": {"type": "object"}}}}
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Pas connecté", **PROBLEM},
    404: {"description": "Introuvable", **PROBLEM},
    422: {"description": "Refusé", **PROBLEM},
}


def install(app: FastAPI, ctx: WalletContext | None = None) -> None:
    """Register the wallet API and pages. Without ``ctx`` the context is built on first use
    from ``app.state.settings`` (so building the app, e.g. for ``atouts openapi``, opens no
    database)."""
    from api.wallet_custody_pages import custody_pages
    from api.wallet_pages import pages
    from api.wallet_share_pages import share_pages
    from api.wallet_transfer_pages import transfer_pages

    app.state.wallet_ctx = ctx
    from api.wallet_exchange_routes import exchange, oid4vci

    app.include_router(router)
    app.include_router(exchange)
    app.include_router(public)
    app.include_router(oid4vci)
    app.include_router(pages)
    app.include_router(custody_pages)
    app.include_router(share_pages)
    app.include_router(transfer_pages)


def wallet_ctx(request: Request) -> WalletContext:
    ctx = getattr(request.app.state, "wallet_ctx", None)
    if ctx is None:
        from api.database import app_engine
        from api.wallet_setup import wallet_context

        state = request.app.state
        ctx = wallet_context(
            state.settings,
            engine=app_engine(request.app),  # the application's one engine
            clock=getattr(state, "clock", None) or system_clock,
        )
        request.app.state.wallet_ctx = ctx
    assert isinstance(ctx, WalletContext)
    from api.wallet_setup import refresh_graph

    refresh_graph(ctx)  # a referential published since the last request counts at once
    return ctx


def wallet_problem(error: WalletError) -> JSONResponse:
    return JSONResponse(
        {
            "type": "about:blank",
            "title": error_text(error),
            "status": error.status,
            "detail": error_text(error),
            "code": error.code,
        },
        status_code=error.status,
        media_type="application/problem+json",
    )


def session_cookie(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return request.cookies.get(SECURE_COOKIE) or request.cookies.get(COOKIE)


def current_user_id(ctx: WalletContext, request: Request) -> str | None:
    return session_user(ctx, session_cookie(request))


def current_wallet_id(ctx: WalletContext, request: Request, wallet: str | None = None) -> str:
    """The wallet this request acts on: the user's own, or one in their custody."""
    user_id = current_user_id(ctx, request)
    if user_id is None:
        raise WalletError("Ouvrez d'abord votre portefeuille.", code="not_signed_in", status=401)
    with session_scope(ctx.engine, write=False) as session:
        if wallet:
            if counsellor_may_manage(session, wallet, user_id):
                return wallet
            own = wallet_for_user(session, user_id)
            if own is not None and own.id == wallet:
                return wallet
            raise WalletError("Ce portefeuille n'existe pas.", code="wallet_not_found", status=404)
        own = wallet_for_user(session, user_id)
        if own is None:
            raise WalletError(
                "Vous n'avez pas encore de portefeuille.", code="wallet_not_found", status=404
            )
        return own.id


class WalletRoleRequirement(RoleRequirement):
    """:func:`api.auth.require_roles` for the wallet's JSON API: the same 403 ``forbidden``, but
    nobody signed in answers the wallet's own 401 ``not_signed_in`` in the caller's language.

    Roles come in addition to, never instead of, the per-wallet check of
    :func:`current_wallet_id` (another holder's wallet still answers 404)."""

    def __call__(
        self, request: Request, principal: Annotated[Principal | None, Depends(current_principal)]
    ) -> Principal:
        if principal is None:
            error = WalletError(
                "Ouvrez d'abord votre portefeuille.", code="not_signed_in", status=401
            )
            text = error_text(error)
            raise ApiProblem(
                401, error.code, text, title=text, headers={"WWW-Authenticate": "Bearer"}
            )
        return super().__call__(request, principal)


# A wallet is acted on by its holder (``beneficiary``) or the counsellor holding it in custody.
HOLDER = WalletRoleRequirement(frozenset({Role.BENEFICIARY, Role.COUNSELLOR}))
# Opening a wallet in custody: any member of an organisation (``wallet.holders`` checks it).
MEMBER = WalletRoleRequirement(
    frozenset({Role.ORG_ADMIN, Role.ISSUER, Role.REVIEWER, Role.COUNSELLOR})
)
# Handing a wallet over: the counsellor who has it in custody.
COUNSELLOR = WalletRoleRequirement(frozenset({Role.COUNSELLOR}))


def _badge_json(item: Any) -> dict[str, Any]:
    return {
        "id": item.id,
        "name": item.summary.get("name", ""),
        "issuer": item.summary.get("issuer_name") or item.issuer_id,
        "issuer_id": item.issuer_id,
        "credential_id": item.credential_id,
        "verdict": item.verdict,
        "media_type": item.media_type,
        "source": str(item.source),
        "added_at": item.added_at.isoformat(),
        "summary": item.summary,
    }


def _share_json(ctx: WalletContext, share: Any, badges: list[str]) -> dict[str, Any]:
    return {
        "id": share.id,
        "audience": str(share.audience),
        "audience_name": share.audience_name,
        "created_at": share.created_at.isoformat(),
        "expires_at": share.expires_at.isoformat(),
        "expired": share.expires_at <= ctx.now(),
        "badges": badges,
    }


# -- getting in ---------------------------------------------------------------------------------


class ClaimRequest(BaseModel):
    code: str = Field(description="Le code du badge, avec ou sans tirets")
    display_name: str | None = Field(
        default=None, description="Prénom, pour un nouveau portefeuille"
    )


@router.post(
    "/api/wallet/claim",
    status_code=201,
    summary="Récupérer un badge avec son code",
    responses=ERRORS,
)
def claim_api(
    body: ClaimRequest, request: Request, response: Response, wallet: str | None = None
) -> Any:
    ctx = wallet_ctx(request)
    wallet_id = None
    try:
        if current_user_id(ctx, request) is not None:
            # Signed in: into their wallet (or the one in their custody); else a new wallet.
            try:
                wallet_id = current_wallet_id(ctx, request, wallet)
            except WalletError as error:
                if wallet is not None or error.code != "wallet_not_found":
                    raise
        result = redeem_claim(ctx, body.code, wallet_id=wallet_id, display_name=body.display_name)
    except WalletError as error:
        return wallet_problem(error)
    document: dict[str, Any] = {
        "wallet": result.wallet_id,
        "outcome": str(result.imported.outcome),
        "badge": _badge_json(result.imported.item),
    }
    if result.personal_link is not None:
        document["personal_link"] = result.personal_link.url
        document["personal_code"] = result.personal_link.code
    if result.session_cookie is not None:
        document["session"] = result.session_cookie
        set_session_cookie(ctx, response, result.session_cookie)
    return document


def cookie_name(ctx: WalletContext) -> str:
    # Browsers refuse Secure (and so __Host-) cookies on plain-http demos.
    return SECURE_COOKIE if ctx.base_url.startswith("https://") else COOKIE


def set_session_cookie(ctx: WalletContext, response: Response, value: str) -> None:
    response.set_cookie(
        cookie_name(ctx),
        value,
        max_age=30 * 24 * 3600,
        httponly=True,
        samesite="lax",
        secure=ctx.base_url.startswith("https://"),
        path="/",
    )


class MagicLinkRequest(BaseModel):
    email: str


@router.post("/api/wallet/login/magic-link", status_code=202, summary="Recevoir un lien par e-mail")
def magic_link_api(body: MagicLinkRequest, request: Request) -> dict[str, str]:
    request_magic_link(wallet_ctx(request), body.email, compose=wallet_link_composer(request))
    return {"detail": "Si un portefeuille existe pour cette adresse, un lien vient d'être envoyé."}


class TokenRequest(BaseModel):
    token: str
    code: str | None = None


@router.post(
    "/api/wallet/login",
    summary="Ouvrir une session (lien magique, ou lien personnel + code)",
    responses=ERRORS,
)
def login_api(body: TokenRequest, request: Request, response: Response) -> Any:
    ctx = wallet_ctx(request)
    try:
        if body.code is None:
            value = redeem_magic_link(ctx, body.token)
        else:
            value = redeem_personal_link(ctx, body.token, body.code)
    except WalletError as error:
        return wallet_problem(error)
    set_session_cookie(ctx, response, value)
    return {"session": value}


# -- the wallet ---------------------------------------------------------------------------------


@router.get(
    "/api/wallet",
    summary="Mon portefeuille : badges, progression, garde",
    responses=ERRORS,
    dependencies=[Depends(HOLDER)],
)
def wallet_api(request: Request, wallet: str | None = None) -> Any:
    ctx = wallet_ctx(request)
    try:
        wallet_id = current_wallet_id(ctx, request, wallet)
    except WalletError as error:
        return wallet_problem(error)
    with session_scope(ctx.engine, write=False) as session:
        row = session.get(Wallet, wallet_id)
        items = list_items(session, wallet_id)
        custody = active_custody(session, wallet_id)
    groups = group_by_referential(items, ctx.graph)
    return {
        "id": wallet_id,
        "display_name": row.display_name if row else "",
        "custody": None
        if custody is None
        else {"since": custody.recorded_at.isoformat(), "wording": custody.wording},
        "badges": [_badge_json(i) for i in items],
        "referentials": [
            {
                "key": g.key,
                "title": g.title,
                "badges": g.item_ids,
                "progress": [p.sentence() for p in g.progress],
            }
            for g in groups
        ],
    }


@router.post(
    "/api/wallet/badges",
    status_code=201,
    summary="Ajouter un badge (JSON, JWT, image PNG ou SVG, Open Badges 2.0)",
    responses=ERRORS,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
                "application/json": {"schema": {"type": "object"}},
            },
        }
    },
    dependencies=[Depends(HOLDER)],
)
async def import_api(request: Request, wallet: str | None = None) -> Any:
    ctx = wallet_ctx(request)
    try:
        wallet_id = current_wallet_id(ctx, request, wallet)
        data = await request.body()
        result = import_badge(ctx, wallet_id, data)
    except WalletError as error:
        return wallet_problem(error)
    text = verdict_text(result.report)
    return {
        "outcome": str(result.outcome),
        "verdict": str(result.report.verdict),
        "verdict_text": text.title,
        "badge": _badge_json(result.item),
    }


def _holder_item(request: Request, wallet: str | None, item_id: str) -> Any:
    """One badge of the caller's wallet, or the problem response that says why not."""
    ctx = wallet_ctx(request)
    try:
        wallet_id = current_wallet_id(ctx, request, wallet)
        with session_scope(ctx.engine, write=False) as session:
            return get_item(session, wallet_id, item_id)
    except WalletError as error:
        return wallet_problem(error)


@router.get(
    "/api/wallet/badges/{item_id}",
    summary="Un badge et son rapport de vérification",
    responses=ERRORS,
    dependencies=[Depends(HOLDER)],
)
def badge_api(item_id: str, request: Request, wallet: str | None = None) -> Any:
    item = _holder_item(request, wallet, item_id)
    if isinstance(item, Response):
        return item
    return {**_badge_json(item), "verification_report": item.verification_report}


@router.get(
    "/api/wallet/badges/{item_id}/file",
    summary="Le fichier du badge, tel que reçu",
    responses=ERRORS,
    dependencies=[Depends(HOLDER)],
)
def badge_file_api(item_id: str, request: Request, wallet: str | None = None) -> Response:
    item = _holder_item(request, wallet, item_id)
    if isinstance(item, Response):
        return item
    return Response(bytes(item.original_bytes), media_type=item.media_type)


# -- shares -------------------------------------------------------------------------------------


class ShareRequest(BaseModel):
    badges: list[str] = Field(min_length=1)
    audience: str | None = Field(
        default=None, description="Nom de l'entreprise ; vide : tout le monde"
    )
    expires: str = Field(default="30d", description="Durée du lien : 30d, 7 jours, 2w, 12h")


@router.post(
    "/api/wallet/shares",
    status_code=201,
    summary="Créer un lien de partage",
    responses=ERRORS,
    dependencies=[Depends(HOLDER)],
)
def share_api(body: ShareRequest, request: Request, wallet: str | None = None) -> Any:
    ctx = wallet_ctx(request)
    try:
        wallet_id = current_wallet_id(ctx, request, wallet)
        created = create_share(
            ctx,
            wallet_id,
            body.badges,
            audience_name=body.audience,
            duration=parse_duration(body.expires),
        )
    except WalletError as error:
        return wallet_problem(error)
    return {**_share_json(ctx, created.share, body.badges), "url": created.url}


@router.get(
    "/api/wallet/shares",
    summary="Mes liens de partage",
    responses=ERRORS,
    dependencies=[Depends(HOLDER)],
)
def shares_api(request: Request, wallet: str | None = None) -> Any:
    ctx = wallet_ctx(request)
    try:
        wallet_id = current_wallet_id(ctx, request, wallet)
    except WalletError as error:
        return wallet_problem(error)
    with session_scope(ctx.engine, write=False) as session:
        shares = list_shares(session, wallet_id)
        return [_share_json(ctx, s, [i.id for i in share_items(session, s.id)]) for s in shares]


@router.get(
    "/api/wallet/shares/{share_id}/accesses",
    summary="Quand le lien a été ouvert",
    responses=ERRORS,
    dependencies=[Depends(HOLDER)],
)
def accesses_api(share_id: str, request: Request, wallet: str | None = None) -> Any:
    ctx = wallet_ctx(request)
    try:
        wallet_id = current_wallet_id(ctx, request, wallet)
        log = access_log(ctx, wallet_id, share_id)
    except WalletError as error:
        return wallet_problem(error)
    return [{"at": a.accessed_at.isoformat(), "kind": str(a.kind)} for a in log]


@router.delete(
    "/api/wallet/shares/{share_id}",
    status_code=204,
    summary="Retirer un lien",
    responses=ERRORS,
    dependencies=[Depends(HOLDER)],
)
def withdraw_api(share_id: str, request: Request, wallet: str | None = None) -> Response:
    ctx = wallet_ctx(request)
    try:
        withdraw_share(ctx, current_wallet_id(ctx, request, wallet), share_id)
    except WalletError as error:
        return wallet_problem(error)
    return Response(status_code=204)


@public.get(
    "/api/shares/{token}",
    summary="Ce qu'un lien de partage montre (vérifié maintenant)",
    responses={410: {"description": "Lien retiré ou expiré", **PROBLEM}},
)
def shared_api(token: str, request: Request) -> Any:
    ctx = wallet_ctx(request)
    try:
        opened = open_share(ctx, token)
    except ShareGoneError as error:
        return wallet_problem(error)
    return {
        "holder": opened.holder_name,
        "audience_name": opened.share.audience_name,
        "expires_at": opened.share.expires_at.isoformat(),
        "badges": [
            {
                "name": b.item.summary.get("name", ""),
                "issuer": b.item.summary.get("issuer_name") or b.item.issuer_id,
                "verdict": str(b.report.verdict),
                "verification_report": b.report.to_json_dict(),
            }
            for b in opened.badges
        ],
    }
