"""The public pages, as anybody without an account opens them in a browser, and as a program
reads the same addresses (issue 8: « Public pages: each referential item, each achievement,
each issuer profile, each credential's verification page, each status list (JSON), and an
accessibility statement page »). Every address is the one written in the badges, so a link in a
badge works for people and programs alike."""

from __future__ import annotations

import base64
import gzip
import json

from fastapi.testclient import TestClient
from sqlmodel import select

from api.demo import seed_demo
from storage.engine import session_scope
from storage.tables import Achievement, Credential
from tests.api.page_checks import english_words, structure_problems
from tests.api.webapp_fixtures import BASE, Web

PAGE = {"accept": "text/html,application/xhtml+xml"}
JSON = {"accept": "application/json"}


def _page(client: TestClient, path: str) -> str:
    answer = client.get(path, headers=PAGE)
    assert answer.status_code == 200, (path, answer.status_code)
    assert answer.headers["content-type"].startswith("text/html"), path
    assert structure_problems(answer.text) == [], path
    assert english_words(answer.text) == [], path
    return str(answer.text)


def _demo(web: Web) -> tuple[TestClient, Credential, Achievement]:
    seed_demo(web.app)
    with session_scope(web.engine, write=False) as session:
        credential = session.exec(select(Credential)).first()
        assert credential is not None
        achievement = session.get(Achievement, credential.achievement_id)
        assert achievement is not None
    return TestClient(web.app), credential, achievement


def test_a_badge_address_opens_its_verification_page_for_people(web: Web) -> None:
    visitor, credential, _ = _demo(web)
    path = credential.credential_id.removeprefix(BASE)
    html = _page(visitor, path)
    assert "Badge authentique" in html
    assert "Organisme de formation Démo" in html
    # Programs still get the exact signed text at the same address.
    signed = visitor.get(path, headers=JSON)
    assert signed.headers["content-type"].startswith("application/vc+ld+json")
    assert signed.text == credential.signed_text


def test_achievement_issuer_and_referential_item_open_as_pages_and_as_data(web: Web) -> None:
    visitor, _, achievement = _demo(web)
    html = _page(visitor, f"/achievements/{achievement.id}")
    assert achievement.name in html
    document = visitor.get(f"/achievements/{achievement.id}", headers=JSON).json()
    assert "Achievement" in document["type"]

    html = _page(visitor, "/issuers/demo-formation")
    assert "Organisme de formation Démo" in html
    assert achievement.name in html
    assert "Profile" in visitor.get("/issuers/demo-formation", headers=JSON).json()["type"]

    target = str(achievement.achievement["alignment"][0]["targetUrl"]).removeprefix(BASE)
    html = _page(visitor, target)
    assert visitor.get(target, headers=JSON).json()["uri"] == BASE + target


def test_a_status_list_is_public_json_that_a_revocation_changes(web: Web) -> None:
    visitor, credential, _ = _demo(web)
    entry = json.loads(credential.signed_text)["credentialStatus"]
    entry = entry[0] if isinstance(entry, list) else entry
    path = str(entry["statusListCredential"]).removeprefix(BASE)

    def bit() -> int:
        answer = visitor.get(path, headers=JSON)
        assert answer.status_code == 200
        assert "max-age" in answer.headers["cache-control"]
        listed = answer.json()
        assert "BitstringStatusListCredential" in listed["type"]
        encoded = listed["credentialSubject"]["encodedList"].removeprefix("u")
        bits = gzip.decompress(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
        index = int(entry["statusListIndex"])
        return (bits[index // 8] >> (7 - index % 8)) & 1

    assert bit() == 0
    from issuer.status import change_status

    change_status(web.app.state.issuer_ctx, credential.id, action="revoke", reason="test")
    assert bit() == 1


def test_the_accessibility_statement_is_a_page_linked_from_every_page(web: Web) -> None:
    visitor, _, _ = _demo(web)
    html = _page(visitor, "/accessibilite")
    assert "Déclaration d'accessibilité" in html
    for path in ("/", "/verifier", "/referentiels", "/connexion"):
        assert 'href="/accessibilite"' in _page(visitor, path)
