"""Every error response is an RFC 9457 problem details document with a stable ``code``.

RFC 9457 §3.1 members ``type``, ``title``, ``status``, ``detail``, ``instance``; our extension
member ``code`` is the flat snake_case name programs branch on (stable once released, like the
verification codes of ``docs/error-codes.md``). Browsers asking for HTML get a small page with
the same words instead (a person should never read JSON or a stack trace: ASVS 16.5.1).

Raise :class:`ApiProblem` anywhere (routes, dependencies); FastAPI's own errors are mapped:
404 ``not_found``, 405 ``method_not_allowed``, 422 ``request_invalid`` (with the list of
invalid fields in ``errors``), any other exception 500 ``internal_error`` with an error id that
is also logged (never the exception text).
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.i18n import gettext as _

__all__ = [
    "PROBLEM_MEDIA_TYPE",
    "PROBLEM_SCHEMA",
    "ApiProblem",
    "SignInRedirect",
    "install_problem_handlers",
    "problem_response",
    "problem_responses",
]

log = logging.getLogger("atouts.api")

PROBLEM_MEDIA_TYPE = "application/problem+json"

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status", "code"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "code": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object"}},
    },
}

# The default code and French title of each status we answer with (titles are translated).
_DEFAULTS: dict[int, tuple[str, str]] = {
    400: ("bad_request", "Requête incorrecte"),
    401: ("authentication_required", "Connexion nécessaire"),
    403: ("forbidden", "Action non autorisée"),
    404: ("not_found", "Page introuvable"),
    405: ("method_not_allowed", "Méthode non acceptée"),
    409: ("conflict", "Conflit"),
    410: ("gone", "Plus disponible"),
    413: ("input_too_large", "Envoi trop gros"),
    415: ("unsupported_media_type", "Format non accepté"),
    422: ("request_invalid", "Requête invalide"),
    429: ("rate_limited", "Trop de demandes"),
    500: ("internal_error", "Erreur interne"),
    503: ("unavailable", "Service indisponible"),
}


class ApiProblem(Exception):
    """An error that becomes a problem details response (status, stable code, French words)."""

    def __init__(
        self,
        status: int,
        code: str | None = None,
        detail: str = "",
        *,
        title: str | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        default_code, default_title = _DEFAULTS.get(status, ("error", "Erreur"))
        super().__init__(detail or code or default_code)
        self.status = status
        self.code = code or default_code
        self.title = title or default_title
        self.detail = detail
        self.headers = headers or {}
        self.extra = extra or {}


class SignInRedirect(Exception):
    """Nobody is signed in on a page that needs someone: answered by a 303 to ``location``
    (the sign-in page, which brings the person back), not by a 401 a person cannot act on."""

    def __init__(self, location: str) -> None:
        super().__init__(location)
        self.location = location


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` entry documenting problem details for ``statuses`` in OpenAPI."""
    return {
        status: {
            "description": _DEFAULTS.get(status, ("error", "Erreur"))[1],
            "content": {PROBLEM_MEDIA_TYPE: {"schema": PROBLEM_SCHEMA}},
        }
        for status in statuses
    }


def _wants_html(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "text/html" in accept and "json" not in accept.split(",")[0]


def problem_response(
    request: Request,
    status: int,
    code: str,
    title: str,
    detail: str = "",
    *,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> Response:
    """The problem document (or, for a browser, the error page with the same words)."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": _(title),
        "status": status,
        "code": code,
        "instance": request.url.path,
    }
    if detail:
        body["detail"] = _(detail)
    if extra:
        body.update(extra)
    if _wants_html(request):
        from api.pages import render_error  # late: templates need the app's i18n set up

        return render_error(request, status, body, headers=headers)
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_MEDIA_TYPE)


async def _api_problem(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiProblem)
    return problem_response(
        request,
        exc.status,
        exc.code,
        exc.title,
        exc.detail,
        headers=exc.headers,
        extra=exc.extra,
    )


async def _sign_in_redirect(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SignInRedirect)
    return RedirectResponse(exc.location, status_code=303)


async def _http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    code, title = _DEFAULTS.get(exc.status_code, ("error", "Erreur"))
    detail = exc.detail if isinstance(exc.detail, str) else ""
    if detail in ("Not Found", "Method Not Allowed", "Unauthorized", "Forbidden"):
        detail = ""  # Starlette's English defaults: the French title says it already
    return problem_response(
        request, exc.status_code, code, title, detail, headers=dict(exc.headers or {})
    )


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    errors = []
    for error in exc.errors():
        location = [str(part) for part in error.get("loc", ())]
        errors.append(
            {
                "pointer": "/" + "/".join(location[1:]) if len(location) > 1 else "/",
                "in": location[0] if location else "body",
                "type": str(error.get("type", "")),
                "message": str(error.get("msg", "")),
            }
        )
    return errors


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    return problem_response(
        request,
        422,
        "request_invalid",
        "Requête invalide",
        "Certains champs sont absents ou mal remplis.",
        extra={"errors": _field_errors(exc)},
    )


async def _unexpected(request: Request, exc: Exception) -> Response:
    error_id = secrets.token_hex(8)
    log.error(
        "erreur interne %s sur %s %s", error_id, request.method, request.url.path, exc_info=exc
    )
    return problem_response(
        request,
        500,
        "internal_error",
        "Erreur interne",
        "Une erreur est survenue de notre côté. Réessayez plus tard.",
        extra={"error_id": error_id},
    )


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiProblem, _api_problem)
    app.add_exception_handler(SignInRedirect, _sign_in_redirect)
    app.add_exception_handler(StarletteHTTPException, _http_exception)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected)
