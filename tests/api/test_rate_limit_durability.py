"""Counting a request does not wait for the disk on SQLite (a rate limit can lose its last counts
in a power cut), but every connection it hands back to the pool is at ``synchronous=FULL`` again,
so a badge written next on that connection keeps the storage's durability."""

from __future__ import annotations

import re

import pytest
from sqlalchemy.engine import Engine

from api.rate_limits import DatabaseRateLimiter, RateLimitRule

VERIFY = RateLimitRule("verify", frozenset({"POST"}), re.compile(r"^/verify$"), 100, 60.0)
FULL = 2


def test_connections_go_back_to_the_pool_at_full_durability(db_engine: Engine) -> None:
    if db_engine.dialect.name != "sqlite":
        pytest.skip("synchronous is a SQLite setting")
    limiter = DatabaseRateLimiter(db_engine, [VERIFY], clock=lambda: 1_000_000.0)
    for _ in range(5):
        assert limiter.check("POST", "/verify", "10.0.0.1") is None
    with db_engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar_one() == FULL


def test_a_failed_count_still_leaves_no_less_durable_connection(db_engine: Engine) -> None:
    if db_engine.dialect.name != "sqlite":
        pytest.skip("synchronous is a SQLite setting")
    with db_engine.begin() as connection:  # the count's statement will fail mid-transaction
        connection.exec_driver_sql("DROP TABLE rate_limit_buckets")
    limiter = DatabaseRateLimiter(db_engine, [VERIFY], clock=lambda: 1_000_000.0)
    assert limiter.check("POST", "/verify", "10.0.0.1") is None  # counted in memory meanwhile
    with db_engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar_one() == FULL


def test_counts_are_still_shared_and_exact(db_engine: Engine) -> None:
    first = DatabaseRateLimiter(db_engine, [VERIFY], clock=lambda: 1_000_000.0)
    second = DatabaseRateLimiter(db_engine, [VERIFY], clock=lambda: 1_000_000.0)
    answers = [
        (first if n % 2 else second).check("POST", "/verify", "10.0.0.9") for n in range(101)
    ]
    assert answers[:100] == [None] * 100
    assert answers[100] is not None
