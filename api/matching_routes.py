"""The matching JSON API (issue 7, DESIGN §6): one person against one job, job offers,
candidates for a job, jobs for a wallet, free-text proposals.

* ``POST /match`` — a job (inline, by id, or a ``target`` item taken whole) against what-if
  items (``holds``) or badges (``credentials``, verified here; only verified ones count);
* ``GET/POST /jobs``, ``GET/PUT/DELETE /jobs/{id}`` — job offers (writing needs an employer
  or organisation administrator); reading lists open offers;
* ``GET /jobs/{id}/candidates`` — opted-in wallets ranked, showing only what they agreed to
  show (employer or organisation administrator);
* ``GET /wallets/{id}/jobs`` — open offers ranked for a wallet its holder (or custodian) reads;
* ``GET/PUT/DELETE /wallets/{id}/visibility`` — agreeing to be found by employers, or
  withdrawing (the page ``/metiers-proches/visibilite``); only the holder decides;
* ``POST /match/proposals`` — referential items whose labels match a text (to confirm).

One :class:`matching.ranking.Matcher` per application (:mod:`api.matching_index`) holds the
skills graph, the opted-in holders and the open jobs; it is updated incrementally when the
tables or the stored referentials change, never rebuilt per request. A job naming an item the
loaded referentials lack is ranked on the rest and the item is reported in ``unresolved``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from pydantic import BaseModel, Field

from api.audit import audit_request
from api.auth import Principal, Role, Scope, current_principal, require_roles, require_scope
from api.database import engine_of
from api.matching_index import matcher_of, synced
from api.problems import ApiProblem, problem_responses
from matching import store
from matching.holders import holder_from_credentials, resolved
from matching.jobs_yaml import JobFormatError, parse_job
from matching.model import Holder, Job, Requirement
from matching.ranking import Matcher
from matching.resolve import NodeResolver
from matching.search import LabelIndex
from referentials.yaml_located import Located
from storage.engine import session_scope
from storage.tables import MatchingOptIn

__all__ = ["install", "matcher_of", "router"]

router = APIRouter(tags=["rapprochement"])
_EMPLOYER = require_roles(Role.EMPLOYER, Role.ORG_ADMIN)


class RequirementIn(BaseModel):
    element: str = Field(description="id d'élément, URI ESCO, code ROME ou code d'élément")
    obligatoire: bool = True
    niveau: str | None = None
    libelle: str | None = None


class JobIn(BaseModel):
    offre: str = Field(min_length=1, max_length=36)
    titre: str = Field(min_length=1, max_length=200)
    description: str | None = None
    statut: str = "ouverte"
    metiers: list[str] = Field(default_factory=list)
    exigences: list[RequirementIn] = Field(min_length=1)


class MatchIn(BaseModel):
    job: JobIn | None = None
    job_id: str | None = None
    target: str | None = None
    holds: list[str] | None = None
    credentials: list[dict[str, Any] | str] | None = None


class ProposalsIn(BaseModel):
    text: str = Field(min_length=1, max_length=500)
    limit: int = Field(default=10, ge=1, le=50)


def install(app: FastAPI) -> None:
    app.include_router(router)


def _job(body: JobIn, matcher: Matcher) -> Job:
    try:
        return parse_job(
            Located(body.model_dump(exclude_none=True)),
            resolve=NodeResolver(matcher.graph).resolve,
            level_rank=matcher.tables.level_rank,
        )
    except JobFormatError as exc:
        raise ApiProblem(
            422, exc.code, exc.message, extra={"errors": [m for _, m in exc.errors]}
        ) from None


def _unknown(what: str) -> ApiProblem:
    return ApiProblem(404, "not_found", f"{what} n'existe pas.")


@router.post(
    "/match",
    summary="Rapprocher une personne et une offre, avec les raisons",
    responses=problem_responses(404, 422),
)
def match(body: MatchIn, request: Request) -> dict[str, Any]:
    matcher = matcher_of(request)
    resolver = NodeResolver(matcher.graph)
    if sum(x is not None for x in (body.job, body.job_id, body.target)) != 1:
        raise ApiProblem(422, "request_invalid", "Donnez une offre : job, job_id ou target.")
    if (body.holds is None) == (body.credentials is None):
        raise ApiProblem(422, "request_invalid", "Donnez holds ou credentials (l'un des deux).")
    if body.job is not None:
        job = _job(body.job, matcher)
    elif body.job_id is not None:
        with session_scope(engine_of(request), write=False) as session:
            found = store.get_job(session, body.job_id)
        if found is None:
            raise _unknown(f"L'offre « {body.job_id} »")
        job = found
    else:
        node = resolver.resolve(body.target)
        if node is None:
            raise _unknown(f"L'élément « {body.target} »")
        job = Job(node, matcher.tables.label(node), (Requirement(node),))
    if body.holds is not None:
        nodes = [resolver.resolve(h) for h in body.holds]
        missing = [h for h, n in zip(body.holds, nodes, strict=True) if n is None]
        if missing:
            raise _unknown(f"L'élément « {missing[0]} »")
        holder = Holder.of("simulation", [n for n in nodes if n is not None])
    else:
        from api.verify_routes import _options
        from verifier import verify

        options = _options(request)
        evidence = []
        for credential in body.credentials or []:
            report = verify(credential, options=options)
            evidence.append((report.credential or {}, report))
        holder = holder_from_credentials("titulaire", evidence, matcher.tables)
    return matcher.match(job, holder).to_dict()


@router.post("/match/proposals", summary="Éléments de référentiel proposés pour un texte")
def proposals(body: ProposalsIn, request: Request) -> dict[str, Any]:
    matcher = matcher_of(request)
    index = getattr(request.app.state, "label_index", None)
    if index is None:
        index = request.app.state.label_index = LabelIndex(matcher.graph)
    found = index.search(body.text, limit=body.limit)
    return {"text": body.text, "proposals": [p.to_dict() for p in found]}


@router.get("/jobs", summary="Offres ouvertes")
def list_jobs(request: Request) -> dict[str, Any]:
    with session_scope(engine_of(request), write=False) as session:
        return {"jobs": [j.to_dict() for j in store.list_jobs(session)]}


@router.get("/jobs/{job_id}", summary="Une offre", responses=problem_responses(404))
def get_job(job_id: str, request: Request) -> dict[str, Any]:
    with session_scope(engine_of(request), write=False) as session:
        job = store.get_job(session, job_id)
    if job is None:
        raise _unknown(f"L'offre « {job_id} »")
    return job.to_dict()


def _organisation(principal: Principal) -> str | None:
    for role in (Role.EMPLOYER, Role.ORG_ADMIN):
        orgs = sorted(principal.organisations.get(role, frozenset()))
        if orgs:
            return orgs[0]
    return None


def _check_owner(session: Any, job_id: str, principal: Principal) -> None:
    """An offer is managed, and its candidates seen, only by its own organisation's employers
    or administrators (an offer without organisation, saved from the command line, by any).
    Another organisation's offer answers 404: its existence is not revealed."""
    exists, organisation = store.job_organisation(session, job_id)
    if not exists:
        raise _unknown(f"L'offre « {job_id} »")
    if organisation is None:
        return
    mine = principal.organisations.get(Role.EMPLOYER, frozenset()) | principal.organisations.get(
        Role.ORG_ADMIN, frozenset()
    )
    if organisation not in mine:
        raise _unknown(f"L'offre « {job_id} »")


