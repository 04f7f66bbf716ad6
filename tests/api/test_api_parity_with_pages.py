"""Everything the pages do is in the JSON API (issue 8). Every page route that changes something
is mapped here to the API operation(s) a program calls for the same thing, or says why a program
has no use for it; each main page that shows data is mapped to the API operation that reads it.
The test fails when a page form is added without its API, or when a mapped operation is not in
``openapi.yaml`` (which ``tests/architecture/test_openapi_is_in_sync.py`` holds equal to the app).
What each API operation does is proven by the tests of its area (``test_issuer_routes.py``,
``test_issuer_read_api.py``, ``test_matching_routes.py``, ``test_matching_visibility_api.py``,
``test_wallet_routes.py``, ``test_webapp_referentials.py``, ``test_verify_routes.py``).
"""

from __future__ import annotations

from typing import Any

import yaml

from tests.api.test_route_roles import api_routes
from tests.api.webapp_fixtures import Web
from tests.conftest import REPO

# (method, page route) -> the API operations that do the same.
PAGE_ACTIONS: dict[tuple[str, str], tuple[str, ...]] = {
    ("POST", "/verifier"): ("POST /verify",),
    ("POST", "/formateur/realisations"): ("POST /api/issuer/achievements",),
    ("POST", "/formateur/observer/{achievement_id}"): ("POST /api/issuer/credentials",),
    ("POST", "/formateur/serie/verifier"): ("POST /api/issuer/batches",),  # dry_run=true
    ("POST", "/formateur/serie/delivrer"): ("POST /api/issuer/batches",),
    ("POST", "/formateur/serie/{batch_id}/reprendre"): (
        "POST /api/issuer/batches/{batch_id}/resume",
    ),
    ("POST", "/formateur/badges/{row_id}/statut"): (
        "POST /api/issuer/credentials/{credential}/revoke",  # revoke, or suspend: true
        "POST /api/issuer/credentials/{credential}/reinstate",
    ),
    ("POST", "/recommander"): ("POST /api/issuer/endorsements",),
    ("POST", "/referentials/{slug}/{version}/brouillon"): (
        "POST /api/referentials/{slug}/{version}/drafts",
    ),
    ("POST", "/referentials/{slug}/{version}/elements"): (
        "POST /api/referentials/{slug}/{version}/items",
    ),
    ("POST", "/referentials/{slug}/{version}/organisations"): (
        "POST /api/referentials/{slug}/{version}/organisations",
    ),
    ("POST", "/referentials/{slug}/{version}/publication"): (
        "POST /api/referentials/{slug}/{version}/publish",
    ),
    ("POST", "/employeur/postes"): ("POST /jobs",),
    ("POST", "/employeur/postes/{job_id}/exigences"): ("PUT /jobs/{job_id}",),
    ("POST", "/employeur/postes/{job_id}/exigences/{position}"): ("PUT /jobs/{job_id}",),
    ("POST", "/employeur/postes/{job_id}/statut"): ("PUT /jobs/{job_id}", "DELETE /jobs/{job_id}"),
    ("POST", "/metiers-proches/visibilite"): (
        "PUT /wallets/{wallet_id}/visibility",
        "DELETE /wallets/{wallet_id}/visibility",
    ),
    ("POST", "/reclamer"): ("POST /api/wallet/claim",),
    ("POST", "/portefeuille/lien-magique"): ("POST /api/wallet/login/magic-link",),
    ("POST", "/portefeuille/entrer/{token}"): ("POST /api/wallet/login",),
    ("POST", "/portefeuille/lien/{token}"): ("POST /api/wallet/login",),
    ("POST", "/portefeuille/importer"): ("POST /api/wallet/badges",),
    ("POST", "/portefeuille/partager"): ("POST /api/wallet/shares",),
    ("POST", "/portefeuille/partages/{share_id}/retirer"): (
        "DELETE /api/wallet/shares/{share_id}",
    ),
    ("POST", "/portefeuille/badges/{item_id}/vers-une-application"): ("POST /api/wallet/offers",),
    ("POST", "/portefeuille/accord-presentations"): (
        "PUT /api/wallet/consents/presentation",
        "DELETE /api/wallet/consents/presentation",
    ),
    ("POST", "/portefeuille/supprimer"): ("DELETE /api/wallet",),
    ("POST", "/portefeuille/accompagnement"): ("POST /api/wallet/custody",),
    ("POST", "/portefeuille/accompagnement/{wallet_id}/rendre"): (
        "POST /api/wallet/custody/hand-over",
    ),
}

