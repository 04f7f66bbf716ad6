"""Rate limits are counted in the database, so every worker (every app instance, every limiter
object) on one database shares one budget per client, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from api.app import create_app
from api.rate_limits import DatabaseRateLimiter, RateLimitRule
from api.settings import Settings
from storage.engine import DatabaseSettings, create_engine
from storage.tables import RateLimitBucket
from tests.api.webapp_fixtures import BASE

TABLE = RateLimitBucket.__table__  # type: ignore[attr-defined]
SIGN_IN = RateLimitRule("sign_in", frozenset({"POST"}), re.compile(r"^/connexion"), 3, 60.0)


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_two_limiters_on_one_database_share_one_budget(db_engine: Engine) -> None:
    clock = Clock(1_000_040.0)
    first = DatabaseRateLimiter(db_engine, [SIGN_IN], clock=clock)
    second = DatabaseRateLimiter(db_engine, [SIGN_IN], clock=clock)
    answers = [
        limiter.check("POST", "/connexion", "10.0.0.1") for limiter in (first, second, first)
    ]
    assert answers == [None, None, None]
    refused = second.check("POST", "/connexion", "10.0.0.1")
    assert refused == 40.0  # the window started 20 s ago (at 1_000_020) and lasts 60 s
    assert first.check("POST", "/connexion", "10.0.0.1") == 40.0
    assert first.check("POST", "/connexion", "10.0.0.2") is None  # another client
    assert first.check("GET", "/connexion", "10.0.0.1") is None  # not a limited method


def test_a_new_window_opens_the_budget_again_and_expired_windows_are_purged(
    db_engine: Engine,
) -> None:
    clock = Clock(1_000_000.0)
    limiter = DatabaseRateLimiter(db_engine, [SIGN_IN], clock=clock, purge_every=0.0)
    for _ in range(3):
        assert limiter.check("POST", "/connexion", "10.0.0.1") is None
    assert limiter.check("POST", "/connexion", "10.0.0.1") is not None
    clock.now += 60.0
    assert limiter.check("POST", "/connexion", "10.0.0.1") is None
    with db_engine.connect() as connection:
        rows = connection.execute(sa.select(TABLE.c.window_start, TABLE.c.hits)).all()
    assert [tuple(r) for r in rows] == [(1_000_020, 1)]  # the expired window is gone


def test_expired_windows_can_be_purged_on_demand(db_engine: Engine) -> None:
    clock = Clock(1_000_000.0)
    limiter = DatabaseRateLimiter(db_engine, [SIGN_IN], clock=clock)
    limiter.check("POST", "/connexion", "10.0.0.1")
    limiter.check("POST", "/connexion", "10.0.0.2")
    assert limiter.purge() == 0
    clock.now += 120.0
    assert limiter.purge() == 2


def test_concurrent_requests_from_two_limiters_never_exceed_the_budget(db_url: str) -> None:
    engines = [create_engine(DatabaseSettings(url=db_url)) for _ in range(2)]
    rule = RateLimitRule("verify", frozenset({"POST"}), re.compile(r"^/verify$"), 7, 3600.0)
    limiters = [DatabaseRateLimiter(e, [rule], clock=lambda: 7_200_000.0) for e in engines]
    allowed: list[bool] = []
    barrier = threading.Barrier(6)

    def hammer(limiter: DatabaseRateLimiter) -> None:
        barrier.wait()
        for _ in range(4):
            allowed.append(limiter.check("POST", "/verify", "10.0.0.9") is None)

    threads = [threading.Thread(target=hammer, args=(limiters[i % 2],)) for i in range(6)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        for engine in engines:
            engine.dispose()
    assert len(allowed) == 24
    assert allowed.count(True) == 7


def test_the_client_address_is_not_stored_in_clear(db_engine: Engine) -> None:
    limiter = DatabaseRateLimiter(db_engine, [SIGN_IN], clock=lambda: 1_000_000.0)
    limiter.check("POST", "/connexion", "203.0.113.7")
    with db_engine.connect() as connection:
        keys = connection.execute(sa.select(TABLE.c.client_key)).scalars().all()
    assert len(keys) == 1
    assert "203.0.113.7" not in keys[0]
    assert re.fullmatch(r"[0-9a-f]{64}", keys[0])


def _worker(db_url: str, home: Path) -> tuple[TestClient, Engine]:
    """One more application instance on the same database, with the default limiter."""
    engine = create_engine(DatabaseSettings(url=db_url))
    app = create_app(Settings(base_url=BASE, home=home, database_url=db_url), engine=engine)
    return TestClient(app), engine


def test_two_application_workers_share_the_sign_in_budget_and_answer_429_problems(
    db_url: str, tmp_path: Path
) -> None:
    (first, first_engine), (second, second_engine) = (
        _worker(db_url, tmp_path),
        _worker(db_url, tmp_path),
    )
    try:
        json_headers = {"accept": "application/json"}
        statuses = [
            worker.post("/connexion", headers=json_headers).status_code
            for worker in [first, second] * 5
        ]
        assert 429 not in statuses  # 10 sign-in requests a minute: the default budget
        refused = first.post("/connexion", headers=json_headers)
        assert refused.status_code == 429
        assert refused.headers["content-type"].startswith("application/problem+json")
        problem = refused.json()
        assert problem["code"] == "rate_limited"
        assert problem["status"] == 429
        assert problem["title"] == "Trop de demandes"
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        page = second.post("/connexion", headers={"accept": "text/html"})
        assert page.status_code == 429
        assert page.headers["content-type"].startswith("text/html")
        assert 'lang="fr"' in page.text
        assert "Trop de demandes" in page.text
        assert "Attendez un peu, puis réessayez." in page.text
        assert int(page.headers["retry-after"]) >= 1
        english = second.post(
            "/connexion", headers={"accept": "text/html", "accept-language": "en"}
        )
        assert english.status_code == 429
        assert "Too many requests" in english.text
    finally:
        first_engine.dispose()
        second_engine.dispose()


def test_without_a_usable_database_the_limits_are_counted_in_memory_meanwhile() -> None:
    from storage.errors import DatabaseNotMigratedError

    def not_migrated() -> Engine:
        raise DatabaseNotMigratedError("pas à jour", current="0002", expected="0003")

    limiter = DatabaseRateLimiter(not_migrated, [SIGN_IN], clock=lambda: 1_000_000.0)
    answers = [limiter.check("POST", "/connexion", "10.0.0.1") for _ in range(4)]
    assert answers[:3] == [None, None, None]
    assert answers[3] is not None
