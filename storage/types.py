"""Column types that behave the same on SQLite and PostgreSQL.

- :class:`UtcDateTime`: timestamps are always timezone-aware UTC in Python. PostgreSQL stores
  ``timestamp with time zone``; SQLite has no time zone type, so values are written as naive UTC
  and read back with ``tzinfo=UTC``. A naive datetime is refused on write: an ambiguous instant
  in an issuance record (validFrom, revocation time) is a bug, not a default.
- :class:`EnumText`: a ``StrEnum`` stored as its value in a ``VARCHAR`` (no PostgreSQL ENUM type,
  so adding a member never needs a type migration); read back as the enum member.
- :data:`BigIntId`: 64-bit auto-increment keys on PostgreSQL, ``INTEGER`` (the rowid alias that
  auto-increments) on SQLite.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

BigIntId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


class UtcDateTime(TypeDecorator[datetime]):
    """An aware UTC ``datetime`` on both databases (see the module docstring)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetime refused: pass an aware datetime (UTC)")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class EnumText(TypeDecorator[StrEnum]):
    """A ``StrEnum`` stored as its string value in a ``VARCHAR(length)``."""

    impl = sa.String
    cache_ok = True

    def __init__(self, enum_class: type[StrEnum], length: int = 32, **kw: Any) -> None:
        super().__init__(length=length, **kw)
        self.enum_class = enum_class
        too_long = [m.value for m in enum_class if len(m.value) > length]
        if too_long:
            raise ValueError(f"{enum_class.__name__} values longer than {length}: {too_long}")

    def process_bind_param(self, value: StrEnum | str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        # Converting through the enum refuses a value that is not a member before it is stored.
        return str(self.enum_class(value).value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> StrEnum | None:
        if value is None:
            return None
        return self.enum_class(value)

    @property
    def python_type(self) -> type[StrEnum]:
        return self.enum_class
