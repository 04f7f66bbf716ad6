"""Apply and check Alembic migrations (``atouts db upgrade`` / ``atouts db status``).

The Alembic configuration is built in code (no ``alembic.ini`` to find): the scripts are in
``storage/migrations``. The application calls :func:`ensure_migrated` at start-up and refuses to
start on a database that is not at the head revision (issue 4, Storage).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError as AlembicError
from sqlalchemy.engine import URL, Engine

from storage.engine import SQLITE_BEGIN_OPTION, DatabaseSettings, create_engine
from storage.errors import (
    NEWER_DATABASE_MESSAGE,
    NOT_MIGRATED_MESSAGE,
    DatabaseNotMigratedError,
    StorageError,
)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# Arbitrary constant naming the PostgreSQL advisory lock held while migrating.
_MIGRATION_LOCK = 0x61746F757473  # "atouts"


def alembic_config(connection: sa.Connection | None = None) -> Config:
    """An Alembic ``Config`` for our scripts, optionally bound to an open connection."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The revision the code expects."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "no migration scripts found"
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (``None``: never migrated)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def _as_engine(engine_or_url: Engine | str | URL) -> tuple[Engine, bool]:
    if isinstance(engine_or_url, Engine):
        return engine_or_url, False
    return create_engine(engine_or_url), True


def _run(engine_or_url: Engine | str | URL, action: Callable[[Config], None]) -> str | None:
    """Run ``action`` on one connection, in one transaction.

    On SQLite, foreign keys are switched off around the migration, as Alembic's batch mode
    requires: rebuilding a table (SQLite's only way to drop a column or a constraint) drops the
    old table, which with foreign keys on would cascade into, or be refused by, the tables that
    point to it. The pragma only takes effect outside a transaction, so it is set on the raw
    connection before BEGIN; ``PRAGMA foreign_key_check`` then proves nothing dangles before
    the migration commits.
    """
    engine, owned = _as_engine(engine_or_url)
    sqlite = engine.dialect.name == "sqlite"
    try:
        # SQLite: take the write lock at BEGIN, so that a second `atouts db upgrade` started at
        # the same time waits, then reads the new revision and has nothing left to do.
        with engine.execution_options(**{SQLITE_BEGIN_OPTION: "IMMEDIATE"}).connect() as connection:
            raw = connection.connection.dbapi_connection
            if sqlite and raw is not None:
                raw.execute("PRAGMA foreign_keys=OFF")
            try:
                with connection.begin():
                    if engine.dialect.name == "postgresql":
                        # Several application servers may run `atouts db upgrade` as they start:
                        # one migrates, the others wait here and then find nothing left to do.
                        connection.execute(
                            sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK}
                        )
                    action(alembic_config(connection))
                    if sqlite:
                        dangling = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                        if dangling:
                            raise StorageError(
                                f"La migration laisserait des références cassées : {dangling[:5]}"
                            )
            finally:
                if sqlite and raw is not None:
                    raw.execute("PRAGMA foreign_keys=ON")
        return current_revision(engine)
    finally:
        if owned:
            engine.dispose()


def upgrade(engine_or_url: Engine | str | URL, revision: str = "head") -> str | None:
    """Bring the database to ``revision`` (the head by default); returns the revision reached.

    All pending migrations run in one transaction (PostgreSQL and SQLite both have
    transactional DDL), so a failure leaves the database at its previous revision.
    """
    return _run(engine_or_url, lambda config: command.upgrade(config, revision))


def downgrade(engine_or_url: Engine | str | URL, revision: str) -> str | None:
    """Go back to ``revision`` (``"base"`` drops everything); for tests and emergencies."""
    return _run(engine_or_url, lambda config: command.downgrade(config, revision))


def is_up_to_date(engine: Engine) -> bool:
    """True when the database is at the head revision."""
    return current_revision(engine) == head_revision()


def ensure_migrated(engine: Engine) -> None:
    """Raise :class:`DatabaseNotMigratedError` (in French) unless the database is at the head.

    A database behind the code asks for ``atouts db upgrade``; one migrated by a newer version
    of atouts (a revision these scripts do not know, e.g. after rolling the code back) asks for
    that version instead: upgrading could not help.
    """
    current = current_revision(engine)
    expected = head_revision()
    if current == expected:
        return
    message = NOT_MIGRATED_MESSAGE
    if current is not None and not _is_known(current):
        message = NEWER_DATABASE_MESSAGE.format(current=current)
    raise DatabaseNotMigratedError(message, current=current, expected=expected)


def _is_known(revision: str) -> bool:
    try:
        return ScriptDirectory.from_config(alembic_config()).get_revision(revision) is not None
    except AlembicError:
        return False


def open_migrated_engine(settings: DatabaseSettings) -> Engine:
    """The engine the application runs on, or :class:`DatabaseNotMigratedError` (in French)
    when the database is not at the head revision: what ``create_app``/``atouts serve`` call at
    start-up so that an unmigrated database is refused before any request is served."""
    engine = create_engine(settings)
    try:
        ensure_migrated(engine)
    except BaseException:
        engine.dispose()
        raise
    return engine


def new_revision(message: str) -> Path:
    """Write a new migration script for the difference between the declared tables and the
    current head (developers: ``python -m storage.migrate revision "what changed"``).

    The comparison runs against a scratch SQLite database brought to the head, so no real
    database is needed. Review the script before committing it: autogenerate cannot see renames
    (it writes drop + add) and renders batch operations for SQLite that plain ``op`` calls often
    replace; ``tests/storage/test_migrations.py`` then checks both databases end identical to
    the declared tables.
    """
    import tempfile

    scripts = ScriptDirectory.from_config(alembic_config())
    revisions = [r.revision for r in scripts.walk_revisions()]
    next_id = f"{max(int(r) for r in revisions if r.isdigit()) + 1:04d}"
    with tempfile.TemporaryDirectory() as scratch:
        engine = create_engine(f"sqlite+pysqlite:///{Path(scratch) / 'scratch.db'}")
        try:
            upgrade(engine)
            with engine.begin() as connection:
                script = command.revision(
                    alembic_config(connection), message=message, autogenerate=True, rev_id=next_id
                )
        finally:
            engine.dispose()
    assert script is not None
    assert not isinstance(script, list)
    return Path(script.path)


def _main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "revision":
        print(new_revision(argv[1]))  # noqa: T201 (developer command)
        return 0
    print('usage: python -m storage.migrate revision "what changed"')  # noqa: T201
    return 64


if __name__ == "__main__":
    import sys

    sys.exit(_main(sys.argv[1:]))
