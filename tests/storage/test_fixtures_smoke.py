from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from storage.migrate import is_up_to_date


def test_db_engine_has_every_table_and_is_at_the_migration_head(db_engine: Engine) -> None:
    tables = set(sa.inspect(db_engine).get_table_names())
    assert {"credentials", "status_allocations", "wallet_items", "audit_events"} <= tables
    assert is_up_to_date(db_engine)
