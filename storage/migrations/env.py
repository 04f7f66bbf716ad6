"""Alembic environment for atouts (run through :mod:`storage.migrate` or ``atouts db``).

The connection is handed in by :mod:`storage.migrate` (``config.attributes["connection"]``) so
migrations run on exactly the engine the application uses, with its SQLite pragmas or its
PostgreSQL ``search_path``. Autogenerate renders our column types as plain SQLAlchemy types, so
a migration never depends on application code that may change later.
"""

from __future__ import annotations

from typing import Any, Literal

import sqlalchemy as sa
from alembic import context
from sqlalchemy.types import TypeDecorator, TypeEngine
from sqlmodel.sql.sqltypes import AutoString

import storage.tables
from storage.types import BigIntId, UtcDateTime

target_metadata = storage.tables.metadata


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    """Render our column types as the plain SQLAlchemy types they are stored as."""
    if type_ != "type" or not isinstance(obj, TypeEngine):
        return False
    if obj is BigIntId or (
        isinstance(obj, sa.BigInteger) and getattr(obj, "_variant_mapping", None)
    ):
        return 'sa.BigInteger().with_variant(sa.Integer(), "sqlite")'
    if isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    if isinstance(obj, TypeDecorator) and isinstance(obj.impl, sa.String):
        return f"sa.String(length={obj.impl.length})"
    if isinstance(obj, AutoString):
        return f"sa.String(length={obj.length})" if obj.length else "sa.String()"
    return False


def _configure(connection: sa.Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=render_item,
    )


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    from storage.engine import create_engine

    engine = create_engine(context.config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as connection:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    context.configure(
        url=context.config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
