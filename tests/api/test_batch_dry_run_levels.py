# ruff: noqa: F811  (pytest fixtures imported from shared modules are parameters here)
"""The bulk dry run of the JSON API and of the « Délivrer en série » page refuse a level the
chosen badge does not define, with its line, column and the accepted levels; the API checks
the badge belongs to the caller's organisation before reading its levels."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from issuer.achievements import create_achievement
from issuer.context import IssuerContext
from issuer.orgs import create_organisation
from tests.api.issuer_api_fixtures import api_client, api_token, bearer  # noqa: F401
from tests.api.trainer_fixtures import Trainer, hidden, trainer  # noqa: F401
from tests.issuer.conftest import (  # noqa: F401
    achievement_id,
    clock,
    ctx,
    kek,
    org,
    referential,
)

FILE = b"email;niveau\na@example.org;N1\nb@example.org;N9\n"
EXPECTED = (
    "ligne 3, colonne « niveau » : niveau « N9 » inconnu pour ce badge (niveaux : N1, N2, N3)"
)


def _dry_run(client: TestClient, token: str, achievement_id: str) -> Any:
    return client.post(
        "/api/issuer/batches",
        files={"file": ("lot.csv", FILE, "text/csv")},
        data={"achievement_id": achievement_id, "dry_run": "true"},
        headers=bearer(token),
    )


def test_the_api_dry_run_reports_an_unknown_level_with_the_accepted_ones(
    api_client: TestClient, api_token: str, achievement_id: str
) -> None:
    response = _dry_run(api_client, api_token, achievement_id)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["total"], body["ready"]) == (2, 1)
    assert body["errors"] == [
        {"line": 3, "column": "niveau", "code": "level_unknown", "message": EXPECTED}
    ]


def test_the_api_dry_run_refuses_an_unknown_badge_or_another_organisations(
    api_client: TestClient, api_token: str, ctx: IssuerContext
) -> None:
    unknown = _dry_run(api_client, api_token, "pas-un-badge")
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "achievement_not_found"
    other = create_organisation(ctx, slug="autre-of", name="Autre organisme")
    theirs = create_achievement(ctx, other.slug, referential("attitude-pro-reunion"), ["SE01"])
    refused = _dry_run(api_client, api_token, theirs.id)
    assert refused.status_code == 403
    assert "niveau" not in refused.text


def _page_check(t: Trainer, language: str) -> str:
    t.client.cookies.set("atouts_lang", language)
    page = t.client.get("/formateur/serie", headers={"accept": "text/html"})
    response = t.client.post(
        "/formateur/serie/verifier",
        data={"csrf_token": hidden(page.text, "csrf_token"), "realisation": t.achievement_id},
        files={"fichier": ("lot.csv", FILE, "text/csv")},
        headers={"accept": "text/html"},
    )
    assert response.status_code == 200, response.text
    return response.text


def test_the_page_dry_run_reports_an_unknown_level_in_the_readers_language(
    trainer: Trainer,
) -> None:
    french = _page_check(trainer, "fr")
    assert "niveau « N9 » inconnu pour ce badge (niveaux : N1, N2, N3)" in french
    assert 'href="#ligne-3"' in french
    english = _page_check(trainer, "en")
    assert "level “N9” unknown for this badge (levels: N1, N2, N3)" in english
