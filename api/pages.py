"""Rendering the server-side pages: one place that gives every template what the layout needs.

Every page gets ``lang`` (the ``<html lang>``), ``csrf_token`` for its forms, the signed-in
``principal`` (for the menu) and ``path`` (for the language switch). The Jinja environment is the
one of :mod:`api.verify_routes` (a single layout for all pages), with the i18n extension.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from api.auth import Principal, current_principal
from api.i18n import current_language, gettext, install_jinja
from api.security import csrf_token
from api.verify_routes import templates

__all__ = ["render", "render_error", "templates"]

install_jinja(templates.env)


def _principal(request: Request) -> Principal | None:
    """Who is signed in, for the menu; a page never fails because of it."""
    try:
        return current_principal(request)
    except Exception:  # an invalid token or no database: the page shows as for a visitor
        return None


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    values: dict[str, Any] = {
        "lang": current_language(),
        "csrf_token": csrf_token(request),
        "principal": _principal(request),
        "path": request.url.path,
        "demo": bool(getattr(request.app.state.settings, "demo", False)),
    }
    values.update(context or {})
    return templates.TemplateResponse(
        request, template, values, status_code=status_code, headers=headers
    )


def render_error(
    request: Request, status: int, problem: dict[str, Any], *, headers: dict[str, str] | None
) -> Response:
    """The HTML face of a problem document: same title and words, a way forward."""
    return render(
        request,
        "erreur.html",
        {
            "problem": problem,
            "status": status,
            "title_text": problem.get("title", gettext("Erreur")),
        },
        status_code=status,
        headers=headers,
    )
