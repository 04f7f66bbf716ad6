"""Public pages: the home page with the three entry points, issuer profiles, achievements.

The public identifiers an issuer publishes (``{base}/issuers/{slug}``,
``{base}/achievements/{id}``, served as JSON-LD by ``api.issuer_routes``) also open as pages in
a browser: :class:`HtmlNegotiationMiddleware` rewrites a ``GET`` whose ``Accept`` puts
``text/html`` first to the page route (``/organismes/{slug}``, ``/realisations/{id}``) without
changing the address, so a link in a badge works for people and programs alike. A badge's own
address (``{base}/credentials/{id}``) opens its verification page (``/verifier?url=…``) the
same way.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlmodel import col, select
from starlette.types import ASGIApp, Receive, Scope, Send

from api.database import engine_of
from api.i18n import current_language
from api.pages import render
from api.problems import ApiProblem
from storage.engine import session_scope
from storage.tables import Achievement, Organisation

__all__ = ["HtmlNegotiationMiddleware", "router"]

router = APIRouter()

_CREDENTIAL = re.compile(r"^/credentials/[A-Za-z0-9_-]{1,64}/?$")
_REWRITES = (
    (re.compile(r"^/issuers/([a-z0-9][a-z0-9-]{0,62})/?$"), "/organismes/{0}"),
    (re.compile(r"^/achievements/([A-Za-z0-9_-]{1,64})/?$"), "/realisations/{0}"),
)


def _prefers_html(scope: Scope) -> bool:
    for key, value in scope.get("headers", []):
        if key == b"accept":
            first = value.decode("latin-1").split(",")[0].strip()
            return first.startswith("text/html")
    return False


def _verification_page(scope: Scope) -> Scope:
    """The verification page of the badge at this address (the address verifiers read)."""
    app = scope.get("app")
    settings = getattr(getattr(app, "state", None), "settings", None)
    base = str(getattr(settings, "base_url", "")).rstrip("/")
    query = scope.get("query_string", b"").decode("latin-1")
    address = f"{base}{scope['path']}" + (f"?{query}" if query else "")
    wanted = urlencode({"url": address}).encode("ascii")
    return {**scope, "path": "/verifier", "raw_path": b"/verifier", "query_string": wanted}


class HtmlNegotiationMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET" and _prefers_html(scope):
            if _CREDENTIAL.match(scope["path"]):
                scope = _verification_page(scope)
            for pattern, target in _REWRITES:
                match = pattern.match(scope["path"])
                if match:
                    path = target.format(match.group(1))
                    scope = {**scope, "path": path, "raw_path": path.encode("ascii")}
                    break
        await self.app(scope, receive, send)


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def home(request: Request) -> HTMLResponse:
    return render(request, "accueil.html", {"active": "accueil"})


def _text(value: Any, lang: str) -> str:
    """A plain or language-map value (OB 3.0 allows both) in ``lang`` when possible."""
    if isinstance(value, dict):
        return str(value.get(lang) or value.get("fr") or next(iter(value.values()), ""))
    if isinstance(value, list):
        return _text(value[0], lang) if value else ""
    return "" if value is None else str(value)


@router.get("/organismes/{slug}", response_class=HTMLResponse, include_in_schema=False)
def issuer_page(request: Request, slug: str) -> HTMLResponse:
    with session_scope(engine_of(request), write=False) as session:
        org = session.exec(select(Organisation).where(Organisation.slug == slug)).first()
        if org is None:
            raise ApiProblem(404, "issuer_not_found", "Cet organisme n'existe pas.")
        achievements = session.exec(
            select(Achievement)
            .where(Achievement.organisation_id == org.id, col(Achievement.archived_at).is_(None))
            .order_by(col(Achievement.name))
        ).all()
    lang = current_language()
    profile = org.profile or {}
    return render(
        request,
        "organisme.html",
        {
            "org": org,
            "profile": profile,
            "achievements": achievements,
            "description": _text(profile.get("description"), lang),
            "website": profile.get("url")
            if str(profile.get("url", "")).startswith("https://")
            else None,
            "email": profile.get("email"),
            "profile_url": f"/issuers/{org.slug}",
        },
    )


@router.get("/realisations/{achievement_id}", response_class=HTMLResponse, include_in_schema=False)
def achievement_page(request: Request, achievement_id: str) -> HTMLResponse:
    with session_scope(engine_of(request), write=False) as session:
        row = session.get(Achievement, achievement_id)
        org = session.get(Organisation, row.organisation_id) if row is not None else None
    if row is None or org is None:
        raise ApiProblem(404, "achievement_not_found", "Ce badge n'existe pas.")
    lang = current_language()
    doc = row.achievement or {}
    criteria = doc.get("criteria") or {}
    alignments = [
        {
            "name": _text(a.get("targetName"), lang),
            "url": a.get("targetUrl", ""),
            "local": str(a.get("targetUrl", "")).startswith(
                str(request.app.state.settings.base_url)
            ),
        }
        for a in doc.get("alignment", [])
        if isinstance(a, dict)
    ]
    base = str(request.app.state.settings.base_url)
    return render(
        request,
        "realisation.html",
        {
            "row": row,
            "org": org,
            "name": _text(doc.get("name"), lang) or row.name,
            "description": _text(doc.get("description"), lang),
            "criteria": _text(criteria.get("narrative"), lang)
            if isinstance(criteria, dict)
            else "",
            "alignments": alignments,
            "base": base,
            "json_url": f"/achievements/{row.id}",
        },
    )
