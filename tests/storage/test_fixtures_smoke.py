from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from storage.engine import session_scope
from storage.migrate import is_up_to_date
from storage.tables import Organisation


def test_db_engine_has_every_table_and_is_at_the_migration_head(db_engine: Engine) -> None:
    tables = set(sa.inspect(db_engine).get_table_names())
    assert {"credentials", "status_allocations", "wallet_items", "audit_events"} <= tables
    assert is_up_to_date(db_engine)


def test_reading_through_db_session_does_not_block_another_writer(
    db_session: Session, db_engine: Engine
) -> None:
    db_session.add(Organisation(slug="seed", name="Seed"))
    db_session.commit()
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Organisation)) == 1
    # The application (another connection) writes while the test's session is still open.
    with session_scope(db_engine) as app_session:
        app_session.add(Organisation(slug="by-the-app", name="App"))
    db_session.rollback()
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Organisation)) == 2
