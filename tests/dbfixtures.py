"""Database fixtures for every test: the same test runs on SQLite and on PostgreSQL.

Loaded for the whole suite by ``tests/conftest.py`` (``pytest_plugins``). Fixtures:

- ``db_backend``: ``"sqlite"`` always, plus ``"postgresql"`` when ``ATOUTS_TEST_DATABASE_URL`` is
  set or ``CI`` is true (default URL ``postgresql+psycopg://postgres@127.0.0.1:5432/test``). The
  PostgreSQL parameter carries the ``postgres`` marker (``-m "not postgres"`` skips it).
- ``db_url``: a database of that backend with every table, stamped at the Alembic head (so
  ``storage.migrate.ensure_migrated`` passes) and **no rows**, as a URL string usable anywhere
  (an engine, ``ATOUTS_DATABASE_URL`` for a subprocess or the app).
- ``db_engine``: an engine on ``db_url`` (disposed after the test).
- ``db_session``: a SQLModel session on ``db_engine`` (commit yourself; closed afterwards). Its
  SQLite transactions are deferred: reading through it does not take the write lock, so the
  application under test can still write; commit what you wrote before calling the app.
- ``empty_db_url``: a database with nothing in it (no tables), for migration tests.

Isolation. SQLite: a file in the test's ``tmp_path`` (copied from a template made once per
session). PostgreSQL: schemas ``test_<random>`` selected through ``options=-csearch_path=...`` in
the URL, so parallel pytest-xdist workers never see each other's rows. ``empty_db_url`` gets a new
schema per test, dropped afterwards; ``db_url`` uses one schema per worker whose tables are
created once and emptied before each test (creating 28 tables costs about a second per test).
Tables come from ``create_all``, which ``tests/storage/test_migrations.py`` proves identical to
the migrations on both backends.
"""

from __future__ import annotations

import os
import secrets
import shutil
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session

import storage.tables
from storage.engine import create_engine, session_factory
from storage.migrate import alembic_config

DEFAULT_TEST_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def postgres_admin_url() -> str | None:
    """The PostgreSQL server tests may use, or None when tests run on SQLite only."""
    url = os.environ.get("ATOUTS_TEST_DATABASE_URL")
    if url:
        return url
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        return DEFAULT_TEST_POSTGRES_URL
    return None


def _backends() -> list[object]:
    params: list[object] = ["sqlite"]
    if postgres_admin_url():
        params.append(pytest.param("postgresql", marks=pytest.mark.postgres))
    return params


def postgres_schema_url(admin_url: str, schema: str) -> str:
    """``admin_url`` with ``search_path`` set to ``schema`` on every connection."""
    url = make_url(admin_url)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    url = url.update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


def stamp_head(engine: Engine) -> None:
    """Record the Alembic head in a database whose tables came from ``create_all``."""
    with engine.begin() as connection:
        MigrationContext.configure(connection).stamp(
            ScriptDirectory.from_config(alembic_config()), "head"
        )


def _create_ready(engine: Engine) -> None:
    storage.tables.metadata.create_all(engine)
    stamp_head(engine)


class _PostgresSchemas:
    """Creates and drops the throw-away schemas of one test session (one xdist worker)."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        self.admin = create_engine(admin_url)
        self.created: list[str] = []

    def create(self) -> str:
        schema = f"test_{secrets.token_hex(6)}"
        with self.admin.begin() as connection:
            connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        self.created.append(schema)
        return schema

    def drop(self, schema: str) -> None:
        with self.admin.begin() as connection:
            # Do not hang the suite behind a connection a test forgot to close.
            connection.exec_driver_sql("SET LOCAL lock_timeout = '20s'")
            connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        self.created.remove(schema)

    def close(self) -> None:
        for schema in list(self.created):
            try:
                self.drop(schema)
            except sa.exc.DBAPIError as error:  # a leaked connection still holds it
                warnings.warn(f"schema {schema} not dropped: {error}", stacklevel=1)
        self.admin.dispose()


@pytest.fixture(params=_backends())
def db_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def _postgres_schemas() -> Iterator[_PostgresSchemas | None]:
    admin_url = postgres_admin_url()
    if admin_url is None:
        yield None
        return
    schemas = _PostgresSchemas(admin_url)
    try:
        yield schemas
    finally:
        schemas.close()


@pytest.fixture(scope="session")
def _postgres_ready_schema(_postgres_schemas: _PostgresSchemas | None) -> dict[str, str]:
    """This worker's schema with every table (created once, emptied before each test).

    A dict so that the schema can be replaced when a test broke it (see ``db_url``)."""
    if _postgres_schemas is None:
        return {}
    return {"schema": _new_ready_schema(_postgres_schemas)}


def _new_ready_schema(schemas: _PostgresSchemas) -> str:
    schema = schemas.create()
    engine = create_engine(postgres_schema_url(schemas.admin_url, schema))
    try:
        _create_ready(engine)
    finally:
        engine.dispose()
    return schema


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite file with every table, copied for each test (faster than DDL per test)."""
    path = tmp_path_factory.mktemp("db-template") / "atouts.db"
    engine = create_engine(f"sqlite+pysqlite:///{path}")
    _create_ready(engine)
    # Disposing closes the last connection, which checkpoints the WAL into the main file.
    engine.dispose()
    return path


def _empty_every_table(engine: Engine) -> None:
    """Delete every row, children first (no DDL: much faster than TRUNCATE or re-creating)."""
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            # A connection a previous test left in a transaction must not hang the suite.
            connection.exec_driver_sql("SET LOCAL lock_timeout = '10s'")
        for table in reversed(storage.tables.metadata.sorted_tables):
            connection.execute(table.delete())


@pytest.fixture
def empty_db_url(
    db_backend: str, tmp_path: Path, _postgres_schemas: _PostgresSchemas | None
) -> Iterator[str]:
    if db_backend == "sqlite":
        yield f"sqlite+pysqlite:///{tmp_path / 'empty.db'}"
        return
    assert _postgres_schemas is not None
    schema = _postgres_schemas.create()
    try:
        yield postgres_schema_url(_postgres_schemas.admin_url, schema)
    finally:
        _postgres_schemas.drop(schema)


@pytest.fixture
def db_url(db_backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if db_backend == "sqlite":
        template: Path = request.getfixturevalue("_sqlite_template")
        target = tmp_path / "atouts.db"
        shutil.copyfile(template, target)
        return f"sqlite+pysqlite:///{target}"
    schemas: _PostgresSchemas = request.getfixturevalue("_postgres_schemas")
    ready: dict[str, str] = request.getfixturevalue("_postgres_ready_schema")
    url = postgres_schema_url(schemas.admin_url, ready["schema"])
    engine = create_engine(url)
    try:
        _empty_every_table(engine)
    except sa.exc.DBAPIError:
        # A previous test changed the schema itself or left a lock behind: move this worker to
        # a fresh schema (the old one is dropped at the end of the session).
        ready["schema"] = _new_ready_schema(schemas)
        url = postgres_schema_url(schemas.admin_url, ready["schema"])
    finally:
        engine.dispose()
    return url


@pytest.fixture
def db_engine(db_url: str) -> Iterator[Engine]:
    engine = create_engine(db_url)
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def db_session(db_engine: Engine) -> Iterator[Session]:
    session = session_factory(db_engine, write=False)()
    try:
        yield session
    finally:
        session.rollback()
        session.close()
