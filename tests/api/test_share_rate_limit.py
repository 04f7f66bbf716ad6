"""Share endpoints are rate limited: opening a share link, creating and withdrawing shares.

A share token is a secret in a URL; an address that tries many tokens, or a script that creates
shares in a loop, is slowed down with a 429 problem (``Retry-After``) like sign-in and
verification, counted per client address.
"""

from __future__ import annotations

from pathlib import Path

from api.security import RateLimiter, default_rate_limits
from tests.api.webapp_fixtures import make_web

SHARE_ENDPOINTS = [
    ("GET", "/p/un-jeton-qui-n-existe-pas"),
    ("GET", "/p/un-jeton-qui-n-existe-pas/imprimer"),
    ("GET", "/api/shares/un-jeton-qui-n-existe-pas"),
    ("POST", "/api/wallet/shares"),
    ("DELETE", "/api/wallet/shares/inconnu"),
    ("POST", "/portefeuille/partager"),
    ("POST", "/portefeuille/partages/inconnu/retirer"),
]


def test_every_share_endpoint_answers_429_once_the_budget_of_an_address_is_spent(
    db_url: str, tmp_path: Path
) -> None:
    now = [0.0]
    small = [
        r.__class__(r.bucket, r.methods, r.pattern, 3, r.window_seconds)
        for r in default_rate_limits()
    ]
    limited = make_web(db_url, tmp_path, limiter=RateLimiter(rules=small, clock=lambda: now[0]))
    try:
        for method, path in SHARE_ENDPOINTS:
            now[0] += 3600.0  # a new window for each endpoint
            answers = [
                limited.client.request(
                    method, path, headers={"accept": "application/json"}, follow_redirects=False
                )
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


def test_share_budget_is_counted_per_address_and_apart_from_sign_in() -> None:
    limiter = RateLimiter(clock=lambda: 0.0)
    share = next(r for r in limiter.rules if r.bucket == "share")
    for _ in range(share.limit):
        assert limiter.check("GET", "/p/jeton", "10.0.0.1") is None
    assert limiter.check("GET", "/p/jeton", "10.0.0.1") is not None
    assert limiter.check("GET", "/p/jeton", "10.0.0.2") is None  # another address
    assert limiter.check("POST", "/connexion", "10.0.0.1") is None  # sign-in has its own budget
    assert limiter.check("GET", "/portefeuille", "10.0.0.1") is None  # the wallet is not a share
