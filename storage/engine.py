"""Engine and session factory: SQLite under ``ATOUTS_HOME`` by default, PostgreSQL on request.

Nothing here reads the environment: the caller (``api``/``cli``, the composition roots) passes the
home directory and the optional database URL it read once (``ATOUTS_HOME``,
``ATOUTS_DATABASE_URL``). See ``docs/adr/0002-storage.md``.

SQLite is made durable and strict on **every** connection (a pool opens several), through a
``connect`` event listener:

- ``journal_mode=WAL``: readers never block the writer; one file plus ``-wal``/``-shm``.
- ``synchronous=FULL``: a commit that returned survives a power cut, not only a process crash
  (reliability-ux.md D3; WAL + NORMAL may lose the last commits on power loss).
- ``foreign_keys=ON``: SQLite ignores foreign keys unless told, per connection.
- ``busy_timeout``: a writer waits for the lock instead of failing at once ("database is
  locked").

Transactions on SQLite are begun by us, not by the driver (``isolation_level=None`` + a ``begin``
listener), so that a write transaction can start with ``BEGIN IMMEDIATE``: it takes the write lock
up front, which ``busy_timeout`` can wait for. A deferred transaction that reads and then writes
can instead fail with ``SQLITE_BUSY`` mid-way when another writer committed meanwhile, and no
timeout helps then. :func:`session_scope` uses ``IMMEDIATE`` unless ``write=False``.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from storage.errors import is_transient

DATABASE_FILENAME = "atouts.db"
DEFAULT_BUSY_TIMEOUT_MS = 10_000

# Execution option read by the SQLite ``begin`` listener: "DEFERRED" or "IMMEDIATE".
SQLITE_BEGIN_OPTION = "atouts_sqlite_begin"


@dataclass(frozen=True, slots=True)
class DatabaseSettings:
    """Where the database is and how to talk to it; built by the caller from its settings.

    ``url`` wins when given (``ATOUTS_DATABASE_URL``); otherwise the SQLite file
    ``<home>/atouts.db`` is used.
    """

    home: Path = Path(".atouts")
    url: str | None = None
    echo: bool = False
    busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS
    connect_args: dict[str, Any] = field(default_factory=dict)

    def resolved_url(self) -> URL:
        return database_url(home=self.home, url=self.url)


def database_url(*, home: Path, url: str | None = None) -> URL:
    """The database URL to use: ``url`` if given, else the SQLite file under ``home``.

    ``postgresql://`` and ``postgres://`` URLs are pointed at the psycopg 3 driver, the one
    installed, so an operator can paste the URL their hosting provider gives them.
    """
    if url:
        parsed = make_url(url)
        if parsed.drivername in ("postgresql", "postgres"):
            parsed = parsed.set(drivername="postgresql+psycopg")
        return parsed
    return URL.create("sqlite+pysqlite", database=str(Path(home) / DATABASE_FILENAME))


def create_engine(
    settings_or_url: DatabaseSettings | str | URL,
    *,
    echo: bool | None = None,
    connect_args: dict[str, Any] | None = None,
) -> Engine:
    """Create an engine with the project's connection discipline (see the module docstring)."""
    if isinstance(settings_or_url, DatabaseSettings):
        settings = settings_or_url
        url = settings.resolved_url()
    elif isinstance(settings_or_url, URL):
        settings = DatabaseSettings()
        url = settings_or_url  # not through str(): that would mask the password
    else:
        settings = DatabaseSettings()
        url = database_url(home=settings.home, url=settings_or_url)
    args = {**settings.connect_args, **(connect_args or {})}
    echo = settings.echo if echo is None else echo

    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(url, echo=echo, busy_timeout_ms=settings.busy_timeout_ms, args=args)
    # pre_ping: a connection killed by a restart or pg_terminate_backend (reliability-ux.md D8)
    # is replaced on checkout instead of failing the next request.
    return sa.create_engine(url, echo=echo, pool_pre_ping=True, connect_args=args)


def _sqlite_engine(url: URL, *, echo: bool, busy_timeout_ms: int, args: dict[str, Any]) -> Engine:
    database = url.database or ""
    in_memory = database in ("", ":memory:") or database.startswith("file::memory:")
    if not in_memory:
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    # The web server hands sessions across threads; each connection is still used by one
    # thread at a time (the pool guarantees it).
    args = {"check_same_thread": False, **args}
    engine = sa.create_engine(url, echo=echo, connect_args=args)

    @sa.event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        # Autocommit at the driver level: we issue BEGIN ourselves (see the module docstring).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            # busy_timeout first: switching a new file to WAL needs a lock that another process
            # opening the database at the same moment may hold for an instant.
            cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
            if not in_memory:
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA foreign_keys=ON")
        finally:
            cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _begin(connection: sa.Connection) -> None:
        mode = connection.get_execution_options().get(SQLITE_BEGIN_OPTION, "DEFERRED")
        if mode not in ("DEFERRED", "IMMEDIATE"):
            raise ValueError(f"unknown SQLite transaction mode {mode!r}")
        connection.exec_driver_sql(f"BEGIN {mode}")

    return engine


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def session_factory(engine: Engine, *, write: bool = True) -> sessionmaker[Session]:
    """A ``sessionmaker`` producing SQLModel sessions bound to ``engine``.

    Objects stay readable after commit (``expire_on_commit=False``): callers return them from a
    :func:`session_scope` block. ``write=True`` makes SQLite transactions ``BEGIN IMMEDIATE``.
    """
    bind = engine.execution_options(**{SQLITE_BEGIN_OPTION: "IMMEDIATE" if write else "DEFERRED"})
    return sessionmaker(bind=bind, class_=Session, expire_on_commit=False)


@contextmanager
def session_scope(engine: Engine, *, write: bool = True) -> Iterator[Session]:
    """One transaction: commit when the block ends normally, roll back on any exception.

    Everything written inside the block (a signed credential, its status index, the outbox
    message announcing it) is committed together or not at all (DESIGN.md §7).
    """
    session = session_factory(engine, write=write)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


T = TypeVar("T")


def transaction(
    engine: Engine,
    work: Callable[[Session], T],
    *,
    write: bool = True,
    attempts: int = 5,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run ``work(session)`` in one transaction, retrying the **whole** transaction when the
    database reports a transient failure (deadlock, serialization failure, lost connection,
    SQLite busy; :func:`storage.errors.is_transient`), up to ``attempts`` times.

    ``work`` must be safe to run again: it starts from a fresh session each time and nothing it
    did in a failed attempt was committed. A failure while committing is ambiguous (the commit
    may have happened); idempotency keys and unique constraints make the retry harmless there.
    """
    for attempt in range(1, attempts + 1):
        try:
            with session_scope(engine, write=write) as session:
                return work(session)
        except sa_exc.DBAPIError as error:
            if attempt == attempts or not is_transient(error):
                raise
            # Back off a little, with jitter, so the transactions that collided do not collide
            # again in lock-step.
            sleep(0.01 * attempt * (1 + random.random()))  # noqa: S311 (jitter, not security)
    raise AssertionError("unreachable")  # pragma: no cover
