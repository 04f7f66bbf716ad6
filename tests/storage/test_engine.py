"""The engine's connection discipline: where the database is, SQLite pragmas, transactions."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session

from storage.engine import (
    DatabaseSettings,
    create_engine,
    database_url,
    session_scope,
    transaction,
)
from storage.tables import AuditEvent, AuditOutcome, Member, MemberRole, Organisation, User


def test_default_database_is_the_sqlite_file_atouts_db_under_home(tmp_path: Path) -> None:
    url = database_url(home=tmp_path / "home")
    assert url.get_backend_name() == "sqlite"
    assert url.database == str(tmp_path / "home" / "atouts.db")


def test_configured_url_wins_and_plain_postgres_urls_use_psycopg() -> None:
    url = database_url(home=Path("/nowhere"), url="postgresql://u:secret@db.example/atouts")
    assert url.drivername == "postgresql+psycopg"
    assert url.password == "secret"
    assert database_url(home=Path("x"), url="postgres://db/a").drivername == "postgresql+psycopg"


def test_creating_the_engine_creates_the_home_directory(tmp_path: Path) -> None:
    home = tmp_path / "new" / "home"
    engine = create_engine(DatabaseSettings(home=home))
    with engine.connect() as connection:
        connection.exec_driver_sql("select 1")
    engine.dispose()
    assert (home / "atouts.db").is_file()


def _pragmas(connection: sa.Connection) -> dict[str, object]:
    return {
        name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
        for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
    }


def test_sqlite_pragmas_are_in_force_on_every_pooled_connection(tmp_path: Path) -> None:
    engine = create_engine(DatabaseSettings(home=tmp_path, busy_timeout_ms=4321))
    # Hold three connections at once so the pool must open three distinct ones.
    connections = [engine.connect() for _ in range(3)]
    try:
        raw = {id(c.connection.dbapi_connection) for c in connections}
        assert len(raw) == 3
        for connection in connections:
            # synchronous: 2 = FULL.
            assert _pragmas(connection) == {
                "journal_mode": "wal",
                "synchronous": 2,
                "foreign_keys": 1,
                "busy_timeout": 4321,
            }
    finally:
        for connection in connections:
            connection.close()
        engine.dispose()


def test_sqlite_file_is_in_wal_mode_for_any_later_reader(tmp_path: Path) -> None:
    engine = create_engine(DatabaseSettings(home=tmp_path))
    with engine.begin() as connection:
        connection.exec_driver_sql("create table t (x integer)")
        connection.exec_driver_sql("insert into t values (1)")
        # While the engine is open, the write-ahead log sits beside the database file.
        assert (tmp_path / "atouts.db-wal").exists()
    engine.dispose()
    # WAL is persistent in the file: a plain sqlite3 connection sees it too.
    plain = sqlite3.connect(tmp_path / "atouts.db")
    try:
        assert plain.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    finally:
        plain.close()


def test_write_session_takes_the_sqlite_write_lock_before_writing(tmp_path: Path) -> None:
    engine = create_engine(DatabaseSettings(home=tmp_path))
    with engine.begin() as connection:
        connection.exec_driver_sql("create table t (x integer)")
    other = sqlite3.connect(tmp_path / "atouts.db", timeout=0, isolation_level=None)
    try:
        with session_scope(engine) as session:
            session.execute(sa.text("select count(*) from t"))  # a read, yet BEGIN IMMEDIATE
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        with session_scope(engine, write=False) as session:
            session.execute(sa.text("select count(*) from t"))  # deferred: no write lock
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
    finally:
        other.close()
        engine.dispose()


def test_foreign_keys_are_enforced(db_engine: Engine) -> None:
    with pytest.raises(sa.exc.IntegrityError), session_scope(db_engine) as session:
        session.add(Member(organisation_id="no-such-org", user_id="nobody", role=MemberRole.ADMIN))


def test_session_scope_commits_when_the_block_ends(db_engine: Engine) -> None:
    with session_scope(db_engine) as session:
        session.add(Organisation(slug="a", name="A"))
    with session_scope(db_engine, write=False) as session:
        assert list(session.scalars(sa.select(Organisation.slug))) == ["a"]


def test_session_scope_rolls_back_everything_on_error(db_engine: Engine) -> None:
    def crash_before_commit() -> None:
        with session_scope(db_engine) as session:
            session.add(Organisation(slug="a", name="A"))
            session.add(User(display_name="Awa"))
            session.flush()
            raise RuntimeError("crash before commit")

    with pytest.raises(RuntimeError):
        crash_before_commit()
    with session_scope(db_engine, write=False) as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Organisation)) == 0
        assert session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_timestamps_come_back_aware_in_utc(db_engine: Engine) -> None:
    paris = timezone(timedelta(hours=1))
    with session_scope(db_engine) as session:
        event = AuditEvent(
            occurred_at=datetime(2026, 3, 1, 10, 0, tzinfo=paris),
            action="credential.issue",
            object_type="credential",
            outcome=AuditOutcome.SUCCESS,
        )
        session.add(event)
    with session_scope(db_engine, write=False) as session:
        stored = session.get(AuditEvent, event.id)
        assert stored is not None
        assert stored.occurred_at == datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
        assert stored.occurred_at.utcoffset() == timedelta(0)
        assert stored.outcome is AuditOutcome.SUCCESS


def test_naive_timestamps_are_refused(db_engine: Engine) -> None:
    with (
        pytest.raises(sa.exc.StatementError, match="naive datetime"),
        session_scope(db_engine) as session,
    ):
        session.add(
            AuditEvent(
                occurred_at=datetime(2026, 3, 1, 10, 0),  # noqa: DTZ001 (the point of the test)
                action="x",
                object_type="y",
                outcome=AuditOutcome.SUCCESS,
            )
        )


def test_an_enum_value_outside_the_enum_is_refused_before_storage(db_engine: Engine) -> None:
    with pytest.raises(sa.exc.StatementError), session_scope(db_engine) as session:
        session.add(
            AuditEvent(
                occurred_at=datetime(2026, 3, 1, tzinfo=UTC),
                action="x",
                object_type="y",
                outcome="maybe",  # type: ignore[arg-type]
            )
        )


def test_db_url_of_the_fixture_is_usable_by_a_fresh_engine(db_url: str, db_engine: Engine) -> None:
    # What a subprocess given ATOUTS_DATABASE_URL=db_url would see: the same tables.
    other = create_engine(db_url)
    try:
        assert "credentials" in sa.inspect(other).get_table_names()
        assert make_url(db_url).get_backend_name() in ("sqlite", "postgresql")
    finally:
        other.dispose()


def test_json_documents_changed_in_place_are_saved(db_engine: Engine) -> None:
    with session_scope(db_engine) as session:
        organisation = Organisation(slug="a", name="A", profile={"type": "Profile"})
        session.add(organisation)
    with session_scope(db_engine) as session:
        stored = session.get_one(Organisation, organisation.id)
        stored.profile["name"] = "Atelier d'insertion"
    with session_scope(db_engine, write=False) as session:
        assert session.get_one(Organisation, organisation.id).profile == {
            "type": "Profile",
            "name": "Atelier d'insertion",
        }


def _locked() -> sa.exc.OperationalError:
    return sa.exc.OperationalError("INSERT", {}, sqlite3.OperationalError("database is locked"))


def test_transaction_retries_the_whole_work_after_a_transient_failure(db_engine: Engine) -> None:
    calls: list[int] = []

    def work(session: Session) -> str:
        calls.append(1)
        session.add(Organisation(slug=f"try-{len(calls)}", name="x"))
        session.flush()
        if len(calls) == 1:
            raise _locked()
        return "done"

    assert transaction(db_engine, work, sleep=lambda _s: None) == "done"
    assert len(calls) == 2
    with session_scope(db_engine, write=False) as session:
        # The first attempt's row was rolled back with its transaction.
        assert list(session.scalars(sa.select(Organisation.slug))) == ["try-2"]


def test_transaction_does_not_retry_a_real_error_or_forever(db_engine: Engine) -> None:
    calls: list[int] = []

    def duplicate(session: Session) -> None:
        calls.append(1)
        session.add_all([Organisation(slug="same", name="a"), Organisation(slug="same", name="b")])
        session.flush()

    with pytest.raises(sa.exc.IntegrityError):
        transaction(db_engine, duplicate, sleep=lambda _s: None)
    assert len(calls) == 1

    def always_locked(_session: Session) -> None:
        calls.append(1)
        raise _locked()

    calls.clear()
    with pytest.raises(sa.exc.OperationalError):
        transaction(db_engine, always_locked, attempts=3, sleep=lambda _s: None)
    assert len(calls) == 3


def test_time_comparisons_in_queries_mean_the_same_instant_on_both_databases(
    db_engine: Engine,
) -> None:
    paris_summer = timezone(timedelta(hours=2))
    with session_scope(db_engine) as session:
        for hour in (8, 9, 10):
            session.add(
                AuditEvent(
                    occurred_at=datetime(2026, 6, 1, hour, 0, tzinfo=UTC),
                    action=f"at-{hour}",
                    object_type="x",
                    outcome=AuditOutcome.SUCCESS,
                )
            )
    # 11:30 in Paris (summer) is 09:30 UTC: two events happened before it.
    cutoff = datetime(2026, 6, 1, 11, 30, tzinfo=paris_summer)
    with session_scope(db_engine, write=False) as session:
        before = session.scalars(
            sa.select(AuditEvent.action)  # type: ignore[call-overload]
            .where(AuditEvent.occurred_at < cutoff)
            .order_by(AuditEvent.occurred_at)
        ).all()
    assert before == ["at-8", "at-9"]
