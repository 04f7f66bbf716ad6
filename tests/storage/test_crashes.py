"""Crash drills at the storage layer (reliability-ux.md D3, D8).

D3 (process killed right after a commit returned): the row is there when the database is
opened again; with SQLite in WAL + ``synchronous=FULL`` this also holds after a power cut, which
a test cannot simulate. D8 (the database connection is killed mid-transaction): the caller gets
an error it can recognise as transient, nothing is half-written, and the next request works.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from storage.engine import create_engine, session_scope
from storage.errors import is_transient
from storage.tables import Organisation, User
from tests.conftest import REPO

CHILD = textwrap.dedent(
    """
    import os, signal, sys
    from storage.engine import create_engine, session_scope
    from storage.tables import Organisation

    engine = create_engine(sys.argv[1])
    with session_scope(engine) as session:
        session.add(Organisation(slug="survivor", name="Committed before the crash"))
    with session_scope(engine) as session:
        session.add(Organisation(slug="lost", name="Never committed"))
        session.flush()
        print("committed", flush=True)
        os.kill(os.getpid(), signal.SIGKILL)  # kill -9 in the middle of the next transaction
    """
)


def test_a_commit_survives_kill_9_and_the_open_transaction_leaves_nothing(
    db_url: str, db_engine: Engine
) -> None:
    child = subprocess.run(
        [sys.executable, "-c", CHILD, db_url],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert child.returncode == -signal.SIGKILL, child.stderr
    assert child.stdout.strip() == "committed"
    with session_scope(db_engine, write=False) as session:
        slugs = list(session.scalars(sa.select(Organisation.slug)))
    assert slugs == ["survivor"]


def test_a_killed_connection_is_a_transient_error_with_nothing_half_written(
    db_backend: str, db_url: str, db_engine: Engine
) -> None:
    if db_backend != "postgresql":
        pytest.skip("pg_terminate_backend is a PostgreSQL drill")
    engine = create_engine(db_url)
    admin = create_engine(db_url)
    try:

        def kill_the_connection_mid_transaction() -> None:
            with session_scope(engine) as session:
                session.add(User(display_name="Awa"))
                session.flush()
                pid = session.scalar(sa.text("select pg_backend_pid()"))
                with admin.begin() as connection:
                    connection.execute(sa.text("select pg_terminate_backend(:pid)"), {"pid": pid})
                session.add(Organisation(slug="after-kill", name="x"))

        with pytest.raises(sa.exc.DBAPIError) as raised:
            kill_the_connection_mid_transaction()
        assert is_transient(raised.value)
        # The pool replaces the dead connection (pre-ping): the next transaction just works.
        with session_scope(engine) as session:
            session.add(Organisation(slug="next-request", name="y"))
        with session_scope(db_engine, write=False) as session:
            assert session.scalar(sa.select(sa.func.count()).select_from(User)) == 0
            assert list(session.scalars(sa.select(Organisation.slug))) == ["next-request"]
    finally:
        engine.dispose()
        admin.dispose()


def test_a_locked_sqlite_database_is_recognised_as_transient(db_backend: str, db_url: str) -> None:
    if db_backend != "sqlite":
        pytest.skip("SQLite lock drill")
    from storage.engine import DatabaseSettings

    holder = create_engine(db_url)
    impatient = create_engine(
        DatabaseSettings(url=db_url, busy_timeout_ms=0)  # fail at once instead of waiting
    )
    try:
        with session_scope(holder) as session:
            session.execute(sa.text("select 1"))  # BEGIN IMMEDIATE: holds the write lock
            with (
                pytest.raises(sa.exc.OperationalError) as raised,
                session_scope(impatient) as other,
            ):
                other.execute(sa.text("select 1"))
        assert is_transient(raised.value)
    finally:
        holder.dispose()
        impatient.dispose()
