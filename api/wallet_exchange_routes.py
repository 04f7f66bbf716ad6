"""The wallet's JSON API, part 2: presentations for programs (with the holder's consent),
credential offers to another wallet app and the OpenID4VCI endpoints (pre-authorized code),
export, erasure, and counsellor custody (issue 6). Authentication and errors as in
:mod:`api.wallet_routes`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Form, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from api.mail_texts import account_language_message, chosen_mail_language
from api.wallet_routes import (
    COUNSELLOR,
    ERRORS,
    HOLDER,
    MEMBER,
    cookie_name,
    current_user_id,
    current_wallet_id,
    wallet_ctx,
    wallet_problem,
)
from wallet.access import hand_over
from wallet.context import WalletError
from wallet.export import export_archive
from wallet.holders import erase_wallet, open_wallet_in_custody
from wallet.offers import (
    OfferError,
    authorization_server_metadata,
    create_offer,
    credential_for_token,
    exchange_code,
    issuer_metadata,
)
from wallet.presentations import (
    grant_presentation_consent,
    sign_presentation,
    withdraw_presentation_consent,
)

__all__ = ["exchange", "oid4vci"]

exchange = APIRouter(tags=["portefeuille"])
oid4vci = APIRouter(tags=["OpenID4VCI"])


# -- presentations, offers, export, custody, erasure ---------------------------------------------


class PresentationRequest(BaseModel):
    badges: list[str] = Field(min_length=1)
    challenge: str
    domain: str


@exchange.post(
    "/api/wallet/presentations",
    summary="Présentation vérifiable signée pour vous (avec votre accord)",
    responses=ERRORS,
    dependencies=[Depends(HOLDER)],
)
def presentation_api(body: PresentationRequest, request: Request, wallet: str | None = None) -> Any:
    ctx = wallet_ctx(request)
    try:
        wallet_id = current_wallet_id(ctx, request, wallet)
        return sign_presentation(
            ctx, wallet_id, body.badges, challenge=body.challenge, domain=body.domain
        )
    except WalletError as error:
        return wallet_problem(error)


@exchange.put(
    "/api/wallet/consents/presentation",
    status_code=204,
    summary="Donner mon accord pour les présentations",
    responses=ERRORS,
    dependencies=[Depends(HOLDER)],
)
def grant_api(request: Request, wallet: str | None = None) -> Response:
    ctx = wallet_ctx(request)
    try:
        grant_presentation_consent(ctx, current_wallet_id(ctx, request, wallet))
    except WalletError as error:
        return wallet_problem(error)
    return Response(status_code=204)


@exchange.delete(
    "/api/wallet/consents/presentation",
    status_code=204,
    summary="Retirer mon accord pour les présentations",
    responses=ERRORS,
    dependencies=[Depends(HOLDER)],
)
def withdraw_consent_api(request: Request, wallet: str | None = None) -> Response:
    ctx = wallet_ctx(request)
    try:
        withdraw_presentation_consent(ctx, current_wallet_id(ctx, request, wallet))
    except WalletError as error:
        return wallet_problem(error)
    return Response(status_code=204)


class OfferRequest(BaseModel):
    badge: str


@exchange.post(
    "/api/wallet/offers",
    status_code=201,
    summary="Envoyer un badge vers une autre application (OpenID4VCI)",
    responses=ERRORS,
    dependencies=[Depends(HOLDER)],
)
def offer_api(body: OfferRequest, request: Request, wallet: str | None = None) -> Any:
    ctx = wallet_ctx(request)
    try:
        created = create_offer(ctx, current_wallet_id(ctx, request, wallet), body.badge)
    except WalletError as error:
        return wallet_problem(error)
    return {
        "credential_offer_uri": created.uri,
        "credential_offer": created.offer,
        "tx_code": created.tx_code,
    }


@exchange.get(
    "/api/wallet/export",
    summary="Tous mes badges dans un fichier zip",
    responses=ERRORS,
    dependencies=[Depends(HOLDER)],
)
def export_api(request: Request, wallet: str | None = None) -> Response:
    ctx = wallet_ctx(request)
    try:
        data = export_archive(ctx, current_wallet_id(ctx, request, wallet))
    except WalletError as error:
        return wallet_problem(error)
    return Response(
        data,
        media_type="application/zip",
        headers={"Content-Disposition": 'attachment; filename="mes-badges.zip"'},
    )


class EraseRequest(BaseModel):
    confirmation: str = Field(description="Le mot SUPPRIMER")


@exchange.delete(
    "/api/wallet",
    status_code=204,
    summary="Supprimer mon portefeuille",
    responses=ERRORS,
    dependencies=[Depends(HOLDER)],
)
def erase_api(
    request: Request, body: Annotated[EraseRequest, Body()], wallet: str | None = None
) -> Response:
    ctx = wallet_ctx(request)
    try:
        erase_wallet(ctx, current_wallet_id(ctx, request, wallet), confirmation=body.confirmation)
    except WalletError as error:
        return wallet_problem(error)
    response = Response(status_code=204)
    response.delete_cookie(cookie_name(ctx), path="/")
    return response


class CustodyRequest(BaseModel):
    display_name: str
    consent: bool = Field(description="La personne a dit oui, après lecture du texte d'accord")
    organisation_id: str | None = None


@exchange.post(
    "/api/wallet/custody",
    status_code=201,
    summary="Ouvrir un portefeuille pour une personne accompagnée",
    responses=ERRORS,
    dependencies=[Depends(MEMBER)],
)
def custody_api(body: CustodyRequest, request: Request) -> Any:
    ctx = wallet_ctx(request)
    user_id = current_user_id(ctx, request)
    if user_id is None:
        return wallet_problem(WalletError("Connectez-vous.", code="not_signed_in", status=401))
    try:
        created = open_wallet_in_custody(
            ctx,
            display_name=body.display_name,
            counsellor_user_id=user_id,
            consent_given=body.consent,
            organisation_id=body.organisation_id,
        )
    except WalletError as error:
        return wallet_problem(error)
    return {"wallet": created.id, "display_name": created.display_name}


class HandOverRequest(BaseModel):
    wallet: str
    display_name: str
    email: str | None = Field(default=None, description="Sinon : un lien personnel + un code")
    language: str | None = Field(
        default=None,
        description="Langue des e-mails à la personne : « fr » (par défaut) ou « en »",
        examples=["fr", "en"],
    )


@exchange.post(
    "/api/wallet/custody/hand-over",
    summary="Rendre le portefeuille à la personne (la garde prend fin)",
    responses=ERRORS,
    dependencies=[Depends(COUNSELLOR)],
)
def hand_over_api(body: HandOverRequest, request: Request) -> Any:
    ctx = wallet_ctx(request)
    user_id = current_user_id(ctx, request)
    if user_id is None:
        return wallet_problem(WalletError("Connectez-vous.", code="not_signed_in", status=401))
    try:
        link = hand_over(
            ctx,
            body.wallet,
            counsellor_user_id=user_id,
            display_name=body.display_name,
            email=body.email,
            locale=chosen_mail_language(body.language),
            compose=account_language_message,
        )
    except WalletError as error:
        return wallet_problem(error)
    if link is None:
        return {"detail": "Un lien a été envoyé à la personne par e-mail."}
    return {"personal_link": link.url, "personal_code": link.code}


# -- OpenID4VCI (pre-authorized code) ------------------------------------------------------------


@oid4vci.get(
    "/.well-known/openid-credential-issuer", summary="Métadonnées de l'émetteur (OpenID4VCI §12.2)"
)
def issuer_metadata_api(request: Request) -> dict[str, Any]:
    return issuer_metadata(_base(request))


@oid4vci.get(
    "/.well-known/oauth-authorization-server",
    summary="Métadonnées du serveur d'autorisation (RFC 8414)",
)
def authorization_metadata_api(request: Request) -> dict[str, Any]:
    return authorization_server_metadata(_base(request))


def _base(request: Request) -> str:
    settings = request.app.state.settings
    return str(settings.base_url).rstrip("/")


def _oauth_error(error: OfferError) -> JSONResponse:
    return JSONResponse(
        {"error": error.code, "error_description": error.message},
        status_code=error.status,
        headers={"Cache-Control": "no-store"},
    )


@oid4vci.post("/oid4vci/token", summary="Échanger le code pré-autorisé (OpenID4VCI §6)")
def token_api(
    request: Request,
    grant_type: Annotated[str, Form()],
    pre_authorized_code: Annotated[str, Form(alias="pre-authorized_code")],
    tx_code: Annotated[str | None, Form()] = None,
) -> Any:
    try:
        answer = exchange_code(
            wallet_ctx(request), grant_type=grant_type, code=pre_authorized_code, tx_code=tx_code
        )
    except OfferError as error:
        return _oauth_error(error)
    return JSONResponse(answer, headers={"Cache-Control": "no-store"})


@oid4vci.post("/oid4vci/credential", summary="Recevoir le badge (OpenID4VCI §8)")
def credential_api(request: Request, body: Annotated[dict[str, Any], Body()]) -> Any:
    header = request.headers.get("authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else ""
    try:
        answer = credential_for_token(wallet_ctx(request), token, body)
    except OfferError as error:
        response = _oauth_error(error)
        if error.status == 401:
            response.headers["WWW-Authenticate"] = f'Bearer error="{error.code}"'
        return response
    return JSONResponse(answer, headers={"Cache-Control": "no-store"})
