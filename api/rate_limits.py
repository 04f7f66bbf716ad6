"""Rate limits (ASVS 2.4.1, reliability-ux.md A6): fixed windows per client address and bucket.

Buckets: ``sign_in`` (asking for a link), ``secret_code`` (every route that takes a guessable
secret: a printed claim code, a personal wallet link, a pre-authorised OpenID4VCI code, reading
included, since answering whether a code exists is what a guesser needs), ``verify`` and
``share``. A refused request gets a 429 problem with ``Retry-After`` (``api.security``).

Two limiters keep the same rules behind one interface (:class:`Limiter`):

- :class:`DatabaseRateLimiter` (the application's default): counters live in the
  ``rate_limit_buckets`` table, so every uvicorn worker and every host on the same database
  shares one budget. One atomic ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` per matching
  rule and request (the same SQL on SQLite and PostgreSQL); windows are aligned on multiples
  of their length in Unix time, so every worker agrees on them; expired rows are purged at
  most once a minute per worker. The client address is stored as a SHA-256, never in clear.
  When the database cannot be reached (or is not migrated: verification works without one),
  the same rules are counted in memory meanwhile, per worker, rather than not at all.
- :class:`RateLimiter`: the same windows in one process's memory (unit tests, one-process
  tools).
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from storage.engine import SQLITE_BEGIN_OPTION
from storage.errors import StorageError
from storage.tables import RateLimitBucket

__all__ = [
    "DatabaseRateLimiter",
    "Limiter",
    "RateLimitRule",
    "RateLimiter",
    "default_rate_limits",
]

log = logging.getLogger("atouts.api")


@dataclass(frozen=True, slots=True)
class RateLimitRule:
    bucket: str
    methods: frozenset[str]
    pattern: re.Pattern[str]
    limit: int
    window_seconds: float


def default_rate_limits() -> list[RateLimitRule]:
    post = frozenset({"POST"})
    return [
        RateLimitRule(
            "sign_in",
            post,
            re.compile(r"^/(connexion|api/sign-in|api/wallet/login|portefeuille/lien-magique)"),
            10,
            60.0,
        ),
        # Claim codes and personal-link codes: both the page that looks one up (GET) and the
        # form or API call that spends it (POST). Wider than sign-in because a beneficiary
        # opens then confirms each claim.
        RateLimitRule(
            "secret_code",
            frozenset({"GET", "POST"}),
            re.compile(
                r"^/(reclamer(/|$)|portefeuille/(lien|entrer)/|api/wallet/claim(/|$)|"
                r"oid4vci/token$)"
            ),
            30,
            60.0,
        ),
        RateLimitRule("verify", post, re.compile(r"^/(verify|verifier)$"), 60, 60.0),
        RateLimitRule(
            "share",
            frozenset({"GET", "POST", "DELETE"}),
            re.compile(r"(^|/)(partager|partages?|shares?|p)(/|$)"),
            60,
            60.0,
        ),
    ]


def matching_rules(rules: list[RateLimitRule], method: str, path: str) -> list[RateLimitRule]:
    return [r for r in rules if method in r.methods and r.pattern.search(path)]


class Limiter(Protocol):
    """What :class:`api.security.SecurityMiddleware` asks before letting a request in."""

    rules: list[RateLimitRule]

    @property
    def blocking(self) -> bool:
        """True when :meth:`check` waits for the database (run it off the event loop)."""
        ...

    def applies(self, method: str, path: str) -> bool: ...

    def check(self, method: str, path: str, client: str) -> float | None:
        """None when allowed, else the seconds to wait."""
        ...


@dataclass
class RateLimiter:
    """Fixed windows counted in this process's memory (each worker would count on its own)."""

    rules: list[RateLimitRule] = field(default_factory=default_rate_limits)
    clock: Callable[[], float] = time.monotonic
    _counts: dict[tuple[str, str], tuple[float, int]] = field(default_factory=dict)

    @property
    def blocking(self) -> bool:
        return False

    def applies(self, method: str, path: str) -> bool:
        return bool(matching_rules(self.rules, method, path))

    def check(self, method: str, path: str, client: str) -> float | None:
        for rule in matching_rules(self.rules, method, path):
            now = self.clock()
            key = (rule.bucket, client)
            start, count = self._counts.get(key, (now, 0))
            if now - start >= rule.window_seconds:
                start, count = now, 0
            if count >= rule.limit:
                return max(1.0, rule.window_seconds - (now - start))
            self._counts[key] = (start, count + 1)
            if len(self._counts) > 100_000:  # bound memory under a flood of addresses
                self._counts.clear()
        return None


