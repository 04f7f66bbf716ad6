"""Languages of the pages: French first, English second (reliability-ux.md B5).

Messages are written in French in the code and the templates (the msgid *is* the French text);
``api/locales/en/LC_MESSAGES/messages.po`` translates them into English. Catalogues are read
from the ``.po`` files with Babel when first needed, so no compiled ``.mo`` can go stale.

The language of a request: an explicit choice remembered in the ``atouts_lang`` cookie (set by
``GET /langue/{code}``, which also keeps it on the account of a person signed in, for their
e-mails), else ``Accept-Language``, else French. It lives in a context variable
set by :class:`LanguageMiddleware`, so ``gettext`` works in routes, dependencies and templates
(``jinja2.ext.i18n``, ``newstyle`` callables: autoescaped, ``%(name)s`` placeholders).
"""

from __future__ import annotations

import gettext as gettext_module
import io
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from typing import Annotated, Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse
from jinja2 import Environment
from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "LANGUAGE_COOKIE",
    "LanguageMiddleware",
    "current_language",
    "gettext",
    "install_jinja",
    "negotiate",
    "ngettext",
    "router",
    "safe_next",
    "use_language",
]

LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"
LANGUAGE_COOKIE = "atouts_lang"
LOCALES = Path(__file__).resolve().parent / "locales"
LANGUAGE_NAMES = {"fr": "Français", "en": "English"}

_language: ContextVar[str] = ContextVar("atouts_language", default=DEFAULT_LANGUAGE)


@cache
def translations(language: str) -> gettext_module.NullTranslations:
    """The catalogue of ``language`` (French is the source: no catalogue needed)."""
    po = LOCALES / language / "LC_MESSAGES" / "messages.po"
    if language == DEFAULT_LANGUAGE or not po.is_file():
        return gettext_module.NullTranslations()
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext_module.GNUTranslations(buffer)


def current_language() -> str:
    return _language.get()


def use_language(language: str) -> None:
    """Set the language of the current context (requests do it through the middleware)."""
    _language.set(language if language in LANGUAGES else DEFAULT_LANGUAGE)


def gettext(message: str) -> str:
    return translations(_language.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    language = _language.get()
    if language == "fr":  # French plural rule: 0 and 1 are singular (n > 1 is plural)
        return singular if n <= 1 else plural
    return translations(language).ngettext(singular, plural, n)


def _accept_language(header: str) -> str | None:
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        base = tag.strip().lower().split("-")[0]
        if base in LANGUAGES and quality > 0:
            ranked.append((-quality, position, base))
    return min(ranked)[2] if ranked else None


def negotiate(cookie: str | None, accept_language: str | None) -> str:
    """Explicit choice (cookie) > ``Accept-Language`` > French."""
    if cookie in LANGUAGES:
        return cookie
    return _accept_language(accept_language or "") or DEFAULT_LANGUAGE


def _cookie(scope: Scope, name: str) -> str | None:
    for key, value in scope.get("headers", []):
        if key == b"cookie":
            for part in value.decode("latin-1").split(";"):
                k, _, v = part.strip().partition("=")
                if k == name:
                    return v
    return None


class LanguageMiddleware:
    """Pure ASGI (not ``BaseHTTPMiddleware``) so the context variable reaches the route."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            accept = dict(scope.get("headers", [])).get(b"accept-language", b"").decode("latin-1")
            language = negotiate(_cookie(scope, LANGUAGE_COOKIE), accept)
            token = _language.set(language)
            scope.setdefault("state", {})["language"] = language
            try:
                await self.app(scope, receive, send)
            finally:
                _language.reset(token)
        else:
            await self.app(scope, receive, send)


def install_jinja(env: Environment) -> None:
    """Give templates ``{% trans %}``, ``_()``, ``lang`` and ``dir`` for the current request."""
    if "jinja2.ext.InternationalizationExtension" not in env.extensions:
        env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.globals["current_language"] = current_language
    env.globals["language_names"] = LANGUAGE_NAMES


def safe_next(target: str | None) -> str:
    """A local path to go back to (never another site: no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


router = APIRouter()


@router.get("/langue/{code}", include_in_schema=False)
def choose_language(code: str, request: Request, suivant: Annotated[str, Query()] = "/") -> Any:
    """Remember the language choice (one year) and go back to the page."""
    response = RedirectResponse(safe_next(suivant), status_code=303)
    if code in LANGUAGES:
        response.set_cookie(
            LANGUAGE_COOKIE, code, max_age=365 * 24 * 3600, httponly=True, samesite="lax", path="/"
        )
        _keep_on_account(request, code)
    return response


def _keep_on_account(request: Request, code: str) -> None:
    """A person signed in gets the choice on their account too: e-mails sent to them later
    (from another device, or with no request at all) follow it, not only this browser."""
    # Imported here: api.auth itself uses this module (safe_next).
    from api.auth import current_principal
    from api.database import engine_of
    from api.mail_texts import store_language
    from api.problems import ApiProblem

    try:
        principal = current_principal(request)
    except ApiProblem:  # a stale bearer token: the page choice still works
        return
    if principal is not None and principal.token_id is None and principal.user_id:
        store_language(engine_of(request), principal.user_id, code)
