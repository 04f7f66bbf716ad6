"""Conventions every table keeps, checked on the metadata so that a table added later keeps them
too: aware timestamps, no database-specific enum types, indexed foreign keys, named constraints,
and a docstring saying what the table holds."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import SQLModel

import storage.tables
from storage.types import EnumText, UtcDateTime

TABLES = list(storage.tables.metadata.sorted_tables)


def test_every_timestamp_column_is_an_aware_utc_timestamp() -> None:
    naive = [
        f"{table.name}.{column.name}"
        for table in TABLES
        for column in table.columns
        if isinstance(column.type, sa.DateTime) and not isinstance(column.type, UtcDateTime)
    ]
    assert naive == []


def test_no_column_uses_a_database_enum_type() -> None:
    """PostgreSQL ENUM types need their own migrations; enums are stored as text."""
    enums = [
        f"{table.name}.{column.name}"
        for table in TABLES
        for column in table.columns
        if isinstance(column.type, sa.Enum)
    ]
    assert enums == []


def _leading_columns(table: sa.Table) -> set[tuple[str, ...]]:
    """Column tuples that some index or unique constraint of ``table`` starts with."""
    prefixes: set[tuple[str, ...]] = set()
    groups: list[list[str]] = [[c.name for c in index.columns] for index in table.indexes]
    groups += [
        [c.name for c in constraint.columns]
        for constraint in table.constraints
        if isinstance(constraint, sa.UniqueConstraint | sa.PrimaryKeyConstraint)
    ]
    for names in groups:
        for end in range(1, len(names) + 1):
            prefixes.add(tuple(names[:end]))
    return prefixes


def test_every_foreign_key_is_indexed() -> None:
    """Deleting a parent row (an erased wallet, a withdrawn share) must not scan its children."""
    missing = []
    for table in TABLES:
        prefixes = _leading_columns(table)
        for fk in table.foreign_key_constraints:
            columns = tuple(c.name for c in fk.columns)
            if columns not in prefixes:
                missing.append(f"{table.name}{columns}")
    assert missing == []


def test_every_enum_column_fits_its_values() -> None:
    for table in TABLES:
        for column in table.columns:
            if isinstance(column.type, EnumText):
                longest = max(len(m.value) for m in column.type.enum_class)
                assert longest <= (column.type.impl.length or 0), f"{table.name}.{column.name}"


def test_every_table_model_says_what_it_holds() -> None:
    models = [
        cls
        for cls in SQLModel.__subclasses__()
        if getattr(cls, "__table__", None) is not None
        and cls.__module__.startswith("storage.tables")
    ]
    assert len(models) == len(TABLES)
    assert [cls.__name__ for cls in models if not (cls.__doc__ or "").strip()] == []
