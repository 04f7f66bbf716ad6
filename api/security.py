"""Browser-facing protections: security headers, CSRF, cookies, rate limits, request ids.

- Headers on every response (reliability-ux.md A9, ASVS 3.4.x): a strict CSP (own origin
  only; no inline script or style, no third party: ASVS 14.2.3), ``frame-ancestors 'none'``,
  ``Referrer-Policy: no-referrer`` (share links must not leak: P7), ``nosniff``, and HSTS when
  the deployment is https. The interactive API documentation (``/docs``) loads Swagger UI from
  its CDN, so only that page gets a CSP that allows it.
- Cookies (ASVS 3.3.1–3.3.4): HttpOnly, SameSite=Lax, and on https ``Secure`` with the
  ``__Host-`` prefix. Plain-http demos on 127.0.0.1 keep unprefixed names, since browsers and
  HTTP clients refuse ``Secure`` cookies on http.
- CSRF: double-submit token. :func:`csrf_token` gives the form's hidden value (the same random
  value is set in the ``atouts_csrf`` cookie); :func:`require_csrf` (a dependency of every form
  route that changes something) compares the two in constant time. Independently, the
  middleware refuses any unsafe request that a browser labels ``Sec-Fetch-Site: cross-site``.
- Rate limits (ASVS 2.4.1, A6): fixed windows per client address and bucket for sign-in,
  secret codes, verification and share endpoints (:mod:`api.rate_limits`, counted in the
  database so that every worker shares them); 429 problem details with ``Retry-After`` (a
  French or English page for a browser).
"""

from __future__ import annotations

import hmac
import math
import re
import secrets
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.problems import ApiProblem
from api.rate_limits import (
    DatabaseRateLimiter,
    Limiter,
    RateLimiter,
    RateLimitRule,
    default_rate_limits,
)

__all__ = [
    "CSRF_COOKIE",
    "CSRF_FIELD",
    "CookiePolicy",
    "DatabaseRateLimiter",
    "Limiter",
    "RateLimitRule",
    "RateLimiter",
    "SecurityMiddleware",
    "csrf_token",
    "default_rate_limits",
    "require_csrf",
]

CSRF_COOKIE = "atouts_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
RATE_LIMITED_DETAIL = "Vous avez fait trop de demandes. Attendez un peu, puis réessayez."

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# Swagger UI (FastAPI's /docs) comes from jsDelivr and starts with an inline script.
DOCS_CSP = (
    "default-src 'self'; img-src 'self' data: https://fastapi.tiangolo.com; "
    "style-src 'self' https://cdn.jsdelivr.net; script-src 'self' 'unsafe-inline' "
    "https://cdn.jsdelivr.net; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
DOCS_PATHS = frozenset({"/docs", "/redoc", "/docs/oauth2-redirect"})


@dataclass(frozen=True, slots=True)
class CookiePolicy:
    """Names and flags of our cookies for one deployment (https or a plain-http demo)."""

    secure: bool

    @classmethod
    def for_base_url(cls, base_url: str) -> CookiePolicy:
        return cls(secure=base_url.startswith("https://"))

    def name(self, base: str) -> str:
        return f"__Host-{base}" if self.secure else base

    def params(self) -> dict[str, Any]:
        return {"httponly": True, "samesite": "lax", "secure": self.secure, "path": "/"}


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return ""


class SecurityMiddleware:
    """Request id, cross-site refusal, rate limits, security headers, the CSRF cookie."""

    def __init__(
        self, app: ASGIApp, *, limiter: Limiter | None = None, https: bool = False
    ) -> None:
        self.app = app
        self.limiter = limiter or RateLimiter()
        self.https = https

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        request_id = _header(scope, b"x-request-id")[:64] or secrets.token_hex(8)
        if not re.fullmatch(r"[A-Za-z0-9._-]+", request_id):
            request_id = secrets.token_hex(8)
        state["request_id"] = request_id
        method, path = scope["method"], scope["path"]

        refusal: tuple[int, str, str, dict[str, str]] | None = None
        if method in UNSAFE_METHODS and _header(scope, b"sec-fetch-site") == "cross-site":
            refusal = (403, "csrf_failed", "Demande venue d'un autre site refusée", {})
        else:
            wait = await self._rate_limit(scope, method, path)
            if wait is not None:
                refusal = (
                    429,
                    "rate_limited",
                    "Trop de demandes",
                    {"Retry-After": str(math.ceil(wait))},
                )

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["Content-Security-Policy"] = DOCS_CSP if path in DOCS_PATHS else CSP
                headers["X-Content-Type-Options"] = "nosniff"
                headers["Referrer-Policy"] = "no-referrer"
                headers["X-Frame-Options"] = "DENY"
                headers["Cross-Origin-Opener-Policy"] = "same-origin"
                headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
                headers["X-Request-Id"] = request_id
                if self.https:
                    headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
                new_token = state.get("new_csrf_token")
                if new_token:
                    policy: CookiePolicy = state.get("cookie_policy") or CookiePolicy(False)
                    flags = "; HttpOnly; SameSite=Lax; Path=/" + (
                        "; Secure" if policy.secure else ""
                    )
                    headers.append("set-cookie", f"{policy.name(CSRF_COOKIE)}={new_token}{flags}")
            await send(message)

        if refusal is not None:
            from api.problems import problem_response

            status, code, title, extra_headers = refusal
            request = Request(scope, receive)
            detail = RATE_LIMITED_DETAIL if status == 429 else ""
            response = problem_response(request, status, code, title, detail, headers=extra_headers)
            await response(scope, receive, send_with_headers)
            return
        await self.app(scope, receive, send_with_headers)

    async def _rate_limit(self, scope: Scope, method: str, path: str) -> float | None:
        if not self.limiter.applies(method, path):
            return None
        client = str((scope.get("client") or ("unknown", 0))[0])
        if not self.limiter.blocking:
            return self.limiter.check(method, path, client)
        return await run_in_threadpool(self.limiter.check, method, path, client)


def _policy(request: Request) -> CookiePolicy:
    policy = getattr(request.app.state, "cookie_policy", None)
    return policy if isinstance(policy, CookiePolicy) else CookiePolicy(False)


def csrf_token(request: Request) -> str:
    """The value for the hidden ``csrf_token`` field of a form on this page."""
    existing = request.cookies.get(_policy(request).name(CSRF_COOKIE))
    if existing and re.fullmatch(r"[A-Za-z0-9_-]{20,100}", existing):
        return existing
    pending = getattr(request.state, "new_csrf_token", None)
    if isinstance(pending, str):
        return pending
    token = secrets.token_urlsafe(24)
    request.state.new_csrf_token = token
    request.state.cookie_policy = _policy(request)
    return token


async def require_csrf(request: Request) -> None:
    """Dependency of form routes: the form's token (or ``X-CSRF-Token``) equals the cookie's."""
    cookie = request.cookies.get(_policy(request).name(CSRF_COOKIE), "")
    sent = request.headers.get(CSRF_HEADER, "")
    if not sent:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(CSRF_FIELD)
            sent = value if isinstance(value, str) else ""
    if not cookie or not sent or not hmac.compare_digest(cookie, sent):
        raise ApiProblem(
            403,
            "csrf_failed",
            "Le formulaire a expiré. Rechargez la page et recommencez.",
            title="Formulaire refusé",
        )
