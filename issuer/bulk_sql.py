"""Many-row writes for bulk issuance through the driver's ``executemany``, with plain tuples.

SQLAlchemy's Core ``executemany`` spends more Python time per parameter set than SQLite takes
to write the row (issue 4 benchmark, cProfile on a 2,000-row batch: ~3x the driver's time). Here
the statement text and each column's bind processor (the same ``TypeDecorator`` conversions
SQLAlchemy applies: UTC timestamps, ``StrEnum`` values, JSON) are prepared once per table and
column set, and the rows go to the driver as tuples. Python-side column defaults are *not*
applied: callers give every column; a missing required one is refused when the statement is
prepared (``ValueError``), so a mistake fails the first test rather than the database.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from functools import lru_cache
from operator import itemgetter
from typing import Any

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session

__all__ = ["insert_many", "insert_rows", "update_many", "update_rows"]

Processor = Callable[[Any], Any] | None


def _is_json(column: sa.Column[Any], dialect: Dialect) -> bool:
    return isinstance(column.type.dialect_impl(dialect), sa.JSON)


def _placeholder(column: sa.Column[Any], dialect: Dialect) -> str:
    if dialect.paramstyle == "qmark":
        return "?"
    # psycopg has no adapter for a bare dict: JSON is sent as text and cast by the server.
    return "CAST(%s AS JSON)" if _is_json(column, dialect) else "%s"


def _is_datetime(column: sa.Column[Any]) -> bool:
    kind = column.type
    if isinstance(kind, TypeDecorator):
        kind = kind.impl_instance
    return isinstance(kind, sa.DateTime)


def _sqlite_text(process: Processor) -> Callable[[Any], Any]:
    """The column's conversion, then the text the ``sqlite3`` module's default adapter would
    make of a ``datetime`` (``isoformat(" ")``, the same stored text) — done here, where
    :func:`_converted` memoises it per distinct value, instead of once per row inside the driver."""

    def convert(value: Any) -> Any:
        if process is not None:
            value = process(value)
        return value.isoformat(" ") if isinstance(value, datetime) else value

    return convert


def _processors(table: sa.Table, names: Sequence[str], dialect: Dialect) -> list[Processor]:
    out: list[Processor] = []
    for name in names:
        column = table.c[name]
        process: Processor = column.type.bind_processor(dialect)
        if process is None and _is_json(column, dialect):
            process = json.dumps
        if dialect.name == "sqlite" and _is_datetime(column):
            process = _sqlite_text(process)
        out.append(process)
    return out


@lru_cache(maxsize=64)
def _insert_plan(
    table: sa.Table, names: tuple[str, ...], dialect: Dialect
) -> tuple[str, list[Processor]]:
    for column in table.c:
        given = column.name in names or column is table.autoincrement_column
        if not given and not column.nullable and column.server_default is None:
            raise ValueError(f"{table.name}.{column.name} is required but not given")
    processors = _processors(table, names, dialect)  # KeyError for a name that is no column
    quote = dialect.identifier_preparer.quote
    marks = ", ".join(_placeholder(table.c[n], dialect) for n in names)
    # Only the table's own, quoted column names are interpolated; values are parameters.
    sql = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(n) for n in names)}) "  # noqa: S608
        f"VALUES ({marks})"
    )
    return sql, processors


@lru_cache(maxsize=64)
def _update_plan(
    table: sa.Table, names: tuple[str, ...], key: str, dialect: Dialect
) -> tuple[str, list[Processor]]:
    processors = _processors(table, (*names, key), dialect)  # KeyError for a non-column
    quote = dialect.identifier_preparer.quote
    sets = ", ".join(f"{quote(n)} = {_placeholder(table.c[n], dialect)}" for n in names)
    where = f"{quote(key)} = {_placeholder(table.c[key], dialect)}"
    sql = f"UPDATE {quote(table.name)} SET {sets} WHERE {where}"  # noqa: S608
    return sql, processors


def _picked(rows: Sequence[Mapping[str, Any]], fields: Sequence[str]) -> list[tuple[Any, ...]]:
    # One C-level itemgetter per row (it returns a bare value for a single field).
    if len(fields) == 1:
        (field,) = fields
        return [(row[field],) for row in rows]
    pick = itemgetter(*fields)
    return [pick(row) for row in rows]


def _processed(raw: list[tuple[Any, ...]], processors: list[Processor]) -> list[tuple[Any, ...]]:
    # Converted column by column, only the columns that have a bind processor (transposing
    # with zip is C-level).
    if not raw or all(p is None for p in processors):
        return raw
    columns: list[Sequence[Any]] = list(zip(*raw, strict=True))
    for i, process in enumerate(processors):
        if process is not None:
            columns[i] = _converted(columns[i], process)
    return list(zip(*columns, strict=True))


def _converted(values: Sequence[Any], process: Callable[[Any], Any]) -> Sequence[Any]:
    """A batch repeats many values (its timestamp, organisation, states): a column holding one
    value throughout is converted once, and each distinct scalar once; JSON values (dicts and
    lists) every time."""
    first = values[0]
    scalar = first is not None and not isinstance(first, dict | list)
    if scalar and values.count(first) == len(values):
        return (process(first),) * len(values)
    memo: dict[Any, Any] = {}
    out: list[Any] = []
    for value in values:
        if value is None or isinstance(value, dict | list):
            out.append(value if value is None else process(value))
            continue
        try:
            out.append(memo[value])
        except KeyError:
            memo[value] = converted = process(value)
            out.append(converted)
    return out


def insert_many(session: Session, table: sa.Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """``INSERT`` every row (all with the keys of the first) in the session's transaction."""
    if not rows:
        return
    names = tuple(rows[0])
    insert_rows(session, table, names, _picked(rows, names))


