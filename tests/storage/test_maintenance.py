"""``atouts db backup`` / ``atouts db check``: a consistent copy of a live SQLite database, and
damaged or dangling data found before it hurts (reliability-ux.md D7 at the storage layer)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from cli.main import main
from storage.engine import create_engine, session_scope
from storage.errors import StorageError
from storage.maintenance import POSTGRES_BACKUP_HINT, backup_sqlite, integrity_problems
from storage.migrate import is_up_to_date
from storage.tables import Organisation


def test_a_backup_of_a_live_database_has_every_committed_row(
    db_backend: str, db_engine: Engine, tmp_path: Path
) -> None:
    if db_backend != "sqlite":
        with pytest.raises(StorageError, match="pg_dump"):
            backup_sqlite(db_engine, tmp_path / "copy.db")
        return
    with session_scope(db_engine) as session:
        session.add(Organisation(slug="committed", name="In the WAL, not yet in the main file"))
    # The application keeps running: a reader holds a transaction open during the backup.
    with db_engine.connect() as reader:
        reader.exec_driver_sql("select count(*) from organisations").all()
        backup_sqlite(db_engine, tmp_path / "copy.db")
    copy = create_engine(f"sqlite:///{tmp_path / 'copy.db'}")
    try:
        with session_scope(copy, write=False) as session:
            assert list(session.scalars(sa.select(Organisation.slug))) == ["committed"]
        assert is_up_to_date(copy)
        assert integrity_problems(copy) == []
    finally:
        copy.dispose()


def test_a_backup_never_overwrites_a_file(
    db_backend: str, db_engine: Engine, tmp_path: Path
) -> None:
    if db_backend != "sqlite":
        pytest.skip("SQLite backup")
    existing = tmp_path / "copy.db"
    existing.write_bytes(b"previous backup")
    with pytest.raises(StorageError, match="existe déjà"):
        backup_sqlite(db_engine, existing)
    assert existing.read_bytes() == b"previous backup"


def test_check_finds_rows_pointing_nowhere(db_backend: str, db_url: str, db_engine: Engine) -> None:
    if db_backend != "sqlite":
        assert integrity_problems(db_engine) == []
        return
    assert integrity_problems(db_engine) == []
    # A tool that writes with foreign keys off (as plain sqlite3 does by default).
    database = sa.make_url(db_url).database
    assert database is not None
    raw = sqlite3.connect(database)
    try:
        raw.execute(
            "insert into members (id, organisation_id, user_id, role, created_at) "
            "values ('m1', 'ghost-org', 'ghost-user', 'admin', '2026-01-01 00:00:00')"
        )
        raw.commit()
    finally:
        raw.close()
    problems = integrity_problems(db_engine)
    assert problems
    assert all("members" in p for p in problems)


def test_db_backup_and_check_commands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ATOUTS_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("ATOUTS_DATABASE_URL", raising=False)
    assert main(["db", "upgrade"]) == 0
    assert main(["db", "check"]) == 0
    assert main(["db", "backup", str(tmp_path / "save.db")]) == 0
    out = capsys.readouterr().out
    assert "Aucun problème" in out
    assert "ATOUTS_SECRET_KEY" in out
    assert main(["db", "backup", str(tmp_path / "save.db")]) == 1
    assert "existe déjà" in capsys.readouterr().err


def test_db_backup_of_postgresql_points_to_pg_dump(
    db_backend: str,
    empty_db_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    if db_backend != "postgresql":
        pytest.skip("PostgreSQL backup hint")
    monkeypatch.setenv("ATOUTS_DATABASE_URL", empty_db_url)
    assert main(["db", "backup", str(tmp_path / "x.db")]) == 1
    assert POSTGRES_BACKUP_HINT in capsys.readouterr().err
