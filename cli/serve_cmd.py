"""``atouts serve`` runs the web application; ``atouts openapi`` writes its OpenAPI document.

``atouts serve --demo`` (what ``make run`` calls) brings its own SQLite database up to date under
``ATOUTS_HOME`` first, seeds the demonstration data (``api.demo``) and prints the address and
how to sign in as each demo person. Without ``--demo`` a database that is not migrated stops the
server with storage's message (``atouts db upgrade``), before anything is served.
``ATOUTS_RATE_LIMITS=off`` turns the per-client rate limits off (load measurements, or a proxy
in front that already limits).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

import yaml


def register(subparsers: Any) -> None:
    serve = subparsers.add_parser("serve", help="lancer l'application web")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--demo",
        action="store_true",
        help="données de démonstration (référentiels fournis, organisme, employeur, bénéficiaire)",
    )
    serve.set_defaults(handler=_serve)

    openapi = subparsers.add_parser("openapi", help="écrire le document OpenAPI de l'API JSON")
    openapi.add_argument("-o", "--output", type=Path, default=None)
    openapi.set_defaults(handler=_openapi)


def prepare(host: str, port: int, *, demo: bool) -> Any:
    """The application, its database opened (and for the demo migrated and seeded)."""
    from api.app import create_app
    from api.database import app_engine
    from api.settings import Settings
    from storage.engine import DatabaseSettings, create_engine
    from storage.migrate import upgrade

    settings = Settings.from_environment(base_url=f"http://{host}:{port}", demo=demo)
    if demo:
        settings.home.mkdir(parents=True, exist_ok=True)
        engine = create_engine(DatabaseSettings(home=settings.home, url=settings.database_url))
        try:
            upgrade(engine)
        finally:
            engine.dispose()
    limiter = None
    if os.environ.get("ATOUTS_RATE_LIMITS", "").lower() == "off":
        # For load measurements (bench.webapp) or behind a proxy that already limits.
        from api.security import RateLimiter

        limiter = RateLimiter(rules=[])
    app = create_app(settings, rate_limiter=limiter)
    app_engine(app)  # refuses an unmigrated database now, not at the first request
    if demo:
        from api.demo import seed_demo

        seed_demo(app)
    return app


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from api.settings import Settings
    from storage.errors import DatabaseNotMigratedError

    try:
        app = prepare(args.host, args.port, demo=bool(args.demo))
    except DatabaseNotMigratedError as error:
        print(f"atouts ne démarre pas : {error}", file=sys.stderr)
        return 1
    settings: Settings = app.state.settings
    print(f"atouts est prêt : {settings.base_url}/", flush=True)
    if args.demo:
        from api.demo import demo_links

        print("Démonstration : pour entrer comme l'une de ces personnes, ouvrez son lien.")
        for person, link in demo_links(settings.base_url):
            print(f"  - {person.name}, {person.role_text} : {link}")
        print(f"Données de démonstration dans {settings.home}", flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level="info")
    return 0


def openapi_yaml() -> str:
    from api.app import create_app

    document = create_app().openapi()
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)


def _openapi(args: argparse.Namespace) -> int:
    text = openapi_yaml()
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.write_text(text, encoding="utf-8")
    return 0
