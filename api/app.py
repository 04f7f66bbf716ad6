"""The FastAPI application factory: the composition root of the web side.

Order of the layers (outermost first): language (so even refusals speak the visitor's
language), security (request id, cross-site refusal, rate limits, headers, CSRF cookie), then
the routers. Errors of every kind leave as RFC 9457 problem details (``api.problems``).
Routers that need a signed-in person declare it with ``api.auth.require_roles``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from fastapi import FastAPI
from sqlalchemy.engine import Engine

from api import pages as _pages  # noqa: F401 - installs i18n in the shared Jinja environment
from api.audit import AuditMiddleware
from api.i18n import LanguageMiddleware
from api.i18n import router as language_router
from api.problems import install_problem_handlers
from api.public_routes import HtmlNegotiationMiddleware
from api.security import CookiePolicy, DatabaseRateLimiter, Limiter, SecurityMiddleware
from api.settings import Settings
from api.verify_routes import install as install_verification
from badges.fetch import Fetcher, FetchError, FetchResult

API_VERSION = "0.1.0"


class LocalFirstFetcher:
    """What this service publishes comes from its database; the rest from ``fallback``."""

    def __init__(self, app: FastAPI, fallback: Fetcher | None) -> None:
        self.app = app
        self.fallback = fallback

    def fetch(self, url: str, *, accept: str = "application/json") -> FetchResult:
        from api.database import app_engine
        from wallet.local_fetch import StoredDocumentFetcher

        base = str(self.app.state.settings.base_url)
        if url.startswith(base + "/credentials/"):
            found = _own_credential(app_engine(self.app), url)
            if found is not None:
                return found
        if url.startswith(base + "/"):
            return StoredDocumentFetcher(app_engine(self.app), self.fallback).fetch(
                url, accept=accept
            )
        if self.fallback is None:
            raise FetchError(f"{url} n'est pas disponible hors ligne")
        return self.fallback.fetch(url, accept=accept)


def _own_credential(engine: Engine, url: str) -> FetchResult | None:
    """A credential this service issued, as its public URL serves it (the link of a QR code)."""
    from sqlmodel import select

    from storage.engine import session_scope
    from storage.tables import Credential, CredentialFormat

    with session_scope(engine, write=False) as session:
        row = session.exec(select(Credential).where(Credential.credential_id == url)).first()
        if row is None:
            row = session.get(Credential, url.rstrip("/").rsplit("/", 1)[-1].split("?")[0])
        if row is None:
            return None
        media = (
            "application/vc+jwt" if row.format == CredentialFormat.JWT else "application/vc+ld+json"
        )
        return FetchResult(200, media, row.signed_text.encode("utf-8"), url)


def _system_clock() -> datetime:
    return datetime.now(UTC)


def create_app(
    settings: Settings | None = None,
    *,
    engine: Engine | None = None,
    clock: Callable[[], datetime] | None = None,
    rate_limiter: Limiter | None = None,
) -> FastAPI:
    settings = settings or Settings()
    app = FastAPI(
        title="atouts",
        version=API_VERSION,
        description="API JSON d'atouts : badges numériques Open Badges 3.0, vérification, "
        "référentiels de compétences, portefeuilles et rapprochement avec les offres. "
        "Les erreurs sont des documents « problem details » (RFC 9457) avec un membre `code` "
        "stable. Les programmes s'authentifient avec un jeton (`Authorization: Bearer`).",
    )
    app.state.settings = settings
    app.state.clock = clock or _system_clock
    app.state.cookie_policy = CookiePolicy.for_base_url(settings.base_url)
    if engine is not None:
        app.state.engine = engine
        # Where issuer and matching read referentials: the catalogue lists it too.
        from api.referential_catalogue import attach_store

        attach_store(engine, settings.home / "referentials")
    install_problem_handlers(app)
    app.add_middleware(HtmlNegotiationMiddleware)
    app.add_middleware(AuditMiddleware)
    if rate_limiter is None:
        from api.database import app_engine

        # In the database, so that every worker counts against one budget per client.
        rate_limiter = DatabaseRateLimiter(lambda: app_engine(app))
    app.add_middleware(
        SecurityMiddleware,
        limiter=rate_limiter,
        https=settings.base_url.startswith("https://"),
    )
    app.add_middleware(LanguageMiddleware)

    install_verification(app)
    # Our own status lists are read from the database, not through a request to ourselves
    # (the guarded fetcher refuses loopback addresses, as it must for anything else).
    app.state.verifier_config.fetcher = LocalFirstFetcher(app, app.state.verifier_config.fetcher)
    app.include_router(language_router)

    from api.public_routes import router as public_router
    from api.referential_routes import router as referential_router
    from api.signin_routes import router as signin_router

    app.include_router(public_router)
    app.include_router(signin_router)
    app.include_router(referential_router)

    from api.referential_editing import router as referential_editing_router

    app.include_router(referential_editing_router)

    from api.matching_routes import install as install_matching

    install_matching(app)

    from api.issuer_routes import install as install_issuer

    install_issuer(app)

    from api.wallet_routes import install as install_wallet

    install_wallet(app)

    from api.trainer_pages import install as install_trainer_pages

    install_trainer_pages(app)

    from api.employer_candidates import router as employer_candidates_router
    from api.employer_pages import router as employer_router
    from api.match_pages import router as match_pages_router

    app.include_router(employer_router)
    app.include_router(employer_candidates_router)
    app.include_router(match_pages_router)

    if settings.demo:
        from api.demo import router as demo_router

        app.include_router(demo_router)

    @app.get("/healthz", tags=["système"], summary="État du service")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
