"""Alembic migrations build exactly the tables the code declares, on SQLite and PostgreSQL,
and an unmigrated database is refused with a clear French message."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

import storage.tables
from cli.main import main
from storage.engine import DatabaseSettings, create_engine
from storage.errors import DatabaseNotMigratedError
from storage.migrate import (
    alembic_config,
    current_revision,
    downgrade,
    ensure_migrated,
    head_revision,
    is_up_to_date,
    open_migrated_engine,
    upgrade,
)


def test_migrations_produce_exactly_the_declared_tables(empty_db_url: str) -> None:
    engine = create_engine(empty_db_url)
    try:
        assert upgrade(engine) == head_revision()
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, storage.tables.metadata) == []
    finally:
        engine.dispose()


def test_downgrade_to_base_removes_every_table_and_upgrade_rebuilds_them(
    empty_db_url: str,
) -> None:
    engine = create_engine(empty_db_url)
    try:
        upgrade(engine)
        assert downgrade(engine, "base") is None
        assert set(sa.inspect(engine).get_table_names()) <= {"alembic_version"}
        upgrade(engine)
        assert set(storage.tables.metadata.tables) <= set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_accepts_a_url_and_is_idempotent(empty_db_url: str) -> None:
    assert upgrade(empty_db_url) == head_revision()
    assert upgrade(empty_db_url) == head_revision()


def test_an_unmigrated_database_is_refused_with_a_french_message(empty_db_url: str) -> None:
    engine = create_engine(empty_db_url)
    try:
        assert current_revision(engine) is None
        assert not is_up_to_date(engine)
        with pytest.raises(DatabaseNotMigratedError) as refused:
            ensure_migrated(engine)
        assert str(refused.value) == (
            "La base de données n'est pas à jour : lancez `atouts db upgrade`."
        )
        assert refused.value.current is None
        assert refused.value.expected == head_revision()
        upgrade(engine)
        ensure_migrated(engine)  # no longer raises
    finally:
        engine.dispose()


def test_the_test_database_fixture_is_at_the_head(db_engine: Engine) -> None:
    assert is_up_to_date(db_engine)
    ensure_migrated(db_engine)


def test_there_is_one_head_and_every_revision_chains_to_the_first() -> None:
    scripts = ScriptDirectory.from_config(alembic_config())
    assert len(scripts.get_heads()) == 1
    bases = scripts.get_bases()
    assert bases == ["0001"]
    for revision in scripts.walk_revisions():
        assert revision.doc, f"migration {revision.revision} has no description"


def test_migration_scripts_do_not_import_application_code() -> None:
    """A migration must keep meaning the same thing when the code changes later."""
    scripts = ScriptDirectory.from_config(alembic_config())
    for revision in scripts.walk_revisions():
        source = Path(revision.path).read_text(encoding="utf-8")
        assert "import storage" not in source, revision.path
        assert "from storage" not in source, revision.path
        assert "sqlmodel" not in source, revision.path


def test_migrating_a_database_with_rows_keeps_them_and_the_links_between_them(
    empty_db_url: str,
) -> None:
    """Upgrade from the first revision with data in it, then go back across a revision that
    rebuilds a referenced table on SQLite (``status_lists``): nothing is lost or refused."""
    engine = create_engine(empty_db_url)
    try:
        upgrade(engine, "0001")
        with engine.begin() as connection:
            connection.execute(
                sa.text(
                    "insert into organisations (id, slug, name, profile, created_at) "
                    "values ('o1', 'atelier', 'Atelier', '{}', :now)"
                ),
                {"now": "2026-01-01 00:00:00"},
            )
            connection.execute(
                sa.text(
                    "insert into status_lists (id, organisation_id, purpose, length, accepting, "
                    "version, published_version, created_at) "
                    "values ('l1', 'o1', 'revocation', 131072, true, 1, 0, :now)"
                ),
                {"now": "2026-01-01 00:00:00"},
            )
            connection.execute(
                sa.text(
                    "insert into status_allocations (status_list_id, status_index, value, "
                    "allocated_at) values ('l1', 42, false, :now)"
                ),
                {"now": "2026-01-01 00:00:00"},
            )
        upgrade(engine)
        downgrade(engine, "0001")
        upgrade(engine)
        with engine.connect() as connection:
            assert (
                connection.execute(
                    sa.text("select status_index from status_allocations")
                ).scalar_one()
                == 42
            )
            assert connection.execute(sa.text("select id from status_lists")).scalar_one() == "l1"
    finally:
        engine.dispose()


def test_the_application_engine_is_refused_until_the_database_is_migrated(
    tmp_path: Path,
) -> None:
    settings = DatabaseSettings(home=tmp_path)
    with pytest.raises(DatabaseNotMigratedError, match="lancez `atouts db upgrade`"):
        open_migrated_engine(settings)
    upgrade(settings.resolved_url())
    engine = open_migrated_engine(settings)
    try:
        assert is_up_to_date(engine)
    finally:
        engine.dispose()


def _stamp(engine: Engine, revision: str) -> None:
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "create table if not exists alembic_version (version_num varchar(32) primary key)"
        )
        connection.exec_driver_sql("delete from alembic_version")
        connection.execute(
            sa.text("insert into alembic_version (version_num) values (:v)"), {"v": revision}
        )


def test_a_database_migrated_by_a_newer_atouts_asks_for_that_version(
    empty_db_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    engine = create_engine(empty_db_url)
    try:
        upgrade(engine)
        _stamp(engine, "9999_from_the_future")
        with pytest.raises(DatabaseNotMigratedError, match="version plus récente") as refused:
            ensure_migrated(engine)
        assert refused.value.current == "9999_from_the_future"
    finally:
        engine.dispose()
    monkeypatch.setenv("ATOUTS_DATABASE_URL", empty_db_url)
    assert main(["db", "upgrade"]) == 1
    assert "version plus récente" in capsys.readouterr().err


def test_two_upgrades_started_together_migrate_once(empty_db_url: str) -> None:
    """Several application servers starting at once may each run the migrations."""
    barrier = threading.Barrier(3)
    outcomes: list[object] = []

    def run() -> None:
        barrier.wait()
        try:
            outcomes.append(upgrade(empty_db_url))
        except BaseException as error:  # asserted below
            outcomes.append(error)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes == [head_revision()] * 3


def test_a_new_revision_is_empty_when_the_tables_match_the_head(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The developer command writes the next numbered script; with nothing changed it is empty."""
    import shutil

    import storage.migrate

    head = head_revision()
    copy = tmp_path / "migrations"
    shutil.copytree(storage.migrate.MIGRATIONS_DIR, copy)
    monkeypatch.setattr(storage.migrate, "MIGRATIONS_DIR", copy)
    path = storage.migrate.new_revision("nothing changed")
    assert path.parent == copy / "versions"
    source = path.read_text(encoding="utf-8")
    assert f"down_revision: str | None = '{head}'" in source
    upgrade_body = source.split("def upgrade() -> None:")[1].split("def downgrade")[0]
    assert "op." not in upgrade_body