# Page routes a program has no use for, with the reason.
PAGE_ONLY: dict[tuple[str, str], str] = {
    ("POST", "/connexion"): "people sign in by e-mail; programs use API tokens (POST /api/tokens)",
    ("POST", "/connexion/code/{token}"): "a person's one-time code; programs use API tokens",
    ("POST", "/connexion/lien/{token}"): "a person's magic link; programs use API tokens",
    ("POST", "/deconnexion"): "ends a browser session; a token ends with DELETE /api/tokens/{id}",
    ("POST", "/portefeuille/sortir"): "ends a browser session of the wallet",
    ("POST", "/portefeuille/partager/apercu"): (
        "the confirmation step of the share form; a program reads what the employer sees with "
        "GET /api/shares/{token}"
    ),
    ("POST", "/formateur/reception/imprimer"): "an A4 sheet of claim codes to print",
    ("POST", "/portefeuille/accompagnement/{wallet_id}/agir"): (
        "chooses, for the browser session, which wallet a counsellor acts for; the API names "
        "the wallet in each call (?wallet=)"
    ),
    ("POST", "/portefeuille/accompagnement/quitter"): "the end of that browser choice",
}

# Main pages that show data -> the API operation that reads the same.
PAGE_READS: dict[str, str] = {
    "/formateur/badges": "GET /api/issuer/credentials",
    "/formateur/badges/{row_id}": "GET /credentials/{row_id}",
    "/formateur/realisations": "GET /api/issuer/achievements",
    "/formateur/serie": "GET /api/issuer/batches",
    "/formateur/serie/{batch_id}": "GET /api/issuer/batches/{batch_id}",
    "/formateur/serie/{batch_id}/resultat.csv": "GET /api/issuer/batches/{batch_id}/result.csv",
    "/referentiels": "GET /api/referentials",
    "/referentials/{slug}/{version}": "GET /api/referentials/{slug}/{version}",
    "/employeur": "GET /jobs",
    "/employeur/postes/{job_id}": "GET /jobs/{job_id}",
    "/employeur/postes/{job_id}/candidats": "GET /jobs/{job_id}/candidates",
    "/metiers-proches": "GET /wallets/{wallet_id}/jobs",
    "/metiers-proches/visibilite": "GET /wallets/{wallet_id}/visibility",
    "/portefeuille": "GET /api/wallet",
    "/portefeuille/badges/{item_id}": "GET /api/wallet/badges/{item_id}",
    "/portefeuille/partages/{share_id}": "GET /api/wallet/shares/{share_id}/accesses",
    "/portefeuille/exporter": "GET /api/wallet/export",
    "/p/{token}": "GET /api/shares/{token}",
    "/mon-espace": "GET /api/me",
}


def _openapi_operations() -> set[str]:
    document: dict[str, Any] = yaml.safe_load((REPO / "openapi.yaml").read_text("utf-8"))
    return {
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    }


def _page_routes(web: Web) -> list[tuple[str, str]]:
    schema_paths = {f"{m} {p}" for m, p in (op.split(" ", 1) for op in _openapi_operations())}
    found = []
    for route in api_routes(web.app):
        for method in sorted(route.methods - {"HEAD"}):
            if f"{method} {route.path}" not in schema_paths:
                found.append((method, route.path))
    return found


def test_every_page_form_has_its_api_operation_or_says_why_not(web: Web) -> None:
    # /demo/connexion/{who} exists in demo mode only (test_webapp_demo.py): people trying pages.
    unsafe = [
        (m, p)
        for m, p in _page_routes(web)
        if m in ("POST", "PUT", "PATCH", "DELETE") and not p.startswith("/demo/")
    ]
    unmapped = [f"{m} {p}" for m, p in unsafe if (m, p) not in PAGE_ACTIONS | PAGE_ONLY]
    assert unmapped == []
    gone = [f"{m} {p}" for m, p in PAGE_ACTIONS | PAGE_ONLY if (m, p) not in unsafe]
    assert gone == []  # the tables follow the pages


def test_every_mapped_api_operation_is_in_openapi_yaml(web: Web) -> None:
    operations = _openapi_operations()
    wanted = {op for ops in PAGE_ACTIONS.values() for op in ops} | set(PAGE_READS.values())
    assert sorted(wanted - operations) == []
    pages = {p for m, p in _page_routes(web) if m == "GET"} | {"/p/{token}"}
    assert sorted(set(PAGE_READS) - pages) == []
