"""POST /verify (JSON API) and the employer verification page /verifier."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.verify_routes import VerifierConfig, install
from badges.fetch import MapFetcher

NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def client() -> TestClient:
    app = create_app()
    install(app, VerifierConfig(fetcher=MapFetcher({}), clock=lambda: NOW))
    return TestClient(app)


def test_verify_answers_200_with_a_report_for_an_invalid_badge(client: TestClient) -> None:
    response = client.post("/verify", json={"type": ["VerifiableCredential"], "issuer": "x"})
    assert response.status_code == 200
    report = response.json()
    assert report["verdict"] == "not_verified"
    assert set(report) >= {"credential", "checks", "verdict", "policy", "verified_at"}
    assert report["verified_at"].startswith("2026-01-01")


def test_verify_accepts_the_wrapper_form_with_policy_and_date(client: TestClient) -> None:
    body = {
        "credential": {"type": ["VerifiableCredential"]},
        "policy": "strict",
        "at": "2030-05-01T00:00:00Z",
    }
    report = client.post("/verify", json=body).json()
    assert report["policy"] == "strict"
    assert report["verified_at"].startswith("2030-05-01")


def test_verify_reports_an_unreachable_link_as_inconclusive(client: TestClient) -> None:
    report = client.post("/verify", json={"url": "https://nowhere.example/badge"}).json()
    assert report["verdict"] == "inconclusive"
    assert report["input_problems"][0]["code"] == "fetch_failed"


def test_unusable_requests_get_problem_details(client: TestClient) -> None:
    not_json = client.post("/verify", content=b"{nope")
    assert not_json.status_code == 400
    assert not_json.headers["content-type"].startswith("application/problem+json")
    assert not_json.json()["code"] == "malformed_json"
    array = client.post("/verify", json=[1, 2])
    assert array.status_code == 422
    both = client.post("/verify", json={"jwt": "a.b.c", "url": "https://x.example"})
    assert both.status_code == 422
    assert both.json()["code"] == "request_invalid"
    big = client.post("/verify", content=b"{" + b" " * (3 * 1024 * 1024) + b"}")
    assert big.status_code == 413
    assert big.json()["code"] == "input_too_large"


def test_duplicate_keys_are_a_finding_not_a_crash(client: TestClient) -> None:
    response = client.post("/verify", content=b'{"id": "a", "id": "b"}')
    assert response.status_code == 200
    assert response.json()["input_problems"][0]["code"] == "json_duplicate_key"


def test_verification_page_is_accessible_and_works_without_javascript(client: TestClient) -> None:
    page = client.get("/verifier")
    assert page.status_code == 200
    html = page.text
    assert '<html lang="fr">' in html
    assert html.count("<h1") == 1
    assert 'href="#contenu"' in html
    assert 'id="contenu"' in html
    for field in ("badge_file", "badge_url", "badge_text"):
        assert f'<label for="{field}">' in html
    assert "<script" not in html
    assert 'href="/accessibilite"' in html


def test_page_shows_verdict_first_with_icon_and_words(client: TestClient) -> None:
    page = client.post("/verifier", data={"badge_text": json.dumps({"type": "x"})}).text
    verdict_at = page.index("Non valable")
    assert verdict_at < page.index("Ce que nous avons vérifié")
    assert "✖" in page
    assert "Détails techniques" in page


def test_page_escapes_credential_text(client: TestClient) -> None:
    hostile = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": "https://a.example", "name": "<script>alert(1)</script>"},
        "credentialSubject": {"achievement": {"name": "<img src=x onerror=alert(1)>"}},
    }
    page = client.post("/verifier", data={"badge_text": json.dumps(hostile)}).text
    assert "<img src=x" not in page
    assert "<script>alert" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_empty_form_explains_what_to_do(client: TestClient) -> None:
    page = client.post("/verifier", data={}).text
    assert "Il y a un problème" in page
    assert 'role="alert"' in page


def test_link_in_query_string_is_verified_for_qr_codes(client: TestClient) -> None:
    page = client.get("/verifier", params={"url": "https://nowhere.example/b"}).text
    assert "À vérifier" in page
    assert "Cela ne veut pas dire que le badge est faux" in page


def test_accessibility_statement_exists(client: TestClient) -> None:
    page = client.get("/accessibilite")
    assert page.status_code == 200
    assert "Déclaration d'accessibilité" in page.text
    assert client.get("/static/atouts.css").status_code == 200


def test_page_shows_what_a_genuine_badge_proves(client: TestClient) -> None:
    from tests.verifier.builders import signed

    credential = signed(validUntil="2025-12-01T00:00:00Z")
    page = client.post(
        "/verifier",
        files={"badge_file": ("badge.json", json.dumps(credential).encode(), "application/json")},
    ).text
    assert "Badge authentique" in page
    assert "Il a expiré" in page
    assert "Accueillir un client" in page
    assert "Savoir accueillir" in page  # the competence (alignment)
    assert "Attitude Pro" in page
    assert "Observé en situation réelle" in page  # criteria
    assert "non vérifié" in page  # issuer name is declared, not verified
    assert "Ce badge a expiré le 1 décembre 2025." in page
    assert page.index("Badge authentique") < page.index("Ce que ce badge atteste")
    assert page.index("Ce que ce badge atteste") < page.index("Détails techniques")


def test_api_verifies_a_jwt_in_the_wrapper(client: TestClient) -> None:
    from badges.jwt import encode_vc_jwt
    from tests.verifier.builders import did_of, key, method_of, unsigned

    pair = key()
    token = encode_vc_jwt(unsigned(did_of(pair)), pair, kid=method_of(pair))
    report = client.post("/verify", json={"jwt": token}).json()
    assert report["verdict"] == "verified"
    assert report["input_kind"] == "vc_jwt"


def test_known_issuers_file_in_the_home_folder_is_the_trust_registry(tmp_path: Path) -> None:
    from api.settings import Settings
    from tests.verifier.builders import did_of, key, signed

    pair = key()
    (tmp_path / "trusted-issuers.yaml").write_text(
        f"issuers:\n  - id: {did_of(pair)}\n    name: CFA\n", encoding="utf-8"
    )
    app = create_app(Settings(home=tmp_path))
    report = TestClient(app).post("/verify", json=signed(pair)).json()
    trust = next(c for c in report["checks"] if c["check"] == "issuer_trust")
    assert trust["outcome"] == "passed"


def test_a_jwt_posted_as_plain_text_is_verified(client: TestClient) -> None:
    from badges.jwt import encode_vc_jwt
    from tests.verifier.builders import did_of, key, method_of, unsigned

    pair = key()
    token = encode_vc_jwt(unsigned(did_of(pair)), pair, kid=method_of(pair))
    response = client.post("/verify", content=token, headers={"content-type": "text/plain"})
    assert response.status_code == 200
    assert response.json()["verdict"] == "verified"
