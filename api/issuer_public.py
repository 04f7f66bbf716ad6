"""Public documents an issuer publishes (profile, did:web document, status lists, credentials,
achievements, endorsements) and the issuer context of the web application.

They need no sign-in: they are what verifiers and wallets fetch. Status lists are cacheable for
five minutes (BSL §6 "Verifier caching"). Errors are RFC 9457 problem details with our ``code``.
The claim link ``{base}/reclamer/{code}`` is the wallet's page (``api.wallet_pages``).
"""

from __future__ import annotations

import json
import os
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response

from api.settings import Settings
from issuer.context import IssuerContext, IssuerError

__all__ = ["ERRORS", "ctx_of", "issuer_context", "problem", "public"]

PROBLEM = "application/problem+json"
_PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status", "code"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "column": {"type": "string"},
    },
}
ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"description": title, "content": {PROBLEM: {"schema": _PROBLEM_SCHEMA}}}
    for status, title in (
        (401, "Connexion nécessaire"),
        (403, "Action non autorisée"),
        (404, "Introuvable"),
        (409, "Conflit"),
        (422, "Requête refusée"),
    )
}
_TITLES = {404: "Introuvable", 409: "Conflit", 410: "Plus disponible", 422: "Requête refusée"}


# -- context --------------------------------------------------------------------------------------


def issuer_context(settings: Settings, app: FastAPI | None = None) -> IssuerContext:
    """The issuer context of the application (engine shared through ``app.state.engine``)."""
    from issuer.custody import load_custody
    from storage.engine import DatabaseSettings
    from storage.migrate import open_migrated_engine

    engine = getattr(app.state, "engine", None) if app is not None else None
    if engine is None:
        engine = open_migrated_engine(
            DatabaseSettings(home=settings.home, url=settings.database_url)
        )
        if app is not None:
            app.state.engine = engine
    from api.mail_texts import CatalogueNoticeTexts

    return IssuerContext(
        engine=engine,
        custody=load_custody(os.environ, settings.home),
        base_url=settings.base_url,
        notice_texts=CatalogueNoticeTexts(),  # badge notices in the recipient's language
    )


def ctx_of(request: Request) -> IssuerContext:
    ctx = getattr(request.app.state, "issuer_ctx", None)
    if ctx is None:
        ctx = issuer_context(request.app.state.settings, request.app)
        request.app.state.issuer_ctx = ctx
    assert isinstance(ctx, IssuerContext)
    return ctx


def problem(error: IssuerError) -> JSONResponse:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": _TITLES.get(error.status, "Erreur"),
        "status": error.status,
        "detail": error.message,
        "code": error.code,
    }
    if error.column:
        body["column"] = error.column
    return JSONResponse(body, status_code=error.status, media_type=PROBLEM)


def _json(document: dict[str, Any] | str, media_type: str = "application/json") -> Response:
    text = document if isinstance(document, str) else json.dumps(document, ensure_ascii=False)
    return Response(text.encode(), media_type=media_type)


# -- public documents -----------------------------------------------------------------------------

public = APIRouter(tags=["documents publics de l'émetteur"])


@public.get("/issuers/{slug}", summary="Profil OB 3.0 d'un émetteur", responses=ERRORS)
def issuer_profile(slug: str, request: Request) -> Response:
    from issuer.orgs import get_organisation

    try:
        org = get_organisation(ctx_of(request), slug)
    except IssuerError as exc:
        return problem(exc)
    return _json(org.profile, "application/ld+json")


@public.get("/issuers/{slug}/did.json", summary="Document did:web d'un émetteur", responses=ERRORS)
def issuer_did(slug: str, request: Request) -> Response:
    from issuer.orgs import did_document

    ctx = ctx_of(request)
    try:
        document = did_document(ctx, slug)
    except IssuerError as exc:
        return problem(exc)
    if not str(document["id"]).startswith("did:web:"):
        return problem(
            IssuerError("cet émetteur n'utilise pas did:web", code="not_found", status=404)
        )
    return _json(document, "application/did+json")


@public.get(
    "/status/{list_id}",
    summary="Liste de statut signée (BitstringStatusListCredential)",
    responses=ERRORS,
)
def status_list(list_id: str, request: Request) -> Response:
    from issuer.status import published_list

    text = published_list(ctx_of(request), list_id)
    if text is None:
        return problem(IssuerError("liste de statut inconnue", code="not_found", status=404))
    response = _json(text, "application/vc+ld+json")
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@public.get(
    "/credentials/{row_id}", summary="Un badge délivré (texte signé exact)", responses=ERRORS
)
def public_credential(row_id: str, request: Request, version: int | None = None) -> Response:
    from issuer.service import get_credential

    ctx = ctx_of(request)
    ref = ctx.urls.credential(row_id)
    if version is not None:
        ref = f"{ref}?version={version}" if version > 1 else row_id
    try:
        row = get_credential(ctx, ref)
    except IssuerError as exc:
        return problem(exc)
    media = "application/vc+ld+json" if str(row.format) == "json" else "application/vc+jwt"
    return _json(row.signed_text, media)


@public.get(
    "/achievements/{achievement_id}", summary="Un badge type (Achievement)", responses=ERRORS
)
def public_achievement(achievement_id: str, request: Request) -> Response:
    from issuer.achievements import get_achievement

    try:
        row = get_achievement(ctx_of(request), achievement_id)
    except IssuerError as exc:
        return problem(exc)
    return _json(row.achievement, "application/ld+json")


@public.get("/achievements/{achievement_id}/image.svg", summary="Image par défaut d'un badge type")
def achievement_image(achievement_id: str, request: Request) -> Response:
    from issuer.achievements import get_achievement
    from issuer.images import badge_svg

    try:
        row = get_achievement(ctx_of(request), achievement_id)
    except IssuerError as exc:
        return problem(exc)
    return Response(badge_svg(row.name), media_type="image/svg+xml")


@public.get("/endorsements/{endorsement_id}", summary="Une recommandation signée", responses=ERRORS)
def public_endorsement(endorsement_id: str, request: Request) -> Response:
    from storage.engine import session_scope
    from storage.tables import Endorsement

    ctx = ctx_of(request)
    with session_scope(ctx.engine, write=False) as session:
        row = session.get(Endorsement, endorsement_id)
    if row is None:
        return problem(IssuerError("recommandation inconnue", code="not_found", status=404))
    return _json(row.signed_text, "application/vc+ld+json")