def insert_rows(
    session: Session, table: sa.Table, names: tuple[str, ...], rows: list[tuple[Any, ...]]
) -> None:
    """``INSERT`` rows given as tuples in ``names``' order: callers that build many rows skip
    a dict per row (bench.issuance)."""
    if not rows:
        return
    connection = session.connection()
    sql, processors = _insert_plan(table, names, connection.dialect)
    tuples = _processed(rows, processors)
    if connection.dialect.name == "postgresql":
        _copy(connection, table, names, tuples)
    else:
        connection.exec_driver_sql(sql, tuples)


def _copy(connection: Connection, table: sa.Table, names: Sequence[str], rows: list[Any]) -> None:
    """PostgreSQL: the rows through ``COPY ... FROM STDIN`` in the connection's transaction.

    ``executemany`` costs a protocol message and a parameter conversion in Python per row; COPY
    streams them formatted in psycopg's C code (about a third of the client CPU time a row,
    bench.issuance). The values are the same text the server parses for ``INSERT``; an error
    (a unique violation...) surfaces as SQLAlchemy's exception, as from ``exec_driver_sql``."""
    quote = connection.dialect.identifier_preparer.quote
    sql = f"COPY {quote(table.name)} ({', '.join(quote(n) for n in names)}) FROM STDIN"
    types = _binary_types(table, tuple(names))
    if types is not None:
        sql += " (FORMAT BINARY)"
    driver = connection.connection.driver_connection
    assert driver is not None
    try:
        with driver.cursor() as cursor, cursor.copy(sql) as copy:
            if types is not None:
                copy.set_types(types)
            for row in rows:
                copy.write_row(row)
    except connection.dialect.loaded_dbapi.Error as error:
        raise sa_exc.DBAPIError.instance(
            sql, None, error, connection.dialect.loaded_dbapi.Error, dialect=connection.dialect
        ) from error


def update_many(
    session: Session,
    table: sa.Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    key: str = "id",
    key_field: str | None = None,
) -> None:
    """``UPDATE ... WHERE key = ?`` per row; ``key_field`` names the row's key entry when it is
    not the column name (e.g. ``row_id``); every other entry is a column to set."""
    if not rows:
        return
    field = key_field or key
    names = tuple(name for name in rows[0] if name != field)
    update_rows(session, table, names, _picked(rows, (*names, field)), key=key)


def update_rows(
    session: Session,
    table: sa.Table,
    names: tuple[str, ...],
    rows: list[tuple[Any, ...]],
    *,
    key: str = "id",
) -> None:
    """:func:`update_many` with rows as tuples: the values of ``names``, then the key."""
    if not rows:
        return
    connection = session.connection()
    sql, processors = _update_plan(table, names, key, connection.dialect)
    tuples = _processed(rows, processors)
    if connection.dialect.name == "postgresql" and len({t[-1] for t in tuples}) == len(tuples):
        # One statement over arrays (one round trip, values converted in C) instead of one
        # UPDATE per row; a key given twice keeps executemany's "last one wins" instead.
        columns = tuple(list(column) for column in zip(*tuples, strict=True))
        connection.exec_driver_sql(_unnest_update(table, names, key, connection.dialect), columns)
        return
    connection.exec_driver_sql(sql, tuples)


@lru_cache(maxsize=64)
def _binary_types(table: sa.Table, names: tuple[str, ...]) -> list[str] | None:
    """PostgreSQL types to send the columns in COPY's binary format, which carries text as is
    (the text format escapes it: a signed credential is ~3.5 kB), or None to use the text
    format (a column of another type). Strings and JSON go as ``text``: the server reads a
    ``json`` or ``varchar(n)`` value from those bytes exactly as from an INSERT's text."""
    types: list[str] = []
    for name in names:
        kind = table.c[name].type
        if isinstance(kind, TypeDecorator):
            kind = kind.impl_instance
        if isinstance(kind, JSONB):  # its binary form is a version byte and the text
            return None
        if isinstance(kind, sa.String | sa.JSON):
            types.append("text")
        elif isinstance(kind, sa.DateTime) and kind.timezone:
            types.append("timestamptz")
        elif isinstance(kind, sa.Boolean):
            types.append("bool")
        elif isinstance(kind, sa.SmallInteger):
            types.append("int2")
        elif isinstance(kind, sa.BigInteger):
            types.append("int8")
        elif isinstance(kind, sa.Integer):
            types.append("int4")
        else:
            return None
    return types


@lru_cache(maxsize=64)
def _unnest_update(table: sa.Table, names: tuple[str, ...], key: str, dialect: Dialect) -> str:
    quote = dialect.identifier_preparer.quote

    def array(name: str) -> str:
        column = table.c[name]
        if _is_json(column, dialect):  # sent as text, like a single JSON parameter
            return f"CAST(CAST(%s AS TEXT[]) AS {column.type.compile(dialect)}[])"
        return f"CAST(%s AS {column.type.compile(dialect)}[])"

    arrays = ", ".join(array(n) for n in (*names, key))
    aliases = ", ".join(quote(f"v{i}") for i in range(len(names) + 1))
    sets = ", ".join(f"{quote(n)} = v.{quote(f'v{i}')}" for i, n in enumerate(names))
    # Only the table's own, quoted names are interpolated; the values are array parameters.
    return (
        f"UPDATE {quote(table.name)} SET {sets} "  # noqa: S608
        f"FROM unnest({arrays}) AS v ({aliases}) "
        f"WHERE {quote(table.name)}.{quote(key)} = v.{quote(f'v{len(names)}')}"
    )
