"""The FastAPI application factory: the composition root of the web side."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import HTMLResponse

from api.settings import Settings
from api.verify_routes import install as install_verification

API_VERSION = "0.1.0"


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    app = FastAPI(
        title="atouts",
        version=API_VERSION,
        description="API JSON d'atouts : badges numériques Open Badges 3.0, vérification, "
        "référentiels de compétences, portefeuilles et rapprochement avec les offres.",
    )
    app.state.settings = settings
    install_verification(app)

    from api.issuer_routes import install as install_issuer

    install_issuer(app)

    from api.wallet_routes import install as install_wallet

    install_wallet(app)

    @app.get("/healthz", tags=["système"], summary="État du service")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home() -> str:
        return (
            '<!doctype html><html lang="fr"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            "<title>atouts</title></head><body><main><h1>atouts</h1>"
            "<p>Des compétences reconnues, des badges que l'on peut montrer.</p>"
            "</main></body></html>"
        )

    return app