_TABLE: sa.Table = RateLimitBucket.__table__  # type: ignore[attr-defined]


# The same statement on SQLite (3.35+) and PostgreSQL: one round trip, atomic under concurrency
# (the primary key serialises the increments of one window).
_UPSERT = sa.text(
    "INSERT INTO rate_limit_buckets (bucket, client_key, window_start, window_end, hits) "
    "VALUES (:bucket, :key, :start, :end, 1) "
    "ON CONFLICT (bucket, client_key, window_start) "
    "DO UPDATE SET hits = rate_limit_buckets.hits + 1 "
    "RETURNING hits"
)


def client_key(client: str) -> str:
    return hashlib.sha256(client.encode("utf-8")).hexdigest()


@contextmanager
def _counting(engine: Engine) -> Iterator[Connection]:
    """The transaction that counts one request. On SQLite it commits without waiting for the
    disk (``synchronous=NORMAL``: in WAL mode a crashed process loses nothing, a power cut may
    lose the last counts; a rate limit can afford that, a badge cannot), and the connection
    goes back to the pool at ``synchronous=FULL`` (the storage default) or is thrown away."""
    bound = engine.execution_options(**{SQLITE_BEGIN_OPTION: "IMMEDIATE"})
    if engine.dialect.name != "sqlite":
        with bound.begin() as connection:
            yield connection
        return
    with bound.connect() as connection:
        raw: Any = connection.connection.driver_connection
        raw.execute("PRAGMA synchronous=NORMAL")
        try:
            with connection.begin():
                yield connection
        finally:
            try:
                raw.execute("PRAGMA synchronous=FULL")
            except Exception:
                connection.invalidate()  # never hand a less durable connection to the pool
                raise


class DatabaseRateLimiter:
    """Fixed windows counted in the application's database, shared by every worker.

    ``engine`` may be a callable, so that building the app (``atouts openapi``) opens no
    database. ``clock`` is wall-clock Unix time: every worker must read the same windows."""

    def __init__(
        self,
        engine: Engine | Callable[[], Engine],
        rules: list[RateLimitRule] | None = None,
        *,
        clock: Callable[[], float] = time.time,
        purge_every: float = 60.0,
    ) -> None:
        self._engine = engine
        self.rules = default_rate_limits() if rules is None else rules
        self.clock = clock
        self.purge_every = purge_every
        self._next_purge = -math.inf
        self._lock = threading.Lock()
        self._fallback = RateLimiter(rules=self.rules, clock=clock)
        self._warned = False

    @property
    def blocking(self) -> bool:
        return True

    @property
    def engine(self) -> Engine:
        return self._engine if isinstance(self._engine, Engine) else self._engine()

    def applies(self, method: str, path: str) -> bool:
        return bool(matching_rules(self.rules, method, path))

    def check(self, method: str, path: str, client: str) -> float | None:
        rules = matching_rules(self.rules, method, path)
        if not rules:
            return None
        try:
            return self._check_stored(rules, client)
        except (sa.exc.SQLAlchemyError, StorageError) as error:
            if not self._warned:  # the error kind only: never the address
                log.warning("limites de débit comptées en mémoire : %s", type(error).__name__)
                self._warned = True
            with self._lock:
                return self._fallback.check(method, path, client)

    def _check_stored(self, rules: list[RateLimitRule], client: str) -> float | None:
        now = self.clock()
        key = client_key(client)
        wait: float | None = None
        with _counting(self.engine) as connection:
            for rule in rules:
                length = max(1, int(rule.window_seconds))
                start = int(now // length) * length
                hits = self._count(connection, rule.bucket, key, start, start + length)
                if hits > rule.limit:
                    left = max(1.0, start + length - now)
                    wait = left if wait is None else max(wait, left)
            self._purge_if_due(connection, now)
        return wait

    def _count(self, connection: Connection, bucket: str, key: str, start: int, end: int) -> int:
        """One more hit in (bucket, client, window), atomically; returns the hits so far."""
        params = {"bucket": bucket, "key": key, "start": start, "end": end}
        return int(connection.execute(_UPSERT, params).scalar_one())

    def _purge_if_due(self, connection: Connection, now: float) -> None:
        with self._lock:
            if now < self._next_purge:
                return
            self._next_purge = now + self.purge_every
        connection.execute(sa.delete(_TABLE).where(_TABLE.c.window_end <= now))

    def purge(self) -> int:
        """Delete every expired window now; returns how many rows went."""
        with self.engine.begin() as connection:
            result = connection.execute(
                sa.delete(_TABLE).where(_TABLE.c.window_end <= self.clock())
            )
        return int(result.rowcount)  # type: ignore[attr-defined]