@router.post(
    "/jobs",
    status_code=201,
    summary="Publier une offre",
    responses=problem_responses(401, 403, 409, 422),
)
def create_job(
    body: JobIn, request: Request, principal: Annotated[Principal, Depends(_EMPLOYER)]
) -> dict[str, Any]:
    job = _job(body, matcher_of(request))
    with session_scope(engine_of(request)) as session:
        if store.get_job(session, job.id) is not None:
            raise ApiProblem(409, "conflict", f"L'offre « {job.id} » existe déjà.")
        store.save_job(session, job, organisation_id=_organisation(principal))
    return job.to_dict()


@router.put(
    "/jobs/{job_id}", summary="Modifier une offre", responses=problem_responses(401, 403, 404, 422)
)
def replace_job(
    job_id: str,
    body: JobIn,
    request: Request,
    principal: Annotated[Principal, Depends(_EMPLOYER)],
) -> dict[str, Any]:
    if body.offre != job_id:
        raise ApiProblem(422, "request_invalid", "L'identifiant de l'offre ne correspond pas.")
    job = _job(body, matcher_of(request))
    with session_scope(engine_of(request)) as session:
        _check_owner(session, job_id, principal)
        store.save_job(session, job)
    return job.to_dict()


@router.delete(
    "/jobs/{job_id}",
    status_code=204,
    summary="Retirer une offre",
    responses=problem_responses(401, 403, 404),
)
def delete_job(
    job_id: str, request: Request, principal: Annotated[Principal, Depends(_EMPLOYER)]
) -> Response:
    with session_scope(engine_of(request)) as session:
        _check_owner(session, job_id, principal)
        store.delete_job(session, job_id)
    return Response(status_code=204)


def _ranked(ranked: list[Any]) -> list[dict[str, Any]]:
    return [{"id": r.id, "ranking_score": r.ranking_score, **r.result.to_dict()} for r in ranked]


