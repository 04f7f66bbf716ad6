"""Security headers, problem details for every error, CSRF, cross-site refusal, rate limits."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from api.security import RateLimiter, default_rate_limits
from tests.api.webapp_fixtures import Web, csrf_of, make_web

PROBLEM = "application/problem+json"


def test_every_page_carries_the_security_headers(web: Web) -> None:
    response = web.client.get("/")
    assert response.status_code == 200
    csp = response.headers["content-security-policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-request-id"]
    assert "strict-transport-security" not in response.headers  # plain-http test deployment


def test_unknown_address_is_a_problem_document_with_a_stable_code(web: Web) -> None:
    response = web.client.get("/nulle-part", headers={"accept": "application/json"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["code"] == "not_found"
    assert body["status"] == 404
    assert body["title"] == "Page introuvable"


def test_a_browser_gets_an_error_page_not_json(web: Web) -> None:
    response = web.client.get("/nulle-part", headers={"accept": "text/html"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert response.text.count("<h1") == 1
    assert "Page introuvable" in response.text


def test_invalid_json_body_lists_the_invalid_fields_as_request_invalid(web: Web) -> None:
    response = web.client.post("/api/referentials/btp-blocs-exemple/1.0/drafts", json={})
    # nobody signed in: the role check answers before the body is looked at
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_required"
    response = web.client.get(
        "/langue/en", params={"suivant": "https://evil.example/"}, follow_redirects=False
    )
    assert response.headers["location"] == "/"  # no open redirect


def test_validation_error_is_422_request_invalid_with_pointers(web: Web) -> None:
    from fastapi import Body

    @web.app.post("/_test/validation")
    def _probe(count: int = Body(..., embed=True)) -> dict[str, int]:
        return {"count": count}

    response = web.client.post("/_test/validation", json={"count": "many"})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "request_invalid"
    assert body["errors"][0]["pointer"] == "/count"


def test_unexpected_failure_hides_the_exception_and_gives_an_error_id(web: Web) -> None:
    @web.app.get("/_test/boom")
    def _boom() -> None:
        raise RuntimeError("secret internal detail")

    client = TestClient(web.app, raise_server_exceptions=False)
    response = client.get("/_test/boom")
    assert response.status_code == 500
    assert response.json()["code"] == "internal_error"
    assert response.json()["error_id"]
    assert "secret internal detail" not in response.text


def test_form_without_csrf_token_is_refused(web: Web) -> None:
    response = web.client.post("/connexion", data={"email": "a@example.org"})
    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"


def test_form_with_the_page_token_is_accepted(web: Web) -> None:
    page = web.client.get("/connexion")
    assert "atouts_csrf" in page.headers.get("set-cookie", "")
    token = csrf_of(page.text)
    response = web.client.post("/connexion", data={"email": "a@example.org", "csrf_token": token})
    assert response.status_code == 200


def test_cross_site_post_is_refused_before_anything_else(web: Web) -> None:
    response = web.client.post("/verify", content=b"{}", headers={"sec-fetch-site": "cross-site"})
    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"


def test_sign_in_attempts_are_rate_limited_with_retry_after(db_url: str, tmp_path: Path) -> None:
    rules = [r for r in default_rate_limits() if r.bucket == "sign_in"]
    limited = make_web(
        db_url,
        tmp_path,
        limiter=RateLimiter(
            rules=[r.__class__(r.bucket, r.methods, r.pattern, 2, r.window_seconds) for r in rules],
            clock=lambda: 100.0,
        ),
    )
    token = csrf_of(limited.client.get("/connexion").text)
    statuses = [
        limited.client.post(
            "/connexion", data={"email": "x@example.org", "csrf_token": token}
        ).status_code
        for _ in range(3)
    ]
    assert statuses == [200, 200, 429]
    refused = limited.client.post("/connexion", data={"email": "x@example.org"})
    assert refused.json()["code"] == "rate_limited"
    assert int(refused.headers["retry-after"]) >= 1
    limited.engine.dispose()


# Every route that takes a guessable secret or signs someone in, with how it is called.
GUESSABLE = [
    ("POST", "/reclamer"),
    ("GET", "/reclamer/ABCD-EFGH"),
    ("GET", "/portefeuille/lien/devine"),
    ("POST", "/portefeuille/lien/devine"),
    ("GET", "/portefeuille/entrer/devine"),
    ("POST", "/portefeuille/entrer/devine"),
    ("POST", "/api/wallet/claim"),
    ("POST", "/api/wallet/login"),
    ("POST", "/oid4vci/token"),
]


def test_guessing_claim_and_link_codes_is_rate_limited(db_url: str, tmp_path: Path) -> None:
    now = [0.0]
    small = [
        r.__class__(r.bucket, r.methods, r.pattern, 3, r.window_seconds)
        for r in default_rate_limits()
    ]
    limited = make_web(db_url, tmp_path, limiter=RateLimiter(rules=small, clock=lambda: now[0]))
    try:
        for method, path in GUESSABLE:
            now[0] += 3600.0  # a new window: each address is counted on its own
            answers = [
                limited.client.request(method, path, headers={"accept": "application/json"})
                for _ in range(4)
            ]
            assert all(a.status_code != 429 for a in answers[:3]), (method, path)
            refused = answers[3]
            assert refused.status_code == 429, (method, path, refused.status_code)
            assert refused.headers["content-type"].startswith("application/problem+json")
            assert refused.json()["code"] == "rate_limited"
            assert int(refused.headers["retry-after"]) >= 1
    finally:
        limited.engine.dispose()


def test_one_claim_page_and_its_confirmation_stay_well_under_the_code_limit() -> None:
    limiter = RateLimiter(clock=lambda: 0.0)
    for _ in range(10):  # ten badges claimed in a minute: page, then form
        assert limiter.check("GET", "/reclamer/ABCD-EFGH", "10.0.0.1") is None
        assert limiter.check("POST", "/reclamer", "10.0.0.1") is None
    assert limiter.check("POST", "/portefeuille/lien-magique", "10.0.0.1") is None
    assert limiter.check("GET", "/portefeuille", "10.0.0.1") is None


def test_verification_endpoint_is_rate_limited_per_client() -> None:
    limiter = RateLimiter(clock=lambda: 0.0)
    verify_rule = next(r for r in limiter.rules if r.bucket == "verify")
    allowed = [limiter.check("POST", "/verify", "10.0.0.1") for _ in range(verify_rule.limit)]
    assert all(wait is None for wait in allowed)
    assert limiter.check("POST", "/verify", "10.0.0.1") is not None
    assert limiter.check("POST", "/verify", "10.0.0.2") is None  # another client
    assert limiter.check("GET", "/verifier", "10.0.0.1") is None  # reading the page is free


def test_https_deployment_uses_host_prefixed_secure_cookies_and_hsts(
    db_url: str, tmp_path: Path
) -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.settings import Settings
    from storage.engine import DatabaseSettings, create_engine

    engine = create_engine(DatabaseSettings(url=db_url))
    app = create_app(
        Settings(base_url="https://badges.example", home=tmp_path, database_url=db_url),
        engine=engine,
    )
    client = TestClient(app, base_url="https://badges.example")
    page = client.get("/connexion")
    assert page.headers["strict-transport-security"].startswith("max-age=")
    cookie = page.headers["set-cookie"]
    assert cookie.startswith("__Host-atouts_csrf=")
    assert "Secure" in cookie
    assert "HttpOnly" in cookie
    assert "Path=/" in cookie
    assert "Domain" not in cookie
    engine.dispose()
