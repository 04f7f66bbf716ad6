"""The employer's pages (issue 8 « Employer », issue 7 « Job requirements »): describe a job from
the referentials, publish it, see the ranked candidates (:mod:`api.employer_candidates`).

- ``GET /employeur``: the organisation's jobs and the form to start one;
- ``POST /employeur/postes``: a new job, kept as a draft until it has requirements;
- ``GET /employeur/postes/{id}``: the job, its requirements, and two ways to add some —
  *search by words* (``?q=``: proposals from :class:`matching.search.LabelIndex`, none ticked:
  the employer confirms every item, no silent guessing) and *browse a referential*
  (``?referentiel=slug/version``: its structure, blocks then competences, as check boxes);
- ``POST /employeur/postes/{id}/exigences``: add the ticked items, mandatory or optional, with
  an expected level; ``POST …/exigences/{n}``: change or remove one;
- ``POST /employeur/postes/{id}/statut``: publish (needs at least one requirement) or close.

Every route needs the employer role (``require_roles``) and only shows the jobs of the
employer's organisations (another organisation's job answers 404: nothing is revealed). Forms
carry the CSRF token. Jobs are stored through :mod:`matching.store` (the same rows as the JSON
API ``/jobs``), so what is authored here is what ranking uses.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass, replace
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlmodel import col, select

from api.auth import Principal, Role, Scope, require_roles, require_scope
from api.database import engine_of
from api.diagrams import Node, kind_name, structure_tree
from api.i18n import gettext as _
from api.matching_index import matcher_of
from api.pages import render
from api.problems import ApiProblem
from api.security import require_csrf
from matching import store
from matching.model import Job, Requirement
from matching.ranking import Matcher
from matching.search import LabelIndex
from referentials.model import NodeType
from storage.engine import session_scope
from storage.tables import Job as JobRow

__all__ = [
    "employer_organisations",
    "job_of",
    "label_index",
    "router",
    "status_word",
    "usable",
]

router = APIRouter(include_in_schema=False)
EMPLOYER = require_roles(Role.EMPLOYER)
# A program's token may only write jobs with the jobs scope (people in a session pass).
_WRITE = [Depends(require_csrf), Depends(require_scope(Scope.JOBS_WRITE))]
_STATUSES = ("draft", "open", "closed")


def status_word(status: str) -> str:
    return {"draft": _("brouillon"), "open": _("publiée"), "closed": _("fermée")}.get(status, "?")


def employer_organisations(principal: Principal) -> frozenset[str]:
    return principal.organisations.get(Role.EMPLOYER, frozenset())


def label_index(request: Request) -> LabelIndex:
    """The word index over every loaded referential (built once, shared with the JSON API)."""
    index = getattr(request.app.state, "label_index", None)
    if index is None:
        index = request.app.state.label_index = LabelIndex(matcher_of(request).graph)
    return index  # type: ignore[no-any-return]


def _not_found() -> ApiProblem:
    return ApiProblem(404, "not_found", _("Ce poste n'existe pas."))


def job_of(request: Request, principal: Principal, job_id: str) -> Job:
    """A job of one of the employer's organisations (404 otherwise: never reveal others')."""
    with session_scope(engine_of(request), write=False) as session:
        row = session.get(JobRow, job_id)
        if row is None or row.organisation_id not in employer_organisations(principal):
            raise _not_found()
        job = store.get_job(session, job_id)
    if job is None:
        raise _not_found()
    return job


def usable(job: Job, matcher: Matcher) -> tuple[Job, list[Requirement]]:
    """The job with only the requirements the loaded referentials know, and the others (a
    referential removed, or data created under another base URL): ranking a node that is not
    in the graph would fail, so pages rank on what is known and say what was left out."""
    known = tuple(r for r in job.requirements if r.node in matcher.tables)
    unknown = [r for r in job.requirements if r.node not in matcher.tables]
    return (replace(job, requirements=known) if unknown else job), unknown


def _save(request: Request, job: Job) -> None:
    with session_scope(engine_of(request)) as session:
        store.save_job(session, job)


def _new_id(title: str) -> str:
    folded = unicodedata.normalize("NFKD", title.casefold())
    plain = "".join(c for c in folded if not unicodedata.combining(c))
    slug = re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:24].strip("-") or "poste"
    return f"{slug}-{secrets.token_hex(3)}"


@dataclass(frozen=True, slots=True)
class LevelChoice:
    """A level offered in the form. ``value`` is the level's rank as text: what the job stores
    (``job_requirements.expected_level`` is short; ``matching`` reads a rank directly)."""

    value: str
    label: str


def _levels(matcher: Matcher) -> list[LevelChoice]:
    """One choice per rank, lowest first, named by the levels of that rank."""
    tables = matcher.tables
    names: dict[int, list[str]] = {}
    for node in matcher.graph.nodes_of_type(NodeType.LEVEL):
        rank = tables.level_rank(node)
        if rank is not None:
            label = tables.label(node)
            if label not in names.setdefault(rank, []):
                names[rank].append(label)
    return [LevelChoice(str(rank), " / ".join(names[rank])) for rank in sorted(names)]


def _level_label(value: str | None, levels: list[LevelChoice]) -> str:
    if not value:
        return ""
    found = next((c.label for c in levels if c.value == value), None)
    return found or value


def _requirement_rows(job: Job, matcher: Matcher) -> list[dict[str, Any]]:
    tables = matcher.tables
    levels = _levels(matcher)
    rows = []
    for position, req in enumerate(job.requirements):
        kind = tables.node_type(req.node)
        rows.append(
            {
                "position": position,
                "node": req.node,
                "label": req.label or tables.label(req.node),
                "kind": _node_kind_word(kind),
                "mandatory": req.mandatory,
                "level": req.level,
                "level_label": _level_label(req.level, levels),
                "unknown": req.node not in tables,
            }
        )
    return rows


def _node_kind_word(kind: NodeType | None) -> str:
    return (
        {
            NodeType.CERTIFICATION: _("Certification"),
            NodeType.BLOCK: _("Bloc de compétences"),
            NodeType.MODULE: _("Module"),
            NodeType.COMPETENCE: _("Compétence"),
            NodeType.OCCUPATION: _("Métier"),
        }.get(kind, _("Élément"))
        if kind is not None
        else _("Élément")
    )


def _browse_tree(matcher: Matcher, key: str) -> tuple[str, list[dict[str, Any]]] | None:
    slug, _sep, version = key.partition("/")
    ref = matcher.graph.referentials.get((slug, version))
    if ref is None:
        return None
    base = matcher.graph.base
    items = ref.items_by_code

    def flat(nodes: list[Node], depth: int) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for node in nodes:
            out.append(
                {
                    "node": items[node.code].node_id(base, slug, version),
                    "label": node.label,
                    "kind": kind_name(node.kind),
                    "depth": min(depth, 3),
                    "mandatory": node.mandatory,
                }
            )
            out.extend(flat(node.children, depth + 1))
        return out

    title = ref.title.get("fr") or next(iter(ref.title.values()), slug)
    return title, flat(structure_tree(ref, base), 0)


@router.get("/employeur", response_class=HTMLResponse)
def employer_home(
    request: Request, principal: Annotated[Principal, Depends(EMPLOYER)]
) -> HTMLResponse:
    orgs = employer_organisations(principal)
    with session_scope(engine_of(request), write=False) as session:
        rows = session.exec(
            select(JobRow)
            .where(col(JobRow.organisation_id).in_(sorted(orgs)))
            .order_by(col(JobRow.title), col(JobRow.id))
        ).all()
        jobs = [{"id": r.id, "title": r.title, "status": status_word(str(r.status))} for r in rows]
    return render(request, "employeur/accueil.html", {"jobs": jobs, "active": "espace"})


@router.post("/employeur/postes", dependencies=_WRITE)
def create_job(
    request: Request,
    principal: Annotated[Principal, Depends(EMPLOYER)],
    titre: Annotated[str, Form(max_length=200)] = "",
    description: Annotated[str, Form(max_length=4000)] = "",
) -> RedirectResponse:
    title = titre.strip()
    if not title:
        raise ApiProblem(422, "request_invalid", _("Donnez un nom au poste."))
    org = sorted(employer_organisations(principal))[0]
    job = Job(_new_id(title), title, (), description=description.strip() or None, status="draft")
    with session_scope(engine_of(request)) as session:
        store.save_job(session, job, organisation_id=org)
    return RedirectResponse(f"/employeur/postes/{job.id}", status_code=303)


@router.get("/employeur/postes/{job_id}", response_class=HTMLResponse)
def job_page(
    request: Request,
    job_id: str,
    principal: Annotated[Principal, Depends(EMPLOYER)],
    q: str = "",
    referentiel: str = "",
) -> HTMLResponse:
    job = job_of(request, principal, job_id)
    matcher = matcher_of(request)
    present = {r.node for r in job.requirements}
    proposals = []
    query = q.strip()[:200]
    if query:
        proposals = [
            {
                "node": p.node,
                "label": p.label,
                "kind": _node_kind_word(matcher.tables.node_type(p.node)),
                "referential": p.referential,
                "present": p.node in present,
            }
            for p in label_index(request).search(query, limit=12)
        ]
    browse = _browse_tree(matcher, referentiel) if referentiel else None
    referentials = [
        {"key": f"{slug}/{version}", "title": ref.title.get("fr") or slug}
        for (slug, version), ref in sorted(matcher.graph.referentials.items())
    ]
    context = {
        "job": job,
        "status": status_word(job.status),
        "requirements": _requirement_rows(job, matcher),
        "levels": _levels(matcher),
        "q": query,
        "proposals": proposals,
        "referentials": referentials,
        "referentiel": referentiel,
        "browse": browse,
        "present": present,
        "active": "espace",
    }
    return render(request, "employeur/poste.html", context)


def _level(value: str, matcher: Matcher) -> str | None:
    value = value.strip()
    if not value:
        return None
    if value not in {c.value for c in _levels(matcher)}:
        raise ApiProblem(422, "request_invalid", _("Ce niveau n'existe pas."))
    return value


@router.post("/employeur/postes/{job_id}/exigences", dependencies=_WRITE)
def add_requirements(
    request: Request,
    job_id: str,
    principal: Annotated[Principal, Depends(EMPLOYER)],
    elements: Annotated[list[str] | None, Form()] = None,
    obligatoire: Annotated[str, Form()] = "oui",
    niveau: Annotated[str, Form()] = "",
) -> RedirectResponse:
    job = job_of(request, principal, job_id)
    matcher = matcher_of(request)
    level = _level(niveau, matcher)
    present = {r.node for r in job.requirements}
    added = list(job.requirements)
    for node in elements or []:
        if node in present:
            continue
        if node not in matcher.tables:
            raise ApiProblem(422, "request_invalid", _("Cet élément n'existe pas."))
        present.add(node)
        added.append(
            Requirement(node, obligatoire != "non", level, matcher.tables.label(node)[:500])
        )
    _save(request, replace(job, requirements=tuple(added)))
    return RedirectResponse(f"/employeur/postes/{job_id}#exigences", status_code=303)


@router.post("/employeur/postes/{job_id}/exigences/{position}", dependencies=_WRITE)
def change_requirement(
    request: Request,
    job_id: str,
    position: int,
    principal: Annotated[Principal, Depends(EMPLOYER)],
    action: Annotated[str, Form()] = "modifier",
    obligatoire: Annotated[str, Form()] = "oui",
    niveau: Annotated[str, Form()] = "",
) -> RedirectResponse:
    job = job_of(request, principal, job_id)
    if not 0 <= position < len(job.requirements):
        raise _not_found()
    reqs = list(job.requirements)
    if action == "retirer":
        del reqs[position]
    else:
        level = _level(niveau, matcher_of(request))
        reqs[position] = replace(reqs[position], mandatory=obligatoire != "non", level=level)
    status = job.status if reqs else "draft"  # a job without requirements cannot stay open
    _save(request, replace(job, requirements=tuple(reqs), status=status))
    return RedirectResponse(f"/employeur/postes/{job_id}#exigences", status_code=303)


@router.post("/employeur/postes/{job_id}/statut", dependencies=_WRITE)
def change_status(
    request: Request,
    job_id: str,
    principal: Annotated[Principal, Depends(EMPLOYER)],
    statut: Annotated[str, Form()] = "open",
) -> RedirectResponse:
    job = job_of(request, principal, job_id)
    if statut not in _STATUSES:
        raise ApiProblem(422, "request_invalid", _("Cet état n'existe pas."))
    if statut == "open" and not job.requirements:
        raise ApiProblem(
            422, "request_invalid", _("Ajoutez au moins une exigence avant de publier.")
        )
    _save(request, replace(job, status=statut))
    return RedirectResponse(f"/employeur/postes/{job_id}", status_code=303)