@router.get(
    "/jobs/{job_id}/candidates",
    summary="Candidats volontaires classés pour une offre",
    responses=problem_responses(401, 403, 404),
)
def candidates(
    job_id: str,
    request: Request,
    principal: Annotated[Principal, Depends(_EMPLOYER)],
    top: int = 10,
) -> dict[str, Any]:
    with session_scope(engine_of(request), write=False) as session:
        _check_owner(session, job_id, principal)
        job = store.get_job(session, job_id)
    if job is None:
        raise _unknown(f"L'offre « {job_id} »")
    with synced(request, jobs=False) as ranking:
        compiled = ranking.compiled_job(job.id)  # an open offer is compiled once
        target = compiled if compiled is not None and compiled.job == job else job
        ranked = ranking.candidates(target, top=max(1, top))
    return {"job_id": job_id, "candidates": _ranked(ranked)}


@router.get(
    "/wallets/{wallet_id}/jobs",
    summary="Offres ouvertes classées pour un portefeuille",
    responses=problem_responses(401, 404),
)
def jobs_for_wallet(
    wallet_id: str,
    request: Request,
    principal: Annotated[Principal | None, Depends(current_principal)],
    top: int = 10,
) -> dict[str, Any]:
    if principal is None:
        raise ApiProblem(401, "authentication_required", "Connectez-vous pour continuer.")
    if wallet_id not in principal.wallet_ids | principal.custody_wallet_ids:
        raise _unknown("Ce portefeuille")  # never reveal someone else's wallet
    with synced(request, holders=False) as ranking:
        with session_scope(engine_of(request), write=False) as session:
            holder = store.holder_for_wallet(session, wallet_id, tables=ranking.tables)
        if holder is None:
            raise _unknown("Ce portefeuille")
        holder = resolved(holder, NodeResolver(ranking.graph))
        ranked = ranking.jobs_for(holder, top=max(1, top))
    return {"wallet_id": wallet_id, "jobs": _ranked(ranked)}


# -- being found by employers (the API of « /metiers-proches/visibilite ») ------------------------

_PERSON = require_roles(Role.BENEFICIARY, Role.COUNSELLOR, tokens_allowed=True)


class VisibilityIn(BaseModel):
    display_name: bool = Field(default=False, description="les employeurs voient le nom")
    badges: bool = Field(default=False, description="les employeurs voient le nom des badges")


def _reachable_wallet(principal: Principal, wallet_id: str, *, deciding: bool) -> None:
    if wallet_id not in principal.wallet_ids | principal.custody_wallet_ids:
        raise _unknown("Ce portefeuille")  # never reveal someone else's wallet
    if deciding and wallet_id not in principal.wallet_ids:
        raise ApiProblem(
            403, "forbidden", "Seule la personne qui a les badges peut faire ce choix."
        )


def _visibility(request: Request, wallet_id: str) -> dict[str, Any]:
    with session_scope(engine_of(request), write=False) as session:
        row = session.get(MatchingOptIn, wallet_id)
        shown = None if row is None else dict(row.disclosure or {})
    return {
        "wallet_id": wallet_id,
        "visible": shown is not None,
        "display_name": bool(shown and shown.get("display_name")),
        "badges": bool(shown and shown.get("badges")),
    }


@router.get(
    "/wallets/{wallet_id}/visibility",
    summary="Être trouvé par les employeurs : le choix en cours",
    responses=problem_responses(401, 403, 404),
)
def get_visibility(
    wallet_id: str, request: Request, principal: Annotated[Principal, Depends(_PERSON)]
) -> dict[str, Any]:
    _reachable_wallet(principal, wallet_id, deciding=False)
    return _visibility(request, wallet_id)


@router.put(
    "/wallets/{wallet_id}/visibility",
    summary="Accepter d'être trouvé par les employeurs (seule la personne décide)",
    responses=problem_responses(401, 403, 404, 422),
    dependencies=[Depends(require_scope(Scope.WALLET_WRITE))],
)
def set_visibility(
    wallet_id: str,
    body: VisibilityIn,
    request: Request,
    principal: Annotated[Principal, Depends(_PERSON)],
) -> dict[str, Any]:
    _reachable_wallet(principal, wallet_id, deciding=True)
    disclosure = {"display_name": body.display_name, "badges": body.badges}
    with session_scope(engine_of(request)) as session:
        store.opt_in(session, wallet_id, disclosure)
    audit_request(request, "matching.opt_in", "wallet", wallet_id, details=disclosure)
    return _visibility(request, wallet_id)


@router.delete(
    "/wallets/{wallet_id}/visibility",
    status_code=204,
    summary="Ne plus être trouvé par les employeurs (retiré de tout classement à l'instant)",
    responses=problem_responses(401, 403, 404),
    dependencies=[Depends(require_scope(Scope.WALLET_WRITE))],
)
def withdraw_visibility(
    wallet_id: str, request: Request, principal: Annotated[Principal, Depends(_PERSON)]
) -> Response:
    _reachable_wallet(principal, wallet_id, deciding=True)
    with session_scope(engine_of(request)) as session:
        store.withdraw(session, wallet_id)
    audit_request(request, "matching.withdraw", "wallet", wallet_id)
    return Response(status_code=204)
