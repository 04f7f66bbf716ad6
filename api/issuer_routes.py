"""Issuing over HTTP (issue 4): the JSON API for organisations, achievements, credentials,
batches, revocation/suspension, exports and endorsements, and the public documents an issuer
publishes (profile, did:web document, status lists, credentials, achievements, endorsements).

Errors are RFC 9457 problem details with our stable ``code``. Write routes need a person with
the issuer (or organisation admin) role in the organisation concerned, or an API token with the
matching scope (``api.auth``); they are only registered when ``api.auth`` is available, so the
write API is never served unauthenticated. Public documents need nothing: they are what
verifiers fetch (status lists are cacheable for five minutes, BSL §6 "Verifier caching").

At start-up the status-list reconciler publishes any change a crash left unpublished
(reliability-ux.md D6).
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import (
    APIRouter,
    BackgroundTasks,
    Depends,
    FastAPI,
    File,
    Form,
    Header,
    Query,
    Request,
    UploadFile,
)
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import BaseModel, Field

from api.issuer_public import ERRORS, ctx_of, issuer_context, problem, public
from api.settings import Settings
from issuer.context import IssuerContext, IssuerError

__all__ = ["install", "issuer_context"]

log = logging.getLogger("atouts.issuer")

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
# -- write API ------------------------------------------------------------------------------------


class OrganisationIn(BaseModel):
    slug: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")
    name: str = Field(min_length=1, max_length=200)
    url: str | None = None
    email: str | None = None
    description: str | None = None
    parent: str | None = None


class AchievementIn(BaseModel):
    organisation: str
    referential: str
    version: str | None = None
    items: list[str] = Field(min_length=1)
    name: str | None = None
    description: str | None = None


class EvidenceIn(BaseModel):
    narrative: str | None = None
    url: str | None = None
    file_sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    name: str | None = None


class IssueIn(BaseModel):
    achievement_id: str
    recipient: str | None = Field(
        default=None, description="e-mail, téléphone, nir:…, id:…, ou vide (code de réception)"
    )
    recipient_name: str | None = None
    evidence: list[EvidenceIn] = Field(default_factory=list)
    level: str | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    suite: str = "eddsa-rdfc-2022"
    suspendable: bool = False
    replaces: str | None = None


class StatusIn(BaseModel):
    reason: str | None = Field(default=None, description="raison privée, jamais publiée")
    suspend: bool = False


class EndorsementIn(BaseModel):
    organisation: str
    achievement_id: str | None = None
    referential: str | None = None
    referential_version: str | None = None
    comment: str = Field(min_length=1)


def _load_referential(settings: Settings, slug: str, version: str | None) -> Any:
    from referentials.bundled import load_bundled
    from referentials.model import ReferentialError
    from referentials.store import FilesystemReferentialStore

    try:
        return FilesystemReferentialStore(settings.home / "referentials").get(slug, version)
    except ReferentialError:
        for ref in load_bundled():
            if ref.slug == slug and (version is None or ref.version == version):
                return ref
    raise IssuerError(
        f"référentiel « {slug} » introuvable", code="referential_not_found", status=404
    )


def _actor(request: Request) -> tuple[str | None, str | None]:
    """(pseudonymous actor id for the audit log, user id) of the signed-in principal."""
    principal = getattr(request.state, "principal", None)
    if principal is None:
        return None, None
    return str(principal.actor), principal.user_id


def _org_id_of_achievement(ctx: IssuerContext, achievement_id: str) -> str:
    from issuer.achievements import get_achievement

    return get_achievement(ctx, achievement_id).organisation_id


def _org_id_of_credential(ctx: IssuerContext, ref: str) -> str:
    from issuer.service import get_credential

    return get_credential(ctx, ref).organisation_id


def _write_router(auth: Any) -> APIRouter:
    """Routes that change things; ``auth`` is the ``api.auth`` module."""
    router = APIRouter(prefix="/api/issuer", tags=["délivrance de badges"], responses=ERRORS)
    roles = (auth.Role.ISSUER, auth.Role.ORG_ADMIN)

    def need(*scopes: str) -> list[Any]:
        return [
            Depends(auth.require_roles(*roles)),
            *(Depends(auth.require_scope(s)) for s in scopes),
        ]

    def allowed(request: Request, org_id: str, *wanted: Any) -> None:
        principal = request.state.principal if hasattr(request.state, "principal") else None
        if principal is None:
            principal = auth.current_principal(request)
        if principal is None or not principal.in_organisation(org_id, *(wanted or roles)):
            raise IssuerError(
                "vous ne délivrez pas de badges pour cette organisation",
                code="forbidden",
                status=403,
            )

    def guarded(call: Callable[[], Any], status: int = 200) -> Response:
        try:
            result = call()
        except IssuerError as exc:
            return problem(exc)
        if isinstance(result, Response):
            return result
        return JSONResponse(result, status_code=status)

    @router.post(
        "/organisations",
        status_code=201,
        summary="Créer une organisation émettrice",
        dependencies=[
            Depends(auth.require_roles(auth.Role.ORG_ADMIN)),
            Depends(auth.require_scope(auth.Scope.ORGANISATION_ADMIN)),
        ],
    )
    def create_org(body: OrganisationIn, request: Request) -> Response:
        from issuer.orgs import create_organisation

        def run() -> dict[str, Any]:
            org = create_organisation(
                ctx_of(request),
                slug=body.slug,
                name=body.name,
                url=body.url,
                email=body.email,
                description=body.description,
                parent_slug=body.parent,
                actor=_actor(request)[0],
                admin_user_id=_actor(request)[1],
            )
            return {"id": org.id, "slug": org.slug, "issuer": org.issuer_id, "profile": org.profile}

        return guarded(run, 201)

    # -- reading what the trainer's pages show (« Badges délivrés », badge types, batches) --------
    readers = (*roles, auth.Role.REVIEWER)

    def reader_orgs(request: Request) -> list[str]:
        principal = auth.current_principal(request)
        if principal is None:
            return []
        return sorted(set().union(*(principal.organisations.get(r, frozenset()) for r in readers)))

    read = [
        Depends(auth.require_roles(*readers)),
        Depends(auth.require_scope(auth.Scope.CREDENTIALS_READ)),
    ]

    @router.get(
        "/credentials",
        summary="Les badges délivrés, les plus récents d'abord (comme la page « Badges délivrés »)",
        dependencies=read,
    )
    def list_credentials(
        request: Request,
        q: str = Query("", max_length=100, description="nom ou contact de la personne, ou badge"),
        state: str = Query("", description="active, suspended ou revoked ; vide : tous"),
        achievement_id: str = Query(""),
        offset: int = Query(0, ge=0),
        limit: int = Query(50, ge=1, le=200),
    ) -> dict[str, Any]:
        from api.issued_query import IssuedFilter, issued_rows

        found = issued_rows(
            ctx_of(request).engine,
            reader_orgs(request),
            IssuedFilter(query=q.strip(), state=state, achievement_id=achievement_id),
            offset=offset,
            limit=limit,
        )
        return {
            "credentials": [
                {
                    "id": credential.id,
                    "credential_id": credential.credential_id,
                    "achievement_id": achievement.id,
                    "achievement_name": achievement.name,
                    "recipient_name": recipient.display_name if recipient else None,
                    "recipient_contact": recipient.contact if recipient else None,
                    "state": str(credential.state),
                    "issued_at": credential.issued_at.isoformat(),
                    "valid_until": (
                        credential.valid_until.isoformat() if credential.valid_until else None
                    ),
                }
                for credential, achievement, recipient in found
            ]
        }

    @router.get(
        "/achievements",
        summary="Les badges types des organisations de la personne",
        dependencies=read,
    )
    def list_achievements(request: Request) -> dict[str, Any]:
        from sqlmodel import col, select

        from storage.engine import session_scope
        from storage.tables import Achievement

        with session_scope(ctx_of(request).engine, write=False) as session:
            rows = session.exec(
                select(Achievement)
                .where(col(Achievement.organisation_id).in_(reader_orgs(request) or [""]))
                .where(col(Achievement.archived_at).is_(None))
                .order_by(col(Achievement.name))
            ).all()
            return {
                "achievements": [
                    {"id": r.id, "name": r.name, "organisation_id": r.organisation_id} for r in rows
                ]
            }

    @router.get(
        "/batches",
        summary="Les envois en série, les plus récents d'abord",
        dependencies=read,
    )
    def list_batches(request: Request, limit: int = Query(20, ge=1, le=200)) -> dict[str, Any]:
        from sqlmodel import col, select

        from storage.engine import session_scope
        from storage.tables import IssuanceBatch

        with session_scope(ctx_of(request).engine, write=False) as session:
            rows = session.exec(
                select(IssuanceBatch)
                .where(col(IssuanceBatch.organisation_id).in_(reader_orgs(request) or [""]))
                .order_by(col(IssuanceBatch.created_at).desc())
                .limit(limit)
            ).all()
            return {
                "batches": [
                    {
                        "id": b.id,
                        "achievement_id": b.achievement_id,
                        "filename": b.filename,
                        "state": str(b.state),
                        "total_rows": b.total_rows,
                        "created_at": b.created_at.isoformat(),
                    }
                    for b in rows
                ]
            }

    @router.post(
        "/achievements",
        status_code=201,
        summary="Créer un badge type depuis un référentiel publié",
        dependencies=need(auth.Scope.ACHIEVEMENTS_WRITE),
    )
    def create_achievement_route(body: AchievementIn, request: Request) -> Response:
        from issuer.achievements import create_achievement
        from issuer.orgs import get_organisation

        def run() -> dict[str, Any]:
            ctx = ctx_of(request)
            allowed(request, get_organisation(ctx, body.organisation).id)
            ref = _load_referential(request.app.state.settings, body.referential, body.version)
            row = create_achievement(
                ctx,
                body.organisation,
                ref,
                body.items,
                name=body.name,
                description=body.description,
            )
            return {"id": row.id, "name": row.name, "achievement": row.achievement}

        return guarded(run, 201)

    @router.post(
        "/credentials",
        status_code=201,
        summary="Délivrer un badge",
        description="Le badge n'est renvoyé qu'une fois enregistré avec son index de statut. "
        "Avec l'en-tête Idempotency-Key, une même demande rejouée renvoie le même badge.",
        dependencies=need(auth.Scope.CREDENTIALS_ISSUE),
    )
    def issue_route(
        body: IssueIn,
        request: Request,
        idempotency_key: str | None = Header(default=None, alias="Idempotency-Key"),
    ) -> Response:
        from issuer.issuance import IssueSpec, evidence_items
        from issuer.recipients import parse_recipient
        from issuer.service import issue, issue_idempotent

        def run() -> Response:
            ctx = ctx_of(request)
            allowed(request, _org_id_of_achievement(ctx, body.achievement_id))
            actor, user_id = _actor(request)
            spec = IssueSpec(
                recipient=parse_recipient(
                    body.recipient, name=body.recipient_name, column="recipient"
                ),
                # A link and a file in one evidence are kept as two items (none dropped).
                evidence=[item for e in body.evidence for item in evidence_items(**e.model_dump())],
                level=body.level,
                valid_from=body.valid_from,
                valid_until=body.valid_until,
                suite=body.suite,
                suspendable=body.suspendable,
                replaces=body.replaces,
                created_by_user_id=user_id,
            )
            if idempotency_key:
                digest = hashlib.sha256(body.model_dump_json().encode()).hexdigest()
                result, replayed = issue_idempotent(
                    ctx,
                    body.achievement_id,
                    spec,
                    key=idempotency_key,
                    request_sha256=digest,
                    actor=actor,
                )
                return JSONResponse(result, status_code=200 if replayed else 201)
            issued = issue(ctx, body.achievement_id, spec, actor=actor)
            return JSONResponse(issued.to_json(), status_code=201)

        return guarded(run)

    @router.post(
        "/credentials/{credential}/revoke",
        summary="Révoquer ou suspendre un badge",
        dependencies=need(auth.Scope.CREDENTIALS_REVOKE),
    )
    def revoke_route(credential: str, body: StatusIn, request: Request) -> Response:
        return _status(request, credential, "suspend" if body.suspend else "revoke", body.reason)

    @router.post(
        "/credentials/{credential}/reinstate",
        summary="Lever la suspension d'un badge",
        dependencies=need(auth.Scope.CREDENTIALS_REVOKE),
    )
    def reinstate_route(credential: str, request: Request) -> Response:
        return _status(request, credential, "reinstate", None)

    def _status(request: Request, credential: str, action: str, reason: str | None) -> Response:
        from issuer.status import change_status

        def run() -> dict[str, Any]:
            ctx = ctx_of(request)
            allowed(request, _org_id_of_credential(ctx, credential))
            change = change_status(
                ctx, credential, action=action, reason=reason, actor=_actor(request)[0]
            )
            return {
                "credential_id": change.credential_id,
                "state": str(change.state),
                "changed": change.changed,
            }

        return guarded(run)

    @router.get(
        "/credentials/{credential}/export",
        summary="Télécharger un badge (json, jwt, png, svg)",
        dependencies=need(auth.Scope.CREDENTIALS_READ),
    )
    def export_route(
        credential: str,
        request: Request,
        as_: str = Query("json", alias="as", pattern="^(json|jwt|png|svg)$"),
    ) -> Response:
        from issuer.exports import export_credential

        def run() -> Response:
            ctx = ctx_of(request)
            allowed(request, _org_id_of_credential(ctx, credential), *roles, auth.Role.REVIEWER)
            exported = export_credential(ctx, credential, as_)
            return Response(
                exported.data,
                media_type=exported.media_type,
                headers={"Content-Disposition": f'attachment; filename="{exported.filename}"'},
            )

        return guarded(run)

    @router.get(
        "/batches/template.{kind}",
        summary="Modèle de fichier pour délivrer en nombre (csv ou xlsx)",
        dependencies=need(),
    )
    def template(kind: str) -> Response:
        from issuer.batch_input import template_csv, template_xlsx

        if kind == "xlsx":
            media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            return Response(template_xlsx(), media_type=media)
        return Response(template_csv(), media_type="text/csv; charset=utf-8")

    @router.post(
        "/batches",
        summary="Délivrer en nombre depuis un fichier CSV ou XLSX",
        description="dry_run=true vérifie chaque ligne sans rien délivrer. Sinon l'envoi est "
        "enregistré (202) puis délivré en arrière-plan ; suivez-le sur son adresse. "
        "Idempotency-Key : le même fichier renvoie le même envoi, un autre fichier est refusé.",
        dependencies=need(auth.Scope.CREDENTIALS_ISSUE),
    )
    async def submit(
        request: Request,
        background: BackgroundTasks,
        file: UploadFile = File(...),  # noqa: B008 - FastAPI's declaration style
        achievement_id: str = Form(...),
        dry_run: bool = Form(False),
        suite: str = Form("eddsa-rdfc-2022"),
        suspendable: bool = Form(False),
        idempotency_key: str | None = Header(default=None, alias="Idempotency-Key"),
    ) -> Response:
        from issuer.batch import dry_run as check_file
        from issuer.batch import run_batch, submit_batch

        try:
            path = await _save_upload(file)
        except IssuerError as exc:
            return problem(exc)
        try:
            if dry_run:
                from issuer.achievements import get_achievement

                try:
                    # Levels are checked against this badge's, as issuing will check them.
                    row = get_achievement(ctx_of(request), achievement_id)
                    allowed(request, row.organisation_id)
                except IssuerError as exc:
                    return problem(exc)
                report = check_file(
                    path, suite=suite, suspendable=suspendable, achievement=row.achievement
                )
                return JSONResponse(report.to_json())
            ctx = ctx_of(request)
            try:
                allowed(request, _org_id_of_achievement(ctx, achievement_id))
                batch, created = submit_batch(
                    ctx,
                    achievement_id,
                    path,
                    idempotency_key=idempotency_key,
                    filename=file.filename,
                    suite=suite,
                    suspendable=suspendable,
                    created_by_user_id=_actor(request)[1],
                    actor=_actor(request)[0],
                )
            except IssuerError as exc:
                return problem(exc)
        finally:
            path.unlink(missing_ok=True)
        if batch.state != "completed":
            background.add_task(_run_quietly, run_batch, ctx, batch.id)
        body = _batch_body(ctx, batch.id)
        return JSONResponse(
            body,
            status_code=202 if created else 200,
            headers={"Location": body["links"]["self"]},
        )

    @router.get("/batches/{batch_id}", summary="Où en est un envoi", dependencies=need())
    def batch_progress(batch_id: str, request: Request) -> Response:
        def run() -> dict[str, Any]:
            ctx = ctx_of(request)
            allowed(request, _batch_org(ctx, batch_id), *roles, auth.Role.REVIEWER)
            return _batch_body(ctx, batch_id)

        return guarded(run)

    @router.post(
        "/batches/{batch_id}/resume",
        status_code=202,
        summary="Reprendre un envoi interrompu (sans doublon)",
        dependencies=need(auth.Scope.CREDENTIALS_ISSUE),
    )
    def resume(batch_id: str, request: Request, background: BackgroundTasks) -> Response:
        from issuer.batch import run_batch

        def run() -> Response:
            ctx = ctx_of(request)
            allowed(request, _batch_org(ctx, batch_id))
            background.add_task(_run_quietly, run_batch, ctx, batch_id)
            return JSONResponse(_batch_body(ctx, batch_id), status_code=202)

        return guarded(run)

    @router.get(
        "/batches/{batch_id}/result.csv",
        summary="Résultat ligne par ligne (CSV)",
        dependencies=need(),
    )
    def batch_result(batch_id: str, request: Request) -> Response:
        from issuer.batch import result_csv

        try:
            ctx = ctx_of(request)
            allowed(request, _batch_org(ctx, batch_id), *roles, auth.Role.REVIEWER)
        except IssuerError as exc:
            return problem(exc)
        chunks: Iterator[str] = result_csv(ctx, batch_id)
        return StreamingResponse(
            (c.encode("utf-8") for c in chunks),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="resultat-{batch_id}.csv"'},
        )

    @router.post(
        "/endorsements",
        status_code=201,
        summary="Recommander un badge type ou un référentiel (employeur)",
        description=(
            "Une personne connectée (délivrance, administration ou employeur dans "
            "l'organisation qui recommande) ou un jeton d'API de cette personne avec la portée "
            f"« {auth.Scope.CREDENTIALS_ISSUE} » : une recommandation est un badge signé."
        ),
        dependencies=[
            Depends(auth.require_roles(*roles, auth.Role.EMPLOYER)),
            Depends(auth.require_scope(auth.Scope.CREDENTIALS_ISSUE)),
        ],
    )
    def endorse_route(body: EndorsementIn, request: Request) -> Response:
        from issuer.endorsements import endorse
        from issuer.orgs import get_organisation

        def run() -> dict[str, Any]:
            ctx = ctx_of(request)
            allowed(
                request, get_organisation(ctx, body.organisation).id, *roles, auth.Role.EMPLOYER
            )
            referential = None
            if body.referential:
                referential = (body.referential, body.referential_version or "1.0")
            return endorse(
                ctx,
                body.organisation,
                comment=body.comment,
                achievement_id=body.achievement_id,
                referential=referential,
            )

        return guarded(run, 201)

    return router


async def _save_upload(upload: UploadFile) -> Path:
    """Stream the upload to a private temporary file (flat memory), refusing oversized files."""
    descriptor, name = tempfile.mkstemp(
        prefix="atouts-lot-", suffix=Path(upload.filename or "").suffix
    )
    size = 0
    with os.fdopen(descriptor, "wb") as handle:
        while chunk := await upload.read(1 << 20):
            size += len(chunk)
            if size > MAX_UPLOAD_BYTES:
                handle.close()
                Path(name).unlink(missing_ok=True)
                raise IssuerError(
                    "fichier trop gros (20 Mo au plus)", code="input_too_large", status=413
                )
            handle.write(chunk)
    return Path(name)


def _batch_org(ctx: IssuerContext, batch_id: str) -> str:
    from storage.engine import session_scope
    from storage.tables import IssuanceBatch

    with session_scope(ctx.engine, write=False) as session:
        batch = session.get(IssuanceBatch, batch_id)
    if batch is None:
        raise IssuerError("envoi inconnu", code="batch_not_found", status=404)
    return batch.organisation_id


def _batch_body(ctx: IssuerContext, batch_id: str) -> dict[str, Any]:
    from issuer.batch import batch_status

    body = batch_status(ctx, batch_id).to_json()
    base = f"/api/issuer/batches/{batch_id}"
    body["links"] = {"self": base, "result": f"{base}/result.csv", "resume": f"{base}/resume"}
    return body


def _run_quietly(run: Callable[..., Any], ctx: IssuerContext, batch_id: str) -> None:
    try:
        run(ctx, batch_id)
    except IssuerError as exc:
        log.warning("envoi %s non repris : %s", batch_id, exc.code)


def install(app: FastAPI, ctx: IssuerContext | None = None) -> None:
    """Register the public documents, the write API (when ``api.auth`` is there) and the
    start-up reconciler. Without ``ctx`` it is built on first use from the settings."""
    app.state.issuer_ctx = ctx
    app.include_router(public)
    try:
        import api.auth as auth
    except ImportError:  # pragma: no cover - the write API is never served without auth
        log.warning("api.auth absent : API de délivrance non installée")
    else:
        app.include_router(_write_router(auth))

    def reconcile_on_start() -> None:
        from issuer.startup import reconcile

        try:
            context = app.state.issuer_ctx or issuer_context(app.state.settings, app)
            app.state.issuer_ctx = context
            count = reconcile(context)
        except Exception as exc:  # start-up must say why, not crash the server
            log.warning("listes de statut non republiées au démarrage : %s", exc)
            return
        if count:
            log.info("listes de statut republiées au démarrage : %d", count)

    app.router.add_event_handler("startup", reconcile_on_start)
