"""``atouts serve`` runs the web application; ``atouts openapi`` writes its OpenAPI document."""

from __future__ import annotations

import argparse
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


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from api.app import create_app
    from api.settings import Settings

    settings = Settings.from_environment(
        base_url=f"http://{args.host}:{args.port}", demo=bool(args.demo)
    )
    app = create_app(settings)
    print(f"atouts est prêt : {settings.base_url}/", flush=True)
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
